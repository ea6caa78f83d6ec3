//! Microsoft Teams presence as Microsoft Graph reports it.
//!
//! Graph returns `availability` and `activity` as plain strings. Its documentation prints PascalCase
//! lists in older revisions and camelCase, partly swapped lists since 2024, while example responses stay
//! PascalCase. So both enums here parse case-insensitively and keep unknown values (e.g. `Focusing`,
//! `AvailableInactive`) as `Other(String)`; parsing never fails.

use serde::{Deserialize, Serialize};

open_enum! {
    /// Graph `presence.availability`: the coarse state.
    pub enum Availability {
        /// `Available`.
        Available => "Available", "Available";
        /// `AvailableIdle`: available but the client is idle.
        AvailableIdle => "AvailableIdle", "Available (idle)";
        /// `Away`.
        Away => "Away", "Away";
        /// `BeRightBack`.
        BeRightBack => "BeRightBack", "Be right back";
        /// `Busy`.
        Busy => "Busy", "Busy";
        /// `BusyIdle`: busy but the client is idle.
        BusyIdle => "BusyIdle", "Busy (idle)";
        /// `DoNotDisturb`.
        DoNotDisturb => "DoNotDisturb", "Do not disturb";
        /// `Offline`.
        Offline => "Offline", "Offline";
        /// `OutOfOffice`: listed as an availability in the Teams-state table of the Graph docs.
        OutOfOffice => "OutOfOffice", "Out of office";
        /// `PresenceUnknown`.
        PresenceUnknown => "PresenceUnknown", "Unknown";
    }
}

open_enum! {
    /// Graph `presence.activity`: what the user is doing.
    pub enum Activity {
        /// `Available`.
        Available => "Available", "Available";
        /// `Away`.
        Away => "Away", "Away";
        /// `BeRightBack`.
        BeRightBack => "BeRightBack", "Be right back";
        /// `Busy`.
        Busy => "Busy", "Busy";
        /// `DoNotDisturb`.
        DoNotDisturb => "DoNotDisturb", "Do not disturb";
        /// `InACall`.
        InACall => "InACall", "In a call";
        /// `InAConferenceCall`.
        InAConferenceCall => "InAConferenceCall", "In a conference call";
        /// `Inactive`.
        Inactive => "Inactive", "Inactive";
        /// `InAMeeting`.
        InAMeeting => "InAMeeting", "In a meeting";
        /// `Offline`.
        Offline => "Offline", "Offline";
        /// `OffWork` (what "Appear offline" reports).
        OffWork => "OffWork", "Off work";
        /// `OutOfOffice`.
        OutOfOffice => "OutOfOffice", "Out of office";
        /// `PresenceUnknown`.
        PresenceUnknown => "PresenceUnknown", "Unknown";
        /// `Presenting`.
        Presenting => "Presenting", "Presenting";
        /// `UrgentInterruptionsOnly`.
        UrgentInterruptionsOnly => "UrgentInterruptionsOnly", "Urgent interruptions only";
    }
}

/// One observation of a user's Teams presence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsPresence {
    /// Graph `availability`.
    pub availability: Availability,
    /// Graph `activity`.
    pub activity: Activity,
    /// Graph `outOfOfficeSettings.isOutOfOffice` (false when absent).
    #[serde(default)]
    pub out_of_office: bool,
    /// The plain text of Graph `statusMessage.message.content`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

impl TeamsPresence {
    /// A presence without out-of-office flag or status message.
    pub fn new(availability: impl Into<Availability>, activity: impl Into<Activity>) -> Self {
        Self {
            availability: availability.into(),
            activity: activity.into(),
            out_of_office: false,
            status_message: None,
        }
    }

    /// Sets the out-of-office flag.
    pub fn with_out_of_office(mut self, out_of_office: bool) -> Self {
        self.out_of_office = out_of_office;
        self
    }

    /// Sets the status message; blank text counts as no message.
    pub fn with_status_message(mut self, message: impl Into<String>) -> Self {
        let message = message.into();
        self.status_message = (!message.trim().is_empty()).then_some(message);
        self
    }

    /// `"Busy / In a meeting"`, as the journal shows it.
    pub fn describe(&self) -> String {
        format!("{} / {}", self.availability.label(), self.activity.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively() {
        assert_eq!(Availability::parse("busy"), Availability::Busy);
        assert_eq!(Availability::parse("BUSY"), Availability::Busy);
        assert_eq!(Activity::parse("inAMeeting"), Activity::InAMeeting);
        assert_eq!(Activity::parse(" InACall "), Activity::InACall);
        assert_eq!(Activity::parse("offwork"), Activity::OffWork);
    }

    #[test]
    fn keeps_unknown_values() {
        let value = Availability::parse("AvailableInactive");
        assert_eq!(value, Availability::Other("AvailableInactive".into()));
        assert_eq!(value.as_str(), "AvailableInactive");
        assert!(!value.is_known());
        assert_eq!(Activity::parse("").as_str(), "");
    }

    #[test]
    fn every_known_value_round_trips_through_its_wire_text() {
        for value in Availability::KNOWN {
            assert_eq!(&Availability::parse(value.as_str()), value);
            assert_eq!(&Availability::parse(&value.as_str().to_lowercase()), value);
        }
        for value in Activity::KNOWN {
            assert_eq!(&Activity::parse(value.as_str()), value);
            assert_eq!(&Activity::parse(&value.as_str().to_uppercase()), value);
        }
    }

    #[test]
    fn deserializes_graph_style_json_leniently() {
        let presence: TeamsPresence = serde_json::from_str(
            r#"{"availability":"doNotDisturb","activity":"Presenting","out_of_office":true}"#,
        )
        .unwrap();
        assert_eq!(presence.availability, Availability::DoNotDisturb);
        assert_eq!(presence.activity, Activity::Presenting);
        assert!(presence.out_of_office);
        let unknown: TeamsPresence =
            serde_json::from_str(r#"{"availability":"Focused","activity":"Thinking"}"#).unwrap();
        assert_eq!(unknown.activity, Activity::Other("Thinking".into()));
        assert_eq!(
            serde_json::to_string(&TeamsPresence::new("busy", "inameeting")).unwrap(),
            r#"{"availability":"Busy","activity":"InAMeeting","out_of_office":false}"#
        );
    }

    #[test]
    fn describe_uses_english_labels() {
        assert_eq!(
            TeamsPresence::new("Busy", "InAMeeting").describe(),
            "Busy / In a meeting"
        );
        assert_eq!(
            TeamsPresence::new("Busy", "Whatever").describe(),
            "Busy / Whatever"
        );
    }

    #[test]
    fn blank_status_message_is_none() {
        assert_eq!(
            TeamsPresence::new("Busy", "Busy")
                .with_status_message("  ")
                .status_message,
            None
        );
    }
}
