//! What the hooks are fed ([`HookStatus`]) and what leaves the computer ([`StatusDocument`]).
//!
//! The document is the one place that decides what is published: the merged status, the Teams
//! reading's ids and the phone marks. The Teams status message is in it only when the user ticked
//! `hooks.include_status_message`; the STARFACE chat status and anything about colleagues never
//! are.

use presence_core::{PersonStatus, PhoneState, TeamsPresence, TelephonyState};
use serde::Serialize;
use time::OffsetDateTime;

/// The version of [`StatusDocument`]'s JSON; a receiver checks it before reading the rest.
pub const DOCUMENT_VERSION: u32 = 1;

/// The user's own status: the Teams and phone readings the merged status comes from.
///
/// Built from the readings, so the merged [`PersonStatus`] is always the one the window shows
/// for the same readings (`PersonStatus::merge`), never a second copy that could disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct HookStatus {
    teams: Option<TeamsPresence>,
    phone: Option<PhoneState>,
    merged: PersonStatus,
}

impl HookStatus {
    /// The status for the own Teams presence and the own STARFACE phone, either may be unknown.
    pub fn new(teams: Option<TeamsPresence>, phone: Option<PhoneState>) -> Self {
        let merged = PersonStatus::merge(teams.as_ref(), phone.as_ref());
        Self {
            teams,
            phone,
            merged,
        }
    }

    pub fn merged(&self) -> PersonStatus {
        self.merged
    }

    pub fn teams(&self) -> Option<&TeamsPresence> {
        self.teams.as_ref()
    }

    pub fn phone(&self) -> Option<&PhoneState> {
        self.phone.as_ref()
    }

    /// What is published for this status; the Teams status message only if `include_message`.
    pub fn document(&self, include_message: bool) -> StatusDocument {
        StatusDocument {
            version: DOCUMENT_VERSION,
            activity: self.merged.activity.id(),
            dot: self.merged.dot.id(),
            free: self.merged.free,
            teams: self.teams.as_ref().map(|teams| TeamsPart {
                availability: teams.availability.as_str().to_owned(),
                activity: teams.activity.as_str().to_owned(),
                out_of_office: teams.out_of_office,
                status_message: teams.status_message.clone().filter(|_| include_message),
            }),
            phone: self.phone.as_ref().map(|phone| PhonePart {
                in_call: phone.telephony == TelephonyState::Active,
                ringing: phone.telephony == TelephonyState::Ringing,
                dnd: phone.dnd,
                calls_forwarded: phone.calls_forwarded,
            }),
        }
    }
}

/// The published status (JSON, version [`DOCUMENT_VERSION`]); docs/HOOKS.md describes each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusDocument {
    pub version: u32,
    /// `presence_core::PersonActivity::id`: `on_the_phone`, `ringing` or a Teams row id.
    pub activity: &'static str,
    /// `presence_core::Dot::id`: `available`, `busy`, `do_not_disturb`, `away`, `offline`,
    /// `unknown`.
    pub dot: &'static str,
    /// Teams is Available and the phone is free ("notify me when available" would fire).
    pub free: bool,
    /// `null` until Teams has been read.
    pub teams: Option<TeamsPart>,
    /// `null` while the STARFACE phone state is not known.
    pub phone: Option<PhonePart>,
}

/// The own Teams reading as Graph reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamsPart {
    /// Graph `availability`, e.g. `Busy` (values Graph adds later are passed on as they come).
    pub availability: String,
    /// Graph `activity`, e.g. `InAMeeting`.
    pub activity: String,
    pub out_of_office: bool,
    /// Only with `hooks.include_status_message = true`, and only when one is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// The own STARFACE phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PhonePart {
    pub in_call: bool,
    pub ringing: bool,
    /// STARFACE do-not-disturb.
    pub dnd: bool,
    pub calls_forwarded: bool,
}

/// A document with the time it first became the status: what the hooks deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    #[serde(flatten)]
    pub document: StatusDocument,
    /// When this status began (as far as this app saw it), RFC 3339 UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

impl Published {
    /// The JSON published on MQTT and handed to commands.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a status document serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_a_meeting_with_message() -> TeamsPresence {
        TeamsPresence::new("Busy", "InAMeeting").with_status_message("Quarterly review, back at 3")
    }

    #[test]
    fn the_status_message_leaves_only_when_ticked() {
        let status = HookStatus::new(Some(in_a_meeting_with_message()), None);
        let without = serde_json::to_string(&status.document(false)).unwrap();
        assert!(!without.contains("Quarterly"), "{without}");
        assert!(!without.contains("status_message"), "{without}");
        let with = status.document(true);
        assert_eq!(
            with.teams.unwrap().status_message.as_deref(),
            Some("Quarterly review, back at 3")
        );
    }

    #[test]
    fn the_phone_wins_and_its_chat_status_never_leaves() {
        let mut phone = PhoneState::new(TelephonyState::Active);
        phone.dnd = true;
        phone.chat = Some(presence_core::ChatStatus::new(
            presence_core::ChatPresence::Away,
            "private chat text",
        ));
        let status = HookStatus::new(
            Some(TeamsPresence::new("Available", "Available")),
            Some(phone),
        );
        let document = status.document(true);
        assert_eq!(document.activity, "on_the_phone");
        assert_eq!(document.dot, "busy");
        assert!(!document.free);
        assert_eq!(
            document.phone,
            Some(PhonePart {
                in_call: true,
                ringing: false,
                dnd: true,
                calls_forwarded: false
            })
        );
        let json = serde_json::to_string(&document).unwrap();
        assert!(!json.contains("private chat text"), "{json}");
    }

    #[test]
    fn the_json_has_the_documented_shape() {
        let status = HookStatus::new(
            Some(TeamsPresence::new("Available", "Available")),
            Some(PhoneState::new(TelephonyState::Available)),
        );
        let published = Published {
            document: status.document(false),
            since: OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap(),
        };
        let value: serde_json::Value = serde_json::from_str(&published.to_json()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "version": 1,
                "activity": "available",
                "dot": "available",
                "free": true,
                "teams": {"availability": "Available", "activity": "Available", "out_of_office": false},
                "phone": {"in_call": false, "ringing": false, "dnd": false, "calls_forwarded": false},
                "since": "2026-01-01T00:00:00Z"
            })
        );
        let unknown = HookStatus::new(None, None).document(false);
        assert_eq!((unknown.activity, unknown.dot), ("unknown", "unknown"));
        assert_eq!((unknown.teams, unknown.phone), (None, None));
    }
}
