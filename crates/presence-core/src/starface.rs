//! STARFACE PBX state: DND, chat presence and telephony state.
//!
//! Chat presence has exactly six documented values (UCI `ChatPresence`, OneHub `ChatState`), so it is a
//! closed enum and the connector reports unreadable values as "no chat state". Telephony state gains
//! values over time (`QUEUE_PAUSE` in module events), so it keeps unknown values.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// STARFACE chat presence (UCI `ChatPresence`).
///
/// Serialised in snake_case (`"do_not_disturb"`) for configuration files; use
/// [`ChatPresence::as_starface_str`] for the PBX's own spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatPresence {
    /// `AVAILABLE` (XMPP: no `<show>`).
    Available,
    /// `FREE_FOR_CHAT` (XMPP `chat`).
    FreeForChat,
    /// `AWAY` (XMPP `away`).
    Away,
    /// `EXTENDED_AWAY` (XMPP `xa`).
    ExtendedAway,
    /// `DO_NOT_DISTURB` (XMPP `dnd`).
    DoNotDisturb,
    /// `UNAVAILABLE` (XMPP `type="unavailable"`).
    Unavailable,
}

/// A chat presence text that is none of the six STARFACE values.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown STARFACE chat presence {0:?} (expected one of available, free_for_chat, away, extended_away, do_not_disturb, unavailable)")]
pub struct UnknownChatPresence(pub String);

impl ChatPresence {
    /// All six values.
    pub const ALL: [ChatPresence; 6] = [
        ChatPresence::Available,
        ChatPresence::FreeForChat,
        ChatPresence::Away,
        ChatPresence::ExtendedAway,
        ChatPresence::DoNotDisturb,
        ChatPresence::Unavailable,
    ];

    /// The PBX spelling, e.g. `DO_NOT_DISTURB`.
    pub fn as_starface_str(self) -> &'static str {
        match self {
            ChatPresence::Available => "AVAILABLE",
            ChatPresence::FreeForChat => "FREE_FOR_CHAT",
            ChatPresence::Away => "AWAY",
            ChatPresence::ExtendedAway => "EXTENDED_AWAY",
            ChatPresence::DoNotDisturb => "DO_NOT_DISTURB",
            ChatPresence::Unavailable => "UNAVAILABLE",
        }
    }

    /// The configuration spelling, e.g. `do_not_disturb`.
    pub fn id(self) -> &'static str {
        match self {
            ChatPresence::Available => "available",
            ChatPresence::FreeForChat => "free_for_chat",
            ChatPresence::Away => "away",
            ChatPresence::ExtendedAway => "extended_away",
            ChatPresence::DoNotDisturb => "do_not_disturb",
            ChatPresence::Unavailable => "unavailable",
        }
    }

    /// English label, e.g. `Do not disturb`.
    pub fn label(self) -> &'static str {
        match self {
            ChatPresence::Available => "Available",
            ChatPresence::FreeForChat => "Free for chat",
            ChatPresence::Away => "Away",
            ChatPresence::ExtendedAway => "Extended away",
            ChatPresence::DoNotDisturb => "Do not disturb",
            ChatPresence::Unavailable => "Unavailable",
        }
    }

    /// Parses any of the spellings in use (`DO_NOT_DISTURB`, `do_not_disturb`, OneHub `DoNotDisturb`),
    /// ignoring case, `_` and `-`.
    pub fn parse(text: &str) -> Result<Self, UnknownChatPresence> {
        let folded: String = text
            .trim()
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Self::ALL
            .into_iter()
            .find(|value| value.id().replace('_', "") == folded)
            .ok_or_else(|| UnknownChatPresence(text.to_owned()))
    }
}

impl FromStr for ChatPresence {
    type Err = UnknownChatPresence;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for ChatPresence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

open_enum! {
    /// STARFACE telephony state (UCI `telephonyState`, OneHub `telephony_state`).
    pub enum TelephonyState {
        /// `AVAILABLE`: idle phone.
        Available => "AVAILABLE", "Phone free";
        /// `RINGING`: a call is ringing.
        Ringing => "RINGING", "Ringing";
        /// `ACTIVE`: in a call ("Im Telefonat").
        Active => "ACTIVE", "On the phone";
        /// `UNAVAILABLE`: no phone registered.
        Unavailable => "UNAVAILABLE", "Phone unavailable";
    }
}

impl TelephonyState {
    /// Whether the user is in a call. Ringing is not a call yet: a ringing phone that is not
    /// answered must not flip Teams to "In a call".
    pub fn is_in_call(&self) -> bool {
        matches!(self, TelephonyState::Active)
    }
}

/// Chat presence together with its free-text message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatStatus {
    /// One of the six chat presence values.
    pub presence: ChatPresence,
    /// The "ChatPresenceMessage"; empty for none.
    #[serde(default)]
    pub message: String,
}

impl ChatStatus {
    /// A chat status with a message (use `""` for none).
    pub fn new(presence: ChatPresence, message: impl Into<String>) -> Self {
        Self {
            presence,
            message: message.into(),
        }
    }
}

impl fmt::Display for ChatStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.presence)
        } else {
            write!(f, "{} \"{}\"", self.presence, self.message)
        }
    }
}

/// One observation of the user's own STARFACE state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StarfaceState {
    /// `PhoneConfig.doNotDisturb`.
    pub dnd: bool,
    /// The chat status, or `None` when the connector cannot read it (it then only knows what it wrote).
    pub chat: Option<ChatStatus>,
    /// The telephony state.
    pub telephony: TelephonyState,
}

impl StarfaceState {
    /// A state with DND as given, no readable chat status and an idle phone.
    pub fn with_dnd(dnd: bool) -> Self {
        Self {
            dnd,
            chat: None,
            telephony: TelephonyState::Available,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_presence_accepts_every_spelling() {
        for value in ChatPresence::ALL {
            assert_eq!(ChatPresence::parse(value.as_starface_str()), Ok(value));
            assert_eq!(ChatPresence::parse(value.id()), Ok(value));
        }
        assert_eq!(
            ChatPresence::parse("DoNotDisturb"),
            Ok(ChatPresence::DoNotDisturb)
        );
        assert_eq!(
            ChatPresence::parse("ExtendedAway"),
            Ok(ChatPresence::ExtendedAway)
        );
        assert_eq!(
            ChatPresence::parse("busy"),
            Err(UnknownChatPresence("busy".into()))
        );
    }

    #[test]
    fn chat_presence_serde_is_snake_case() {
        assert_eq!(
            serde_json::to_string(&ChatPresence::FreeForChat).unwrap(),
            "\"free_for_chat\""
        );
        assert!(serde_json::from_str::<ChatPresence>("\"FREE_FOR_CHAT\"").is_err());
    }

    #[test]
    fn telephony_keeps_unknown_values_and_only_active_is_a_call() {
        assert_eq!(TelephonyState::parse("active"), TelephonyState::Active);
        assert_eq!(
            TelephonyState::parse("QUEUE_PAUSE"),
            TelephonyState::Other("QUEUE_PAUSE".into())
        );
        assert!(TelephonyState::Active.is_in_call());
        assert!(!TelephonyState::Ringing.is_in_call());
        assert!(!TelephonyState::parse("QUEUE_PAUSE").is_in_call());
    }
}
