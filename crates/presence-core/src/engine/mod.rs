//! The sync engine: a pure state machine from observations to commands and explanations.
//!
//! # Driving it
//!
//! The caller owns all I/O and the clocks. For every event it calls
//! [`Engine::handle`] with an [`Input`] and the current [`Now`], executes the returned
//! [`Outputs::commands`] (in order), feeds each result back as [`Input::CommandFinished`], and shows
//! or stores [`Outputs::journal`]. It also sends [`Input::Tick`] every few seconds (debounce,
//! pause end, session refresh and retries are all decided on ticks); [`Engine::next_wakeup`] says when
//! the next deadline is. [`Engine::status`] is a snapshot for front ends.
//!
//! # Rules
//!
//! * **Edge-triggered, idempotent.** The engine acts when the debounced Teams row (or the rendered
//!   chat target) changes, and only writes a value the PBX does not already have (as last observed
//!   or successfully written). Nothing is written before STARFACE was read once.
//! * **Debounce.** A new Teams state must hold for `debounce_seconds` (default 3 s); a flicker
//!   (Busy → Available → Busy) does nothing but leave a [`JournalEvent::FlickerIgnored`] entry.
//!   The engine's first Teams reading is no change from a known state, so it is not debounced: it
//!   is acted on as soon as STARFACE has been read (at the latest after the debounce time, with the
//!   writes held until STARFACE is read). Every later change is debounced, including one that
//!   replaces the first reading before it was acted on.
//! * **Start-up.** For an engine made with [`Engine::new`], the DND and chat status STARFACE shows
//!   when first read are the starting point, not manual changes: the first Teams reading applies
//!   its row to them like any transition (an explicit DND action sets DND and remembers the value
//!   read, for a later restore; an "unchanged" row leaves the value found alone).
//! * **Manual changes win.** A DND or chat change on STARFACE that the engine did not make is kept
//!   until the next Teams transition that *started after* it (a state still in its debounce wait
//!   when the user acted does not count, and neither does the start of working hours); the engine
//!   also forgets the value it meant to restore.
//! * **Restore.** When a row's DND action changes DND, the value from before is remembered; when the
//!   next row says "unchanged", that value is put back (unless the user changed DND meanwhile). A
//!   row with an explicit action always wins over the remembered value.
//! * **Reverse direction.** While STARFACE telephony is `ACTIVE` and the reverse mode is not `off`,
//!   the engine holds a Teams presence session, refreshes it `session_refresh_margin_seconds` before
//!   it expires and clears it at hang-up. Teams showing exactly that presence while the session is
//!   set, and for `own_session_echo_seconds` after clearing it (Teams lags), is the engine's own echo:
//!   it is ignored, so a STARFACE call never flips DND through Teams.
//! * **Another sync.** See [`ConflictHeuristic`]: repeated quick reverts of the engine's own DND
//!   writes raise [`Notification::AnotherSyncActive`] and stop all writes (the Teams session is
//!   cleared) until [`UserAction::ConflictDecided`].
//! * **Pause / working hours.** Paused: no STARFACE writes and the Teams session is cleared; Teams
//!   changes are still tracked and applied after the pause (unless the user changed STARFACE
//!   meanwhile). Outside working hours: Teams changes are ignored, and DND is either left as is or
//!   set once to the configured value; entering working hours applies the current row afresh.
//! * **Failures.** A failed command is journaled as failed, never as done; the engine keeps its target
//!   and retries on the next tick, notifying once after three failures in a row.
//! * **Restart.** An engine that replaces another (the sync restarts) starts with
//!   [`Engine::resume`] from the old one's [`Engine::carry_over`], not with [`Engine::new`]: the row
//!   acted on, kept manual changes, the value to restore, pause, stop and the "another sync" warning
//!   go on, so the start-up rule does not undo them. See [`EngineCarryOver`].

mod carry_over;
mod config;
mod io;
mod status;
#[cfg(test)]
mod tests;

pub use crate::command::{
    Command, CommandFailure, CommandId, ConflictDecision, IssuedCommand, Notification, WriteTarget,
};
pub use crate::working_hours::OutsideHours;
pub use carry_over::EngineCarryOver;
pub use config::{ConfigError, ConflictHeuristic, EngineConfig, SyncOptions};
pub use io::{Input, Outputs, UserAction};
pub use status::{EngineStatus, SyncState};

use crate::journal::{
    ChatDecision, DndDecision, HoldReason, JournalEntry, JournalEvent, ReapplyCause,
};
use crate::mapping::{Mapping, SessionPresence};
use crate::starface::{ChatStatus, StarfaceState};
use crate::status_row::StatusRow;
use crate::teams::TeamsPresence;
use crate::time::{Now, Timestamp};
use std::collections::VecDeque;
use std::time::Duration;

/// Consecutive failures after which the user is notified.
const FAILURES_BEFORE_NOTICE: u32 = 3;

/// What the engine knows and wants about one writable PBX value.
#[derive(Debug, Clone)]
struct Track<T> {
    /// What the PBX has, as last observed or successfully written.
    belief: Option<T>,
    /// What the engine wants it to be; `None` = leave it alone.
    goal: Option<T>,
    /// A write on its way.
    inflight: Option<(CommandId, T)>,
    /// An observation that arrived while a write was on its way (it may predate the write).
    seen_in_flight: Option<T>,
    /// The last write failed; wait for the next tick before retrying.
    retry_wait: bool,
    failures: u32,
}

impl<T: Clone + PartialEq> Track<T> {
    fn new() -> Self {
        Self {
            belief: None,
            goal: None,
            inflight: None,
            seen_in_flight: None,
            retry_wait: false,
            failures: 0,
        }
    }

    /// The value the PBX has or is about to get.
    fn projected(&self) -> Option<T> {
        self.inflight
            .as_ref()
            .map(|(_, value)| value.clone())
            .or_else(|| self.belief.clone())
    }

    fn write_needed(&self) -> Option<T> {
        if self.inflight.is_some() || self.retry_wait {
            return None;
        }
        let goal = self.goal.as_ref()?;
        (self.belief.as_ref() != Some(goal)).then(|| goal.clone())
    }
}

/// A Teams presence with what it maps to under the current mapping.
#[derive(Debug, Clone)]
struct TeamsView {
    presence: TeamsPresence,
    row: StatusRow,
    chat: Option<ChatStatus>,
    /// The input at which this state was first seen (for manual-change ordering).
    since_seq: u64,
}

impl TeamsView {
    fn same_target(&self, other: &TeamsView) -> bool {
        self.row == other.row && self.chat == other.chat
    }
}

#[derive(Debug, Clone)]
struct Pending {
    view: TeamsView,
    since: Timestamp,
    since_seq: u64,
    /// The engine's first Teams reading: there is no earlier state it could flicker against, so it
    /// only waits for STARFACE to be read (or for the debounce time, whichever comes first).
    first: bool,
}

/// The app's Graph presence session.
#[derive(Debug, Clone, Default)]
struct Session {
    /// A session may exist on Graph (set issued and not cleared successfully).
    live: Option<SessionPresence>,
    /// When to re-send it; `None` until a set succeeded.
    refresh_at: Option<Timestamp>,
    /// `Some(p)` = set in flight, `None` = clear in flight.
    inflight: Option<(CommandId, Option<SessionPresence>)>,
    retry_wait: bool,
    failures: u32,
    /// The pair the session shows in Teams, for echo recognition.
    echo: Option<SessionPresence>,
    /// After clearing, echoes are still expected until then.
    echo_until: Option<Timestamp>,
}

/// The sync engine. See the [module docs](self) for how to drive it and the rules it follows.
#[derive(Debug, Clone)]
pub struct Engine {
    config: EngineConfig,
    now: Now,
    /// Counts inputs; orders Teams transitions against manual changes.
    seq: u64,
    next_id: u64,
    out: Outputs,

    stable: Option<TeamsView>,
    pending: Option<Pending>,
    /// A Teams reading of the user (not the engine's own session echo) has been seen.
    teams_read: bool,
    echo_reported: bool,

    inside_hours: Option<bool>,
    dnd: Track<bool>,
    chat: Track<ChatStatus>,
    dnd_restore: Option<bool>,
    manual_dnd_seq: Option<u64>,
    manual_chat_seq: Option<u64>,
    in_call: bool,

    paused_until: Option<Timestamp>,
    stopped: bool,
    conflict: bool,
    reverts: VecDeque<Timestamp>,
    last_dnd_write: Option<(bool, Timestamp)>,

    session: Session,
}

impl Engine {
    /// A new engine; nothing is written until Teams and STARFACE have been observed.
    pub fn new(config: EngineConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            now: Now::new(
                Timestamp::default(),
                crate::time::LocalTime::new(crate::time::Weekday::Mon, 0, 0),
            ),
            seq: 0,
            next_id: 0,
            out: Outputs::default(),
            stable: None,
            pending: None,
            teams_read: false,
            echo_reported: false,
            inside_hours: None,
            dnd: Track::new(),
            chat: Track::new(),
            dnd_restore: None,
            manual_dnd_seq: None,
            manual_chat_seq: None,
            in_call: false,
            paused_until: None,
            stopped: false,
            conflict: false,
            reverts: VecDeque::new(),
            last_dnd_write: None,
            session: Session::default(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Handles one input at `now` and returns the commands to execute and the journal entries.
    pub fn handle(&mut self, input: Input, now: Now) -> Outputs {
        self.seq += 1;
        self.now = now;
        self.update_working_hours();
        // Deadlines that passed before this input count first: a Teams state that held for the
        // debounce time must not be discarded as flicker just because no tick came in between.
        self.advance();
        match input {
            Input::TeamsObserved(presence) => self.on_teams(presence),
            Input::StarfaceObserved(state) => self.on_starface(state),
            Input::User(action) => self.on_user(action),
            Input::Tick => {
                self.dnd.retry_wait = false;
                self.chat.retry_wait = false;
                self.session.retry_wait = false;
            }
            Input::CommandFinished { id, result } => self.on_result(id, result),
        }
        self.advance();
        self.reconcile();
        std::mem::take(&mut self.out)
    }

    /// A snapshot for front ends.
    pub fn status(&self) -> EngineStatus {
        let outside = self.inside_hours == Some(false);
        let state = if self.conflict {
            SyncState::AnotherSyncSuspected
        } else if self.stopped {
            SyncState::Stopped
        } else if let Some(until) = self.paused_until {
            SyncState::Paused { until }
        } else if outside {
            SyncState::OutsideWorkingHours
        } else {
            SyncState::Running
        };
        let mut failing = Vec::new();
        if self.dnd.failures > 0 {
            failing.push(WriteTarget::Dnd);
        }
        if self.chat.failures > 0 {
            failing.push(WriteTarget::ChatStatus);
        }
        if self.session.failures > 0 {
            failing.push(WriteTarget::TeamsSession);
        }
        EngineStatus {
            state,
            paused_until: self.paused_until,
            outside_working_hours: outside,
            teams: self.stable.as_ref().map(|view| view.presence.clone()),
            row: self.stable.as_ref().map(|view| view.row),
            starface_dnd: self.dnd.belief,
            starface_chat: self.chat.belief.clone(),
            dnd_kept_manual: self.manual_dnd_seq.is_some(),
            in_call: self.in_call,
            teams_session_active: self.session.live.is_some(),
            failing,
        }
    }

    /// The earliest monotonic deadline (debounce end, pause end, session refresh, echo expiry), if any.
    /// Ticking at that time is enough for time-driven decisions; retries still need regular ticks.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        let debounce = self.config.sync.debounce();
        [
            self.pending
                .as_ref()
                .map(|pending| pending.since.saturating_add(debounce)),
            self.paused_until,
            self.session.refresh_at.filter(|_| self.in_call),
            self.session.echo_until,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ----- inputs -------------------------------------------------------------------------------

    fn on_teams(&mut self, presence: TeamsPresence) {
        if self.is_own_echo(&presence) {
            if !self.echo_reported {
                self.echo_reported = true;
                self.log(JournalEvent::OwnSessionIgnored {
                    availability: presence.availability.clone(),
                    activity: presence.activity.clone(),
                });
            }
            // While Teams echoes our session it says nothing about the user; drop half-seen states.
            self.pending = None;
            return;
        }
        self.echo_reported = false;
        if self.session.live.is_none() {
            // Teams has moved past our cleared session; a later identical state is the user's own.
            self.session.echo_until = None;
        }
        let view = self.view_of(presence);
        // Only the very first reading skips the debounce; one that replaces it before it was acted
        // on is a change from a known reading like any other.
        let first = !std::mem::replace(&mut self.teams_read, true);
        if let Some(stable) = &mut self.stable {
            if stable.same_target(&view) {
                stable.presence = view.presence;
                // since_seq stays: the state began earlier.
                self.drop_pending_as_flicker();
                return;
            }
        }
        match &mut self.pending {
            Some(pending) if pending.view.same_target(&view) => {
                pending.view.presence = view.presence
            }
            _ => {
                self.drop_pending_as_flicker();
                self.pending = Some(Pending {
                    view,
                    since: self.now.mono,
                    since_seq: self.seq,
                    first,
                });
            }
        }
    }

    fn on_starface(&mut self, state: StarfaceState) {
        self.observe_dnd(state.dnd);
        if let Some(chat) = state.chat {
            self.observe_chat(chat);
        }
        let in_call = state.telephony.is_in_call();
        if in_call != self.in_call {
            self.in_call = in_call;
            if in_call {
                let session = self.wanted_session_for_call();
                self.log(JournalEvent::CallStarted { session });
            } else {
                self.log(JournalEvent::CallEnded);
            }
        }
    }

    fn on_user(&mut self, action: UserAction) {
        match action {
            UserAction::PauseUntil(until) => {
                self.paused_until = Some(until);
                self.log(JournalEvent::Paused { until });
            }
            UserAction::Resume => {
                self.paused_until = None;
                self.log(JournalEvent::Resumed);
                if std::mem::take(&mut self.stopped) {
                    self.reapply(ReapplyCause::Resumed);
                }
            }
            UserAction::SyncNow => {
                self.dnd.retry_wait = false;
                self.chat.retry_wait = false;
                self.session.retry_wait = false;
                self.manual_dnd_seq = None;
                self.manual_chat_seq = None;
                if self.pending.is_some() && self.inside_hours != Some(false) {
                    self.promote();
                } else {
                    self.reapply(ReapplyCause::SyncNow);
                }
            }
            UserAction::MappingChanged(mapping) => self.change_mapping(*mapping),
            UserAction::OptionsChanged(options) => match options.validate() {
                Ok(()) => {
                    self.config.sync = options;
                    self.log(JournalEvent::OptionsChanged);
                    self.update_working_hours();
                }
                Err(error) => self.log(JournalEvent::OptionsRejected {
                    reason: error.to_string(),
                }),
            },
            UserAction::ConflictDecided(decision) => {
                if !self.conflict {
                    return;
                }
                self.conflict = false;
                self.reverts.clear();
                self.log(JournalEvent::ConflictDecided(decision));
                match decision {
                    ConflictDecision::KeepSyncing => self.reapply(ReapplyCause::KeepSyncing),
                    ConflictDecision::StopSyncing => self.stopped = true,
                }
            }
        }
    }

    fn on_result(&mut self, id: CommandId, result: Result<(), CommandFailure>) {
        let now = self.now.mono;
        if let Some((_, value)) = self.dnd.inflight.take_if(|(pending, _)| *pending == id) {
            let seen = self.dnd.seen_in_flight.take();
            match result {
                Ok(()) => {
                    self.dnd.belief = Some(value);
                    self.dnd.failures = 0;
                    self.last_dnd_write = Some((value, now));
                    self.log(JournalEvent::CommandSucceeded(Command::SetDnd(value)));
                }
                Err(failure) => {
                    self.fail(WriteTarget::Dnd, Command::SetDnd(value), failure);
                    // The write did not happen, so a different value seen meanwhile was set by
                    // someone else: judge it like any other observation.
                    if let Some(seen) = seen {
                        self.observe_dnd(seen);
                    }
                }
            }
        } else if let Some((_, value)) = self.chat.inflight.take_if(|(pending, _)| *pending == id) {
            let seen = self.chat.seen_in_flight.take();
            match result {
                Ok(()) => {
                    self.chat.belief = Some(value.clone());
                    self.chat.failures = 0;
                    self.log(JournalEvent::CommandSucceeded(Command::SetChatStatus(
                        value,
                    )));
                }
                Err(failure) => {
                    self.fail(
                        WriteTarget::ChatStatus,
                        Command::SetChatStatus(value),
                        failure,
                    );
                    if let Some(seen) = seen {
                        self.observe_chat(seen);
                    }
                }
            }
        } else if let Some((_, op)) = self.session.inflight.take_if(|(pending, _)| *pending == id) {
            let command = self.session_command(op);
            match result {
                Ok(()) => {
                    self.session.failures = 0;
                    match op {
                        Some(_) => {
                            self.session.refresh_at =
                                Some(now.saturating_add(self.config.sync.refresh_after()));
                        }
                        None => {
                            self.session.live = None;
                            self.session.refresh_at = None;
                            self.session.echo_until =
                                Some(now.saturating_add(self.config.sync.echo()));
                        }
                    }
                    self.log(JournalEvent::CommandSucceeded(command));
                }
                Err(failure) => self.fail(WriteTarget::TeamsSession, command, failure),
            }
        }
        // Results of notifications and unknown ids need no bookkeeping.
    }

    fn fail(&mut self, target: WriteTarget, command: Command, failure: CommandFailure) {
        let failures = match target {
            WriteTarget::Dnd => &mut self.dnd.failures,
            WriteTarget::ChatStatus => &mut self.chat.failures,
            WriteTarget::TeamsSession => &mut self.session.failures,
        };
        *failures += 1;
        let failures = *failures;
        match target {
            WriteTarget::Dnd => self.dnd.retry_wait = true,
            WriteTarget::ChatStatus => self.chat.retry_wait = true,
            WriteTarget::TeamsSession => self.session.retry_wait = true,
        }
        self.log(JournalEvent::CommandFailed {
            command,
            reason: failure.reason,
        });
        if failures == FAILURES_BEFORE_NOTICE {
            self.log(JournalEvent::WritesFailing { target });
            self.issue(Command::Notify(Notification::WritesFailing { target }));
        }
    }

    // ----- observations of STARFACE ------------------------------------------------------------

    fn observe_dnd(&mut self, observed: bool) {
        if self.dnd.inflight.is_some() {
            self.dnd.seen_in_flight = Some(observed);
            return;
        }
        let Some(believed) = self.dnd.belief else {
            self.dnd.belief = Some(observed);
            return;
        };
        if believed == observed {
            return;
        }
        // Even a change to the value the engine wanted counts as manual: the engine did not cause it,
        // so there is nothing to restore later.
        self.dnd.belief = Some(observed);
        let within = Duration::from_secs(self.config.sync.conflict.revert_within_seconds.into());
        let revert = self.last_dnd_write.is_some_and(|(written, at)| {
            written == believed && self.now.mono.saturating_since(at) <= within
        });
        self.last_dnd_write = None;
        self.dnd.goal = None;
        self.dnd.retry_wait = false;
        self.dnd.failures = 0;
        self.dnd_restore = None;
        self.manual_dnd_seq = Some(self.seq);
        self.log(JournalEvent::ManualDnd { dnd: observed });
        if revert {
            self.count_revert();
        }
    }

    fn observe_chat(&mut self, observed: ChatStatus) {
        if self.chat.inflight.is_some() {
            self.chat.seen_in_flight = Some(observed);
            return;
        }
        let Some(believed) = &self.chat.belief else {
            self.chat.belief = Some(observed);
            return;
        };
        if *believed == observed {
            return;
        }
        self.chat.belief = Some(observed.clone());
        // The UCC desktop client rewrites the chat status on its own, so chat changes are respected
        // but never counted as evidence of another sync.
        self.chat.goal = None;
        self.chat.retry_wait = false;
        self.chat.failures = 0;
        self.manual_chat_seq = Some(self.seq);
        self.log(JournalEvent::ManualChat {
            presence: observed.presence,
        });
    }

    fn count_revert(&mut self) {
        let heuristic = &self.config.sync.conflict;
        let period = Duration::from_secs(u64::from(heuristic.period_minutes) * 60);
        let now = self.now.mono;
        self.reverts.push_back(now);
        while self
            .reverts
            .front()
            .is_some_and(|at| now.saturating_since(*at) > period)
        {
            self.reverts.pop_front();
        }
        let count = u32::try_from(self.reverts.len()).unwrap_or(u32::MAX);
        if count >= heuristic.reverts && !self.conflict {
            let period_minutes = heuristic.period_minutes;
            self.conflict = true;
            self.log(JournalEvent::AnotherSyncSuspected {
                reverts: count,
                period_minutes,
            });
            self.issue(Command::Notify(Notification::AnotherSyncActive));
        }
    }

    // ----- time-driven ---------------------------------------------------------------------------

    fn advance(&mut self) {
        if self
            .paused_until
            .is_some_and(|until| self.now.mono >= until)
        {
            self.paused_until = None;
            self.log(JournalEvent::PauseEnded);
            self.issue(Command::Notify(Notification::PauseEnded));
        }
        if self
            .session
            .echo_until
            .is_some_and(|until| self.now.mono >= until)
        {
            self.session.echo_until = None;
        }
        let debounce = self.config.sync.debounce();
        let starface_read = self.dnd.belief.is_some();
        if self.pending.as_ref().is_some_and(|pending| {
            // The first reading waits for STARFACE rather than the debounce, so its decision is
            // made against the PBX's real DND (and remembers it for a later restore). If STARFACE
            // is slow, it is acted on after the debounce like any change, with the writes held.
            (pending.first && starface_read)
                || self.now.mono.saturating_since(pending.since) >= debounce
        }) {
            self.promote();
        }
    }

    fn update_working_hours(&mut self) {
        let inside = self
            .config
            .sync
            .working_hours
            .as_ref()
            .is_none_or(|hours| hours.contains(self.now.local));
        let previous = self.inside_hours.replace(inside);
        match (previous, inside) {
            (None, false) | (Some(true), false) => self.leave_working_hours(),
            (Some(false), true) => self.reapply(ReapplyCause::WorkingHoursStarted),
            _ => {}
        }
    }

    fn leave_working_hours(&mut self) {
        let outside = self.outside_mode();
        self.chat.goal = None;
        let dnd = match outside.dnd() {
            Some(value) => self.dnd_transition(Some(value), self.seq),
            None => {
                self.dnd.goal = None;
                DndDecision::Unchanged
            }
        };
        self.log(JournalEvent::WorkingHoursEnded { outside, dnd });
    }

    fn outside_mode(&self) -> OutsideHours {
        self.config
            .sync
            .working_hours
            .as_ref()
            .map(|hours| hours.outside)
            .unwrap_or_default()
    }

    // ----- decisions -----------------------------------------------------------------------------

    fn view_of(&self, presence: TeamsPresence) -> TeamsView {
        let row = StatusRow::from_presence(&presence);
        let chat = self.config.mapping.row(row).chat.target(&presence);
        TeamsView {
            presence,
            row,
            chat,
            since_seq: self.seq,
        }
    }

    fn drop_pending_as_flicker(&mut self) {
        if let Some(pending) = self.pending.take() {
            let lasted = self.now.mono.saturating_since(pending.since);
            self.log(JournalEvent::FlickerIgnored {
                row: pending.view.row,
                lasted_ms: u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
            });
        }
    }

    /// Makes the pending Teams state the stable one and decides what it means for STARFACE.
    fn promote(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let previous_row = self.stable.as_ref().map(|view| view.row);
        let mut view = pending.view;
        view.since_seq = pending.since_seq;
        let (dnd, chat, held) = if self.inside_hours == Some(false) {
            (
                DndDecision::Unchanged,
                ChatDecision::Unchanged,
                Some(HoldReason::OutsideWorkingHours),
            )
        } else {
            let dnd = if previous_row == Some(view.row) {
                // Only the rendered chat message changed; DND belongs to the row.
                DndDecision::Unchanged
            } else {
                let action = self.config.mapping.row(view.row).dnd.target();
                self.dnd_transition(action, pending.since_seq)
            };
            let chat = self.chat_transition(view.chat.clone(), pending.since_seq);
            let held = self.hold_for(&dnd, &chat);
            (dnd, chat, held)
        };
        self.log(JournalEvent::TeamsChanged {
            availability: view.presence.availability.clone(),
            activity: view.presence.activity.clone(),
            out_of_office: view.presence.out_of_office,
            row: view.row,
            previous_row,
            dnd,
            chat,
            held,
        });
        self.stable = Some(view);
    }

    /// Applies the current row (or the outside-hours rule) afresh, as if Teams had just changed.
    fn reapply(&mut self, cause: ReapplyCause) {
        let row = self.stable.as_ref().map(|view| view.row);
        let (dnd, chat) = if self.inside_hours == Some(false) {
            let dnd = match self.outside_mode().dnd() {
                Some(value) => self.dnd_transition(Some(value), self.seq),
                None => DndDecision::Unchanged,
            };
            (dnd, ChatDecision::Unchanged)
        } else if let Some(view) = self.stable.clone() {
            // Working hours beginning is no Teams change: a manual change made after the current
            // Teams state began still stands. Explicit user actions override it.
            let since = match cause {
                ReapplyCause::WorkingHoursStarted => view.since_seq,
                _ => self.seq,
            };
            let action = self.config.mapping.row(view.row).dnd.target();
            let dnd = self.dnd_transition(action, since);
            let chat = self.chat_transition(view.chat, since);
            (dnd, chat)
        } else {
            (DndDecision::Unchanged, ChatDecision::Unchanged)
        };
        let held = self.hold_for(&dnd, &chat);
        self.log(JournalEvent::Reapplied {
            cause,
            row,
            dnd,
            chat,
            held,
        });
    }

    /// Decides DND for a transition that started at input `since_seq`.
    fn dnd_transition(&mut self, action: Option<bool>, since_seq: u64) -> DndDecision {
        if self.manual_dnd_seq.is_some_and(|manual| manual > since_seq) {
            return DndDecision::KeptManual;
        }
        self.manual_dnd_seq = None;
        let current = self.dnd.projected();
        match action {
            Some(value) => {
                match self.dnd_restore {
                    None if current.is_some_and(|now| now != value) => self.dnd_restore = current,
                    Some(previous) if previous == value => self.dnd_restore = None,
                    _ => {}
                }
                self.dnd.goal = Some(value);
                if current == Some(value) {
                    DndDecision::AlreadySet(value)
                } else {
                    DndDecision::Set(value)
                }
            }
            None => match self.dnd_restore.take() {
                Some(previous) => {
                    self.dnd.goal = Some(previous);
                    if current == Some(previous) {
                        DndDecision::AlreadySet(previous)
                    } else {
                        DndDecision::Restore(previous)
                    }
                }
                None => {
                    self.dnd.goal = None;
                    DndDecision::Unchanged
                }
            },
        }
    }

    fn chat_transition(&mut self, target: Option<ChatStatus>, since_seq: u64) -> ChatDecision {
        if self
            .manual_chat_seq
            .is_some_and(|manual| manual > since_seq)
        {
            return ChatDecision::KeptManual;
        }
        self.manual_chat_seq = None;
        self.chat.goal = target.clone();
        match target {
            Some(target) if self.chat.projected().as_ref() == Some(&target) => {
                ChatDecision::AlreadySet(target)
            }
            Some(target) => ChatDecision::Set(target),
            None => ChatDecision::Unchanged,
        }
    }

    fn change_mapping(&mut self, mapping: Mapping) {
        let old = std::mem::replace(&mut self.config.mapping, mapping);
        if let Some(mut pending) = self.pending.take() {
            pending.view = self.view_of(pending.view.presence);
            self.pending = Some(pending);
        }
        if let Some(stable) = self.stable.take() {
            let row = stable.row;
            let mut view = self.view_of(stable.presence);
            view.since_seq = stable.since_seq;
            self.stable = Some(view);
            if old.row(row) != self.config.mapping.row(row) {
                self.reapply(ReapplyCause::MappingChanged);
            }
        }
    }

    // ----- the reverse direction ------------------------------------------------------------------

    fn is_own_echo(&self, presence: &TeamsPresence) -> bool {
        let Some(echo) = self.session.echo else {
            return false;
        };
        let expected = self.session.live.is_some()
            || self
                .session
                .echo_until
                .is_some_and(|until| self.now.mono < until);
        expected && echo.matches(presence)
    }

    fn sync_blocked(&self) -> bool {
        self.conflict || self.stopped || self.paused_until.is_some()
    }

    fn wanted_session_for_call(&self) -> Option<SessionPresence> {
        if self.sync_blocked() {
            None
        } else {
            self.config.mapping.reverse.session()
        }
    }

    fn session_command(&self, op: Option<SessionPresence>) -> Command {
        match op {
            Some(presence) => Command::SetTeamsSession {
                presence,
                expiration: self.config.sync.session(),
            },
            None => Command::ClearTeamsSession,
        }
    }

    // ----- writing -------------------------------------------------------------------------------

    /// Why STARFACE writes wait right now, if they do.
    fn pbx_hold(&self) -> Option<HoldReason> {
        if self.conflict {
            Some(HoldReason::AnotherSyncActive)
        } else if self.stopped {
            Some(HoldReason::Stopped)
        } else if self.paused_until.is_some() {
            Some(HoldReason::Paused)
        } else if self.inside_hours == Some(false) && self.outside_mode() == OutsideHours::LeaveAsIs
        {
            Some(HoldReason::OutsideWorkingHours)
        } else if self.dnd.belief.is_none() {
            Some(HoldReason::StarfaceNotRead)
        } else {
            None
        }
    }

    fn hold_for(&self, dnd: &DndDecision, chat: &ChatDecision) -> Option<HoldReason> {
        let writes = matches!(dnd, DndDecision::Set(_) | DndDecision::Restore(_))
            || matches!(chat, ChatDecision::Set(_));
        if writes {
            self.pbx_hold()
        } else {
            None
        }
    }

    fn reconcile(&mut self) {
        if self.pbx_hold().is_none() {
            if let Some(value) = self.dnd.write_needed() {
                let id = self.issue(Command::SetDnd(value));
                self.dnd.inflight = Some((id, value));
            }
            if self.inside_hours != Some(false) {
                if let Some(value) = self.chat.write_needed() {
                    let id = self.issue(Command::SetChatStatus(value.clone()));
                    self.chat.inflight = Some((id, value));
                }
            }
        }
        self.reconcile_session();
    }

    fn reconcile_session(&mut self) {
        if self.session.inflight.is_some() || self.session.retry_wait {
            return;
        }
        let wanted = if self.in_call {
            self.wanted_session_for_call()
        } else {
            None
        };
        let now = self.now.mono;
        let op = match wanted {
            Some(presence)
                if self.session.live != Some(presence)
                    || self.session.refresh_at.is_none_or(|at| now >= at) =>
            {
                self.session.live = Some(presence);
                self.session.echo = Some(presence);
                self.session.refresh_at = None;
                Some(presence)
            }
            None if self.session.live.is_some() => None,
            _ => return,
        };
        let id = self.issue(self.session_command(op));
        self.session.inflight = Some((id, op));
    }

    fn issue(&mut self, command: Command) -> CommandId {
        self.next_id += 1;
        let id = CommandId(self.next_id);
        self.out.commands.push(IssuedCommand { id, command });
        id
    }

    fn log(&mut self, event: JournalEvent) {
        self.out.journal.push(JournalEntry {
            at: self.now.mono,
            event,
        });
    }
}
