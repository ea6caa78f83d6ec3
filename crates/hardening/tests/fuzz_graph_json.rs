//! Fuzz: Microsoft Graph presence, directory and free/busy answers and Entra's token answer.
//! Whatever Graph (or a proxy, or a broken network) sends, the decoders return a value or a
//! typed decode error, never panic, and what they return keeps the invariants the bridge relies
//! on (a token lifetime that fits the clock, free/busy that `describe` can read).
//!
//! `cargo test -p hardening --test fuzz_graph_json` (256 inputs per target);
//! `PROPTEST_CASES=100000` for the long run.

use std::time::SystemTime;

use graph_client::auth::{decode_token_response, MAX_TOKEN_LIFETIME};
use graph_client::graph::{
    is_object_id, parse_people, parse_presence, parse_presence_batch, parse_retry_after,
    parse_schedules, parse_user_search, GraphError, ScheduleWindow,
};
use graph_client::AuthError;
use hardening::*;
use presence_core::free_busy::describe;
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::Timestamp;
use proptest::prelude::*;
use serde_json::Value;

const AVAILABILITY: &[&str] = &[
    "Available",
    "AvailableIdle",
    "Busy",
    "BusyIdle",
    "DoNotDisturb",
    "BeRightBack",
    "Away",
    "Offline",
    "PresenceUnknown",
    "inACall",
];
const ACTIVITY: &[&str] = &[
    "Available",
    "InACall",
    "InAConferenceCall",
    "InAMeeting",
    "Presenting",
    "Focusing",
    "OffWork",
    "OutOfOffice",
    "UrgentInterruptionsOnly",
];

fn object_id() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
            .prop_map(Value::String),
        1 => string(),
    ]
    .boxed()
}

fn presence() -> BoxedStrategy<Value> {
    object(vec![
        ("id", object_id()),
        ("availability", one_of(AVAILABILITY)),
        ("activity", one_of(ACTIVITY)),
        (
            "outOfOfficeSettings",
            object(vec![
                ("isOutOfOffice", any::<bool>().prop_map(Value::Bool).boxed()),
                ("message", string()),
            ]),
        ),
        (
            "statusMessage",
            object(vec![(
                "message",
                object(vec![("content", string()), ("contentType", string())]),
            )]),
        ),
        ("sequenceNumber", string()),
    ])
}

fn collection(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => object(vec![(
            "value",
            prop::collection::vec(item.clone(), 0..8).prop_map(Value::Array).boxed(),
        )]),
        1 => prop::collection::vec(item, 0..8).prop_map(Value::Array),
    ]
    .boxed()
}

fn user() -> BoxedStrategy<Value> {
    object(vec![
        ("id", object_id()),
        ("displayName", string()),
        ("givenName", string()),
        ("surname", string()),
        ("mail", string()),
        ("userPrincipalName", string()),
    ])
}

fn person() -> BoxedStrategy<Value> {
    object(vec![
        ("id", object_id()),
        ("displayName", string()),
        ("imAddress", string()),
        ("userPrincipalName", string()),
        (
            "scoredEmailAddresses",
            prop::collection::vec(
                object(vec![
                    ("address", string()),
                    ("relevanceScore", edge_number()),
                ]),
                0..3,
            )
            .prop_map(Value::Array)
            .boxed(),
        ),
        (
            "phones",
            prop::collection::vec(object(vec![("type", string()), ("number", string())]), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
    ])
}

/// Entra's token answer; `expires_in` from 0 to 2^64 - 1 and beyond.
fn token_answer() -> BoxedStrategy<Value> {
    object(vec![
        ("access_token", string()),
        ("token_type", one_of(&["Bearer", "bearer", "pop"])),
        ("expires_in", edge_number()),
        ("ext_expires_in", edge_number()),
        ("refresh_token", string()),
        (
            "scope",
            one_of(&["User.Read Presence.Read.All", "Calendars.ReadBasic", ""]),
        ),
        ("id_token", string()),
    ])
}

const STATUSES: &[&str] = &[
    "free",
    "tentative",
    "busy",
    "oof",
    "workingElsewhere",
    "unknown",
    "Busy",
];
const ZONES: &[&str] = &[
    "UTC",
    "tzone://Microsoft/Utc",
    "W. Europe Standard Time",
    "Pacific Standard Time",
    "Europe/Berlin",
    "Customized Time Zone",
];
const DATE_TIMES: &[&str] = &[
    "2024-12-03T10:00:00.0000000",
    "2024-12-03T10:30:00",
    "2024-12-03T23:59:59.9999999Z",
    "2024-03-31T02:30:00",
    "9999-12-31T23:59:59",
    "-009999-01-01T00:00:00",
    "2024-02-30T00:00:00",
];

fn date_time_time_zone() -> BoxedStrategy<Value> {
    object(vec![
        ("dateTime", one_of(DATE_TIMES)),
        ("timeZone", one_of(ZONES)),
    ])
}

fn zone_offset() -> BoxedStrategy<Value> {
    object(vec![
        (
            "time",
            one_of(&["02:00:00.0000000", "03:00:00", "25:00:00"]),
        ),
        ("dayOccurrence", edge_number()),
        ("dayOfWeek", one_of(&["sunday", "monday", "Funday"])),
        ("month", edge_number()),
        ("year", edge_number()),
        ("daylightBias", edge_number()),
    ])
}

fn schedule_information() -> BoxedStrategy<Value> {
    let item = object(vec![
        ("status", one_of(STATUSES)),
        ("isPrivate", any::<bool>().prop_map(Value::Bool).boxed()),
        ("subject", string()),
        ("location", string()),
        ("start", date_time_time_zone()),
        ("end", date_time_time_zone()),
    ]);
    let working_hours = object(vec![
        (
            "daysOfWeek",
            prop::collection::vec(one_of(&["monday", "friday", "sunday", "Someday"]), 0..8)
                .prop_map(Value::Array)
                .boxed(),
        ),
        ("startTime", one_of(&["08:00:00.0000000", "22:00:00", "7"])),
        (
            "endTime",
            one_of(&["17:00:00.0000000", "06:00:00", "24:00:00"]),
        ),
        (
            "timeZone",
            object(vec![
                ("@odata.type", one_of(&["#microsoft.graph.customTimeZone"])),
                ("name", one_of(ZONES)),
                ("bias", edge_number()),
                ("standardOffset", zone_offset()),
                ("daylightOffset", zone_offset()),
            ]),
        ),
    ]);
    object(vec![
        ("scheduleId", string()),
        (
            "availabilityView",
            "[0-4x]{0,200}".prop_map(Value::String).boxed(),
        ),
        (
            "scheduleItems",
            prop::collection::vec(item, 0..6)
                .prop_map(Value::Array)
                .boxed(),
        ),
        ("workingHours", working_hours),
        (
            "error",
            object(vec![("message", string()), ("responseCode", string())]),
        ),
    ])
}

fn schedule_window() -> ScheduleWindow {
    let start = Timestamp::from_second(1_733_184_000).unwrap(); // 2024-12-03T00:00Z
    ScheduleWindow {
        start,
        end: Timestamp::from_second(1_733_356_800).unwrap(),
    }
}

fn is_decode_error<T>(result: &Result<T, GraphError>) -> bool {
    matches!(result, Err(GraphError::Decode(_)))
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn presence_batch_raw_bytes(body in raw_bytes()) {
        let result = parse_presence_batch(&body);
        prop_assert!(result.is_ok() || is_decode_error(&result));
    }

    #[test]
    fn presence_batch_damaged(body in damaged(collection(presence()))) {
        match parse_presence_batch(&body) {
            Ok(records) => {
                for record in records {
                    // The watch list and the own-id match rely on these.
                    prop_assert_eq!(&record.id, &record.id.to_ascii_lowercase());
                    prop_assert!(!record.availability.is_empty());
                    prop_assert!(!record.activity.is_empty());
                    prop_assert!(record.status_message.as_deref() != Some(""));
                }
            }
            Err(error) => prop_assert!(matches!(error, GraphError::Decode(_)), "{error}"),
        }
    }

    #[test]
    fn single_presence_damaged(body in damaged(presence())) {
        let result = parse_presence(&body);
        prop_assert!(result.is_ok() || is_decode_error(&result));
    }

    #[test]
    fn user_search_damaged(body in damaged(collection(user()))) {
        match parse_user_search(&body) {
            Ok(users) => {
                for user in users {
                    prop_assert_eq!(&user.id, &user.id.to_ascii_lowercase());
                    if let Some(mail) = &user.mail {
                        prop_assert!(!mail.is_empty());
                    }
                }
            }
            Err(error) => prop_assert!(matches!(error, GraphError::Decode(_)), "{error}"),
        }
    }

    #[test]
    fn people_damaged(body in damaged(collection(person()))) {
        match parse_people(&body) {
            Ok(people) => {
                for person in people {
                    // Contacts without an object id have no presence and must be dropped.
                    prop_assert!(is_object_id(&person.id), "{}", person.id);
                    prop_assert!(person.phones.iter().all(|p| !p.number.trim().is_empty()));
                    prop_assert!(person.sip_address.as_deref().is_none_or(|a| !a.starts_with("sip:")));
                }
            }
            Err(error) => prop_assert!(matches!(error, GraphError::Decode(_)), "{error}"),
        }
    }

    #[test]
    fn token_answer_damaged(body in damaged(token_answer())) {
        match decode_token_response(&body) {
            // The expiry is computed as now + expires_in: it must fit the clock.
            Ok(grant) => prop_assert!(
                grant.expires_in <= MAX_TOKEN_LIFETIME
                    && SystemTime::now().checked_add(grant.expires_in).is_some(),
                "expires_in {:?}",
                grant.expires_in
            ),
            Err(error) => prop_assert!(matches!(error, AuthError::Protocol(_)), "{error}"),
        }
    }

    #[test]
    fn token_answer_raw_bytes(body in raw_bytes()) {
        let result = decode_token_response(&body);
        prop_assert!(result.is_ok() || matches!(result, Err(AuthError::Protocol(_))));
    }

    #[test]
    fn schedules_damaged(body in damaged(collection(schedule_information()))) {
        let window = schedule_window();
        match parse_schedules(&body, window) {
            Ok(answers) => {
                for answer in answers {
                    prop_assert!(answer
                        .schedule_id
                        .as_deref()
                        .is_none_or(|id| id == id.to_lowercase()));
                    let Ok(schedule) = answer.result else { continue };
                    prop_assert_eq!((schedule.known_from, schedule.known_until), (window.start, window.end));
                    // Whatever came in, the pure computation can read it.
                    for now in [window.start, Timestamp::from_second(1_733_270_400).unwrap()] {
                        prop_assert!(describe(&schedule, now, &TimeZone::UTC).is_some());
                    }
                }
            }
            Err(error) => prop_assert!(matches!(error, GraphError::Decode(_)), "{error}"),
        }
    }

    #[test]
    fn schedules_raw_bytes(body in raw_bytes()) {
        let result = parse_schedules(&body, schedule_window());
        prop_assert!(result.is_ok() || is_decode_error(&result));
    }

    #[test]
    fn retry_after_any_text(text in damaged_text(prop_oneof![
        Just("2.128".to_owned()),
        Just("120".to_owned()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("-1".to_owned()),
        Just("1e400".to_owned()),
        Just("NaN".to_owned()),
        Just("inf".to_owned()),
        any::<String>(),
    ].boxed())) {
        // The retry loop sleeps for this long: it must be a real, finite duration.
        if let Some(wait) = parse_retry_after(&text) {
            prop_assert!(wait.as_secs() < 86_400);
        }
    }
}
