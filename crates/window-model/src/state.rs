//! The window's `State` (docs/UI-CONTRACT.md): the own status, the sync, the accounts, the
//! favourites and alerted colleagues, the journal and the warnings, built from one bridge
//! snapshot and what only the app knows ([`StateContext`]).

use bridge::{BridgeSnapshot, BridgeWarning, Service, SyncStateView};
use presence_core::{Activity, Availability, ChatPresence, StatusRow};
use serde::Serialize;

use crate::colleague::{Colleague, Telephony};
use crate::hooks::HookResult;
use crate::journal::{journal_entry, JournalEntry};
use crate::presence_source::PresenceSourceView;
use crate::sign_in::{Certificate, SecretNeeded};
use crate::warning::{warnings, Warning};

/// Everything "My status", the header and the settings' account section show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub own: Own,
    pub sync: Sync,
    pub accounts: Accounts,
    /// Favourites and colleagues with an alert (the tray's list).
    pub colleagues: Vec<Colleague>,
    /// Oldest first.
    pub journal: Vec<JournalEntry>,
    pub warnings: Vec<Warning>,
    /// The running status hooks' last results ("My status"); empty while none runs.
    pub hooks: Vec<HookResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Own {
    /// `None` until read.
    pub teams: Option<OwnTeams>,
    /// `None` until anything of STARFACE is known.
    pub starface: Option<OwnStarface>,
    /// The row the engine currently applies.
    pub row: Option<StatusRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnTeams {
    pub row: StatusRow,
    pub availability: Availability,
    pub activity: Activity,
    pub out_of_office: bool,
    pub status_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnStarface {
    pub dnd: Option<bool>,
    /// What the app last set successfully (STARFACE's chat status is not read back).
    pub chat: Option<Chat>,
    pub telephony: Option<Telephony>,
}

/// A chat status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chat {
    pub presence: ChatPresence,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sync {
    pub mode: SyncMode,
    /// Wall clock (ms), while paused.
    pub paused_until: Option<u64>,
    /// Wall clock (ms) of the last sync: when the own Teams presence and STARFACE had both been
    /// read last (the older of the two readings). `None` until both were read.
    pub last_sync: Option<u64>,
    /// Where presence comes from: the app's own poll or the organisation's relay.
    pub presence_source: PresenceSourceView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    Running,
    Paused,
    Stopped,
    OutsideHours,
    Conflict,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accounts {
    pub microsoft: MicrosoftAccount,
    pub starface: StarfaceAccount,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MicrosoftAccount {
    pub state: MicrosoftState,
    /// The signed-in user's name, once Graph told it.
    pub user: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MicrosoftState {
    SignedOut,
    SigningIn,
    /// Also while the sync cannot run, as long as a sign-in is saved.
    SignedIn,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StarfaceAccount {
    pub state: StarfaceState,
    /// Why it is in error, in the connector's words.
    pub message: Option<String>,
    /// SHA-256 (`AA:BB:…`) of the certificate the PBX presents, when known.
    pub presented_fingerprint: Option<String>,
    /// The certificate the PBX presents, when known: from the sync when it refuses it, else
    /// from the window's last look (`inspect_certificate`).
    pub certificate: Option<Certificate>,
    /// The secret to enter, with `sign_in_needed`.
    pub needs: Option<SecretNeeded>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StarfaceState {
    NotConfigured,
    Connecting,
    Connected,
    Error,
    CertificateUntrusted,
    /// A secret must be entered (again): `needs` says which and why.
    SignInNeeded,
}

/// What the state needs besides the snapshot: the app's own facts.
#[derive(Debug, Clone, Default)]
pub struct StateContext {
    /// Wall clock (ms) at the bridge's start: the snapshot's times count from there.
    pub started_wall_ms: u64,
    /// `sync.enabled` in the settings.
    pub sync_enabled: bool,
    pub microsoft_configured: bool,
    pub starface_configured: bool,
    /// A browser sign-in waits to finish.
    pub signing_in: bool,
    /// A Microsoft sign-in is saved in the keychain.
    pub microsoft_saved: bool,
    /// The certificate the PBX presented when the window last looked (`inspect_certificate`)
    /// or the user pinned one; forgotten when the STARFACE settings change.
    pub certificate: Option<Certificate>,
    /// Why the settings on disk are not in use, if they are not.
    pub settings_problem: Option<String>,
    /// The admin policy exists but cannot be used (it failed closed).
    pub policy_problem: Option<settings::BrokenPolicy>,
    /// The running status hooks' results.
    pub hooks: Vec<HookResult>,
}

/// The state for `snapshot`.
pub fn state(snapshot: &BridgeSnapshot, ctx: &StateContext) -> State {
    let wall = |engine_ms: u64| ctx.started_wall_ms + engine_ms;
    let paused_until = match snapshot.sync.state {
        SyncStateView::Paused { until_ms } => Some(wall(until_ms)),
        _ => None,
    };
    State {
        own: own(snapshot),
        sync: Sync {
            mode: sync_mode(&snapshot.sync.state, ctx.sync_enabled),
            paused_until,
            last_sync: snapshot.sync.last_sync_ms.map(wall),
            presence_source: PresenceSourceView::from(&snapshot.sync.presence_source),
        },
        accounts: Accounts {
            microsoft: microsoft(snapshot, ctx),
            starface: starface(snapshot, ctx),
        },
        colleagues: snapshot
            .colleagues
            .iter()
            .filter(|c| c.favourite || c.alert.is_some())
            .map(|c| Colleague::watched(c, ctx.started_wall_ms))
            .collect(),
        journal: snapshot
            .journal
            .iter()
            .map(|line| journal_entry(line, ctx.started_wall_ms))
            .collect(),
        warnings: warnings(snapshot, paused_until, ctx.settings_problem.as_deref())
            .into_iter()
            .chain(ctx.policy_problem.as_ref().map(Warning::from))
            .collect(),
        hooks: ctx.hooks.clone(),
    }
}

fn own(snapshot: &BridgeSnapshot) -> Own {
    let own = &snapshot.own;
    let starface_known =
        own.starface_dnd.is_some() || own.telephony.is_some() || own.starface_chat.is_some();
    Own {
        teams: own.teams.as_ref().map(|teams| OwnTeams {
            row: own.row.unwrap_or(StatusRow::Unknown),
            availability: teams.availability.clone(),
            activity: teams.activity.clone(),
            out_of_office: teams.out_of_office,
            status_message: teams.status_message.clone(),
        }),
        starface: starface_known.then(|| OwnStarface {
            dnd: own.starface_dnd,
            chat: own.starface_chat.as_ref().map(|chat| Chat {
                presence: chat.presence,
                message: chat.message.clone(),
            }),
            telephony: own.telephony.clone().map(Telephony),
        }),
        row: own.row,
    }
}

fn sync_mode(state: &SyncStateView, enabled: bool) -> SyncMode {
    if !enabled {
        return SyncMode::Disabled;
    }
    match state {
        SyncStateView::Starting | SyncStateView::Running => SyncMode::Running,
        SyncStateView::Paused { .. } => SyncMode::Paused,
        SyncStateView::OutsideWorkingHours => SyncMode::OutsideHours,
        SyncStateView::Stopped => SyncMode::Stopped,
        SyncStateView::AnotherSyncSuspected => SyncMode::Conflict,
        SyncStateView::NotConfigured => SyncMode::Disabled,
    }
}

fn microsoft(snapshot: &BridgeSnapshot, ctx: &StateContext) -> MicrosoftAccount {
    let running = !matches!(
        snapshot.sync.state,
        SyncStateView::NotConfigured | SyncStateView::Starting
    );
    let state = if ctx.signing_in {
        MicrosoftState::SigningIn
    } else if snapshot.sync.sign_in_needed(Service::Microsoft) {
        MicrosoftState::Expired
    } else if snapshot.own.display_name.is_some()
        || (running && ctx.microsoft_configured)
        || ctx.microsoft_saved
    {
        MicrosoftState::SignedIn
    } else {
        MicrosoftState::SignedOut
    };
    MicrosoftAccount {
        state,
        user: snapshot.own.display_name.clone(),
    }
}

fn starface(snapshot: &BridgeSnapshot, ctx: &StateContext) -> StarfaceAccount {
    let problem = snapshot
        .sync
        .warnings
        .iter()
        .find(|warning| warning.service() == Service::Starface);
    let certificate = match problem {
        Some(BridgeWarning::CertificateUntrusted { presented, details }) => {
            Some(Certificate::new(presented.clone(), details.as_ref(), false))
        }
        _ => ctx.certificate.clone(),
    };
    let needs = match problem {
        Some(BridgeWarning::StarfaceSecretNeeded { secret, need }) => {
            Some(SecretNeeded::new(*secret, need))
        }
        _ => None,
    };
    let (state, message) = match problem {
        _ if !ctx.starface_configured => (StarfaceState::NotConfigured, None),
        Some(BridgeWarning::CertificateUntrusted { .. }) => {
            (StarfaceState::CertificateUntrusted, None)
        }
        Some(warning @ BridgeWarning::StarfaceSecretNeeded { .. }) => {
            (StarfaceState::SignInNeeded, Some(warning.to_string()))
        }
        Some(
            BridgeWarning::SignInNeeded { reason, .. }
            | BridgeWarning::StarfaceUnreachable { reason },
        ) => (StarfaceState::Error, Some(reason.clone())),
        _ if snapshot.own.starface_dnd.is_some() || snapshot.own.telephony.is_some() => {
            (StarfaceState::Connected, None)
        }
        _ => (StarfaceState::Connecting, None),
    };
    StarfaceAccount {
        state,
        message,
        presented_fingerprint: certificate.as_ref().map(|c| c.fingerprint.clone()),
        certificate,
        needs,
    }
}

#[cfg(test)]
mod tests;
