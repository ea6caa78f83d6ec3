//! STARFACE's own presence vocabulary at this crate's boundary (the app maps it to
//! `presence-core`).

use std::fmt;

/// The six UCI chat presence values (`ucp.v30...values.ChatPresence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatPresence {
    Available,
    FreeForChat,
    Away,
    ExtendedAway,
    DoNotDisturb,
    Unavailable,
}

impl ChatPresence {
    pub const ALL: [ChatPresence; 6] = [
        ChatPresence::Available,
        ChatPresence::FreeForChat,
        ChatPresence::Away,
        ChatPresence::ExtendedAway,
        ChatPresence::DoNotDisturb,
        ChatPresence::Unavailable,
    ];

    /// The UCI spelling (`AVAILABLE`, `FREE_FOR_CHAT`, ...).
    pub fn uci_name(self) -> &'static str {
        match self {
            ChatPresence::Available => "AVAILABLE",
            ChatPresence::FreeForChat => "FREE_FOR_CHAT",
            ChatPresence::Away => "AWAY",
            ChatPresence::ExtendedAway => "EXTENDED_AWAY",
            ChatPresence::DoNotDisturb => "DO_NOT_DISTURB",
            ChatPresence::Unavailable => "UNAVAILABLE",
        }
    }

    pub fn from_uci_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.uci_name() == name)
    }
}

impl fmt::Display for ChatPresence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uci_name())
    }
}

/// UCI `telephonyState`. `Active` means the user is on a call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TelephonyState {
    Available,
    Ringing,
    Active,
    Unavailable,
    QueuePause,
    /// A value this crate does not know (kept verbatim for logs).
    Other(String),
}

impl TelephonyState {
    pub fn from_uci_name(name: &str) -> Self {
        match name {
            "AVAILABLE" => TelephonyState::Available,
            "RINGING" => TelephonyState::Ringing,
            "ACTIVE" => TelephonyState::Active,
            "UNAVAILABLE" => TelephonyState::Unavailable,
            "QUEUE_PAUSE" => TelephonyState::QueuePause,
            other => TelephonyState::Other(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uci_names_round_trip_for_all_six() {
        for presence in ChatPresence::ALL {
            assert_eq!(
                ChatPresence::from_uci_name(presence.uci_name()),
                Some(presence)
            );
        }
        assert_eq!(ChatPresence::from_uci_name("BUSY"), None);
        assert_eq!(
            TelephonyState::from_uci_name("ACTIVE"),
            TelephonyState::Active
        );
    }
}
