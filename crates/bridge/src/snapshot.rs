//! What front ends see: one serialisable snapshot, published on a `tokio::sync::watch` channel.
//!
//! Times in a snapshot are fixed engine timestamps (milliseconds on the bridge clock), never ages
//! or remaining times: a snapshot only changes when something happened, so an idle bridge publishes
//! nothing and front ends turn the timestamps into wall-clock times themselves.

use presence_core::engine::WriteTarget;
use presence_core::journal::JournalEvent;
use presence_core::{ChatStatus, StatusRow, TeamsPresence, TelephonyState};
use serde::Serialize;

/// Everything a front end shows, rebuilt after every change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BridgeSnapshot {
    /// The user's own status, Teams and STARFACE merged.
    pub own: OwnStatus,
    /// Whether and how the sync runs.
    pub sync: SyncView,
    /// Watched colleagues, in the order they were added (favourites first).
    pub colleagues: Vec<ColleagueView>,
    /// The last explained decisions, oldest first.
    pub journal: Vec<JournalLine>,
}

/// The user's own status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OwnStatus {
    /// Display name from Microsoft 365, once known.
    pub display_name: Option<String>,
    /// The own Teams presence as last polled.
    pub teams: Option<TeamsPresence>,
    /// Its mapping row.
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

/// Headline sync state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
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
    /// A sign-in expired or was revoked; settings are kept, only the sign-in must be repeated.
    SignInNeeded {
        /// `microsoft` or `starface`.
        service: String,
        /// What the server said.
        reason: String,
    },
    /// The settings lack the Microsoft app registration or the PBX.
    NotConfigured,
}

/// Sync state with details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncView {
    /// The headline.
    #[serde(flatten)]
    pub state: SyncStateView,
    /// Writes that currently fail.
    pub failing: Vec<WriteTarget>,
    /// Non-fatal problems (e.g. colleagues' presence needs admin consent, a connector is down).
    pub warnings: Vec<String>,
    /// What raised the "another sync" warning, while it stands.
    pub another_sync: Option<AnotherSyncView>,
}

/// The evidence behind the "another sync seems active" warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AnotherSyncView {
    /// DND reverts counted.
    pub reverts: u32,
    /// Within this many minutes.
    pub period_minutes: u32,
}

/// One watched colleague: Teams presence merged with the STARFACE directory by e-mail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColleagueView {
    /// Entra object id.
    pub id: String,
    /// Name.
    pub display_name: String,
    /// E-mail (lower case).
    pub mail: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Office.
    pub office_location: Option<String>,
    /// Phone numbers from Microsoft 365.
    pub phones: Vec<String>,
    /// Teams presence, once polled.
    pub teams: Option<TeamsPresence>,
    /// Its row.
    pub row: Option<StatusRow>,
    /// Engine time (milliseconds) at which the presence was first read with its current value
    /// (`None` until it was read). Not the time of the latest read: that moves with every poll.
    pub updated_at_ms: Option<u64>,
    /// Not read for a few poll intervals: shown greyed out. Flips when the threshold is crossed.
    pub stale: bool,
    /// Matched STARFACE user (login id), if any.
    pub starface_login: Option<String>,
    /// Internal STARFACE number, for click-to-call.
    pub internal_number: Option<String>,
    /// STARFACE phone state, when known.
    pub telephony: Option<TelephonyState>,
    /// A "notify me when available" alert is set.
    pub alert: bool,
}

/// One journal line (own status only; never colleagues' presence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalLine {
    /// Engine time in milliseconds.
    pub at_ms: u64,
    /// What happened, structured, so a front end can translate it. Times inside it (e.g. the end of
    /// a pause) are engine time like `at_ms`. Not serialised: each front end maps it to its own
    /// wire format (the tray app in its `dto` module).
    #[serde(skip)]
    pub event: JournalEvent,
    /// English explanation (logs, and the fallback for kinds a front end does not know).
    pub text: String,
}
