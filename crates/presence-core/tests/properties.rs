//! Property tests: random event sequences against a model PBX, Graph and user.
//!
//! The [`World`] plays everything around the engine: a STARFACE PBX holding DND, chat status and
//! telephony; Graph holding the user's own Teams presence plus the app's presence session; a user who
//! presses DND on the phone; and an executor that delivers command results late, successfully or not.
//! Each property enables the events it is about and checks the engine's commands as they are issued.

use presence_core::engine::{
    Command, CommandFailure, CommandId, Engine, EngineConfig, Input, IssuedCommand, UserAction,
};
use presence_core::journal::JournalEvent;
use presence_core::mapping::{DndAction, SessionPresence};
use presence_core::working_hours::{ClockTime, OutsideHours, WorkingHours};
use presence_core::{
    ChatStatus, LocalTime, Now, StarfaceState, StatusRow, TeamsPresence, TelephonyState, Timestamp,
    Weekday,
};
use proptest::prelude::*;
use std::collections::{HashMap, VecDeque};

/// The Teams states the model user goes through.
const PAIRS: [(&str, &str); 8] = [
    ("Available", "Available"),
    ("Busy", "InAMeeting"),
    ("Busy", "InACall"),
    ("DoNotDisturb", "Presenting"),
    ("Away", "Away"),
    ("BeRightBack", "BeRightBack"),
    ("Offline", "OffWork"),
    ("Busy", "Busy"),
];

#[derive(Debug, Clone)]
enum Event {
    /// The user's own Teams state changes and the engine reads it.
    Teams(usize),
    /// The engine reads Teams again.
    ObserveTeams,
    /// The engine reads STARFACE.
    ObservePbx,
    /// The user presses DND on the phone.
    ToggleDnd,
    /// A STARFACE call starts or ends (and the engine reads STARFACE).
    Call(bool),
    /// Time passes, then a tick.
    Advance(u64),
    /// The oldest outstanding command finishes.
    Deliver(bool),
    /// The user pauses for this many milliseconds.
    Pause(u64),
    /// The user resumes.
    Resume,
    /// The local clock jumps to this hour on a Wednesday, then a tick.
    Hour(u8),
}

struct World {
    engine: Engine,
    config: EngineConfig,
    t: u64,
    local: LocalTime,
    // The model PBX and Graph.
    pbx_dnd: bool,
    pbx_chat: Option<ChatStatus>,
    in_call: bool,
    base: usize,
    session: Option<SessionPresence>,
    outstanding: VecDeque<IssuedCommand>,
    // Bookkeeping for the properties.
    fed_row: Option<StatusRow>,
    segment: u64,
    issued_in_segment: HashMap<CommandId, u64>,
    dnd_successes: HashMap<u64, u32>,
    /// Transitions the engine announced (Teams row changes and re-applications).
    engine_transitions: u64,
    paused_until: Option<u64>,
    engine_view: Option<bool>,
    seen_in_flight: Option<bool>,
    manual_protected: bool,
    history: Vec<(u64, Command)>,
    violations: Vec<String>,
}

impl World {
    fn new(config: EngineConfig, pbx_dnd: bool) -> Self {
        Self {
            engine: Engine::new(config.clone()).unwrap(),
            config,
            t: 0,
            local: LocalTime::new(Weekday::Wed, 10, 0),
            pbx_dnd,
            pbx_chat: None,
            in_call: false,
            base: 0,
            session: None,
            outstanding: VecDeque::new(),
            fed_row: None,
            segment: 0,
            issued_in_segment: HashMap::new(),
            dnd_successes: HashMap::new(),
            engine_transitions: 0,
            paused_until: None,
            engine_view: None,
            seen_in_flight: None,
            manual_protected: false,
            history: Vec::new(),
            violations: Vec::new(),
        }
    }

    /// What Graph shows: the app's session wins over everything below DoNotDisturb.
    fn visible_teams(&self) -> TeamsPresence {
        let (availability, activity) = PAIRS[self.base];
        match self.session {
            Some(session) if availability != "DoNotDisturb" => {
                TeamsPresence::new(session.availability(), session.activity())
            }
            _ => TeamsPresence::new(availability, activity),
        }
    }

    fn paused(&self) -> bool {
        self.paused_until.is_some_and(|until| self.t < until)
    }

    fn outside_leave_as_is(&self) -> bool {
        self.config
            .sync
            .working_hours
            .as_ref()
            .is_some_and(|hours| {
                hours.outside == OutsideHours::LeaveAsIs && !hours.contains(self.local)
            })
    }

    fn dnd_in_flight(&self) -> bool {
        self.outstanding
            .iter()
            .any(|issued| matches!(issued.command, Command::SetDnd(_)))
    }

    fn feed(&mut self, input: Input) {
        if self.paused_until.is_some_and(|until| self.t >= until) {
            self.paused_until = None;
        }
        let now = Now::new(Timestamp::from_millis(self.t), self.local);
        let out = self.engine.handle(input, now);
        // Writes are issued after all decisions of a call, so they belong to its last transition.
        for entry in &out.journal {
            match &entry.event {
                JournalEvent::TeamsChanged {
                    row, previous_row, ..
                } if previous_row.as_ref() != Some(row) => self.engine_transitions += 1,
                JournalEvent::Reapplied { .. } | JournalEvent::WorkingHoursEnded { .. } => {
                    self.engine_transitions += 1
                }
                _ => {}
            }
        }
        for issued in out.commands {
            let pbx_write = matches!(
                issued.command,
                Command::SetDnd(_) | Command::SetChatStatus(_)
            );
            if pbx_write && self.paused() {
                self.violations
                    .push(format!("t={} {} while paused", self.t, issued.command));
            }
            if pbx_write && self.outside_leave_as_is() {
                self.violations.push(format!(
                    "t={} {} outside working hours",
                    self.t, issued.command
                ));
            }
            if matches!(issued.command, Command::SetDnd(_)) {
                if self.manual_protected {
                    self.violations.push(format!(
                        "t={} {} overwrote a manual DND before the next Teams transition",
                        self.t, issued.command
                    ));
                }
                self.issued_in_segment
                    .insert(issued.id, self.engine_transitions);
            }
            self.history.push((self.t, issued.command.clone()));
            if !matches!(issued.command, Command::Notify(_)) {
                self.outstanding.push_back(issued);
            }
        }
    }

    fn apply(&mut self, event: &Event) {
        match *event {
            Event::Teams(index) => {
                self.base = index % PAIRS.len();
                self.observe_teams();
            }
            Event::ObserveTeams => self.observe_teams(),
            Event::ObservePbx => self.observe_pbx(),
            Event::ToggleDnd => self.pbx_dnd = !self.pbx_dnd,
            Event::Call(active) => {
                self.in_call = active;
                self.observe_pbx();
            }
            Event::Advance(ms) => {
                self.t += ms;
                self.feed(Input::Tick);
            }
            Event::Deliver(ok) => self.deliver(ok),
            Event::Pause(ms) => {
                self.paused_until = Some(self.t + ms);
                self.feed(Input::User(UserAction::PauseUntil(Timestamp::from_millis(
                    self.t + ms,
                ))));
            }
            Event::Resume => {
                self.paused_until = None;
                self.feed(Input::User(UserAction::Resume));
            }
            Event::Hour(hour) => {
                let weekday = if self.local.minute_of_day >= u16::from(hour) * 60 {
                    Weekday::Thu
                } else {
                    Weekday::Wed
                };
                self.local = LocalTime::new(weekday, hour, 0);
                self.t += 1_000;
                self.feed(Input::Tick);
            }
        }
    }

    fn observe_teams(&mut self) {
        let presence = self.visible_teams();
        let row = StatusRow::from_presence(&presence);
        if self.fed_row != Some(row) {
            self.fed_row = Some(row);
            self.segment += 1;
            self.manual_protected = false;
        }
        self.feed(Input::TeamsObserved(presence));
    }

    fn observe_pbx(&mut self) {
        if self.dnd_in_flight() {
            self.seen_in_flight = Some(self.pbx_dnd);
        } else {
            self.judge_observation(self.pbx_dnd);
        }
        let state = StarfaceState {
            dnd: self.pbx_dnd,
            chat: self.pbx_chat.clone(),
            telephony: if self.in_call {
                TelephonyState::Active
            } else {
                TelephonyState::Available
            },
        };
        self.feed(Input::StarfaceObserved(state));
    }

    /// Mirrors what the engine can know: a value different from what it last saw or wrote, observed
    /// while none of its own DND writes is outstanding, was set by the user.
    fn judge_observation(&mut self, observed: bool) {
        if self.engine_view.is_some_and(|view| view != observed) {
            self.manual_protected = true;
        }
        self.engine_view = Some(observed);
    }

    fn deliver(&mut self, ok: bool) {
        let Some(issued) = self.outstanding.pop_front() else {
            return;
        };
        if ok {
            match &issued.command {
                Command::SetDnd(value) => {
                    self.pbx_dnd = *value;
                    self.engine_view = Some(*value);
                    self.seen_in_flight = None;
                    let segment = self.issued_in_segment[&issued.id];
                    *self.dnd_successes.entry(segment).or_default() += 1;
                }
                Command::SetChatStatus(chat) => self.pbx_chat = Some(chat.clone()),
                Command::SetTeamsSession { presence, .. } => self.session = Some(*presence),
                Command::ClearTeamsSession => self.session = None,
                Command::Notify(_) => {}
            }
        } else if matches!(issued.command, Command::SetDnd(_)) {
            if let Some(seen) = self.seen_in_flight.take() {
                self.judge_observation(seen);
            }
        }
        let result = if ok {
            Ok(())
        } else {
            Err(CommandFailure::new("model failure"))
        };
        self.feed(Input::CommandFinished {
            id: issued.id,
            result,
        });
    }

    fn deliver_all(&mut self, ok: bool) {
        for _ in 0..self.outstanding.len() {
            self.deliver(ok);
        }
    }

    /// Nothing external changes any more: the engine reads both sides, ticks and every command works.
    fn settle(&mut self, rounds: usize) {
        for _ in 0..rounds {
            self.observe_pbx();
            self.observe_teams();
            self.t += 5_000;
            self.feed(Input::Tick);
            self.deliver_all(true);
        }
    }
}

fn pair() -> impl Strategy<Value = usize> {
    0..PAIRS.len()
}

/// Teams changes, observations, user DND presses, calls, time and late or failing results.
fn core_event(calls: bool, toggles: bool) -> impl Strategy<Value = Event> {
    let toggle_weight = if toggles { 2 } else { 0 };
    let call_weight = if calls { 2 } else { 0 };
    prop_oneof![
        4 => pair().prop_map(Event::Teams),
        2 => Just(Event::ObserveTeams),
        4 => Just(Event::ObservePbx),
        toggle_weight => Just(Event::ToggleDnd),
        call_weight => any::<bool>().prop_map(Event::Call),
        5 => (100u64..10_000).prop_map(Event::Advance),
        4 => prop_oneof![3 => Just(true), 1 => Just(false)].prop_map(Event::Deliver),
    ]
}

fn run(world: &mut World, events: &[Event]) {
    world.apply(&Event::ObservePbx);
    for event in events {
        world.apply(event);
    }
}

fn office_hours() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.sync.working_hours = Some(WorkingHours {
        days: Weekday::ALL.to_vec(),
        start: ClockTime::new(8, 0).unwrap(),
        end: ClockTime::new(17, 0).unwrap(),
        outside: OutsideHours::LeaveAsIs,
    });
    config
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Successful DND writes, counted per engine transition they were issued after: at most one
    /// each; and the engine never announces more transitions than Teams changed rows.
    #[test]
    fn at_most_one_dnd_write_per_teams_transition(
        initial in any::<bool>(),
        events in prop::collection::vec(core_event(true, true), 1..80),
    ) {
        let mut world = World::new(EngineConfig::default(), initial);
        run(&mut world, &events);
        world.deliver_all(true);
        for (transition, writes) in &world.dnd_successes {
            prop_assert!(*writes <= 1, "transition {} had {} DND writes: {:?}", transition, writes, world.history);
        }
        prop_assert!(world.engine_transitions <= world.segment,
            "{} engine transitions for {} Teams row changes", world.engine_transitions, world.segment);
        let total: u32 = world.dnd_successes.values().sum();
        prop_assert!(u64::from(total) <= world.segment);
    }

    /// No STARFACE write while paused, nor outside working hours when set to leave STARFACE as is.
    #[test]
    fn zero_writes_while_paused_or_outside_working_hours(
        initial in any::<bool>(),
        events in prop::collection::vec(prop_oneof![
            8 => core_event(true, true),
            1 => (1_000u64..120_000).prop_map(Event::Pause),
            1 => Just(Event::Resume),
            1 => (0u8..24).prop_map(Event::Hour),
        ], 1..100),
    ) {
        let mut world = World::new(office_hours(), initial);
        run(&mut world, &events);
        world.settle(3);
        prop_assert!(world.violations.is_empty(), "{:?}", world.violations);
    }

    /// After the engine saw the user change DND, no DND write until Teams changes row again.
    #[test]
    fn manual_dnd_is_never_overwritten_before_the_next_teams_transition(
        initial in any::<bool>(),
        events in prop::collection::vec(core_event(true, true), 1..100),
    ) {
        let mut world = World::new(EngineConfig::default(), initial);
        run(&mut world, &events);
        world.settle(3);
        prop_assert!(world.violations.is_empty(), "{:?}", world.violations);
    }

    /// With the reverse direction on, STARFACE calls coming and going (while the user's own Teams
    /// state stays put) never make the engine write DND or chat: the Teams presence the engine set
    /// for the call is recognised as its own, so no set-session / DND-flip cycle can repeat.
    #[test]
    fn reverse_sync_never_loops(
        initial in any::<bool>(),
        reverse_dnd in any::<bool>(),
        events in prop::collection::vec(core_event(true, true), 1..100),
    ) {
        let mut config = EngineConfig::default();
        if reverse_dnd {
            config.mapping.reverse = presence_core::mapping::ReverseMode::DoNotDisturbPresenting;
        }
        // Every row maps DND explicitly, so a misread echo would show up as a DND write.
        config.mapping.away.dnd = DndAction::Deactivate;
        config.mapping.busy.dnd = DndAction::Activate;
        let mut world = World::new(config, initial);
        run(&mut world, &events);
        world.deliver_all(true);
        // Converge: no call, so the engine has seen the user's own Teams state; 10 minutes is past
        // any echo window.
        world.apply(&Event::Call(false));
        world.settle(120);
        let quiet_from = world.t;
        let cycles = 20;
        for cycle in 0..cycles {
            world.apply(&Event::Call(cycle % 2 == 0));
            world.settle(10);
        }
        let late: Vec<&Command> = world
            .history
            .iter()
            .filter(|(t, _)| *t > quiet_from)
            .map(|(_, command)| command)
            .collect();
        let pbx_writes = late
            .iter()
            .filter(|c| matches!(c, Command::SetDnd(_) | Command::SetChatStatus(_)))
            .count();
        let session_writes = late
            .iter()
            .filter(|c| matches!(c, Command::SetTeamsSession { .. } | Command::ClearTeamsSession))
            .count();
        prop_assert_eq!(pbx_writes, 0, "{:?}", late);
        prop_assert!(session_writes <= cycles, "{} session writes in {} call changes", session_writes, cycles);
        // Quiet again: nothing at all.
        world.apply(&Event::Call(false));
        world.settle(60);
        let before = world.history.len();
        world.settle(100);
        prop_assert_eq!(world.history.len(), before, "{:?}", &world.history[before..]);
    }

    /// The first Teams reading is decided as soon as both sides have been read, in either order and
    /// well within the debounce time, against the DND found; a different reading after it waits for
    /// the debounce, and one that flips back within it writes nothing.
    #[test]
    fn the_first_reading_is_decided_once_starface_is_read_and_later_ones_are_debounced(
        initial in any::<bool>(),
        first in pair(),
        second in pair(),
        teams_first in any::<bool>(),
        gap in 0u64..2_900,
        flicker in any::<bool>(),
    ) {
        let config = EngineConfig::default();
        let mut engine = Engine::new(config.clone()).unwrap();
        let at = |ms: u64| Now::new(Timestamp::from_millis(ms), LocalTime::new(Weekday::Wed, 10, 0));
        let teams = |index: usize| {
            let (availability, activity) = PAIRS[index];
            Input::TeamsObserved(TeamsPresence::new(availability, activity))
        };
        let pbx = Input::StarfaceObserved(StarfaceState::with_dnd(initial));
        let (early, late) = if teams_first { (teams(first), pbx) } else { (pbx, teams(first)) };
        let out = engine.handle(early, at(0));
        prop_assert!(out.commands.is_empty(), "{:?}", out.commands);
        let out = engine.handle(late, at(gap));
        let presence = TeamsPresence::new(PAIRS[first].0, PAIRS[first].1);
        let row = StatusRow::from_presence(&presence);
        let target = config.mapping.row(row).dnd.target();
        let expected: Vec<Command> = target
            .filter(|value| *value != initial)
            .map(Command::SetDnd)
            .into_iter()
            .collect();
        let dnd: Vec<Command> = out
            .commands
            .iter()
            .map(|issued| issued.command.clone())
            .filter(|command| matches!(command, Command::SetDnd(_)))
            .collect();
        prop_assert_eq!(dnd, expected);
        let decided = out.journal.iter().any(|entry| matches!(
            &entry.event,
            JournalEvent::TeamsChanged { row: decided, previous_row: None, held: None, .. }
                if *decided == row
        ));
        prop_assert!(decided, "{:?}", out.journal);
        for issued in &out.commands {
            engine.handle(Input::CommandFinished { id: issued.id, result: Ok(()) }, at(gap));
        }

        let second_row = StatusRow::from_presence(&TeamsPresence::new(PAIRS[second].0, PAIRS[second].1));
        prop_assume!(second_row != row);
        let start = gap + 1_000;
        let out = engine.handle(teams(second), at(start));
        prop_assert!(out.commands.is_empty() && out.journal.is_empty(), "{:?}", out);
        let out = engine.handle(Input::Tick, at(start + 2_999));
        prop_assert!(out.commands.is_empty() && out.journal.is_empty(), "{:?}", out);
        if flicker {
            let out = engine.handle(teams(first), at(start + 2_999));
            let ignored = out.journal.iter().any(|entry| matches!(
                entry.event, JournalEvent::FlickerIgnored { row: flickered, .. } if flickered == second_row
            ));
            prop_assert!(ignored, "{:?}", out.journal);
            let out = engine.handle(Input::Tick, at(start + 60_000));
            prop_assert!(out.commands.is_empty() && out.journal.is_empty(), "{:?}", out);
        } else {
            let out = engine.handle(Input::Tick, at(start + 3_000));
            let decided = out.journal.iter().any(|entry| matches!(
                entry.event,
                JournalEvent::TeamsChanged { row: decided, previous_row: Some(previous), .. }
                    if decided == second_row && previous == row
            ));
            prop_assert!(decided, "{:?}", out.journal);
        }
    }

    /// Whatever failed before, once commands work again STARFACE ends at the mapping's target.
    #[test]
    fn after_failures_then_success_the_pbx_reaches_the_target(
        initial in any::<bool>(),
        prefix in prop::collection::vec(core_event(true, false), 0..60),
        final_pair in prop::sample::select(vec![0usize, 1, 2, 3]),
        failing_rounds in 1usize..8,
    ) {
        let mut world = World::new(EngineConfig::default(), initial);
        run(&mut world, &prefix);
        world.apply(&Event::Call(false));
        world.apply(&Event::Teams(final_pair));
        for _ in 0..failing_rounds {
            world.t += 4_000;
            world.feed(Input::Tick);
            world.deliver_all(false);
            world.observe_pbx();
        }
        world.settle(100); // 500 s: also past the echo window of an ended call
        let presence = TeamsPresence::new(PAIRS[final_pair].0, PAIRS[final_pair].1);
        let row = world.config.mapping.row(StatusRow::from_presence(&presence)).clone();
        prop_assert_eq!(Some(world.pbx_dnd), row.dnd.target(), "{:?}", world.history);
        prop_assert_eq!(world.pbx_chat.clone(), row.chat.target(&presence));
        prop_assert_eq!(world.session, None);
        prop_assert!(world.violations.is_empty(), "{:?}", world.violations);
    }
}
