//! Unit tests: one or more per engine rule.

use super::*;
use crate::journal::{ChatDecision, DndDecision, JournalEvent, ReapplyCause};
use crate::mapping::{ChatAction, DndAction, ReverseMode, RowMapping};
use crate::starface::{ChatPresence, TelephonyState};
use crate::time::{LocalTime, Weekday};
use crate::working_hours::{ClockTime, WorkingHours};

struct Rig {
    engine: Engine,
    t: u64,
    local: LocalTime,
}

impl Rig {
    fn new() -> Self {
        Self::with(EngineConfig::default())
    }

    fn with(config: EngineConfig) -> Self {
        Self {
            engine: Engine::new(config).unwrap(),
            t: 0,
            local: LocalTime::new(Weekday::Tue, 10, 0),
        }
    }

    /// A rig whose PBX has been read (DND as given) and whose Teams state is settled.
    fn settled(dnd: bool, availability: &str, activity: &str) -> Self {
        let mut rig = Self::new();
        rig.pbx(dnd);
        // The first reading is acted on at once: STARFACE has been read.
        let out = rig.teams(availability, activity);
        rig.ack_all(&out);
        rig.t += 3_000;
        rig
    }

    fn feed(&mut self, input: Input) -> Outputs {
        self.engine
            .handle(input, Now::new(Timestamp::from_millis(self.t), self.local))
    }

    fn wait(&mut self, ms: u64) -> Outputs {
        self.t += ms;
        self.feed(Input::Tick)
    }

    fn teams(&mut self, availability: &str, activity: &str) -> Outputs {
        self.feed(Input::TeamsObserved(TeamsPresence::new(
            availability,
            activity,
        )))
    }

    fn pbx(&mut self, dnd: bool) -> Outputs {
        self.feed(Input::StarfaceObserved(StarfaceState::with_dnd(dnd)))
    }

    fn pbx_call(&mut self, dnd: bool, telephony: TelephonyState) -> Outputs {
        self.feed(Input::StarfaceObserved(StarfaceState {
            dnd,
            chat: None,
            telephony,
        }))
    }

    fn user(&mut self, action: UserAction) -> Outputs {
        self.feed(Input::User(action))
    }

    fn result(&mut self, id: CommandId, ok: bool) -> Outputs {
        let result = if ok {
            Ok(())
        } else {
            Err(CommandFailure::new("HTTP 503"))
        };
        self.feed(Input::CommandFinished { id, result })
    }

    /// The sync restarts: a new engine under `config` goes on from this one's carry-over, driven by
    /// the same clock.
    fn restart_with(&mut self, config: EngineConfig) {
        let carry_over = self.engine.carry_over();
        self.engine = Engine::resume(config, carry_over).unwrap();
    }

    fn restart(&mut self) {
        let config = self.engine.config().clone();
        self.restart_with(config);
    }

    /// Acknowledges every write in `out` as successful; returns what those results produced.
    fn ack_all(&mut self, out: &Outputs) -> Outputs {
        let mut all = Outputs::default();
        for issued in &out.commands {
            if issued.command.target().is_some() {
                let more = self.result(issued.id, true);
                all.commands.extend(more.commands);
                all.journal.extend(more.journal);
            }
        }
        all
    }
}

fn dnd_writes(out: &Outputs) -> Vec<bool> {
    out.commands
        .iter()
        .filter_map(|issued| match issued.command {
            Command::SetDnd(value) => Some(value),
            _ => None,
        })
        .collect()
}

fn find(out: &Outputs, pred: impl Fn(&Command) -> bool) -> Option<&IssuedCommand> {
    out.commands.iter().find(|issued| pred(&issued.command))
}

fn has_event(out: &Outputs, pred: impl Fn(&JournalEvent) -> bool) -> bool {
    out.journal.iter().any(|entry| pred(&entry.event))
}

fn pbx_writes(out: &Outputs) -> usize {
    out.commands
        .iter()
        .filter(|issued| {
            matches!(
                issued.command,
                Command::SetDnd(_) | Command::SetChatStatus(_)
            )
        })
        .count()
}

// ----- mapping a Teams transition ---------------------------------------------------------------

#[test]
fn meeting_switches_dnd_on_after_the_debounce_and_explains_why() {
    let mut rig = Rig::settled(false, "Available", "Available");
    assert!(dnd_writes(&rig.teams("Busy", "InAMeeting")).is_empty());
    assert!(dnd_writes(&rig.wait(2_000)).is_empty(), "debounce not over");
    let out = rig.wait(1_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    let text = out.journal[0].to_string();
    assert!(
        text.starts_with(
            "Teams: Busy / In a meeting -> DND on, chat Do not disturb \"In a meeting (Teams)\""
        ),
        "{text}"
    );
    assert!(text.ends_with("(row Busy-Meeting)"), "{text}");
    let chat = find(&out, |c| matches!(c, Command::SetChatStatus(_))).unwrap();
    assert_eq!(
        chat.command,
        Command::SetChatStatus(ChatStatus::new(
            ChatPresence::DoNotDisturb,
            "In a meeting (Teams)"
        ))
    );
}

#[test]
fn a_state_that_held_long_enough_is_not_lost_when_the_next_one_arrives_without_a_tick() {
    let mut rig = Rig::settled(false, "Away", "Away");
    rig.teams("Busy", "InAMeeting");
    rig.t += 10_000;
    let out = rig.teams("Available", "Available");
    assert_eq!(dnd_writes(&out), vec![true]);
    assert!(!has_event(&out, |e| matches!(
        e,
        JournalEvent::FlickerIgnored { .. }
    )));
}

#[test]
fn flicker_shorter_than_the_debounce_does_nothing() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InACall");
    rig.t += 1_000;
    let out = rig.teams("Available", "Available");
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::FlickerIgnored {
            row: StatusRow::BusyPhone,
            lasted_ms: 1_000
        }
    )));
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
}

#[test]
fn debounce_is_configurable_and_zero_acts_at_once() {
    let mut config = EngineConfig::default();
    config.sync.debounce_seconds = 0;
    let mut rig = Rig::with(config);
    rig.pbx(false);
    let out = rig.teams("Away", "Away");
    rig.ack_all(&out);
    assert_eq!(dnd_writes(&rig.teams("Busy", "InAMeeting")), vec![true]);
}

#[test]
fn never_writes_a_value_the_pbx_already_has() {
    let mut rig = Rig::new();
    rig.pbx(true);
    let out = rig.teams("DoNotDisturb", "Presenting");
    assert!(dnd_writes(&out).is_empty());
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged {
            dnd: DndDecision::AlreadySet(true),
            ..
        }
    )));
}

#[test]
fn repeated_identical_observations_write_once() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let mut writes = 0;
    for _ in 0..20 {
        rig.teams("Busy", "InAMeeting");
        let out = rig.wait(1_000);
        writes += dnd_writes(&out).len();
        rig.ack_all(&out);
        rig.pbx(rig.engine.status().starface_dnd.unwrap());
    }
    assert_eq!(writes, 1);
}

#[test]
fn a_same_row_pair_change_is_not_a_transition() {
    let mut rig = Rig::settled(false, "Busy", "InACall");
    rig.teams("Busy", "InAConferenceCall");
    let out = rig.wait(5_000);
    assert_eq!(pbx_writes(&out), 0);
    assert!(!has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged { .. }
    )));
}

#[test]
fn a_new_status_message_updates_only_the_chat_text() {
    let mut config = EngineConfig::default();
    config.mapping.busy_meeting = RowMapping::new(
        DndAction::Activate,
        ChatAction::set_with_message(
            ChatPresence::DoNotDisturb,
            "Meeting: {teams_status_message}",
        )
        .unwrap(),
    );
    let mut rig = Rig::with(config);
    rig.pbx(false);
    let out = rig.teams("Busy", "InAMeeting");
    rig.ack_all(&out);
    let presence = TeamsPresence::new("Busy", "InAMeeting").with_status_message("Budget");
    rig.feed(Input::TeamsObserved(presence));
    let out = rig.wait(3_000);
    assert!(dnd_writes(&out).is_empty());
    assert_eq!(
        find(&out, |c| matches!(c, Command::SetChatStatus(_)))
            .unwrap()
            .command,
        Command::SetChatStatus(ChatStatus::new(
            ChatPresence::DoNotDisturb,
            "Meeting: Budget"
        ))
    );
}

// ----- the first reading after start ------------------------------------------------------------

fn first_decision(out: &Outputs) -> Option<(Option<StatusRow>, DndDecision, Option<HoldReason>)> {
    out.journal.iter().find_map(|entry| match &entry.event {
        JournalEvent::TeamsChanged {
            previous_row,
            dnd,
            held,
            ..
        } => Some((*previous_row, *dnd, *held)),
        _ => None,
    })
}

#[test]
fn the_first_reading_is_acted_on_when_starface_is_read_without_the_debounce() {
    // Teams answers first: the reading waits for STARFACE, not for the debounce.
    let mut rig = Rig::new();
    rig.t = 200;
    let out = rig.teams("Busy", "InAMeeting");
    assert!(out.journal.is_empty() && out.commands.is_empty());
    rig.t = 280;
    let out = rig.pbx(false);
    assert_eq!(dnd_writes(&out), vec![true]);
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(true), None))
    );
    assert_eq!(out.journal[0].at, Timestamp::from_millis(280));
    assert_eq!(rig.engine.next_wakeup(), None, "nothing left to debounce");

    // STARFACE answers first: the Teams reading is decided in the same call.
    let mut rig = Rig::new();
    rig.t = 200;
    rig.pbx(false);
    rig.t = 280;
    let out = rig.teams("Busy", "InAMeeting");
    assert_eq!(dnd_writes(&out), vec![true]);
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(true), None))
    );
}

#[test]
fn after_the_first_reading_a_different_one_is_debounced_and_a_flicker_ignored() {
    let mut rig = Rig::new();
    rig.pbx(false);
    let out = rig.teams("Available", "Available");
    assert!(first_decision(&out).is_some());
    rig.ack_all(&out);
    // A flicker right after start changes nothing.
    rig.t += 500;
    assert_eq!(pbx_writes(&rig.teams("Busy", "InACall")), 0);
    rig.t += 1_000;
    let out = rig.teams("Available", "Available");
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::FlickerIgnored {
            row: StatusRow::BusyPhone,
            lasted_ms: 1_000
        }
    )));
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
    // A real change still waits for the debounce.
    assert_eq!(pbx_writes(&rig.teams("Busy", "InAMeeting")), 0);
    assert_eq!(pbx_writes(&rig.wait(2_900)), 0);
    assert_eq!(dnd_writes(&rig.wait(100)), vec![true]);
}

#[test]
fn a_reading_that_replaces_the_first_before_starface_is_read_is_debounced() {
    let mut rig = Rig::new();
    rig.teams("Available", "Available");
    rig.t = 100;
    let out = rig.teams("Busy", "InAMeeting");
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::FlickerIgnored {
            row: StatusRow::Available,
            ..
        }
    )));
    rig.t = 280;
    assert_eq!(pbx_writes(&rig.pbx(false)), 0, "Busy-Meeting is a change");
    rig.t = 3_000;
    assert_eq!(pbx_writes(&rig.wait(0)), 0);
    assert_eq!(dnd_writes(&rig.wait(100)), vec![true]);
}

#[test]
fn the_engines_own_session_echo_is_no_first_reading() {
    let mut rig = Rig::new();
    let out = rig.pbx_call(false, TelephonyState::Active);
    rig.ack_all(&out);
    assert!(has_event(&rig.teams("Busy", "InACall"), |e| matches!(
        e,
        JournalEvent::OwnSessionIgnored { .. }
    )));
    rig.t += 1_000;
    let out = rig.teams("DoNotDisturb", "Presenting");
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(true), None))
    );
}

#[test]
fn dnd_found_at_start_is_the_starting_point_of_the_first_reading() {
    // DND was on before the start and Teams says Available (deactivate): the first reading applies
    // the row at once, as it did after the debounce, and remembers the DND found for a restore.
    let mut rig = Rig::new();
    rig.pbx(true);
    let out = rig.teams("Available", "Available");
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(false), None))
    );
    assert_eq!(dnd_writes(&out), vec![false]);
    rig.ack_all(&out);
    rig.t += 60_000;
    rig.teams("Away", "Away");
    let out = rig.wait(3_000);
    assert_eq!(
        first_decision(&out),
        Some((Some(StatusRow::Available), DndDecision::Restore(true), None))
    );
    // A row that leaves DND alone keeps the DND found at start.
    let mut rig = Rig::new();
    rig.pbx(true);
    let out = rig.teams("Away", "Away");
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Unchanged, None))
    );
    assert!(dnd_writes(&out).is_empty());
}

#[test]
fn the_first_reading_while_paused_is_decided_at_once_and_written_at_the_pause_end() {
    let mut rig = Rig::new();
    rig.user(UserAction::PauseUntil(Timestamp::from_millis(60_000)));
    rig.pbx(false);
    let out = rig.teams("Busy", "InAMeeting");
    assert_eq!(pbx_writes(&out), 0);
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(true), Some(HoldReason::Paused)))
    );
    rig.t = 60_000;
    assert_eq!(dnd_writes(&rig.wait(0)), vec![true]);
}

// ----- restore and manual changes -------------------------------------------------------------

#[test]
fn previous_dnd_is_restored_when_the_causing_state_ends() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    rig.ack_all(&out);
    // Away leaves DND unchanged by default, so the value from before the meeting comes back.
    rig.teams("Away", "Away");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![false]);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged {
            dnd: DndDecision::Restore(false),
            ..
        }
    )));
}

#[test]
fn chained_busy_rows_restore_the_value_from_before_the_first() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    rig.ack_all(&out);
    rig.teams("DoNotDisturb", "Presenting");
    assert!(dnd_writes(&rig.wait(3_000)).is_empty());
    rig.teams("BeRightBack", "BeRightBack");
    assert_eq!(dnd_writes(&rig.wait(3_000)), vec![false]);
}

#[test]
fn nothing_is_restored_if_the_engine_did_not_change_dnd() {
    let mut rig = Rig::settled(true, "Away", "Away");
    rig.teams("Busy", "InAMeeting");
    assert!(dnd_writes(&rig.wait(3_000)).is_empty());
    rig.teams("Away", "Away");
    assert!(dnd_writes(&rig.wait(3_000)).is_empty());
    assert_eq!(rig.engine.status().starface_dnd, Some(true));
}

#[test]
fn manual_dnd_is_kept_until_the_next_transition_and_cancels_the_restore() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    rig.ack_all(&out);
    rig.t += 600_000; // long after our write: a person, not another sync
    let out = rig.pbx(false);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::ManualDnd { dnd: false }
    )));
    assert!(rig.engine.status().dnd_kept_manual);
    // Same Teams state keeps coming: the manual value stands.
    for _ in 0..5 {
        rig.teams("Busy", "InAMeeting");
        assert!(dnd_writes(&rig.wait(5_000)).is_empty());
    }
    // The meeting ends into a row that leaves DND alone: no restore, the user's choice stands.
    rig.teams("Away", "Away");
    assert!(dnd_writes(&rig.wait(3_000)).is_empty());
    // The next transition with an explicit action applies again.
    rig.teams("DoNotDisturb", "Presenting");
    assert_eq!(dnd_writes(&rig.wait(3_000)), vec![true]);
}

#[test]
fn a_transition_that_started_before_the_manual_change_does_not_override_it() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    rig.t += 1_000;
    rig.pbx(true); // the user presses DND on the phone while the meeting state is still debouncing
    rig.t += 1_000;
    rig.pbx(false); // ... and off again
    let out = rig.wait(2_000);
    assert!(dnd_writes(&out).is_empty());
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged {
            dnd: DndDecision::KeptManual,
            ..
        }
    )));
}

#[test]
fn an_explicit_row_wins_over_the_remembered_value() {
    let mut rig = Rig::settled(true, "Away", "Away");
    rig.teams("Available", "Available");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![false]);
    rig.ack_all(&out);
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    rig.ack_all(&out);
    rig.teams("Available", "Available");
    assert_eq!(dnd_writes(&rig.wait(3_000)), vec![false]);
}

#[test]
fn manual_chat_change_is_respected() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    rig.ack_all(&out);
    let out = rig.feed(Input::StarfaceObserved(StarfaceState {
        dnd: true,
        chat: Some(ChatStatus::new(ChatPresence::Available, "")),
        telephony: TelephonyState::Available,
    }));
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::ManualChat { .. }
    )));
    rig.teams("Busy", "InAMeeting");
    assert_eq!(pbx_writes(&rig.wait(5_000)), 0);
}

#[test]
fn nothing_is_written_before_starface_was_read() {
    let mut rig = Rig::new();
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    assert_eq!(pbx_writes(&out), 0);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged {
            held: Some(HoldReason::StarfaceNotRead),
            ..
        }
    )));
    assert_eq!(dnd_writes(&rig.pbx(false)), vec![true]);
}

#[test]
fn a_stale_observation_during_a_write_is_not_a_manual_change() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    let write = find(&out, |c| *c == Command::SetDnd(true)).unwrap().id;
    let seen = rig.pbx(false); // read before the write landed
    assert!(!has_event(&seen, |e| matches!(
        e,
        JournalEvent::ManualDnd { .. }
    )));
    rig.result(write, true);
    assert!(!rig.engine.status().dnd_kept_manual);
    assert_eq!(rig.engine.status().starface_dnd, Some(true));
}

// ----- failures --------------------------------------------------------------------------------

#[test]
fn a_failed_write_is_reported_as_failed_and_retried_on_the_next_tick() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    let id = find(&out, |c| *c == Command::SetDnd(true)).unwrap().id;
    let out = rig.result(id, false);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::CommandFailed { .. }
    )));
    assert!(!has_event(&out, |e| matches!(
        e,
        JournalEvent::CommandSucceeded(Command::SetDnd(_))
    )));
    assert!(dnd_writes(&out).is_empty(), "no retry before the next tick");
    assert_eq!(rig.engine.status().starface_dnd, Some(false));
    assert_eq!(rig.engine.status().failing, vec![WriteTarget::Dnd]);
    // Other inputs do not trigger the retry; the tick does.
    assert!(dnd_writes(&rig.pbx(false)).is_empty());
    let out = rig.wait(1_000);
    let retry = find(&out, |c| *c == Command::SetDnd(true)).unwrap().id;
    let done = rig.result(retry, true);
    assert!(has_event(&done, |e| *e
        == JournalEvent::CommandSucceeded(Command::SetDnd(true))));
    assert_eq!(rig.engine.status().starface_dnd, Some(true));
    assert!(rig.engine.status().failing.is_empty());
}

#[test]
fn three_failures_in_a_row_notify_once() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let mut out = rig.wait(3_000);
    let mut notices = 0;
    for _ in 0..5 {
        let id = find(&out, |c| *c == Command::SetDnd(true)).unwrap().id;
        let failed = rig.result(id, false);
        notices += failed
            .commands
            .iter()
            .filter(|c| {
                matches!(
                    c.command,
                    Command::Notify(Notification::WritesFailing { .. })
                )
            })
            .count();
        out = rig.wait(1_000);
    }
    assert_eq!(notices, 1);
}

// ----- reverse direction -----------------------------------------------------------------------

#[test]
fn a_starface_call_sets_refreshes_and_clears_the_teams_session_without_flipping_dnd() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let out = rig.pbx_call(false, TelephonyState::Active);
    let set = find(&out, |c| matches!(c, Command::SetTeamsSession { .. })).unwrap();
    assert_eq!(
        set.command,
        Command::SetTeamsSession {
            presence: SessionPresence::BusyInACall,
            expiration: Duration::from_secs(300)
        }
    );
    rig.result(set.id, true);
    // Teams now shows our own session: not a transition.
    let out = rig.teams("Busy", "InACall");
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::OwnSessionIgnored { .. }
    )));
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
    // Refresh one minute before the 5-minute expiry.
    assert_eq!(
        rig.engine.next_wakeup(),
        Some(Timestamp::from_millis(rig.t - 10_000 + 240_000))
    );
    let mut refreshes = 0;
    for _ in 0..10 {
        rig.teams("Busy", "InACall");
        let out = rig.wait(60_000);
        for issued in &out.commands {
            if matches!(issued.command, Command::SetTeamsSession { .. }) {
                refreshes += 1;
            }
        }
        assert_eq!(pbx_writes(&out), 0);
        rig.ack_all(&out);
    }
    assert_eq!(refreshes, 2, "every 4 minutes over 10 minutes");
    let out = rig.pbx_call(false, TelephonyState::Available);
    let clear = find(&out, |c| *c == Command::ClearTeamsSession).unwrap().id;
    rig.result(clear, true);
    // Teams lags: it still shows the call for a while.
    rig.teams("Busy", "InACall");
    assert_eq!(pbx_writes(&rig.wait(60_000)), 0);
    rig.teams("Available", "Available");
    assert_eq!(pbx_writes(&rig.wait(60_000)), 0);
    assert!(!rig.engine.status().teams_session_active);
}

#[test]
fn a_real_teams_call_after_the_echo_window_is_mapped_normally() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let out = rig.pbx_call(false, TelephonyState::Active);
    rig.ack_all(&out);
    let out = rig.pbx_call(false, TelephonyState::Available);
    rig.ack_all(&out);
    rig.teams("Available", "Available");
    rig.wait(3_000);
    rig.teams("Busy", "InACall"); // Teams had moved on, so this is the user's own Teams call
    assert_eq!(dnd_writes(&rig.wait(3_000)), vec![true]);
}

#[test]
fn reverse_modes() {
    let mut config = EngineConfig::default();
    config.mapping.reverse = ReverseMode::Off;
    let mut rig = Rig::with(config.clone());
    rig.pbx(false);
    assert!(rig
        .pbx_call(false, TelephonyState::Active)
        .commands
        .is_empty());

    config.mapping.reverse = ReverseMode::DoNotDisturbPresenting;
    let mut rig = Rig::with(config);
    rig.pbx(false);
    let out = rig.pbx_call(false, TelephonyState::Active);
    assert!(find(&out, |c| matches!(
        c,
        Command::SetTeamsSession {
            presence: SessionPresence::DoNotDisturbPresenting,
            ..
        }
    ))
    .is_some());
    rig.ack_all(&out);
    rig.teams("DoNotDisturb", "Presenting");
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
}

#[test]
fn ringing_is_not_a_call() {
    let mut rig = Rig::settled(false, "Available", "Available");
    assert!(rig
        .pbx_call(false, TelephonyState::Ringing)
        .commands
        .is_empty());
}

#[test]
fn a_failed_session_set_is_retried_and_a_failed_clear_too() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let out = rig.pbx_call(false, TelephonyState::Active);
    let id = out.commands[0].id;
    rig.result(id, false);
    let out = rig.wait(1_000);
    let retry = find(&out, |c| matches!(c, Command::SetTeamsSession { .. }))
        .unwrap()
        .id;
    rig.result(retry, true);
    let out = rig.pbx_call(false, TelephonyState::Available);
    let clear = find(&out, |c| *c == Command::ClearTeamsSession).unwrap().id;
    rig.result(clear, false);
    assert!(rig.engine.status().teams_session_active);
    let out = rig.wait(1_000);
    let clear = find(&out, |c| *c == Command::ClearTeamsSession).unwrap().id;
    rig.result(clear, true);
    assert!(!rig.engine.status().teams_session_active);
}

// ----- another sync ----------------------------------------------------------------------------

/// Teams alternates meeting/away `meetings` times; right after each DND write the "other sync"
/// (whose mapping never wants DND) switches it back off.
fn fight(rig: &mut Rig, meetings: usize) -> Vec<Outputs> {
    let mut outs = Vec::new();
    for _ in 0..meetings {
        for (availability, activity) in [("Busy", "InAMeeting"), ("Away", "Away")] {
            rig.teams(availability, activity);
            let out = rig.wait(3_000);
            rig.ack_all(&out);
            rig.t += 10_000;
            if dnd_writes(&out).first() == Some(&true) {
                outs.push(rig.pbx(false));
            }
            outs.push(out);
        }
    }
    outs
}

#[test]
fn repeated_quick_reverts_raise_the_another_sync_warning_and_stop_writes() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let outs = fight(&mut rig, 3);
    assert!(outs.iter().any(|out| has_event(out, |e| matches!(
        e,
        JournalEvent::AnotherSyncSuspected { reverts: 3, .. }
    ))));
    assert!(outs.iter().any(|out| find(out, |c| *c
        == Command::Notify(Notification::AnotherSyncActive))
    .is_some()));
    assert_eq!(rig.engine.status().state, SyncState::AnotherSyncSuspected);
    // No more writes, whatever Teams does.
    let outs = fight(&mut rig, 4);
    assert_eq!(outs.iter().map(pbx_writes).sum::<usize>(), 0);
    // The user switched the other sync off: writing resumes with the current row.
    let out = rig.user(UserAction::ConflictDecided(ConflictDecision::KeepSyncing));
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::Reapplied {
            cause: ReapplyCause::KeepSyncing,
            ..
        }
    )));
    assert_eq!(rig.engine.status().state, SyncState::Running);
}

#[test]
fn two_quick_reverts_are_still_just_manual_changes() {
    let mut rig = Rig::settled(false, "Available", "Available");
    fight(&mut rig, 2);
    assert_eq!(rig.engine.status().state, SyncState::Running);
    assert_eq!(rig.engine.status().starface_dnd, Some(false));
}

#[test]
fn slow_changes_are_not_reverts() {
    let mut rig = Rig::settled(false, "Available", "Available");
    for round in 0..6 {
        let (availability, activity) = if round % 2 == 0 {
            ("Busy", "InAMeeting")
        } else {
            ("Available", "Available")
        };
        rig.teams(availability, activity);
        let out = rig.wait(3_000);
        rig.ack_all(&out);
        rig.t += 300_000; // five minutes later: not an automatic revert
        if let Some(value) = dnd_writes(&out).first() {
            rig.pbx(!value);
        }
    }
    assert_eq!(rig.engine.status().state, SyncState::Running);
}

#[test]
fn stop_syncing_holds_until_resume() {
    let mut rig = Rig::settled(false, "Available", "Available");
    fight(&mut rig, 3);
    rig.user(UserAction::ConflictDecided(ConflictDecision::StopSyncing));
    assert_eq!(rig.engine.status().state, SyncState::Stopped);
    assert_eq!(pbx_writes(&rig.pbx_call(false, TelephonyState::Active)), 0);
    assert!(!rig.engine.status().teams_session_active);
    let outs = fight(&mut rig, 2);
    assert_eq!(outs.iter().map(pbx_writes).sum::<usize>(), 0);
    let out = rig.user(UserAction::Resume);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::Reapplied {
            cause: ReapplyCause::Resumed,
            ..
        }
    )));
    assert_eq!(rig.engine.status().state, SyncState::Running);
}

// ----- pause, working hours, user actions --------------------------------------------------------

#[test]
fn pause_writes_nothing_then_catches_up_at_its_end() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let call = rig.pbx_call(false, TelephonyState::Active);
    rig.ack_all(&call);
    let until = Timestamp::from_millis(rig.t + 600_000);
    let out = rig.user(UserAction::PauseUntil(until));
    assert_eq!(
        out.commands.iter().map(|c| &c.command).collect::<Vec<_>>(),
        vec![&Command::ClearTeamsSession],
        "the Teams session is cleared when pausing"
    );
    rig.ack_all(&out);
    assert_eq!(rig.engine.status().state, SyncState::Paused { until });
    rig.teams("Busy", "InAMeeting");
    for _ in 0..9 {
        let out = rig.wait(60_000);
        assert_eq!(pbx_writes(&out), 0);
        assert!(!out
            .commands
            .iter()
            .any(|c| matches!(c.command, Command::SetTeamsSession { .. })));
    }
    let out = rig.wait(60_000);
    assert!(has_event(&out, |e| *e == JournalEvent::PauseEnded));
    assert!(find(&out, |c| *c == Command::Notify(Notification::PauseEnded)).is_some());
    assert_eq!(dnd_writes(&out), vec![true]);
    assert!(find(&out, |c| matches!(c, Command::SetTeamsSession { .. })).is_some());
}

#[test]
fn resume_ends_a_pause_early() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.user(UserAction::PauseUntil(Timestamp::from_millis(u64::MAX)));
    rig.teams("Busy", "InAMeeting");
    assert_eq!(pbx_writes(&rig.wait(5_000)), 0);
    assert_eq!(dnd_writes(&rig.user(UserAction::Resume)), vec![true]);
}

fn office_hours(outside: OutsideHours) -> EngineConfig {
    let mut config = EngineConfig::default();
    config.sync.working_hours = Some(WorkingHours {
        days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        start: ClockTime::new(8, 0).unwrap(),
        end: ClockTime::new(17, 0).unwrap(),
        outside,
    });
    config
}

#[test]
fn outside_working_hours_nothing_is_written_and_the_morning_applies_the_current_row() {
    let mut rig = Rig::with(office_hours(OutsideHours::LeaveAsIs));
    rig.local = LocalTime::new(Weekday::Tue, 18, 0);
    rig.pbx(false);
    // The first reading is decided at once, and held: it is outside working hours.
    let out = rig.teams("Busy", "InAMeeting");
    assert_eq!(pbx_writes(&out), 0);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged {
            row: StatusRow::BusyMeeting,
            held: Some(HoldReason::OutsideWorkingHours),
            ..
        }
    )));
    assert_eq!(pbx_writes(&rig.wait(3_000)), 0);
    assert_eq!(rig.engine.status().state, SyncState::OutsideWorkingHours);
    rig.local = LocalTime::new(Weekday::Wed, 8, 0);
    let out = rig.wait(1_000);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::Reapplied {
            cause: ReapplyCause::WorkingHoursStarted,
            ..
        }
    )));
    assert_eq!(dnd_writes(&out), vec![true]);
}

#[test]
fn outside_working_hours_dnd_can_be_switched_on_once() {
    let mut rig = Rig::with(office_hours(OutsideHours::DndOn));
    rig.pbx(false);
    let out = rig.teams("Away", "Away");
    rig.ack_all(&out);
    rig.local = LocalTime::new(Weekday::Tue, 17, 0);
    let out = rig.wait(1_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    assert_eq!(pbx_writes(&out), 1, "chat is left alone");
    rig.ack_all(&out);
    // Teams changes outside hours are ignored.
    rig.teams("Available", "Available");
    assert_eq!(pbx_writes(&rig.wait(3_000)), 0);
    // In the morning, Available (explicit off) applies.
    rig.local = LocalTime::new(Weekday::Wed, 8, 0);
    assert_eq!(dnd_writes(&rig.wait(1_000)), vec![false]);
}

#[test]
fn leaving_outside_hours_restores_dnd_for_an_unchanged_row() {
    let mut rig = Rig::with(office_hours(OutsideHours::DndOn));
    rig.pbx(false);
    let out = rig.teams("Away", "Away");
    rig.ack_all(&out);
    rig.local = LocalTime::new(Weekday::Tue, 17, 0);
    let out = rig.wait(1_000);
    rig.ack_all(&out);
    rig.local = LocalTime::new(Weekday::Wed, 8, 0);
    assert_eq!(dnd_writes(&rig.wait(1_000)), vec![false]);
}

#[test]
fn sync_now_skips_the_debounce_and_overrides_a_manual_change() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.user(UserAction::SyncNow);
    assert_eq!(dnd_writes(&out), vec![true]);
    rig.ack_all(&out);
    rig.t += 600_000;
    rig.pbx(false);
    assert_eq!(dnd_writes(&rig.user(UserAction::SyncNow)), vec![true]);
}

#[test]
fn changing_the_current_rows_mapping_applies_it_and_other_rows_do_not() {
    let mut rig = Rig::settled(false, "Busy", "Busy");
    let mut mapping = rig.engine.config().mapping.clone();
    mapping.away.dnd = DndAction::Activate;
    assert_eq!(
        pbx_writes(&rig.user(UserAction::MappingChanged(Box::new(mapping.clone())))),
        0
    );
    mapping.busy.dnd = DndAction::Activate;
    let out = rig.user(UserAction::MappingChanged(Box::new(mapping)));
    assert_eq!(dnd_writes(&out), vec![true]);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::Reapplied {
            cause: ReapplyCause::MappingChanged,
            ..
        }
    )));
}

#[test]
fn invalid_options_are_rejected_and_valid_ones_applied() {
    let mut rig = Rig::new();
    let mut options = SyncOptions {
        session_minutes: 1,
        ..SyncOptions::default()
    };
    let out = rig.user(UserAction::OptionsChanged(options.clone()));
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::OptionsRejected { .. }
    )));
    assert_eq!(rig.engine.config().sync.session_minutes, 5);
    options.session_minutes = 30;
    rig.user(UserAction::OptionsChanged(options));
    assert_eq!(rig.engine.config().sync.session_minutes, 30);
}

#[test]
fn engine_new_rejects_invalid_config() {
    let mut config = EngineConfig::default();
    config.sync.session_minutes = 300;
    assert_eq!(
        Engine::new(config).err(),
        Some(ConfigError::SessionMinutes(300))
    );
}

#[test]
fn status_snapshot_reports_state_row_and_dnd() {
    let rig = Rig::settled(false, "Busy", "InAMeeting");
    let status = rig.engine.status();
    assert_eq!(status.state, SyncState::Running);
    assert_eq!(status.row, Some(StatusRow::BusyMeeting));
    assert_eq!(status.starface_dnd, Some(true));
    assert_eq!(
        status.starface_chat,
        Some(ChatStatus::new(
            ChatPresence::DoNotDisturb,
            "In a meeting (Teams)"
        ))
    );
    assert!(!status.in_call);
}

#[test]
fn next_wakeup_reports_the_debounce_deadline() {
    let mut rig = Rig::new();
    assert_eq!(rig.engine.next_wakeup(), None);
    rig.t = 500;
    rig.teams("Busy", "Busy");
    assert_eq!(
        rig.engine.next_wakeup(),
        Some(Timestamp::from_millis(3_500))
    );
}

#[test]
fn first_unchanged_row_writes_nothing() {
    let mut rig = Rig::new();
    rig.pbx(true);
    let out = rig.teams("Offline", "OffWork");
    assert_eq!(pbx_writes(&out), 0);
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::TeamsChanged {
            dnd: DndDecision::Unchanged,
            chat: ChatDecision::Unchanged,
            ..
        }
    )));
}

// ----- restart: carry-over and resume -----------------------------------------------------------

/// Teams says Available, the engine has applied it, and then the user switched DND on by hand.
fn dnd_on_by_hand_while_available() -> Rig {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.t += 600_000;
    let out = rig.pbx(true);
    assert!(has_event(&out, |e| *e == JournalEvent::ManualDnd { dnd: true }));
    rig.teams("Available", "Available");
    assert!(dnd_writes(&rig.wait(10_000)).is_empty());
    rig
}

#[test]
fn a_manual_dnd_is_kept_across_a_restart_while_the_teams_row_is_unchanged() {
    let mut rig = dnd_on_by_hand_while_available();
    rig.restart();
    rig.t += 2_000;
    // Teams answers first, then STARFACE: neither is a change from what the old engine knew.
    let out = rig.teams("Available", "Available");
    assert!(out.commands.is_empty(), "{out:?}");
    let out = rig.pbx(true);
    assert_eq!(pbx_writes(&out), 0, "{out:?}");
    assert!(rig.engine.status().dnd_kept_manual);
    for _ in 0..10 {
        rig.teams("Available", "Available");
        assert_eq!(pbx_writes(&rig.wait(5_000)), 0);
        rig.pbx(true);
    }
    assert_eq!(rig.engine.status().row, Some(StatusRow::Available));
}

#[test]
fn a_fresh_engine_still_applies_the_first_reading_to_the_dnd_it_finds() {
    // The same situation as above without the carry-over: the documented start-up rule.
    let rig = dnd_on_by_hand_while_available();
    let mut fresh = Rig {
        engine: Engine::new(rig.engine.config().clone()).unwrap(),
        ..rig
    };
    fresh.t += 2_000;
    assert!(fresh.teams("Available", "Available").commands.is_empty());
    let out = fresh.pbx(true);
    assert_eq!(dnd_writes(&out), vec![false]);
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(false), None))
    );
    assert!(!fresh.engine.status().dnd_kept_manual);
}

#[test]
fn a_different_row_after_a_restart_is_debounced_and_then_applied() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    rig.ack_all(&out);
    rig.t += 600_000;
    rig.pbx(false); // switched off by hand during the meeting
    rig.restart();
    assert_eq!(pbx_writes(&rig.pbx(false)), 0);
    // Not the first reading of a fresh engine: it is a change from the carried row, so it waits.
    let out = rig.teams("DoNotDisturb", "Presenting");
    assert_eq!(pbx_writes(&out), 0, "{out:?}");
    assert_eq!(pbx_writes(&rig.wait(2_900)), 0, "debounce not over");
    let out = rig.wait(100);
    assert_eq!(dnd_writes(&out), vec![true]);
    assert_eq!(
        first_decision(&out),
        Some((Some(StatusRow::BusyMeeting), DndDecision::Set(true), None))
    );
    assert!(!rig.engine.status().dnd_kept_manual);
}

#[test]
fn a_flicker_right_after_a_restart_does_not_override_the_kept_manual_dnd() {
    let mut rig = dnd_on_by_hand_while_available();
    rig.restart();
    let mut outs = vec![rig.pbx(true), rig.teams("Available", "Available")];
    rig.t += 500;
    outs.push(rig.teams("Offline", "Offline"));
    rig.t += 1_000;
    outs.push(rig.teams("Available", "Available"));
    outs.push(rig.wait(10_000));
    assert_eq!(outs.iter().map(pbx_writes).sum::<usize>(), 0);
    assert!(rig.engine.status().dnd_kept_manual);
}

#[test]
fn the_value_to_restore_survives_a_restart() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    rig.ack_all(&out);
    rig.restart();
    assert_eq!(pbx_writes(&rig.pbx(true)), 0);
    assert_eq!(pbx_writes(&rig.teams("Busy", "InAMeeting")), 0);
    assert_eq!(pbx_writes(&rig.wait(3_000)), 0);
    // The meeting ends into a row that leaves DND alone: the value from before it comes back.
    rig.teams("Away", "Away");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![false]);
    assert_eq!(
        first_decision(&out),
        Some((
            Some(StatusRow::BusyMeeting),
            DndDecision::Restore(false),
            None
        ))
    );
}

#[test]
fn a_pause_survives_a_restart_and_its_end_applies_the_row() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let until = Timestamp::from_millis(rig.t + 600_000);
    rig.user(UserAction::PauseUntil(until));
    // The meeting is decided during the pause; its DND waits for the pause to end.
    rig.teams("Busy", "InAMeeting");
    assert_eq!(pbx_writes(&rig.wait(3_000)), 0);
    rig.restart();
    assert_eq!(rig.engine.status().state, SyncState::Paused { until });
    rig.t += 1_000;
    assert_eq!(pbx_writes(&rig.pbx(false)), 0);
    assert_eq!(pbx_writes(&rig.teams("Busy", "InAMeeting")), 0);
    for _ in 0..9 {
        let out = rig.wait(60_000);
        assert_eq!(pbx_writes(&out), 0, "written during the pause: {out:?}");
        assert_eq!(pbx_writes(&rig.pbx(false)), 0);
        assert_eq!(pbx_writes(&rig.teams("Busy", "InAMeeting")), 0);
    }
    rig.t = until.as_millis();
    let out = rig.wait(0);
    assert!(has_event(&out, |e| *e == JournalEvent::PauseEnded));
    assert_eq!(dnd_writes(&out), vec![true]);
}

#[test]
fn a_write_unfinished_at_the_restart_is_made_only_if_starface_lacks_the_value() {
    let mut rig = Rig::settled(false, "Available", "Available");
    rig.teams("Busy", "InAMeeting");
    let out = rig.wait(3_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    // The sync restarts before the result arrives: did it land or not?
    let carry_over = rig.engine.carry_over();
    let config = rig.engine.config().clone();

    rig.restart_with(config.clone());
    rig.teams("Busy", "InAMeeting");
    assert_eq!(dnd_writes(&rig.pbx(false)), vec![true], "it did not land");

    rig.engine = Engine::resume(config, carry_over).unwrap();
    rig.teams("Busy", "InAMeeting");
    let out = rig.feed(Input::StarfaceObserved(StarfaceState {
        dnd: true,
        chat: Some(ChatStatus::new(
            ChatPresence::DoNotDisturb,
            "In a meeting (Teams)",
        )),
        telephony: TelephonyState::Available,
    }));
    assert_eq!(pbx_writes(&out), 0, "it landed: {out:?}");
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
}

#[test]
fn the_another_sync_stop_survives_a_restart() {
    let mut rig = Rig::settled(false, "Available", "Available");
    fight(&mut rig, 3);
    assert_eq!(rig.engine.status().state, SyncState::AnotherSyncSuspected);
    rig.restart();
    assert_eq!(rig.engine.status().state, SyncState::AnotherSyncSuspected);
    assert_eq!(pbx_writes(&rig.pbx(false)), 0);
    assert_eq!(pbx_writes(&rig.teams("Away", "Away")), 0);
    let outs = fight(&mut rig, 3);
    assert_eq!(outs.iter().map(pbx_writes).sum::<usize>(), 0);
    assert!(
        !outs
            .iter()
            .any(|out| find(out, |c| matches!(c, Command::Notify(_))).is_some()),
        "warned again"
    );
    // "Let the other sync work" also holds through a restart, until the user resumes.
    rig.user(UserAction::ConflictDecided(ConflictDecision::StopSyncing));
    rig.restart();
    assert_eq!(pbx_writes(&rig.pbx(false)), 0);
    assert_eq!(pbx_writes(&rig.teams("Away", "Away")), 0);
    assert_eq!(rig.engine.status().state, SyncState::Stopped);
    rig.teams("Busy", "InAMeeting");
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
    assert_eq!(dnd_writes(&rig.user(UserAction::Resume)), vec![true]);
}

#[test]
fn a_mapping_changed_during_the_restart_applies_the_carried_row_afresh_only_if_it_is_that_rows() {
    // Another row's mapping changed: the kept manual DND stands.
    let mut rig = dnd_on_by_hand_while_available();
    let mut config = rig.engine.config().clone();
    config.mapping.away.dnd = DndAction::Activate;
    rig.restart_with(config);
    assert_eq!(pbx_writes(&rig.pbx(true)), 0);
    assert_eq!(pbx_writes(&rig.teams("Available", "Available")), 0);
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);

    // The current row's mapping changed: it applies at once, as a mapping edit would.
    let mut rig = dnd_on_by_hand_while_available();
    let mut config = rig.engine.config().clone();
    config.mapping.available.chat = ChatAction::Unchanged;
    rig.restart_with(config);
    rig.pbx(true);
    let out = rig.teams("Available", "Available");
    assert_eq!(dnd_writes(&out), vec![false]);
    assert_eq!(
        first_decision(&out),
        Some((None, DndDecision::Set(false), None))
    );
}

#[test]
fn teams_still_showing_the_cleared_session_after_a_restart_is_no_status_of_the_user() {
    let mut rig = Rig::settled(false, "Available", "Available");
    let out = rig.pbx_call(false, TelephonyState::Active);
    assert!(find(&out, |c| matches!(c, Command::SetTeamsSession { .. })).is_some());
    rig.ack_all(&out);
    rig.teams("Busy", "InACall");
    rig.restart();
    // The call ended while the sync restarted; Teams lags behind the clear.
    rig.t += 5_000;
    assert_eq!(
        pbx_writes(&rig.pbx_call(false, TelephonyState::Available)),
        0
    );
    let out = rig.teams("Busy", "InACall");
    assert!(has_event(&out, |e| matches!(
        e,
        JournalEvent::OwnSessionIgnored { .. }
    )));
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
}

#[test]
fn the_one_dnd_change_at_the_end_of_working_hours_is_not_repeated_by_a_restart() {
    let mut rig = Rig::with(office_hours(OutsideHours::DndOn));
    rig.pbx(false);
    let out = rig.teams("Away", "Away");
    rig.ack_all(&out);
    rig.local = LocalTime::new(Weekday::Tue, 17, 0);
    let out = rig.wait(1_000);
    assert_eq!(dnd_writes(&out), vec![true]);
    rig.ack_all(&out);
    rig.t += 600_000;
    rig.pbx(false); // the user wants calls this evening
    rig.restart();
    assert_eq!(pbx_writes(&rig.pbx(false)), 0);
    assert_eq!(pbx_writes(&rig.teams("Away", "Away")), 0);
    assert_eq!(pbx_writes(&rig.wait(10_000)), 0);
    // The morning still applies the row (Away leaves DND alone; the restore was forgotten).
    rig.local = LocalTime::new(Weekday::Wed, 8, 0);
    assert!(has_event(&rig.wait(1_000), |e| matches!(
        e,
        JournalEvent::Reapplied {
            cause: ReapplyCause::WorkingHoursStarted,
            ..
        }
    )));
}

#[test]
fn a_manual_chat_change_is_kept_across_a_restart_and_the_next_morning() {
    let mut rig = Rig::with(office_hours(OutsideHours::LeaveAsIs));
    rig.pbx(false);
    let out = rig.teams("Busy", "InAMeeting");
    rig.ack_all(&out);
    let by_hand = StarfaceState {
        dnd: true,
        chat: Some(ChatStatus::new(ChatPresence::Available, "")),
        telephony: TelephonyState::Available,
    };
    rig.t += 600_000;
    rig.feed(Input::StarfaceObserved(by_hand.clone()));
    rig.restart();
    let mut outs = vec![
        rig.feed(Input::StarfaceObserved(by_hand)),
        rig.teams("Busy", "InAMeeting"),
        rig.wait(10_000),
    ];
    // Working hours starting again is no Teams change: the user's chat status still stands.
    rig.local = LocalTime::new(Weekday::Tue, 17, 0);
    outs.push(rig.wait(1_000));
    rig.local = LocalTime::new(Weekday::Wed, 8, 0);
    outs.push(rig.wait(1_000));
    assert_eq!(outs.iter().map(pbx_writes).sum::<usize>(), 0, "{outs:?}");
    assert!(outs.iter().any(|out| has_event(out, |e| matches!(
        e,
        JournalEvent::Reapplied {
            chat: ChatDecision::KeptManual,
            ..
        }
    ))));
}

#[test]
fn reverts_counted_before_a_restart_still_count_towards_the_another_sync_warning() {
    let mut rig = Rig::settled(false, "Available", "Available");
    fight(&mut rig, 2);
    rig.restart();
    rig.pbx(false);
    rig.teams("Away", "Away");
    let outs = fight(&mut rig, 1);
    assert!(outs.iter().any(|out| has_event(out, |e| matches!(
        e,
        JournalEvent::AnotherSyncSuspected { reverts: 3, .. }
    ))));
    assert_eq!(rig.engine.status().state, SyncState::AnotherSyncSuspected);
}
