//! What each hook did last, for the window's "My status" page, and the typed reasons it failed.

use std::collections::BTreeMap;

use settings::HookKind;
use time::OffsetDateTime;

/// Why a hook delivered (or tried to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occasion {
    /// The status changed.
    Change,
    /// The MQTT connection was (re)established: everything is published again.
    Connected,
    /// Home Assistant announced it started: discovery and state are published again.
    HomeAssistantOnline,
    /// The user pressed "test" ([`crate::StatusHooks::test_now`]).
    Test,
    /// The connection could not be set up (TLS settings, credentials) or, for MQTT, was lost. A
    /// successful MQTT connection shows as the [`Occasion::Connected`] delivery that follows.
    Connection,
}

/// One delivery attempt (after its retries) and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: OffsetDateTime,
    pub occasion: Occasion,
    pub result: Result<(), HookError>,
}

/// The state of one running hook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookReport {
    /// The last attempt, if there was one yet.
    pub last: Option<Attempt>,
    /// When a delivery last succeeded ("last delivered at 10:02" beside a later error).
    pub last_ok: Option<OffsetDateTime>,
    /// MQTT only: whether the broker connection is up. `None` for hooks without a connection.
    pub connected: Option<bool>,
}

/// The reports of the running hooks; a hook that is off has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookResults {
    reports: BTreeMap<HookKind, HookReport>,
}

impl HookResults {
    pub(crate) fn with_hooks(kinds: impl IntoIterator<Item = HookKind>) -> Self {
        Self {
            reports: kinds
                .into_iter()
                .map(|kind| (kind, HookReport::default()))
                .collect(),
        }
    }

    /// The report of `kind`, or `None` when that hook is not running (off, or forbidden).
    pub fn get(&self, kind: HookKind) -> Option<&HookReport> {
        self.reports.get(&kind)
    }

    pub fn iter(&self) -> impl Iterator<Item = (HookKind, &HookReport)> {
        self.reports.iter().map(|(kind, report)| (*kind, report))
    }

    pub(crate) fn report_mut(&mut self, kind: HookKind) -> &mut HookReport {
        self.reports.entry(kind).or_default()
    }
}

/// Why a hook could not deliver. Targets are named by scheme, host and port only: a webhook
/// path may carry a token (Home Assistant's webhook ids do), and these messages reach the log
/// and the window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("this hook is off")]
    Off,
    #[error("there is no status to send yet (Teams and the phone have not been read)")]
    NoStatusYet,
    #[error("nothing is stored in the keychain under `{entry}`; enter it in the Hooks settings")]
    MissingSecret { entry: &'static str },
    #[error("the keychain could not be read: {reason}")]
    Keychain { reason: String },
    #[error("cannot use the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("the TLS handshake with {target} failed: {reason}")]
    Tls { target: String, reason: String },
    #[error("the broker {target} refused the connection: {reason}")]
    Refused { target: String, reason: String },
    #[error("{target} did not answer within {seconds} s")]
    Timeout { target: String, seconds: u64 },
    #[error("not connected to the broker{}", last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default())]
    NotConnected { last_error: Option<Box<HookError>> },
    #[error("{target} answered HTTP {status}")]
    HttpStatus { target: String, status: u16 },
    #[error(
        "{target} answered HTTP {status}, a redirect to {location}; redirects are not followed: \
         put the new address into hooks.webhook.url if you trust it"
    )]
    Redirect {
        target: String,
        status: u16,
        location: String,
    },
    #[error("cannot start {program}: {reason}")]
    ProgramNotStarted { program: String, reason: String },
    #[error("{program} failed ({}){}", exit.map_or("killed by a signal".to_owned(), |code| format!("exit code {code}")), if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    ProgramFailed {
        program: String,
        /// The exit code; `None` when a signal ended it.
        exit: Option<i32>,
        /// The start of what it wrote to stderr.
        stderr: String,
    },
    #[error("{program} did not finish within {seconds} s and was stopped")]
    ProgramTimeout { program: String, seconds: u64 },
    #[error("the hooks were stopped before this was delivered")]
    Stopped,
}
