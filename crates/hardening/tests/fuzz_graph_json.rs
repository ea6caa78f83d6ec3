//! Fuzz: Microsoft Graph presence and directory answers. Whatever Graph (or a proxy, or a broken
//! network) sends, the decoders return a value or a `GraphError::Decode`, never panic, and what
//! they return keeps the invariants the bridge relies on.
//!
//! `cargo test -p hardening --test fuzz_graph_json` (256 inputs per target);
//! `PROPTEST_CASES=100000` for the long run.

use graph_client::graph::{
    is_object_id, parse_people, parse_presence, parse_presence_batch, parse_retry_after,
    parse_user_search, GraphError,
};
use hardening::*;
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
