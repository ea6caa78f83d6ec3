//! The window contract's data shapes (docs/UI-CONTRACT.md), built from bridge snapshots and
//! directory results. Only this module knows both sides.

use bridge::{BridgeSnapshot, ColleagueView, SyncStateView};
use graph_client::graph::DirectoryUser;
use presence_core::watch_list::AlertMode;
use presence_core::{StatusRow, TeamsPresence, TelephonyState};
use serde::Serialize;

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
    /// The bridge reports only the chat status it set as text, not presence + message.
    pub chat: Option<serde_json::Value>,
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
    pub now_ms: u64,
    /// Wall clock at bridge start; journal times count from there.
    pub started_wall_ms: u64,
    pub favourites: &'a [String],
    pub alert_mode: &'a dyn Fn(&str) -> Option<AlertMode>,
    pub sync_enabled: bool,
    pub microsoft_configured: bool,
    pub starface_configured: bool,
    pub signing_in: bool,
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

pub fn presence(view: &ColleagueView, now_ms: u64) -> Option<Presence> {
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
        updated_at: view.age_ms.map(|age| now_ms.saturating_sub(age)),
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
        presence: presence(view, ctx.now_ms),
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
        SyncStateView::Paused { remaining_ms } => Some(ctx.now_ms + remaining_ms),
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
        } else if own.display_name.is_some() || (running && ctx.microsoft_configured) {
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
            // The bridge does not report the counts; the UI shows its generic text for 0.
            kind: "another_sync",
            params: serde_json::json!({"reverts": 0, "period_minutes": 0}),
        }),
        SyncStateView::SignInNeeded { service, .. } if service == "microsoft" => {
            warnings.push(Warning {
                kind: "sign_in_required",
                params: serde_json::json!({}),
            })
        }
        SyncStateView::Paused { .. } => warnings.push(Warning {
            kind: "paused",
            params: serde_json::json!({"until": paused_until}),
        }),
        SyncStateView::Stopped => warnings.push(Warning {
            kind: "stopped",
            params: serde_json::json!({}),
        }),
        SyncStateView::OutsideWorkingHours => warnings.push(Warning {
            kind: "outside_hours",
            params: serde_json::json!({}),
        }),
        _ => {}
    }
    for target in &snapshot.sync.failing {
        warnings.push(Warning {
            kind: "writes_failing",
            params: serde_json::json!({ "target": target }),
        });
    }
    for message in &snapshot.sync.warnings {
        let lower = message.to_ascii_lowercase();
        let (kind, params) = if lower.contains("consent") {
            ("needs_admin_consent", serde_json::json!({}))
        } else if lower.contains("certificate") {
            ("certificate_untrusted", serde_json::json!({}))
        } else {
            (
                "starface_unreachable",
                serde_json::json!({ "message": message }),
            )
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
            starface: (own.starface_dnd.is_some() || own.telephony.is_some()).then(|| {
                OwnStarface {
                    dnd: own.starface_dnd,
                    chat: None,
                    telephony: own.telephony.as_ref().map(telephony),
                }
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
            .map(|line| JournalEntry {
                at: ctx.started_wall_ms + line.at_ms,
                // The bridge keeps only the English text; the UI shows `text` for this kind.
                kind: "note",
                params: serde_json::json!({}),
                text: line.text.clone(),
            })
            .collect(),
        warnings,
    }
}

/// The `colleagues` event: presence of watched colleagues that changed since `before`.
pub fn presence_changes(
    before: &BridgeSnapshot,
    after: &BridgeSnapshot,
    now_ms: u64,
) -> Vec<serde_json::Value> {
    after
        .colleagues
        .iter()
        .filter(|c| {
            let old = before.colleagues.iter().find(|o| o.id == c.id);
            old.is_none_or(|o| {
                o.teams != c.teams || o.stale != c.stale || o.telephony != c.telephony
            })
        })
        .filter_map(|c| presence(c, now_ms).map(|p| serde_json::json!({"id": c.id, "presence": p})))
        .collect()
}
