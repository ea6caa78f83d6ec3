//! Every engine event reaches the window as the contract's kind with its params.

use std::collections::BTreeSet;
use std::time::Duration;

use presence_core::engine::Notification;
use presence_core::ChatStatus;
use serde_json::{json, Value};

use super::*;

const STARTED: u64 = 1_750_000_000_000;

/// The entry as the window gets it.
fn mapped(event: JournalEvent) -> Value {
    let line = JournalLine {
        at_ms: 42_000,
        text: event.to_string(),
        event,
    };
    serde_json::to_value(journal_entry(&line, STARTED)).unwrap()
}

fn assert_maps(event: JournalEvent, kind: &str, params: Value) {
    let entry = mapped(event.clone());
    assert_eq!(
        entry,
        json!({"at": STARTED + 42_000, "kind": kind, "params": params, "text": event.to_string()}),
        "{event:?}"
    );
}

fn in_a_meeting() -> ChatStatus {
    ChatStatus::new(ChatPresence::DoNotDisturb, "In a meeting (Teams)")
}

#[test]
fn teams_changed() {
    assert_maps(
        JournalEvent::TeamsChanged {
            availability: Availability::Busy,
            activity: Activity::InAMeeting,
            out_of_office: true,
            row: StatusRow::BusyMeeting,
            previous_row: Some(StatusRow::Available),
            dnd: DndDecision::Set(true),
            chat: ChatDecision::Set(in_a_meeting()),
            held: Some(HoldReason::StarfaceNotRead),
        },
        "teams_changed",
        json!({
            "availability": "Busy", "activity": "InAMeeting", "out_of_office": true,
            "row": "busy_meeting", "previous_row": "available",
            "dnd": {"kind": "set", "on": true},
            "chat": {"kind": "set", "presence": "do_not_disturb", "message": "In a meeting (Teams)"},
            "held": "starface_not_read",
        }),
    );
}

#[test]
fn teams_changed_at_start_up_has_no_previous_row() {
    let entry = mapped(JournalEvent::TeamsChanged {
        availability: Availability::Other("Focusing".into()),
        activity: Activity::Available,
        out_of_office: false,
        row: StatusRow::Available,
        previous_row: None,
        dnd: DndDecision::Unchanged,
        chat: ChatDecision::Unchanged,
        held: None,
    });
    let params = &entry["params"];
    assert_eq!(params["previous_row"], Value::Null);
    assert_eq!(params["held"], Value::Null);
    assert_eq!(params["availability"], "Focusing");
    assert_eq!(params["dnd"], json!({"kind": "unchanged"}));
    assert_eq!(params["chat"], json!({"kind": "unchanged"}));
}

#[test]
fn reapplied() {
    assert_maps(
        JournalEvent::Reapplied {
            cause: ReapplyCause::WorkingHoursStarted,
            row: Some(StatusRow::Away),
            dnd: DndDecision::Restore(false),
            chat: ChatDecision::AlreadySet(ChatStatus::new(ChatPresence::Away, "")),
            held: Some(HoldReason::Paused),
        },
        "reapplied",
        json!({
            "cause": "working_hours_started", "row": "away",
            "dnd": {"kind": "restore", "on": false},
            "chat": {"kind": "already_set", "presence": "away", "message": ""},
            "held": "paused",
        }),
    );
}

#[test]
fn flicker_ignored() {
    assert_maps(
        JournalEvent::FlickerIgnored {
            row: StatusRow::BeRightBack,
            lasted_ms: 2_500,
        },
        "flicker_ignored",
        json!({"row": "be_right_back", "lasted_ms": 2_500}),
    );
}

#[test]
fn own_session_ignored() {
    assert_maps(
        JournalEvent::OwnSessionIgnored {
            availability: Availability::Busy,
            activity: Activity::InACall,
        },
        "own_session_ignored",
        json!({"availability": "Busy", "activity": "InACall"}),
    );
}

#[test]
fn manual_dnd() {
    assert_maps(
        JournalEvent::ManualDnd { dnd: false },
        "manual_dnd",
        json!({"dnd": false}),
    );
}

#[test]
fn manual_chat() {
    assert_maps(
        JournalEvent::ManualChat {
            presence: ChatPresence::ExtendedAway,
        },
        "manual_chat",
        json!({"presence": "extended_away"}),
    );
}

#[test]
fn another_sync_suspected() {
    assert_maps(
        JournalEvent::AnotherSyncSuspected {
            reverts: 4,
            period_minutes: 25,
        },
        "another_sync_suspected",
        json!({"reverts": 4, "period_minutes": 25}),
    );
}

#[test]
fn conflict_decided() {
    assert_maps(
        JournalEvent::ConflictDecided(ConflictDecision::StopSyncing),
        "conflict_decided",
        json!({"decision": "stop_syncing"}),
    );
    assert_maps(
        JournalEvent::ConflictDecided(ConflictDecision::KeepSyncing),
        "conflict_decided",
        json!({"decision": "keep_syncing"}),
    );
}

#[test]
fn paused_until_is_wall_clock() {
    assert_maps(
        JournalEvent::Paused {
            until: Timestamp::from_millis(42_000 + 3_600_000),
        },
        "paused",
        json!({"until": STARTED + 42_000 + 3_600_000}),
    );
}

#[test]
fn events_without_params() {
    for (event, kind) in [
        (JournalEvent::PauseEnded, "pause_ended"),
        (JournalEvent::Resumed, "resumed"),
        (JournalEvent::CallEnded, "call_ended"),
        (JournalEvent::OptionsChanged, "options_changed"),
    ] {
        assert_maps(event, kind, json!({}));
    }
}

#[test]
fn working_hours_ended() {
    assert_maps(
        JournalEvent::WorkingHoursEnded {
            outside: OutsideHours::DndOn,
            dnd: DndDecision::AlreadySet(true),
        },
        "working_hours_ended",
        json!({"outside": "dnd_on", "dnd": {"kind": "already_set", "on": true}}),
    );
    assert_maps(
        JournalEvent::WorkingHoursEnded {
            outside: OutsideHours::LeaveAsIs,
            dnd: DndDecision::KeptManual,
        },
        "working_hours_ended",
        json!({"outside": "leave_as_is", "dnd": {"kind": "kept_manual"}}),
    );
}

#[test]
fn call_started() {
    assert_maps(
        JournalEvent::CallStarted {
            session: Some(SessionPresence::DoNotDisturbPresenting),
        },
        "call_started",
        json!({"session": "do_not_disturb_presenting"}),
    );
    assert_maps(
        JournalEvent::CallStarted { session: None },
        "call_started",
        json!({"session": null}),
    );
}

#[test]
fn command_succeeded_for_every_command() {
    for (command, params) in [
        (
            Command::SetDnd(true),
            json!({"kind": "set_dnd", "on": true}),
        ),
        (
            Command::SetChatStatus(in_a_meeting()),
            json!({"kind": "set_chat_status", "presence": "do_not_disturb", "message": "In a meeting (Teams)"}),
        ),
        (
            Command::SetTeamsSession {
                presence: SessionPresence::BusyInACall,
                expiration: Duration::from_secs(300),
            },
            json!({"kind": "set_teams_session", "presence": "busy_in_a_call", "minutes": 5}),
        ),
        (
            Command::ClearTeamsSession,
            json!({"kind": "clear_teams_session"}),
        ),
        (
            Command::Notify(Notification::PauseEnded),
            json!({"kind": "notify"}),
        ),
    ] {
        assert_maps(
            JournalEvent::CommandSucceeded(command),
            "command_succeeded",
            json!({ "command": params }),
        );
    }
}

#[test]
fn command_failed() {
    assert_maps(
        JournalEvent::CommandFailed {
            command: Command::SetDnd(false),
            reason: "HTTP 503".into(),
        },
        "command_failed",
        json!({"command": {"kind": "set_dnd", "on": false}, "reason": "HTTP 503"}),
    );
}

#[test]
fn writes_failing() {
    assert_maps(
        JournalEvent::WritesFailing {
            target: WriteTarget::ChatStatus,
        },
        "writes_failing",
        json!({"target": "chat_status"}),
    );
}

#[test]
fn options_rejected() {
    assert_maps(
        JournalEvent::OptionsRejected {
            reason: "debounce too long".into(),
        },
        "options_rejected",
        json!({"reason": "debounce too long"}),
    );
}

#[test]
fn hold_reasons_and_causes_use_the_contract_names() {
    let holds = [
        HoldReason::Paused,
        HoldReason::OutsideWorkingHours,
        HoldReason::AnotherSyncActive,
        HoldReason::Stopped,
        HoldReason::StarfaceNotRead,
    ]
    .map(|reason| serde_json::to_value(Hold::from(reason)).unwrap());
    assert_eq!(
        holds,
        [
            "paused",
            "outside_working_hours",
            "another_sync_active",
            "stopped",
            "starface_not_read"
        ]
    );
    let causes = [
        ReapplyCause::SyncNow,
        ReapplyCause::MappingChanged,
        ReapplyCause::WorkingHoursStarted,
        ReapplyCause::KeepSyncing,
        ReapplyCause::Resumed,
    ]
    .map(|cause| serde_json::to_value(Cause::from(cause)).unwrap());
    assert_eq!(
        causes,
        [
            "sync_now",
            "mapping_changed",
            "working_hours_started",
            "keep_syncing",
            "resumed"
        ]
    );
}

/// One event of every variant (the per-kind tests above check their params).
fn one_of_each() -> Vec<JournalEvent> {
    vec![
        JournalEvent::TeamsChanged {
            availability: Availability::Away,
            activity: Activity::Away,
            out_of_office: false,
            row: StatusRow::Away,
            previous_row: None,
            dnd: DndDecision::Unchanged,
            chat: ChatDecision::KeptManual,
            held: None,
        },
        JournalEvent::Reapplied {
            cause: ReapplyCause::SyncNow,
            row: None,
            dnd: DndDecision::Unchanged,
            chat: ChatDecision::Unchanged,
            held: None,
        },
        JournalEvent::FlickerIgnored {
            row: StatusRow::Away,
            lasted_ms: 1,
        },
        JournalEvent::OwnSessionIgnored {
            availability: Availability::Busy,
            activity: Activity::InACall,
        },
        JournalEvent::ManualDnd { dnd: true },
        JournalEvent::ManualChat {
            presence: ChatPresence::Away,
        },
        JournalEvent::AnotherSyncSuspected {
            reverts: 3,
            period_minutes: 30,
        },
        JournalEvent::ConflictDecided(ConflictDecision::KeepSyncing),
        JournalEvent::Paused {
            until: Timestamp::from_millis(1),
        },
        JournalEvent::PauseEnded,
        JournalEvent::Resumed,
        JournalEvent::WorkingHoursEnded {
            outside: OutsideHours::DndOff,
            dnd: DndDecision::Set(false),
        },
        JournalEvent::CallStarted { session: None },
        JournalEvent::CallEnded,
        JournalEvent::CommandSucceeded(Command::SetDnd(true)),
        JournalEvent::CommandFailed {
            command: Command::ClearTeamsSession,
            reason: String::new(),
        },
        JournalEvent::WritesFailing {
            target: WriteTarget::Dnd,
        },
        JournalEvent::OptionsRejected {
            reason: String::new(),
        },
        JournalEvent::OptionsChanged,
    ]
}

fn repo_file(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The backticked kinds in the first column of the contract's "Journal entries" table.
fn contract_kinds() -> BTreeSet<String> {
    let contract = repo_file("docs/UI-CONTRACT.md");
    let section = contract
        .split("### Journal entries")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the contract has a Journal entries section");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|row| row.split(" |").next())
        .flat_map(|cell| {
            cell.split(", ")
                .map(|kind| kind.trim_matches('`').to_owned())
        })
        .collect()
}

#[test]
fn every_kind_is_in_the_contract_and_rendered_by_the_window() {
    let kinds: BTreeSet<String> = one_of_each()
        .into_iter()
        .map(|event| mapped(event)["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, contract_kinds());
    let script = repo_file("ui/js/journal.js");
    for kind in &kinds {
        assert!(
            script.contains(&format!("case \"{kind}\":")),
            "ui/js/journal.js does not render `{kind}`"
        );
    }
}
