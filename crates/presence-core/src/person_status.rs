//! One person's status, merged from Teams presence and their STARFACE phone.
//!
//! Used for colleagues (the list, the tray, the contact card, "notify me when available") and for
//! the user's own merged status (published elsewhere). The vocabulary is typed and carries no
//! display text: English and German names belong to the UI layer, keyed by [`PersonActivity::id`]
//! and [`Dot::id`].
//!
//! # Rules
//! 1. The phone wins while it is busy: STARFACE `ACTIVE` is [`PersonActivity::OnThePhone`] and
//!    `RINGING` is [`PersonActivity::Ringing`], both with a [`Dot::Busy`], whatever Teams says,
//!    including Teams `Offline` (a desk phone works without Teams).
//! 2. Otherwise Teams decides: [`PersonActivity::Teams`] with its mapping-table row, and the row's
//!    dot ([`StatusRow::dot`]). Without a Teams reading the row is `Unknown`.
//! 3. STARFACE DND and call forwarding never change the activity; they are marks beside it
//!    ([`PersonStatus::phone_dnd`], [`PersonStatus::calls_forwarded`]).
//! 4. A person is **free** ("notify me when available" may fire) only when Teams is `Available`
//!    and the phone is free: not ringing, not in a call, no STARFACE DND. A phone that is not
//!    known (no OneHub, not subscribed yet) or whose state is a value this version does not know
//!    does not block: Teams alone decides then.

use crate::starface::{ChatStatus, TelephonyState};
use crate::status_row::StatusRow;
use crate::teams::TeamsPresence;

/// What STARFACE reports about one person's phone (OneHub presence on STARFACE 10 and later).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneState {
    /// The line: free, ringing, in a call, no phone registered; unknown values are kept.
    pub telephony: TelephonyState,
    /// STARFACE do-not-disturb: calls to this person are rejected.
    pub dnd: bool,
    /// A call forwarding ("redirect") is active.
    pub calls_forwarded: bool,
    /// The STARFACE chat status and its message, when the PBX reports a known one.
    pub chat: Option<ChatStatus>,
}

impl PhoneState {
    /// A phone with this line state, no DND, no forwarding and no chat status.
    pub fn new(telephony: TelephonyState) -> Self {
        Self {
            telephony,
            dnd: false,
            calls_forwarded: false,
            chat: None,
        }
    }

    /// Whether calling this person now would reach them: not ringing, not in a call, no DND.
    /// A line state this version does not know counts as free (it must not block alerts forever).
    pub fn is_free(&self) -> bool {
        !self.dnd
            && !matches!(
                self.telephony,
                TelephonyState::Active | TelephonyState::Ringing
            )
    }
}

/// What a person is doing, as one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonActivity {
    /// In a call on the STARFACE phone.
    OnThePhone,
    /// The STARFACE phone is ringing.
    Ringing,
    /// The phone is not busy (or not known): what Teams says, as its mapping-table row.
    Teams(StatusRow),
}

impl PersonActivity {
    /// A stable snake_case id for front ends, translations and published status:
    /// `on_the_phone`, `ringing`, or the row's id (`available`, `busy_meeting`, ...).
    pub fn id(self) -> &'static str {
        match self {
            PersonActivity::OnThePhone => "on_the_phone",
            PersonActivity::Ringing => "ringing",
            PersonActivity::Teams(row) => row.id(),
        }
    }
}

/// The shape and colour class of a status dot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dot {
    /// Green: free.
    Available,
    /// Red: busy (a call, a meeting, busy, or the STARFACE phone).
    Busy,
    /// Red with a bar: do not disturb or presenting.
    DoNotDisturb,
    /// Yellow: away, be right back, out of office.
    Away,
    /// Grey: offline.
    Offline,
    /// Grey outline: nothing known.
    Unknown,
}

impl Dot {
    /// Every dot.
    pub const ALL: [Dot; 6] = [
        Dot::Available,
        Dot::Busy,
        Dot::DoNotDisturb,
        Dot::Away,
        Dot::Offline,
        Dot::Unknown,
    ];

    /// A stable snake_case id (`available`, `busy`, `do_not_disturb`, `away`, `offline`,
    /// `unknown`).
    pub fn id(self) -> &'static str {
        match self {
            Dot::Available => "available",
            Dot::Busy => "busy",
            Dot::DoNotDisturb => "do_not_disturb",
            Dot::Away => "away",
            Dot::Offline => "offline",
            Dot::Unknown => "unknown",
        }
    }
}

impl StatusRow {
    /// The dot of this row (the window's `ui/js/status.js` draws the same shapes).
    pub fn dot(self) -> Dot {
        match self {
            StatusRow::Available => Dot::Available,
            StatusRow::Busy | StatusRow::BusyPhone | StatusRow::BusyMeeting => Dot::Busy,
            StatusRow::Presenting | StatusRow::DoNotDisturb => Dot::DoNotDisturb,
            StatusRow::BeRightBack | StatusRow::Away | StatusRow::OutOfOffice => Dot::Away,
            StatusRow::Offline => Dot::Offline,
            StatusRow::Unknown => Dot::Unknown,
        }
    }
}

/// One person's merged status (see the module docs for the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonStatus {
    /// What they are doing.
    pub activity: PersonActivity,
    /// The dot to draw.
    pub dot: Dot,
    /// STARFACE DND is on: a mark beside the activity.
    pub phone_dnd: bool,
    /// Calls are forwarded: a mark beside the activity.
    pub calls_forwarded: bool,
    /// Both Teams and the phone are free (the "notify me when available" condition).
    pub free: bool,
}

impl PersonStatus {
    /// Merges a Teams reading and a phone reading; either may be missing.
    pub fn merge(teams: Option<&TeamsPresence>, phone: Option<&PhoneState>) -> Self {
        let row = teams.map_or(StatusRow::Unknown, StatusRow::from_presence);
        let activity = match phone.map(|p| &p.telephony) {
            Some(TelephonyState::Active) => PersonActivity::OnThePhone,
            Some(TelephonyState::Ringing) => PersonActivity::Ringing,
            _ => PersonActivity::Teams(row),
        };
        let dot = match activity {
            PersonActivity::OnThePhone | PersonActivity::Ringing => Dot::Busy,
            PersonActivity::Teams(row) => row.dot(),
        };
        Self {
            activity,
            dot,
            phone_dnd: phone.is_some_and(|p| p.dnd),
            calls_forwarded: phone.is_some_and(|p| p.calls_forwarded),
            free: is_free(teams, phone),
        }
    }
}

/// The "notify me when available" condition: Teams is `Available` and the phone (if known) is
/// free. [`crate::watch_list::WatchList`] fires its alerts on this turning true.
pub fn is_free(teams: Option<&TeamsPresence>, phone: Option<&PhoneState>) -> bool {
    let teams_free = teams.map(StatusRow::from_presence) == Some(StatusRow::Available);
    teams_free && phone.is_none_or(PhoneState::is_free)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::starface::ChatPresence;

    fn teams(availability: &str, activity: &str) -> TeamsPresence {
        TeamsPresence::new(availability, activity)
    }

    fn phone(line: &str) -> PhoneState {
        PhoneState::new(TelephonyState::parse(line))
    }

    #[test]
    fn the_phone_wins_over_teams_while_busy() {
        let offline = teams("Offline", "Offline");
        let status = PersonStatus::merge(Some(&offline), Some(&phone("ACTIVE")));
        assert_eq!(status.activity, PersonActivity::OnThePhone);
        assert_eq!(status.dot, Dot::Busy);
        assert!(!status.free);

        let available = teams("Available", "Available");
        let status = PersonStatus::merge(Some(&available), Some(&phone("RINGING")));
        assert_eq!(status.activity, PersonActivity::Ringing);
        assert_eq!(status.dot, Dot::Busy);
        assert!(!status.free);

        let status = PersonStatus::merge(None, Some(&phone("ACTIVE")));
        assert_eq!(status.activity.id(), "on_the_phone");
    }

    #[test]
    fn a_free_phone_leaves_teams_in_charge_and_marks_stay_beside_it() {
        let meeting = teams("Busy", "InAMeeting");
        let mut line = phone("AVAILABLE");
        line.dnd = true;
        line.calls_forwarded = true;
        line.chat = Some(ChatStatus::new(ChatPresence::Away, "lunch"));
        let status = PersonStatus::merge(Some(&meeting), Some(&line));
        assert_eq!(
            status.activity,
            PersonActivity::Teams(StatusRow::BusyMeeting)
        );
        assert_eq!(status.dot, Dot::Busy);
        assert!(status.phone_dnd && status.calls_forwarded);
    }

    #[test]
    fn free_needs_teams_available_and_a_free_phone() {
        let available = teams("Available", "Available");
        assert!(is_free(Some(&available), None));
        assert!(is_free(Some(&available), Some(&phone("AVAILABLE"))));
        assert!(is_free(Some(&available), Some(&phone("UNAVAILABLE"))));
        assert!(is_free(Some(&available), Some(&phone("QUEUE_PAUSE"))));
        let mut dnd = phone("AVAILABLE");
        dnd.dnd = true;
        assert!(!is_free(Some(&available), Some(&dnd)));
        assert!(!is_free(Some(&available), Some(&phone("ACTIVE"))));
        assert!(!is_free(None, Some(&phone("AVAILABLE"))));
        assert!(!is_free(Some(&teams("Away", "Away")), None));
    }

    #[test]
    fn ids_are_unique_across_phone_activities_and_rows() {
        let mut ids: Vec<&str> = StatusRow::ALL
            .into_iter()
            .map(|row| PersonActivity::Teams(row).id())
            .collect();
        ids.push(PersonActivity::OnThePhone.id());
        ids.push(PersonActivity::Ringing.id());
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }
}
