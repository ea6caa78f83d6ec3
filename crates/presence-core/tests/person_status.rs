//! Property tests of the per-person merge of Teams and the STARFACE phone, and of the watch list's
//! "notify me when available" alerts built on it.

use presence_core::person_status::{is_free, Dot, PersonActivity, PersonStatus, PhoneState};
use presence_core::watch_list::{AlertMode, ColleagueId, ColleagueSnapshot, WatchList};
use presence_core::{
    Activity, Availability, ChatPresence, ChatStatus, StatusRow, TeamsPresence, TelephonyState,
};
use proptest::prelude::*;

fn availability() -> impl Strategy<Value = Availability> {
    prop_oneof![
        4 => proptest::sample::select(Availability::KNOWN.to_vec()),
        1 => "[a-zA-Z]{0,12}".prop_map(|text| Availability::parse(&text)),
    ]
}

fn activity() -> impl Strategy<Value = Activity> {
    prop_oneof![
        4 => proptest::sample::select(Activity::KNOWN.to_vec()),
        1 => "[a-zA-Z]{0,12}".prop_map(|text| Activity::parse(&text)),
    ]
}

fn teams() -> impl Strategy<Value = Option<TeamsPresence>> {
    proptest::option::of((availability(), activity(), any::<bool>()).prop_map(
        |(availability, activity, oof)| TeamsPresence {
            availability,
            activity,
            out_of_office: oof,
            status_message: None,
        },
    ))
}

fn telephony() -> impl Strategy<Value = TelephonyState> {
    prop_oneof![
        Just(TelephonyState::Available),
        Just(TelephonyState::Ringing),
        Just(TelephonyState::Active),
        Just(TelephonyState::Unavailable),
        "[A-Z_0-9]{0,12}".prop_map(|text| TelephonyState::parse(&text)),
    ]
}

fn phone() -> impl Strategy<Value = Option<PhoneState>> {
    proptest::option::of(
        (
            telephony(),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(proptest::sample::select(ChatPresence::ALL.to_vec())),
        )
            .prop_map(|(telephony, dnd, calls_forwarded, chat)| PhoneState {
                telephony,
                dnd,
                calls_forwarded,
                chat: chat.map(|presence| ChatStatus::new(presence, "")),
            }),
    )
}

fn row_of(teams: Option<&TeamsPresence>) -> StatusRow {
    teams.map_or(StatusRow::Unknown, StatusRow::from_presence)
}

proptest! {
    #[test]
    fn a_busy_phone_shows_busy_whatever_teams_says(teams in teams(), mut line in phone()) {
        for (state, activity) in [
            (TelephonyState::Active, PersonActivity::OnThePhone),
            (TelephonyState::Ringing, PersonActivity::Ringing),
        ] {
            let mut busy = line.take().unwrap_or_else(|| PhoneState::new(state.clone()));
            busy.telephony = state;
            let status = PersonStatus::merge(teams.as_ref(), Some(&busy));
            prop_assert_eq!(status.activity, activity);
            prop_assert_eq!(status.dot, Dot::Busy);
            prop_assert!(!status.free);
            line = Some(busy);
        }
    }

    #[test]
    fn otherwise_teams_decides_the_activity_and_the_dot(teams in teams(), line in phone()) {
        prop_assume!(!line.as_ref().is_some_and(|p| matches!(
            p.telephony,
            TelephonyState::Active | TelephonyState::Ringing
        )));
        let status = PersonStatus::merge(teams.as_ref(), line.as_ref());
        let row = row_of(teams.as_ref());
        prop_assert_eq!(status.activity, PersonActivity::Teams(row));
        prop_assert_eq!(status.dot, row.dot());
    }

    #[test]
    fn free_means_teams_available_and_a_free_phone(teams in teams(), line in phone()) {
        let status = PersonStatus::merge(teams.as_ref(), line.as_ref());
        let phone_free = line.as_ref().is_none_or(|p| {
            !p.dnd && !matches!(p.telephony, TelephonyState::Active | TelephonyState::Ringing)
        });
        let expected = row_of(teams.as_ref()) == StatusRow::Available && phone_free;
        prop_assert_eq!(status.free, expected);
        prop_assert_eq!(is_free(teams.as_ref(), line.as_ref()), expected);
        if status.free {
            prop_assert_eq!(status.dot, Dot::Available);
        }
    }

    #[test]
    fn marks_are_carried_and_never_change_the_activity(teams in teams(), line in phone()) {
        let status = PersonStatus::merge(teams.as_ref(), line.as_ref());
        prop_assert_eq!(status.phone_dnd, line.as_ref().is_some_and(|p| p.dnd));
        prop_assert_eq!(status.calls_forwarded, line.as_ref().is_some_and(|p| p.calls_forwarded));
        if let Some(mut flipped) = line.clone() {
            flipped.dnd = !flipped.dnd;
            flipped.calls_forwarded = !flipped.calls_forwarded;
            let other = PersonStatus::merge(teams.as_ref(), Some(&flipped));
            prop_assert_eq!(other.activity, status.activity);
            prop_assert_eq!(other.dot, status.dot);
        }
    }

    /// Teams polls and pushed phone states in any order: an `Always` alert fires exactly when the
    /// colleague turns free after Teams had been seen, and never while Teams or the phone is busy.
    #[test]
    fn alerts_fire_exactly_when_both_turn_free(
        steps in proptest::collection::vec(
            prop_oneof![
                teams().prop_map(Step::Teams),
                phone().prop_map(Step::Phone),
            ],
            1..40,
        )
    ) {
        let id = ColleagueId::from("a");
        let mut list = WatchList::new();
        list.notify_when_available(id.clone(), AlertMode::Always);
        let mut model_teams: Option<TeamsPresence> = None;
        let mut model_phone: Option<PhoneState> = None;
        let mut teams_seen = false;
        for step in steps {
            let free_before = is_free(model_teams.as_ref(), model_phone.as_ref());
            let seen_before = teams_seen;
            let update = match step {
                Step::Teams(teams) => {
                    model_teams = teams.clone();
                    teams_seen = true;
                    list.apply([ColleagueSnapshot { id: id.clone(), teams, telephony: None }])
                }
                Step::Phone(line) => {
                    model_phone = line.clone();
                    list.apply_phone([(id.clone(), line)])
                }
            };
            let free_after = is_free(model_teams.as_ref(), model_phone.as_ref());
            let expected = seen_before && !free_before && free_after;
            prop_assert_eq!(update.alerts.len(), usize::from(expected));
            let state = list.get(&id).unwrap();
            prop_assert_eq!(state.is_reachable(), free_after);
            prop_assert_eq!(state.status(), PersonStatus::merge(model_teams.as_ref(), model_phone.as_ref()));
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Teams(Option<TeamsPresence>),
    Phone(Option<PhoneState>),
}
