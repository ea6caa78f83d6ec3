//! The status rows a user maps, as in STARFACE's own Teams mapping table, and how every Teams
//! availability/activity pair lands in one of them.
//!
//! Classification order (first match wins; the full table is in `docs/MAPPING.md`):
//!
//! 1. A specific **activity** says what the user is doing right now, so it wins over everything:
//!    `InACall`/`InAConferenceCall` → Busy-Phone, `Presenting` → Presenting, `InAMeeting` →
//!    Busy-Meeting, `DoNotDisturb`/`UrgentInterruptionsOnly`/`Focusing` → Do-not-disturb. If both
//!    fields carry such a value (swapped 2024+ lists), the more specific one wins in that order.
//! 2. **Out of office** (the OOF flag, or `OutOfOffice` as activity or availability) → Out-of-office.
//!    It comes after step 1 because Teams reports "In a call, out of office" as `Busy/InACall` + OOF,
//!    and the call is what matters for the phone right now.
//! 3. The **availability** decides the remaining cases: `Available`/`AvailableIdle` → Available,
//!    `Busy`/`BusyIdle` → Busy, `DoNotDisturb` → Do-not-disturb, `BeRightBack` → Be-right-back,
//!    `Away` → Away, `Offline` → Offline.
//! 4. If the availability is unknown, a generic **activity** decides: `Available` → Available,
//!    `Busy` → Busy, `BeRightBack` → Be-right-back, `Away`/`Inactive` → Away, `Offline`/`OffWork` →
//!    Offline. An unknown availability that spells an activity (the 2024+ docs list `inACall`,
//!    `inAMeeting`, `presenting`, `focusing` as availabilities) is classified like that activity.
//! 5. Everything else → Unknown.

use crate::teams::{Activity, Availability, TeamsPresence};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A row of the mapping table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusRow {
    /// Available.
    Available,
    /// Busy (not in a call or meeting).
    Busy,
    /// Busy-Phone: in a call or conference call.
    BusyPhone,
    /// Busy-Meeting: in a meeting.
    BusyMeeting,
    /// Presenting.
    Presenting,
    /// Do-not-disturb (incl. focusing and urgent-interruptions-only).
    DoNotDisturb,
    /// Be-right-back.
    BeRightBack,
    /// Away (incl. inactive).
    Away,
    /// Offline (incl. off work / appear offline).
    Offline,
    /// Out-of-office.
    OutOfOffice,
    /// Teams could not say (`PresenceUnknown` or values this version does not know).
    Unknown,
}

impl StatusRow {
    /// Every row, in table order.
    pub const ALL: [StatusRow; 11] = [
        StatusRow::Available,
        StatusRow::Busy,
        StatusRow::BusyPhone,
        StatusRow::BusyMeeting,
        StatusRow::Presenting,
        StatusRow::DoNotDisturb,
        StatusRow::BeRightBack,
        StatusRow::Away,
        StatusRow::Offline,
        StatusRow::OutOfOffice,
        StatusRow::Unknown,
    ];

    /// The snake_case id used as configuration key (`mapping.busy_meeting`).
    pub fn id(self) -> &'static str {
        match self {
            StatusRow::Available => "available",
            StatusRow::Busy => "busy",
            StatusRow::BusyPhone => "busy_phone",
            StatusRow::BusyMeeting => "busy_meeting",
            StatusRow::Presenting => "presenting",
            StatusRow::DoNotDisturb => "do_not_disturb",
            StatusRow::BeRightBack => "be_right_back",
            StatusRow::Away => "away",
            StatusRow::Offline => "offline",
            StatusRow::OutOfOffice => "out_of_office",
            StatusRow::Unknown => "unknown",
        }
    }

    /// English label as in STARFACE's table, e.g. `Busy-Meeting`.
    pub fn label(self) -> &'static str {
        match self {
            StatusRow::Available => "Available",
            StatusRow::Busy => "Busy",
            StatusRow::BusyPhone => "Busy-Phone",
            StatusRow::BusyMeeting => "Busy-Meeting",
            StatusRow::Presenting => "Presenting",
            StatusRow::DoNotDisturb => "Do-not-disturb",
            StatusRow::BeRightBack => "Be-right-back",
            StatusRow::Away => "Away",
            StatusRow::Offline => "Offline",
            StatusRow::OutOfOffice => "Out-of-office",
            StatusRow::Unknown => "Unknown",
        }
    }

    /// The row for a Teams presence (see the module docs for the rules).
    pub fn from_presence(presence: &TeamsPresence) -> StatusRow {
        Self::classify(
            &presence.availability,
            &presence.activity,
            presence.out_of_office,
        )
    }

    /// The row for an availability/activity pair and the out-of-office flag.
    pub fn classify(
        availability: &Availability,
        activity: &Activity,
        out_of_office: bool,
    ) -> StatusRow {
        let availability_as_activity = match availability {
            Availability::Other(text) => Some(Activity::parse(text)),
            _ => None,
        };
        // With the swapped 2024+ lists both fields can carry a specific state
        // (`presenting` / `doNotDisturb`); the more specific one wins.
        let specific = [
            specific_activity_row(activity),
            availability_as_activity
                .as_ref()
                .and_then(specific_activity_row),
        ];
        if let Some(row) = specific
            .into_iter()
            .flatten()
            .min_by_key(|row| specificity(*row))
        {
            return row;
        }
        if out_of_office
            || *activity == Activity::OutOfOffice
            || *availability == Availability::OutOfOffice
            || availability_as_activity == Some(Activity::OutOfOffice)
        {
            return StatusRow::OutOfOffice;
        }
        if let Some(row) = availability_row(availability) {
            return row;
        }
        generic_activity_row(activity)
            .or_else(|| {
                availability_as_activity
                    .as_ref()
                    .and_then(generic_activity_row)
            })
            .unwrap_or(StatusRow::Unknown)
    }
}

impl fmt::Display for StatusRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

fn specific_activity_row(activity: &Activity) -> Option<StatusRow> {
    match activity {
        Activity::InACall | Activity::InAConferenceCall => Some(StatusRow::BusyPhone),
        Activity::Presenting => Some(StatusRow::Presenting),
        Activity::InAMeeting => Some(StatusRow::BusyMeeting),
        Activity::DoNotDisturb | Activity::UrgentInterruptionsOnly => Some(StatusRow::DoNotDisturb),
        // Viva Insights focus time shows as "Focusing"; it blocks notifications like DND does.
        Activity::Other(text) if text.eq_ignore_ascii_case("focusing") => {
            Some(StatusRow::DoNotDisturb)
        }
        _ => None,
    }
}

/// Lower is more specific: a call says more than "presenting", which says more than "do not disturb".
fn specificity(row: StatusRow) -> u8 {
    match row {
        StatusRow::BusyPhone => 0,
        StatusRow::Presenting => 1,
        StatusRow::BusyMeeting => 2,
        _ => 3,
    }
}

fn availability_row(availability: &Availability) -> Option<StatusRow> {
    match availability {
        Availability::Available | Availability::AvailableIdle => Some(StatusRow::Available),
        Availability::Busy | Availability::BusyIdle => Some(StatusRow::Busy),
        Availability::DoNotDisturb => Some(StatusRow::DoNotDisturb),
        Availability::BeRightBack => Some(StatusRow::BeRightBack),
        Availability::Away => Some(StatusRow::Away),
        Availability::Offline => Some(StatusRow::Offline),
        Availability::OutOfOffice => Some(StatusRow::OutOfOffice),
        Availability::PresenceUnknown | Availability::Other(_) => None,
    }
}

fn generic_activity_row(activity: &Activity) -> Option<StatusRow> {
    match activity {
        Activity::Available => Some(StatusRow::Available),
        Activity::Busy => Some(StatusRow::Busy),
        Activity::BeRightBack => Some(StatusRow::BeRightBack),
        Activity::Away | Activity::Inactive => Some(StatusRow::Away),
        Activity::Offline | Activity::OffWork => Some(StatusRow::Offline),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(availability: &str, activity: &str) -> StatusRow {
        StatusRow::classify(&availability.into(), &activity.into(), false)
    }

    #[test]
    fn graph_teams_state_table_lands_in_the_expected_rows() {
        // The "Teams state -> Graph" table from the Graph docs.
        assert_eq!(row("Available", "Available"), StatusRow::Available);
        assert_eq!(row("Available", "OutOfOffice"), StatusRow::OutOfOffice);
        assert_eq!(row("Busy", "Busy"), StatusRow::Busy);
        assert_eq!(row("Busy", "InACall"), StatusRow::BusyPhone);
        assert_eq!(row("Busy", "InAConferenceCall"), StatusRow::BusyPhone);
        assert_eq!(row("Busy", "InAMeeting"), StatusRow::BusyMeeting);
        assert_eq!(row("DoNotDisturb", "DoNotDisturb"), StatusRow::DoNotDisturb);
        assert_eq!(row("DoNotDisturb", "Presenting"), StatusRow::Presenting);
        assert_eq!(row("Away", "Away"), StatusRow::Away);
        assert_eq!(row("BeRightBack", "BeRightBack"), StatusRow::BeRightBack);
        assert_eq!(row("Offline", "OffWork"), StatusRow::Offline);
        assert_eq!(row("Offline", "Offline"), StatusRow::Offline);
        assert_eq!(row("OutOfOffice", "OutOfOffice"), StatusRow::OutOfOffice);
        assert_eq!(
            row("PresenceUnknown", "PresenceUnknown"),
            StatusRow::Unknown
        );
    }

    #[test]
    fn a_call_beats_out_of_office_but_out_of_office_beats_plain_states() {
        let call = StatusRow::classify(&"Busy".into(), &"InACall".into(), true);
        assert_eq!(call, StatusRow::BusyPhone);
        let away = StatusRow::classify(&"Away".into(), &"Away".into(), true);
        assert_eq!(away, StatusRow::OutOfOffice);
        let busy = StatusRow::classify(&"Busy".into(), &"Busy".into(), true);
        assert_eq!(busy, StatusRow::OutOfOffice);
    }

    #[test]
    fn idle_and_inactive_variants() {
        assert_eq!(row("AvailableIdle", "Available"), StatusRow::Available);
        assert_eq!(row("BusyIdle", "Busy"), StatusRow::Busy);
        assert_eq!(row("Away", "Inactive"), StatusRow::Away);
        assert_eq!(row("Available", "Inactive"), StatusRow::Available);
        assert_eq!(
            row("DoNotDisturb", "UrgentInterruptionsOnly"),
            StatusRow::DoNotDisturb
        );
    }

    #[test]
    fn unknown_values_never_fail_and_fall_back_sensibly() {
        assert_eq!(row("AvailableInactive", "Available"), StatusRow::Available);
        assert_eq!(row("AvailableInactive", "Whatever"), StatusRow::Unknown);
        assert_eq!(row("Busy", "Whatever"), StatusRow::Busy);
        assert_eq!(row("Focused", "Focusing"), StatusRow::DoNotDisturb);
        assert_eq!(row("", ""), StatusRow::Unknown);
    }

    #[test]
    fn camel_case_lists_from_the_2024_docs_are_understood() {
        // The 2024+ docs print activity-like values as availability, in camelCase.
        assert_eq!(row("inACall", "busy"), StatusRow::BusyPhone);
        assert_eq!(row("inAMeeting", "busy"), StatusRow::BusyMeeting);
        assert_eq!(row("presenting", "doNotDisturb"), StatusRow::Presenting);
        assert_eq!(row("focusing", "doNotDisturb"), StatusRow::DoNotDisturb);
        assert_eq!(row("busy", "outOfOffice"), StatusRow::OutOfOffice);
        assert_eq!(row("beRightBack", "beRightBack"), StatusRow::BeRightBack);
        assert_eq!(row("focusing", "presenceUnknown"), StatusRow::DoNotDisturb);
    }

    #[test]
    fn every_known_pair_classifies_without_panicking_and_specific_activities_win() {
        for availability in Availability::KNOWN {
            for activity in Activity::KNOWN {
                let row = StatusRow::classify(availability, activity, false);
                match activity {
                    Activity::InACall | Activity::InAConferenceCall => {
                        assert_eq!(row, StatusRow::BusyPhone)
                    }
                    Activity::InAMeeting => assert_eq!(row, StatusRow::BusyMeeting),
                    Activity::Presenting => assert_eq!(row, StatusRow::Presenting),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn ids_match_serde_names() {
        for row in StatusRow::ALL {
            assert_eq!(
                serde_json::to_string(&row).unwrap(),
                format!("\"{}\"", row.id())
            );
        }
    }
}
