//! What front ends see: one snapshot, published on a `tokio::sync::watch` channel.
//!
//! Times in a snapshot are fixed engine timestamps (milliseconds on the bridge clock), never ages
//! or remaining times: a snapshot only changes when something happened, so an idle bridge publishes
//! nothing and front ends turn the timestamps into wall-clock times themselves.
//!
//! Everything in it is typed: problems are [`BridgeWarning`]s that name their [`Service`] and carry
//! their details, the journal keeps the engine's structured events, colleagues are the
//! directory's [`Person`]s. A front end translates these; it never has to read meaning out of text.
//! The snapshot is no wire format (it has no `Serialize`): each front end maps it to its own.

use std::fmt;

use graph_client::graph::FreeBusyReading;
use presence_core::engine::WriteTarget;
use presence_core::journal::JournalEvent;
use presence_core::person_status::{PersonStatus, PhoneState};
use presence_core::watch_list::AlertMode;
use presence_core::{ChatStatus, Person, StatusRow, TeamsPresence, TelephonyState};

use crate::presence_source::PresenceSource;
use crate::secrets::{SecretNeed, StarfaceSecret};

/// Everything a front end shows, rebuilt after every change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BridgeSnapshot {
    /// The user's own status, Teams and STARFACE merged.
    pub own: OwnStatus,
    /// Whether and how the sync runs.
    pub sync: SyncView,
    /// Watched colleagues, in the order they were added (favourites first).
    pub colleagues: Vec<ColleagueView>,
    /// The watched colleagues Microsoft Graph ranks most relevant to the user (`/me/people`), by
    /// id, most relevant first: who the tray shows before any favourite is set.
    pub relevant: Vec<String>,
    /// The last explained decisions, oldest first.
    pub journal: Vec<JournalLine>,
}

/// The user's own status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnStatus {
    /// Display name from Microsoft 365, once known.
    pub display_name: Option<String>,
    /// The own Teams presence as last polled.
    pub teams: Option<TeamsPresence>,
    /// The mapping row of `teams`.
    pub row: Option<StatusRow>,
    /// STARFACE DND as last read or written.
    pub starface_dnd: Option<bool>,
    /// The STARFACE chat status this bridge last set successfully (`None` until a write succeeded).
    /// STARFACE's chat status is not read back, so this is what the app set, not what the PBX shows
    /// now (the user may have changed it in the UCC client since).
    pub starface_chat: Option<ChatStatus>,
    /// STARFACE telephony state as last read.
    pub telephony: Option<TelephonyState>,
    /// On a STARFACE call.
    pub in_call: bool,
    /// The app's Teams presence session is set (a STARFACE call shows in Teams).
    pub teams_session_active: bool,
    /// DND was changed by hand and is kept until the next Teams transition.
    pub dnd_kept_manual: bool,
}

/// Headline sync state, as the engine has it. Problems with a service (an expired sign-in, a PBX
/// that cannot be reached) are [`SyncView::warnings`], not states: the sync goes on with the
/// other side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SyncStateView {
    /// Connecting; nothing observed yet.
    #[default]
    Starting,
    /// Syncing.
    Running,
    /// Paused.
    Paused {
        /// Engine time (milliseconds) at which the pause ends.
        until_ms: u64,
    },
    /// Outside the configured working hours.
    OutsideWorkingHours,
    /// The user let another sync win; nothing is written until Resume.
    Stopped,
    /// Another presence sync seems to fight over DND; waiting for the user's decision.
    AnotherSyncSuspected,
    /// The settings lack the Microsoft app registration or the PBX.
    NotConfigured,
}

/// Sync state with details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncView {
    /// The headline.
    pub state: SyncStateView,
    /// Writes that currently fail.
    pub failing: Vec<WriteTarget>,
    /// What keeps a service from working fully, at most one per service, Microsoft 365 first.
    pub warnings: Vec<BridgeWarning>,
    /// What raised the "another sync" warning, while it stands.
    pub another_sync: Option<AnotherSyncView>,
    /// Engine time (milliseconds) of the last sync: the older of the latest successful readings
    /// of the own Teams presence and of STARFACE (`None` until both were read). It stops moving
    /// while either side cannot be read. The bridge updates it in the watched value without
    /// waking anyone, so an idle bridge still publishes nothing; a front end sees the current
    /// value whenever it looks.
    pub last_sync_ms: Option<u64>,
    /// Where presence comes from: the app's own Graph poll, or the organisation's relay (and
    /// why not, while a configured relay cannot be used).
    pub presence_source: PresenceSource,
}

impl SyncView {
    /// Whether `service` waits for the user to sign in again (or enter a STARFACE secret).
    pub fn sign_in_needed(&self, service: Service) -> bool {
        self.warnings
            .iter()
            .any(|w| w.is_sign_in() && w.service() == service)
    }
}

/// The evidence behind the "another sync seems active" warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnotherSyncView {
    /// DND reverts counted.
    pub reverts: u32,
    /// Within this many minutes.
    pub period_minutes: u32,
}

/// The services the bridge works with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// Microsoft 365: sign-in and Graph (Teams presence, directory).
    Microsoft,
    /// The STARFACE PBX: REST, UCI, XMPP.
    Starface,
    /// Colleagues' phone state from the PBX (STARFACE 10's OneHub). Its problems never stop
    /// the sync; they stand beside the PBX's own.
    PhoneState,
}

impl Service {
    /// The name users know the service by.
    pub fn name(self) -> &'static str {
        match self {
            Service::Microsoft => "Microsoft 365",
            Service::Starface => "STARFACE",
            Service::PhoneState => "STARFACE phone state",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something that keeps a service from working fully. Each warning stands until the service
/// works again; the `reason`s are the connector's own words, for the user to read (never to be
/// parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeWarning {
    /// The sign-in must be repeated: a revoked or expired Microsoft refresh token, or a STARFACE
    /// login the PBX rejects. Settings are kept. While it stands, other problems of the same
    /// service do not replace it (nothing works until the user signs in).
    SignInNeeded {
        /// Whose sign-in.
        service: Service,
        /// What the server said.
        reason: String,
    },
    /// Graph answers, but colleagues' presence needs an administrator's consent
    /// (`Presence.Read.All`): only the user's own presence is read.
    NeedsAdminConsent,
    /// A Microsoft Graph poll failed (network, server, throttling beyond the retries).
    GraphUnreachable {
        /// The connector's error.
        reason: String,
    },
    /// The PBX cannot be reached or answers with errors.
    StarfaceUnreachable {
        /// The connector's error.
        reason: String,
    },
    /// The PBX presents a certificate that the configured trust (system roots, CA file, pin)
    /// does not accept.
    CertificateUntrusted {
        /// Its SHA-256 fingerprint (`AA:BB:…`), for the user to compare and pin.
        presented: String,
        /// What it says about itself (subject, validity), when it could be read.
        details: Option<CertificateDetails>,
    },
    /// The PBX refuses colleagues' phone state to this user (OneHub `PermissionDenied`): only
    /// the STARFACE administrator can grant the right.
    PhoneStateRefused {
        /// What the PBX said.
        detail: String,
    },
    /// OneHub (port 9092 of the PBX, or its cloud gateway) cannot be reached, and reconnecting
    /// did not help: colleagues show no phone state.
    PhoneStateUnreachable {
        /// The connector's error.
        reason: String,
    },
    /// The PBX signs in with OAuth but offers no OneHub presence (`Unimplemented`).
    PhoneStateNotSupported,
    /// A STARFACE secret must be entered (again) before the PBX can be used: none is stored,
    /// the stored one belongs to another server than the settings name now, or the PBX signs in
    /// with OAuth only and needs the client secret. Like `SignInNeeded`, it stands until the
    /// user acts.
    StarfaceSecretNeeded {
        /// Which secret.
        secret: StarfaceSecret,
        /// Why.
        need: SecretNeed,
    },
}

/// What a certificate says about itself, for the user to judge before trusting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDetails {
    /// The subject's distinguished name, e.g. `CN=pbx.example.com, O=Example`.
    pub subject: String,
    /// The issuer's distinguished name (the subject again for a self-signed certificate).
    pub issuer: String,
    /// Valid from (Unix seconds).
    pub not_before: i64,
    /// Valid until (Unix seconds).
    pub not_after: i64,
}

impl BridgeWarning {
    /// The service the warning is about.
    pub fn service(&self) -> Service {
        match self {
            BridgeWarning::SignInNeeded { service, .. } => *service,
            BridgeWarning::NeedsAdminConsent | BridgeWarning::GraphUnreachable { .. } => {
                Service::Microsoft
            }
            BridgeWarning::StarfaceUnreachable { .. }
            | BridgeWarning::CertificateUntrusted { .. }
            | BridgeWarning::StarfaceSecretNeeded { .. } => Service::Starface,
            BridgeWarning::PhoneStateRefused { .. }
            | BridgeWarning::PhoneStateUnreachable { .. }
            | BridgeWarning::PhoneStateNotSupported => Service::PhoneState,
        }
    }

    /// Whether nothing of its service works until the user signs in or enters a secret.
    pub fn is_sign_in(&self) -> bool {
        matches!(
            self,
            BridgeWarning::SignInNeeded { .. } | BridgeWarning::StarfaceSecretNeeded { .. }
        )
    }
}

impl fmt::Display for BridgeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeWarning::SignInNeeded { service, reason } => {
                write!(f, "{service}: sign in again ({reason})")
            }
            BridgeWarning::NeedsAdminConsent => f.write_str(
                "Microsoft 365: colleagues' presence needs an administrator's consent \
                 (Presence.Read.All)",
            ),
            BridgeWarning::GraphUnreachable { reason } => write!(f, "Microsoft 365: {reason}"),
            BridgeWarning::StarfaceUnreachable { reason } => write!(f, "STARFACE: {reason}"),
            BridgeWarning::CertificateUntrusted { presented, .. } => write!(
                f,
                "STARFACE: the PBX presents a certificate that is not trusted ({presented})"
            ),
            BridgeWarning::PhoneStateRefused { detail } => write!(
                f,
                "STARFACE refuses colleagues' phone state to this user ({detail}); the STARFACE \
                 administrator must grant the rights the STARFACE app needs to show colleagues' \
                 presence"
            ),
            BridgeWarning::PhoneStateUnreachable { reason } => {
                write!(f, "STARFACE phone state: {reason}")
            }
            BridgeWarning::PhoneStateNotSupported => {
                f.write_str("STARFACE: the PBX offers no phone state of colleagues (no OneHub)")
            }
            BridgeWarning::StarfaceSecretNeeded { secret, need } => write!(
                f,
                "STARFACE: enter the {} ({need})",
                secret.describe().trim_start_matches("STARFACE ")
            ),
        }
    }
}

/// One watched colleague: who they are, their presence, and what the user set on them.
#[derive(Debug, Clone, PartialEq)]
pub struct ColleagueView {
    /// As the directory describes them, with their STARFACE user once matched by e-mail.
    pub person: Person,
    /// Teams presence, once polled.
    pub teams: Option<TeamsPresence>,
    /// The mapping row of `teams`.
    pub row: Option<StatusRow>,
    /// Engine time (milliseconds) at which the presence was first read with its current value
    /// (`None` until it was read). Not the time of the latest read: that moves with every poll.
    pub updated_at_ms: Option<u64>,
    /// Not read for a few poll intervals: shown greyed out. Flips when the threshold is crossed.
    pub stale: bool,
    /// Their STARFACE phone, pushed by OneHub (STARFACE 10); `None` while not known (no
    /// OneHub, not matched to a STARFACE user, not reported yet).
    pub phone: Option<PhoneState>,
    /// Teams and the phone merged: what the dot, the list, the card and the tray show.
    pub status: PersonStatus,
    /// Their STARFACE chat status: from OneHub, or on PBXs without OneHub from the XMPP roster.
    pub starface_chat: Option<ChatStatus>,
    /// The "notify me when available" alert set on them, if any (a `Once` alert is gone after it
    /// fired).
    pub alert: Option<AlertMode>,
    /// One of the user's favourites (an address of theirs is in the settings' favourites).
    pub favourite: bool,
    /// Their free/busy, while they are on screen (the open contact card, a favourite, an alert
    /// target) and free/busy is on; `None` for everyone else. Its times are wall-clock instants
    /// already placed on the viewer's clock and calendar (not engine time); only status and times,
    /// never a subject, location or attendee.
    pub free_busy: Option<FreeBusyReading>,
}

/// One journal line (own status only; never colleagues' presence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    /// Engine time in milliseconds.
    pub at_ms: u64,
    /// What happened, structured, so a front end can translate it. Times inside it (e.g. the end of
    /// a pause) are engine time like `at_ms`.
    pub event: JournalEvent,
    /// English explanation (logs, and the fallback for kinds a front end does not know).
    pub text: String,
}
