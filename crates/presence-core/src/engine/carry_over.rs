//! What an engine hands to the engine that replaces it when the sync restarts (accounts changed,
//! a sign-in, a new password, a settings edit in `--headless`).
//!
//! A fresh [`Engine::new`] takes what STARFACE shows as the start-up state and applies the first
//! Teams reading's row to it. After a restart that would undo what the user chose while the old
//! engine ran (a DND kept by hand, a pause, "let the other sync work"), so the replacing engine
//! starts with [`Engine::resume`] from the old one's [`Engine::carry_over`] instead.

use std::collections::VecDeque;

use super::{Engine, TeamsView, Track};
use crate::mapping::{RowMapping, SessionPresence};
use crate::starface::ChatStatus;
use crate::status_row::StatusRow;
use crate::teams::TeamsPresence;
use crate::time::Timestamp;

use super::config::{ConfigError, EngineConfig};

/// The resumed engine's input counter starts here, as if the hand-over were one input: the carried
/// Teams state began before it (`0`), kept manual changes happened at it, and every reading after
/// the restart starts later, so it is a transition that started after them.
const HAND_OVER_SEQ: u64 = 1;
const CARRIED_TEAMS_SEQ: u64 = 0;

/// The user's choices and the engine's unfinished intent, handed from a stopped engine to the one
/// that replaces it (see [`Engine::carry_over`] and [`Engine::resume`]).
///
/// Memory only, on purpose: it holds the user's last Teams presence, and no presence history is
/// stored on disk, so there is no `Serialize`. Its timestamps are those of the clock the old engine
/// was driven with; resume only with the same clock (the runtime keeps one clock per process).
///
/// What does **not** carry over, and why:
/// * **Commands in flight** and the failure counts: their results go to the old runtime and never
///   reach the new engine (and ids would clash). A write whose result is unknown carries as an
///   unfinished goal instead, which the new engine writes only if STARFACE lacks the value.
/// * **Beliefs about STARFACE** (DND, chat, telephony, the last DND write): the new engine reads
///   STARFACE afresh. A stale value would turn the old engine's own write that landed during the
///   stop into a false "manual change" or a false revert of another sync.
/// * **The Graph presence session**: the stopping runtime clears it. Only the expectation that Teams
///   still shows it for a while (the echo) carries, so that lagging echo is not taken for the user's
///   own status.
/// * **A Teams state still in its debounce wait**: it is half-seen; the next reading decides again
///   and is debounced against the carried row like any change.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineCarryOver {
    acted_on: Option<ActedOnTeams>,
    manual_dnd: bool,
    manual_chat: bool,
    dnd_restore: Option<bool>,
    unfinished_dnd: Option<bool>,
    unfinished_chat: Option<ChatStatus>,
    paused_until: Option<Timestamp>,
    stopped: bool,
    conflict: bool,
    reverts: VecDeque<Timestamp>,
    inside_hours: Option<bool>,
    own_session_echo: Option<(SessionPresence, Timestamp)>,
}

/// The Teams presence behind the row the engine last acted on, with what that row did then.
/// The presence (not just the row) carries so the chat target can be rendered under a new
/// mapping; the row's old mapping carries so a changed mapping of that row is noticed.
#[derive(Debug, Clone, PartialEq)]
struct ActedOnTeams {
    presence: TeamsPresence,
    row_mapping: RowMapping,
}

impl EngineCarryOver {
    /// The row of the Teams state last acted on, if any.
    pub fn row(&self) -> Option<StatusRow> {
        self.acted_on
            .as_ref()
            .map(|acted_on| StatusRow::from_presence(&acted_on.presence))
    }

    /// A DND change made on STARFACE by someone else is being kept.
    pub fn keeps_manual_dnd(&self) -> bool {
        self.manual_dnd
    }

    /// A chat status change made on STARFACE by someone else is being kept.
    pub fn keeps_manual_chat(&self) -> bool {
        self.manual_chat
    }

    /// The end of a pause, if the sync is paused.
    pub fn paused_until(&self) -> Option<Timestamp> {
        self.paused_until
    }

    /// Writes are stopped: "another sync" is suspected, or the user chose to let it work.
    pub fn writes_stopped(&self) -> bool {
        self.conflict || self.stopped
    }
}

impl<T: Clone + PartialEq> Track<T> {
    /// The goal unless STARFACE is known to have it: a write in flight, failed or held.
    fn unconfirmed_goal(&self) -> Option<T> {
        let goal = self.goal.as_ref()?;
        let confirmed = self.inflight.is_none() && self.belief.as_ref() == Some(goal);
        (!confirmed).then(|| goal.clone())
    }
}

impl Engine {
    /// What the engine replacing this one needs to go on where this one stopped. Take it after the
    /// last input this engine handles.
    pub fn carry_over(&self) -> EngineCarryOver {
        let acted_on = self.stable.as_ref().map(|view| ActedOnTeams {
            presence: view.presence.clone(),
            row_mapping: self.config.mapping.row(view.row).clone(),
        });
        let own_session_echo = self.session.echo.and_then(|presence| {
            let until = if self.session.live.is_some() {
                // The stopping runtime clears the session now; Teams lags behind that like
                // behind any clear.
                Some(self.now.mono.saturating_add(self.config.sync.echo()))
            } else {
                self.session.echo_until
            };
            until.map(|until| (presence, until))
        });
        EngineCarryOver {
            acted_on,
            manual_dnd: self.manual_dnd_seq.is_some(),
            manual_chat: self.manual_chat_seq.is_some(),
            dnd_restore: self.dnd_restore,
            unfinished_dnd: self.dnd.unconfirmed_goal(),
            unfinished_chat: self.chat.unconfirmed_goal(),
            paused_until: self.paused_until,
            stopped: self.stopped,
            conflict: self.conflict,
            reverts: self.reverts.clone(),
            inside_hours: self.inside_hours,
            own_session_echo,
        }
    }

    /// An engine that goes on from `carry_over` under `config` (which may differ from the old one).
    ///
    /// * The first Teams reading that maps to the carried row is no transition: a manual DND or
    ///   chat change that was kept stays kept. A different row is a change like any other:
    ///   debounced, then applied (it started after every carried manual change).
    /// * If `config` maps the carried row differently, that row is applied afresh: the first
    ///   reading is acted on like the first one after a start, as a mapping edit in a running
    ///   engine would apply it at once.
    /// * Pause, a stop, the "another sync" warning and its evidence, the value to restore for an
    ///   "unchanged" row and the working-hours phase go on; unfinished writes are made once
    ///   STARFACE is read and lacks the value.
    pub fn resume(config: EngineConfig, carry_over: EngineCarryOver) -> Result<Self, ConfigError> {
        let mut engine = Self::new(config)?;
        let EngineCarryOver {
            acted_on,
            manual_dnd,
            manual_chat,
            dnd_restore,
            unfinished_dnd,
            unfinished_chat,
            paused_until,
            stopped,
            conflict,
            reverts,
            inside_hours,
            own_session_echo,
        } = carry_over;
        engine.seq = HAND_OVER_SEQ;
        if let Some(ActedOnTeams {
            presence,
            row_mapping,
        }) = acted_on
        {
            let row = StatusRow::from_presence(&presence);
            if *engine.config.mapping.row(row) == row_mapping {
                let view = engine.view_of(presence);
                engine.stable = Some(TeamsView {
                    since_seq: CARRIED_TEAMS_SEQ,
                    ..view
                });
                // A known state: the next different reading is a change and is debounced.
                engine.teams_read = true;
            }
        }
        engine.manual_dnd_seq = manual_dnd.then_some(HAND_OVER_SEQ);
        engine.manual_chat_seq = manual_chat.then_some(HAND_OVER_SEQ);
        engine.dnd_restore = dnd_restore;
        engine.dnd.goal = unfinished_dnd;
        engine.chat.goal = unfinished_chat;
        engine.paused_until = paused_until;
        engine.stopped = stopped;
        engine.conflict = conflict;
        engine.reverts = reverts;
        // Carried so the first input only acts on a real change of phase: the one DND change at the
        // end of working hours is not made again, and their start still re-applies the row.
        engine.inside_hours = inside_hours;
        if let Some((presence, until)) = own_session_echo {
            engine.session.echo = Some(presence);
            engine.session.echo_until = Some(until);
        }
        Ok(engine)
    }
}
