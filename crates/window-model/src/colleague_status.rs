//! A colleague's merged status (Teams and the STARFACE phone, [`PersonStatus`]) as the window
//! and the tray show it: the window gets it typed (`Status` in docs/UI-CONTRACT.md) and
//! translates it itself; the tray gets the words in the user's language.

use presence_core::person_status::PersonStatus;
use serde::Serialize;

use crate::i18n::{tr, Lang};

/// The merged status on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Status {
    /// `on_the_phone`, `ringing`, or the Teams row (`available`, `busy_meeting`, ...).
    pub activity: &'static str,
    /// The dot: `available`, `busy`, `do_not_disturb`, `away`, `offline`, `unknown`.
    pub dot: &'static str,
    /// STARFACE DND is on (a mark beside the activity).
    pub phone_dnd: bool,
    /// Calls are forwarded (a mark beside the activity).
    pub calls_forwarded: bool,
    /// Teams and the phone are both free ("notify me when available" would fire).
    pub free: bool,
}

impl From<&PersonStatus> for Status {
    fn from(status: &PersonStatus) -> Self {
        Self {
            activity: status.activity.id(),
            dot: status.dot.id(),
            phone_dnd: status.phone_dnd,
            calls_forwarded: status.calls_forwarded,
            free: status.free,
        }
    }
}

/// "On the phone · phone on DND · calls forwarded": the activity, then the phone's marks.
pub fn text(lang: Lang, status: &PersonStatus) -> String {
    let mut parts = vec![tr(lang, &format!("status.{}", status.activity.id()))];
    if status.phone_dnd {
        parts.push(tr(lang, "status.mark.phone_dnd"));
    }
    if status.calls_forwarded {
        parts.push(tr(lang, "status.mark.calls_forwarded"));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use presence_core::person_status::PhoneState;
    use presence_core::{TeamsPresence, TelephonyState};

    use super::*;

    fn merged(teams: (&str, &str), phone: Option<(&str, bool, bool)>) -> PersonStatus {
        let teams = TeamsPresence::new(teams.0, teams.1);
        let phone = phone.map(|(line, dnd, forwarded)| PhoneState {
            dnd,
            calls_forwarded: forwarded,
            ..PhoneState::new(TelephonyState::parse(line))
        });
        PersonStatus::merge(Some(&teams), phone.as_ref())
    }

    #[test]
    fn the_phone_and_its_marks_in_both_languages() {
        let on_the_phone = merged(("Offline", "Offline"), Some(("ACTIVE", false, false)));
        assert_eq!(text(Lang::En, &on_the_phone), "On the phone");
        assert_eq!(text(Lang::De, &on_the_phone), "Am Telefon");
        let ringing = merged(("Available", "Available"), Some(("RINGING", true, true)));
        assert_eq!(
            text(Lang::En, &ringing),
            "Ringing · Phone on DND · Calls forwarded"
        );
        assert_eq!(
            text(Lang::De, &ringing),
            "Klingelt · Telefon auf „Nicht stören“ · Anrufe umgeleitet"
        );
        let meeting = merged(("Busy", "InAMeeting"), Some(("AVAILABLE", false, true)));
        assert_eq!(text(Lang::En, &meeting), "In a meeting · Calls forwarded");
    }

    #[test]
    fn the_wire_carries_ids_not_words() {
        let status = merged(("Available", "Available"), Some(("RINGING", false, false)));
        let json = serde_json::to_value(Status::from(&status)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "activity": "ringing", "dot": "busy", "phone_dnd": false,
                "calls_forwarded": false, "free": false,
            })
        );
        let free = merged(
            ("Available", "Available"),
            Some(("AVAILABLE", false, false)),
        );
        assert_eq!(Status::from(&free).activity, "available");
        assert!(Status::from(&free).free);
    }
}
