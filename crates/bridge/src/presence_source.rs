//! Where colleagues' (and the user's own) Teams presence comes from: the organisation's relay,
//! or this desktop's own Graph poll. Shared by the Graph worker (which polls only when the relay
//! cannot be used), the relay worker (which decides) and the snapshot (which shows it).

use std::fmt;

use presence_core::{TeamsPresence, TelephonyState};

/// The source of presence right now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PresenceSource {
    /// No relay is configured: the app polls Microsoft Graph itself (the normal case).
    #[default]
    Graph,
    /// A relay is configured and its feed is being opened. No presence is read meanwhile; the
    /// feed becomes live or is given up within seconds (`Direct`).
    RelayStarting,
    /// The relay's feed is live: this desktop makes no presence reads of its own.
    Relay,
    /// A relay is configured but cannot be used now: the app polls Microsoft Graph directly
    /// until the feed is live again.
    Direct {
        /// Why the relay is not used.
        why: RelayDown,
    },
}

impl PresenceSource {
    /// Whether the Graph worker polls presence itself.
    pub fn polls_graph(&self) -> bool {
        matches!(self, PresenceSource::Graph | PresenceSource::Direct { .. })
    }

    /// Whether a relay is configured at all.
    pub fn relay_configured(&self) -> bool {
        !matches!(self, PresenceSource::Graph)
    }
}

/// Why a configured relay is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayDown {
    /// NATS answers, but no relay renews its lease (all relays stopped, or the bucket was never
    /// created).
    NoRelay,
    /// The polling relay cannot read presence from Microsoft Graph.
    RelayCannotReachGraph,
    /// The relay writes a newer value schema than this version reads: the app needs an update.
    UnsupportedSchema {
        /// The schema version found.
        found: u32,
    },
    /// No NATS server answers, or none accepts the credential.
    Unreachable {
        /// The NATS client's words (for logs, `doctor` and the tooltip; never parsed).
        reason: String,
    },
    /// The relay settings cannot be used (no password in the policy, a bad URL, a missing CA
    /// file).
    Misconfigured {
        /// What is wrong, naming the settings key.
        reason: String,
    },
}

impl fmt::Display for RelayDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelayDown::NoRelay => f.write_str("no relay is publishing presence"),
            RelayDown::RelayCannotReachGraph => {
                f.write_str("the relay cannot read presence from Microsoft 365")
            }
            RelayDown::UnsupportedSchema { found } => write!(
                f,
                "the relay publishes presence schema {found}, which this version cannot read: \
                 update the app"
            ),
            RelayDown::Unreachable { reason } => write!(f, "the relay is unreachable ({reason})"),
            RelayDown::Misconfigured { reason } => write!(f, "the relay settings: {reason}"),
        }
    }
}

impl fmt::Display for PresenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresenceSource::Graph => f.write_str("presence polled from Microsoft 365"),
            PresenceSource::RelayStarting => f.write_str("connecting to the presence relay"),
            PresenceSource::Relay => f.write_str("presence from the relay"),
            PresenceSource::Direct { why } => {
                write!(f, "{why}: polling Microsoft 365 directly")
            }
        }
    }
}

/// One person's presence from the relay, as the relay worker hands it to the bridge.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RelayReading {
    /// Entra object id, lower case.
    pub id: String,
    pub teams: TeamsPresence,
    /// Their phone, when the relay has a phone-state source.
    pub phone: Option<TelephonyState>,
}
