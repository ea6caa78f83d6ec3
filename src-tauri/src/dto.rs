//! The window contract's data shapes (docs/UI-CONTRACT.md), built from bridge snapshots and
//! directory results. Only this module knows both sides.

use bridge::{BridgeSnapshot, ColleagueView, JournalLine, SyncStateView};
use graph_client::graph::DirectoryUser;
use presence_core::engine::Command;
use presence_core::journal::{ChatDecision, DndDecision, HoldReason, JournalEvent, ReapplyCause};
use presence_core::watch_list::AlertMode;
use presence_core::{ChatStatus, StatusRow, TeamsPresence, TelephonyState, Timestamp};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Presence {
    pub row: StatusRow,
    pub availability: String,
    pub activity: String,
    pub out_of_office: bool,
    pub out_of_office_message: Option<String>,
    pub status_message: Option<String>,
    pub phone: Option<String>,
    pub updated_at: Option<u64>,
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phone {
    pub kind: String,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Colleague {
    pub id: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub phones: Vec<Phone>,
    pub starface_number: Option<String>,
    pub sip_address: Option<String>,
    pub favourite: bool,
    pub notify: Option<AlertMode>,
    pub presence: Option<Presence>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnTeams {
    pub row: StatusRow,
    pub availability: String,
    pub activity: String,
    pub out_of_office: bool,
    pub status_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnStarface {
    pub dnd: Option<bool>,
    /// The chat status the app last set successfully; STARFACE's chat status is not read back.
    pub chat: Option<ChatStatus>,
    pub telephony: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Own {
    pub teams: Option<OwnTeams>,
    pub starface: Option<OwnStarface>,
    pub row: Option<StatusRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sync {
    pub mode: &'static str,
    pub paused_until: Option<u64>,
    pub last_sync: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MicrosoftAccount {
    pub state: &'static str,
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StarfaceAccount {
    pub state: &'static str,
    pub message: Option<String>,
    pub presented_fingerprint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accounts {
    pub microsoft: MicrosoftAccount,
    pub starface: StarfaceAccount,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    pub at: u64,
    pub kind: &'static str,
    pub params: serde_json::Value,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub kind: &'static str,
    pub params: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub own: Own,
    pub sync: Sync,
    pub accounts: Accounts,
    pub colleagues: Vec<Colleague>,
    pub journal: Vec<JournalEntry>,
    pub warnings: Vec<Warning>,
}

/// What the State needs besides the snapshot (settings and app-side facts).
pub struct StateContext<'a> {
    /// Wall clock now; only `sync.last_sync` uses it (the snapshot's own times are fixed).
    pub now_ms: u64,
    /// Wall clock at bridge start; journal times count from there.
    pub started_wall_ms: u64,
    pub favourites: &'a [String],
    pub alert_mode: &'a dyn Fn(&str) -> Option<AlertMode>,
    pub sync_enabled: bool,
    pub microsoft_configured: bool,
    pub starface_configured: bool,
    pub signing_in: bool,
    /// A Microsoft sign-in is saved in the keychain (signed in even while the sync cannot run).
    pub microsoft_saved: bool,
    pub presented_fingerprint: Option<String>,
}

fn telephony(state: &TelephonyState) -> String {
    state.as_str().to_ascii_lowercase()
}

fn presence_of(teams: &TeamsPresence, row: Option<StatusRow>) -> (StatusRow, String, String) {
    (
        row.unwrap_or(StatusRow::Unknown),
        teams.availability.as_str().to_owned(),
        teams.activity.as_str().to_owned(),
    )
}

pub fn is_favourite(favourites: &[String], mail: Option<&str>) -> bool {
    mail.is_some_and(|mail| favourites.iter().any(|f| f.eq_ignore_ascii_case(mail)))
}

/// `started_wall_ms`: wall clock at bridge start; the snapshot's times count from there.
pub fn presence(view: &ColleagueView, started_wall_ms: u64) -> Option<Presence> {
    let teams = view.teams.as_ref()?;
    let (row, availability, activity) = presence_of(teams, view.row);
    Some(Presence {
        row,
        availability,
        activity,
        out_of_office: teams.out_of_office,
        out_of_office_message: None,
        status_message: teams.status_message.clone(),
        phone: view.telephony.as_ref().map(telephony),
        updated_at: view.updated_at_ms.map(|at| started_wall_ms + at),
        stale: view.stale,
    })
}

pub fn colleague(view: &ColleagueView, ctx: &StateContext<'_>) -> Colleague {
    Colleague {
        id: view.id.clone(),
        display_name: view.display_name.clone(),
        mail: view.mail.clone(),
        user_principal_name: view.mail.clone(),
        job_title: view.job_title.clone(),
        department: None,
        office_location: view.office_location.clone(),
        phones: view
            .phones
            .iter()
            .map(|number| Phone {
                kind: "business".into(),
                number: number.clone(),
            })
            .collect(),
        starface_number: view.internal_number.clone(),
        sip_address: view.mail.clone(),
        favourite: is_favourite(ctx.favourites, view.mail.as_deref()),
        notify: if view.alert {
            Some((ctx.alert_mode)(&view.id).unwrap_or(AlertMode::Once))
        } else {
            None
        },
        presence: presence(view, ctx.started_wall_ms),
    }
}

/// A search hit; presence and phone details come from the watched colleague when there is one.
pub fn directory_colleague(
    user: &DirectoryUser,
    watched: Option<&ColleagueView>,
    ctx: &StateContext<'_>,
) -> Colleague {
    let mut colleague = match watched {
        Some(view) => colleague(view, ctx),
        None => Colleague {
            id: user.id.clone(),
            display_name: user.display_name.clone(),
            mail: user.mail.clone(),
            user_principal_name: None,
            job_title: None,
            department: None,
            office_location: None,
            phones: Vec::new(),
            starface_number: None,
            sip_address: user.mail.clone(),
            favourite: is_favourite(ctx.favourites, user.mail.as_deref()),
            notify: (ctx.alert_mode)(&user.id),
            presence: None,
        },
    };
    colleague.user_principal_name = user
        .user_principal_name
        .clone()
        .or(colleague.user_principal_name);
    colleague
}

fn sync_mode(state: &SyncStateView, enabled: bool) -> &'static str {
    if !enabled {
        return "disabled";
    }
    match state {
        SyncStateView::Starting | SyncStateView::Running | SyncStateView::SignInNeeded { .. } => {
            "running"
        }
        SyncStateView::Paused { .. } => "paused",
        SyncStateView::OutsideWorkingHours => "outside_hours",
        SyncStateView::Stopped => "stopped",
        SyncStateView::AnotherSyncSuspected => "conflict",
        SyncStateView::NotConfigured => "disabled",
    }
}

pub fn state(snapshot: &BridgeSnapshot, ctx: &StateContext<'_>) -> State {
    let own = &snapshot.own;
    let sync_state = &snapshot.sync.state;
    let paused_until = match sync_state {
        SyncStateView::Paused { until_ms } => Some(ctx.started_wall_ms + until_ms),
        _ => None,
    };
    let running = !matches!(
        sync_state,
        SyncStateView::NotConfigured | SyncStateView::Starting
    );
    let sign_in_needed = |service: &str| matches!(sync_state, SyncStateView::SignInNeeded { service: s, .. } if s == service);

    let microsoft = MicrosoftAccount {
        state: if ctx.signing_in {
            "signing_in"
        } else if sign_in_needed("microsoft") {
            "expired"
        } else if own.display_name.is_some()
            || (running && ctx.microsoft_configured)
            || ctx.microsoft_saved
        {
            "signed_in"
        } else {
            "signed_out"
        },
        user: own.display_name.clone(),
    };
    let starface_message = match sync_state {
        SyncStateView::SignInNeeded { service, reason } if service == "starface" => {
            Some(reason.clone())
        }
        _ => None,
    };
    let certificate_problem = snapshot
        .sync
        .warnings
        .iter()
        .any(|w| w.to_ascii_lowercase().contains("certificate"));
    let starface = StarfaceAccount {
        state: if !ctx.starface_configured {
            "not_configured"
        } else if certificate_problem {
            "certificate_untrusted"
        } else if starface_message.is_some() {
            "error"
        } else if own.starface_dnd.is_some() || own.telephony.is_some() {
            "connected"
        } else {
            "connecting"
        },
        message: starface_message,
        presented_fingerprint: ctx.presented_fingerprint.clone(),
    };

    let mut warnings = Vec::new();
    match sync_state {
        SyncStateView::AnotherSyncSuspected => warnings.push(Warning {
            kind: "another_sync",
            // Without the evidence the UI shows a text without counts rather than made-up ones.
            params: match snapshot.sync.another_sync {
                Some(evidence) => json!({
                    "reverts": evidence.reverts,
                    "period_minutes": evidence.period_minutes,
                }),
                None => json!({}),
            },
        }),
        SyncStateView::SignInNeeded { service, .. } if service == "microsoft" => {
            warnings.push(Warning {
                kind: "sign_in_required",
                params: json!({}),
            })
        }
        SyncStateView::Paused { .. } => warnings.push(Warning {
            kind: "paused",
            params: json!({"until": paused_until}),
        }),
        SyncStateView::Stopped => warnings.push(Warning {
            kind: "stopped",
            params: json!({}),
        }),
        SyncStateView::OutsideWorkingHours => warnings.push(Warning {
            kind: "outside_hours",
            params: json!({}),
        }),
        _ => {}
    }
    for target in &snapshot.sync.failing {
        warnings.push(Warning {
            kind: "writes_failing",
            params: json!({ "target": target }),
        });
    }
    for message in &snapshot.sync.warnings {
        let lower = message.to_ascii_lowercase();
        let (kind, params) = if lower.contains("consent") {
            ("needs_admin_consent", json!({}))
        } else if lower.contains("certificate") {
            ("certificate_untrusted", json!({}))
        } else {
            ("starface_unreachable", json!({ "message": message }))
        };
        warnings.push(Warning { kind, params });
    }

    State {
        own: Own {
            teams: own.teams.as_ref().map(|teams| {
                let (row, availability, activity) = presence_of(teams, own.row);
                OwnTeams {
                    row,
                    availability,
                    activity,
                    out_of_office: teams.out_of_office,
                    status_message: teams.status_message.clone(),
                }
            }),
            starface: (own.starface_dnd.is_some()
                || own.telephony.is_some()
                || own.starface_chat.is_some())
            .then(|| OwnStarface {
                dnd: own.starface_dnd,
                chat: own.starface_chat.clone(),
                telephony: own.telephony.as_ref().map(telephony),
            }),
            row: own.row,
        },
        sync: Sync {
            mode: sync_mode(sync_state, ctx.sync_enabled),
            paused_until,
            last_sync: own.teams.as_ref().map(|_| ctx.now_ms).filter(|_| running),
        },
        accounts: Accounts {
            microsoft,
            starface,
        },
        colleagues: snapshot
            .colleagues
            .iter()
            .filter(|c| c.alert || is_favourite(ctx.favourites, c.mail.as_deref()))
            .map(|c| colleague(c, ctx))
            .collect(),
        journal: snapshot
            .journal
            .iter()
            .map(|line| journal_entry(line, ctx.started_wall_ms))
            .collect(),
        warnings,
    }
}

/// The warning shown while the settings on disk have errors (`message`: what is wrong, with the file).
pub fn settings_file_warning(message: &str) -> Warning {
    Warning {
        kind: "settings_file_invalid",
        params: json!({ "message": message }),
    }
}

/// The `colleagues` event: presence of watched colleagues that changed since `before`.
pub fn presence_changes(
    before: &BridgeSnapshot,
    after: &BridgeSnapshot,
    started_wall_ms: u64,
) -> Vec<serde_json::Value> {
    after
        .colleagues
        .iter()
        .filter(|c| {
            let old = before.colleagues.iter().find(|o| o.id == c.id);
            old.is_none_or(|o| {
                o.teams != c.teams
                    || o.stale != c.stale
                    || o.telephony != c.telephony
                    || o.updated_at_ms != c.updated_at_ms
            })
        })
        .filter_map(|c| presence(c, started_wall_ms).map(|p| json!({"id": c.id, "presence": p})))
        .collect()
}

/// The contract's journal entry for one bridge journal line. Engine times count from the bridge's
/// start, so `started_wall_ms` turns them into wall-clock milliseconds (`at`, `paused.until`).
pub fn journal_entry(line: &JournalLine, started_wall_ms: u64) -> JournalEntry {
    let wall = |at: Timestamp| started_wall_ms + at.as_millis();
    let (kind, params) = journal_event(&line.event, wall);
    JournalEntry {
        at: started_wall_ms + line.at_ms,
        kind,
        params,
        text: line.text.clone(),
    }
}

/// `kind` and `params` of docs/UI-CONTRACT.md "Journal entries". Exhaustive on purpose: a new
/// engine event must get a kind here (and a template in ui/js/journal.js) before it compiles.
fn journal_event(event: &JournalEvent, wall: impl Fn(Timestamp) -> u64) -> (&'static str, Value) {
    match event {
        JournalEvent::TeamsChanged {
            availability,
            activity,
            out_of_office,
            row,
            previous_row,
            dnd,
            chat,
            held,
        } => (
            "teams_changed",
            json!({
                "availability": availability.as_str(),
                "activity": activity.as_str(),
                "out_of_office": out_of_office,
                "row": row,
                "previous_row": previous_row,
                "dnd": dnd_decision(*dnd),
                "chat": chat_decision(chat),
                "held": held.map(hold_reason),
            }),
        ),
        JournalEvent::Reapplied {
            cause,
            row,
            dnd,
            chat,
            held,
        } => (
            "reapplied",
            json!({
                "cause": reapply_cause(*cause),
                "row": row,
                "dnd": dnd_decision(*dnd),
                "chat": chat_decision(chat),
                "held": held.map(hold_reason),
            }),
        ),
        JournalEvent::FlickerIgnored { row, lasted_ms } => (
            "flicker_ignored",
            json!({ "row": row, "lasted_ms": lasted_ms }),
        ),
        JournalEvent::OwnSessionIgnored {
            availability,
            activity,
        } => (
            "own_session_ignored",
            json!({ "availability": availability.as_str(), "activity": activity.as_str() }),
        ),
        JournalEvent::ManualDnd { dnd } => ("manual_dnd", json!({ "dnd": dnd })),
        JournalEvent::ManualChat { presence } => ("manual_chat", json!({ "presence": presence })),
        JournalEvent::AnotherSyncSuspected {
            reverts,
            period_minutes,
        } => (
            "another_sync_suspected",
            json!({ "reverts": reverts, "period_minutes": period_minutes }),
        ),
        JournalEvent::ConflictDecided(decision) => {
            ("conflict_decided", json!({ "decision": decision }))
        }
        JournalEvent::Paused { until } => ("paused", json!({ "until": wall(*until) })),
        JournalEvent::PauseEnded => ("pause_ended", json!({})),
        JournalEvent::Resumed => ("resumed", json!({})),
        JournalEvent::WorkingHoursEnded { outside, dnd } => (
            "working_hours_ended",
            json!({ "outside": outside, "dnd": dnd_decision(*dnd) }),
        ),
        JournalEvent::CallStarted { session } => ("call_started", json!({ "session": session })),
        JournalEvent::CallEnded => ("call_ended", json!({})),
        JournalEvent::CommandSucceeded(command) => (
            "command_succeeded",
            json!({ "command": command_params(command) }),
        ),
        JournalEvent::CommandFailed { command, reason } => (
            "command_failed",
            json!({ "command": command_params(command), "reason": reason }),
        ),
        JournalEvent::WritesFailing { target } => ("writes_failing", json!({ "target": target })),
        JournalEvent::OptionsRejected { reason } => {
            ("options_rejected", json!({ "reason": reason }))
        }
        JournalEvent::OptionsChanged => ("options_changed", json!({})),
    }
}

fn dnd_decision(decision: DndDecision) -> Value {
    match decision {
        DndDecision::Set(on) => json!({ "kind": "set", "on": on }),
        DndDecision::Restore(on) => json!({ "kind": "restore", "on": on }),
        DndDecision::AlreadySet(on) => json!({ "kind": "already_set", "on": on }),
        DndDecision::Unchanged => json!({ "kind": "unchanged" }),
        DndDecision::KeptManual => json!({ "kind": "kept_manual" }),
    }
}

fn chat_decision(decision: &ChatDecision) -> Value {
    let with_status = |kind: &str, chat: &ChatStatus| json!({ "kind": kind, "presence": chat.presence, "message": chat.message });
    match decision {
        ChatDecision::Set(chat) => with_status("set", chat),
        ChatDecision::AlreadySet(chat) => with_status("already_set", chat),
        ChatDecision::Unchanged => json!({ "kind": "unchanged" }),
        ChatDecision::KeptManual => json!({ "kind": "kept_manual" }),
    }
}

fn hold_reason(reason: HoldReason) -> &'static str {
    match reason {
        HoldReason::Paused => "paused",
        HoldReason::OutsideWorkingHours => "outside_working_hours",
        HoldReason::AnotherSyncActive => "another_sync_active",
        HoldReason::Stopped => "stopped",
        HoldReason::StarfaceNotRead => "starface_not_read",
    }
}

fn reapply_cause(cause: ReapplyCause) -> &'static str {
    match cause {
        ReapplyCause::SyncNow => "sync_now",
        ReapplyCause::MappingChanged => "mapping_changed",
        ReapplyCause::WorkingHoursStarted => "working_hours_started",
        ReapplyCause::KeepSyncing => "keep_syncing",
        ReapplyCause::Resumed => "resumed",
    }
}

fn command_params(command: &Command) -> Value {
    match command {
        Command::SetDnd(on) => json!({ "kind": "set_dnd", "on": on }),
        Command::SetChatStatus(chat) => json!({
            "kind": "set_chat_status",
            "presence": chat.presence,
            "message": chat.message,
        }),
        Command::SetTeamsSession {
            presence,
            expiration,
        } => json!({
            "kind": "set_teams_session",
            "presence": presence,
            "minutes": u32::try_from(expiration.as_secs().div_ceil(60)).unwrap_or(u32::MAX),
        }),
        Command::ClearTeamsSession => json!({ "kind": "clear_teams_session" }),
        Command::Notify(_) => json!({ "kind": "notify" }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use bridge::AnotherSyncView;
    use presence_core::engine::{ConflictDecision, Notification, WriteTarget};
    use presence_core::mapping::SessionPresence;
    use presence_core::working_hours::OutsideHours;
    use presence_core::{Activity, Availability, ChatPresence};

    use super::*;

    const STARTED: u64 = 1_750_000_000_000;

    fn mapped(event: JournalEvent) -> JournalEntry {
        let line = JournalLine {
            at_ms: 42_000,
            text: event.to_string(),
            event,
        };
        journal_entry(&line, STARTED)
    }

    fn assert_maps(event: JournalEvent, kind: &str, params: Value) {
        let entry = mapped(event.clone());
        assert_eq!((entry.kind, &entry.params), (kind, &params), "{event:?}");
        assert_eq!(entry.at, STARTED + 42_000);
        assert_eq!(entry.text, event.to_string());
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
        assert_eq!(entry.params["previous_row"], Value::Null);
        assert_eq!(entry.params["held"], Value::Null);
        assert_eq!(entry.params["availability"], "Focusing");
        assert_eq!(entry.params["dnd"], json!({"kind": "unchanged"}));
        assert_eq!(entry.params["chat"], json!({"kind": "unchanged"}));
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
        .map(hold_reason);
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
        .map(reapply_cause);
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
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
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
            .map(|event| mapped(event).kind.to_owned())
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

    #[test]
    fn own_chat_is_what_the_app_set_and_null_until_then() {
        let mut snapshot = BridgeSnapshot::default();
        snapshot.own.starface_dnd = Some(true);
        let before = state_at(&snapshot, STARTED + 60_000);
        assert_eq!(before.own.starface.as_ref().unwrap().chat, None);
        let json = serde_json::to_value(&before).unwrap();
        assert_eq!(json["own"]["starface"]["chat"], Value::Null);

        snapshot.own.starface_chat = Some(in_a_meeting());
        let json = serde_json::to_value(state_at(&snapshot, STARTED + 60_000)).unwrap();
        assert_eq!(
            json["own"]["starface"]["chat"],
            json!({"presence": "do_not_disturb", "message": "In a meeting (Teams)"})
        );
    }

    #[test]
    fn another_sync_warning_carries_the_counts() {
        let mut snapshot = BridgeSnapshot::default();
        snapshot.sync.state = SyncStateView::AnotherSyncSuspected;
        snapshot.sync.another_sync = Some(AnotherSyncView {
            reverts: 3,
            period_minutes: 30,
        });
        let counted = state_at(&snapshot, STARTED + 60_000);
        let warning = counted
            .warnings
            .iter()
            .find(|w| w.kind == "another_sync")
            .unwrap();
        assert_eq!(warning.params, json!({"reverts": 3, "period_minutes": 30}));

        snapshot.sync.another_sync = None;
        let unknown = state_at(&snapshot, STARTED + 60_000);
        assert_eq!(unknown.warnings[0].params, json!({}));
    }

    fn watched(updated_at_ms: Option<u64>) -> ColleagueView {
        ColleagueView {
            id: "id-anna".into(),
            display_name: "Anna Berg".into(),
            mail: Some("anna.berg@example.de".into()),
            job_title: None,
            office_location: None,
            phones: Vec::new(),
            teams: Some(TeamsPresence::new(Availability::Busy, Activity::InAMeeting)),
            row: Some(StatusRow::BusyMeeting),
            updated_at_ms,
            stale: false,
            starface_login: None,
            internal_number: None,
            telephony: None,
            alert: true,
        }
    }

    fn state_at(snapshot: &BridgeSnapshot, now_ms: u64) -> State {
        let no_alert = |_: &str| None;
        state(
            snapshot,
            &StateContext {
                now_ms,
                started_wall_ms: STARTED,
                favourites: &[],
                alert_mode: &no_alert,
                sync_enabled: true,
                microsoft_configured: true,
                starface_configured: true,
                signing_in: false,
                microsoft_saved: false,
                presented_fingerprint: None,
            },
        )
    }

    #[test]
    fn updated_at_is_the_wall_clock_of_the_engine_time_whenever_it_is_asked() {
        let snapshot = BridgeSnapshot {
            colleagues: vec![watched(Some(42_000))],
            ..BridgeSnapshot::default()
        };
        let early = state_at(&snapshot, STARTED + 43_000);
        let late = state_at(&snapshot, STARTED + 600_000);
        let updated = |state: &State| state.colleagues[0].presence.as_ref().unwrap().updated_at;
        assert_eq!(updated(&early), Some(STARTED + 42_000));
        assert_eq!(updated(&late), updated(&early));

        let never_read = watched(None);
        assert_eq!(
            presence(&never_read, STARTED).unwrap().updated_at,
            None,
            "no time before the first read"
        );
    }

    #[test]
    fn paused_until_is_the_pause_end_however_late_it_is_asked() {
        let snapshot = BridgeSnapshot {
            sync: bridge::SyncView {
                state: SyncStateView::Paused {
                    until_ms: 3_660_000,
                },
                ..bridge::SyncView::default()
            },
            ..BridgeSnapshot::default()
        };
        for now in [STARTED + 60_000, STARTED + 1_800_000] {
            let state = state_at(&snapshot, now);
            assert_eq!(state.sync.paused_until, Some(STARTED + 3_660_000));
            let warning = state.warnings.iter().find(|w| w.kind == "paused").unwrap();
            assert_eq!(warning.params, json!({"until": STARTED + 3_660_000}));
        }
    }

    #[test]
    fn presence_changes_carry_only_colleagues_whose_presence_changed() {
        let before = BridgeSnapshot {
            colleagues: vec![watched(Some(42_000))],
            ..BridgeSnapshot::default()
        };
        assert!(presence_changes(&before, &before.clone(), STARTED).is_empty());

        let mut after = before.clone();
        after.colleagues[0].teams = Some(TeamsPresence::new(Availability::Away, Activity::Away));
        after.colleagues[0].row = Some(StatusRow::Away);
        after.colleagues[0].updated_at_ms = Some(52_000);
        let changes = presence_changes(&before, &after, STARTED);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0]["id"], json!("id-anna"));
        assert_eq!(changes[0]["presence"]["row"], json!("away"));
        assert_eq!(
            changes[0]["presence"]["updated_at"],
            json!(STARTED + 52_000)
        );
    }
}
