//! Fuzz: everything the STARFACE connector reads from the PBX: REST JSON (login, phone config,
//! users, accounts, contacts, OAuth tokens, error bodies), UCI XML-RPC responses and received
//! XMPP presence stanzas. The decoders must return a value or an error, never panic.
//!
//! `cargo test -p hardening --test fuzz_starface`; `PROPTEST_CASES=100000` for the long run.

use starface_client::oauth::answer;
use std::str::FromStr;
use std::time::Instant;

use hardening::*;
use proptest::prelude::*;
use serde_json::Value;
use starface_client::presence_values::ChatPresence;
use starface_client::rest::{decode, RestError};
use starface_client::uci::{call_ids_from, decode_response, user_state_from, UciError};
use starface_client::xmpp::{chat_presence_of, observed_presence, presence_stanza, ChatStatus};
use xmpp_parsers::minidom::Element;
use xmpp_parsers::presence::{Presence, Type as PresenceType};

fn int() -> BoxedStrategy<Value> {
    edge_number()
}

fn boolean() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}

fn array(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop::collection::vec(item, 0..6)
        .prop_map(Value::Array)
        .boxed()
}

fn user() -> BoxedStrategy<Value> {
    object(vec![
        ("id", int()),
        ("login", string()),
        ("firstName", string()),
        ("familyName", string()),
        ("email", string()),
        ("language", string()),
    ])
}

fn account() -> BoxedStrategy<Value> {
    object(vec![
        ("accountId", int()),
        ("firstname", string()),
        ("lastname", string()),
        ("primaryInternalPhoneNumber", string()),
        ("type", one_of(&["USER", "GROUP"])),
    ])
}

fn phone_config() -> BoxedStrategy<Value> {
    object(vec![
        ("callWaiting", boolean()),
        ("displayNumberId", int()),
        ("doNotDisturb", boolean()),
        ("primaryPhoneId", int()),
    ])
}

fn contacts() -> BoxedStrategy<Value> {
    let attribute = object(vec![
        ("name", string()),
        ("displayKey", one_of(&["NAME", "SURNAME", "EMAIL"])),
    ]);
    let contact = object(vec![
        ("id", string()),
        ("summaryValues", array(string())),
        ("phoneNumberValues", array(string())),
        (
            "additionalValues",
            object(vec![("INTERNALPHONE", string())]),
        ),
    ]);
    object(vec![
        ("contacts", array(contact)),
        (
            "metadata",
            object(vec![
                ("page", int()),
                ("pagesize", int()),
                ("totalPages", int()),
            ]),
        ),
        (
            "summaryBlockSchema",
            object(vec![("attributes", array(attribute))]),
        ),
    ])
}

fn oauth_answer() -> BoxedStrategy<Value> {
    object(vec![
        ("access_token", string()),
        ("expires_in", int()),
        ("refresh_token", string()),
        ("error", string()),
        ("error_description", string()),
    ])
}

fn rest_ok<T>(result: &Result<T, RestError>) -> bool {
    matches!(result, Ok(_) | Err(RestError::BadResponse { .. }))
}

/// An XML-RPC `<value>`: the types UCI uses, nested.
fn xmlrpc_value() -> BoxedStrategy<String> {
    let text = prop_oneof![
        Just("ACTIVE".to_owned()),
        Just("AVAILABLE".to_owned()),
        Just("DO_NOT_DISTURB".to_owned()),
        "[a-zA-Z0-9 &<>;]{0,20}",
    ];
    let leaf = prop_oneof![
        text.clone()
            .prop_map(|t| format!("<value><string>{t}</string></value>")),
        text.prop_map(|t| format!("<value>{t}</value>")),
        any::<i64>().prop_map(|i| format!("<value><int>{i}</int></value>")),
        any::<i64>().prop_map(|i| format!("<value><i4>{i}</i4></value>")),
        any::<bool>().prop_map(|b| format!("<value><boolean>{}</boolean></value>", u8::from(b))),
        any::<f64>().prop_map(|f| format!("<value><double>{f}</double></value>")),
        Just("<value><nil/></value>".to_owned()),
        "[A-Za-z0-9+/=]{0,16}".prop_map(|b| format!("<value><base64>{b}</base64></value>")),
    ];
    leaf.prop_recursive(3, 16, 5, |inner| {
        let names = prop_oneof![
            Just("telephonyState".to_owned()),
            Just("chatPresence".to_owned()),
            Just("chatPresenceMessage".to_owned()),
            "[a-zA-Z]{0,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|items| format!(
                "<value><array><data>{}</data></array></value>",
                items.concat()
            )),
            prop::collection::vec((names, inner), 0..5).prop_map(|members| {
                let members: String = members
                    .into_iter()
                    .map(|(name, value)| format!("<member><name>{name}</name>{value}</member>"))
                    .collect();
                format!("<value><struct>{members}</struct></value>")
            }),
        ]
    })
    .boxed()
}

fn xmlrpc_response() -> BoxedStrategy<String> {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    prop_oneof![
        3 => xmlrpc_value().prop_map(move |v| format!(
            "{head}<methodResponse><params><param>{v}</param></params></methodResponse>"
        )),
        1 => (any::<i32>(), prop_oneof![
            Just("de.vertico.starface.IllegalAccessException".to_owned()),
            Just("NotConnectedException: not logged in".to_owned()),
            "[a-zA-Z .]{0,30}",
        ]).prop_map(move |(code, text)| format!(
            "{head}<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>{code}</int></value></member><member><name>faultString</name><value><string>{text}</string></value></member></struct></value></fault></methodResponse>"
        )),
        1 => xmlrpc_value().prop_map(move |v| format!(
            "{head}<methodResponse><fault>{v}</fault></methodResponse>"
        )),
    ]
    .boxed()
}

fn presence_xml() -> BoxedStrategy<String> {
    let from = prop_oneof![
        Just(Some("0001@pbx.example.com/StarfaceWindows-1".to_owned())),
        Just(Some("0001@pbx.example.com".to_owned())),
        Just(Some("@@/".to_owned())),
        Just(None),
        "[a-z0-9@./]{0,20}".prop_map(Some),
    ];
    let kind = prop_oneof![
        Just(None),
        Just(Some("unavailable")),
        Just(Some("subscribe")),
        Just(Some("probe")),
        Just(Some("error")),
        Just(Some("bogus")),
    ];
    let show = prop_oneof![
        Just(None),
        Just(Some("dnd")),
        Just(Some("away")),
        Just(Some("xa")),
        Just(Some("chat")),
        Just(Some("")),
        Just(Some("busy")),
    ];
    let statuses = prop::collection::vec(
        (
            prop_oneof![Just(None), Just(Some("de")), Just(Some("en"))],
            "[a-zA-Zäö <&>]{0,20}",
        ),
        0..3,
    );
    let priority = prop_oneof![
        Just(None),
        Just(Some("5")),
        Just(Some("-129")),
        Just(Some("x"))
    ];
    (from, kind, show, statuses, priority)
        .prop_map(|(from, kind, show, statuses, priority)| {
            let mut xml = String::from("<presence xmlns='jabber:client'");
            if let Some(from) = from {
                xml.push_str(&format!(" from='{from}'"));
            }
            if let Some(kind) = kind {
                xml.push_str(&format!(" type='{kind}'"));
            }
            xml.push('>');
            if let Some(show) = show {
                xml.push_str(&format!("<show>{show}</show>"));
            }
            for (lang, text) in statuses {
                let lang = lang.map(|l| format!(" xml:lang='{l}'")).unwrap_or_default();
                xml.push_str(&format!("<status{lang}>{text}</status>"));
            }
            if let Some(priority) = priority {
                xml.push_str(&format!("<priority>{priority}</priority>"));
            }
            xml.push_str("</presence>");
            xml
        })
        .boxed()
}

fn chat_presence() -> impl Strategy<Value = ChatPresence> {
    prop::sample::select(ChatPresence::ALL.to_vec())
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn rest_raw_bytes_everywhere(body in raw_bytes()) {
        prop_assert!(rest_ok(&decode::user(&body)));
        prop_assert!(rest_ok(&decode::phone_config(&body)));
        prop_assert!(rest_ok(&decode::phone_config_with_dnd("p", &body, true)));
        prop_assert!(rest_ok(&decode::directory(&body, &body)));
        prop_assert!(rest_ok(&decode::address_book_page(&body)));
        prop_assert!(rest_ok(&decode::login_template(&body)));
        prop_assert!(rest_ok(&decode::login_token(&body)));
        let _ = answer::tokens(&body);
        let _ = starface_client::oauth::classify_refusal(400, &body);
        let _ = decode::error_message(&body);
    }

    #[test]
    fn rest_user_and_phone_config(user in damaged(user()), config in damaged(phone_config()), on in any::<bool>()) {
        prop_assert!(rest_ok(&decode::user(&user)));
        prop_assert!(rest_ok(&decode::phone_config(&config)));
        match decode::phone_config_with_dnd("p", &config, on) {
            Ok(written) => {
                // Only doNotDisturb changes; every other field goes back as it came.
                let before: Value = serde_json::from_slice(&config).expect("it parsed once");
                prop_assert_eq!(&written["doNotDisturb"], &Value::Bool(on));
                for (key, value) in before.as_object().expect("an object") {
                    if key != "doNotDisturb" {
                        prop_assert_eq!(&written[key], value);
                    }
                }
            }
            Err(error) => prop_assert!(matches!(error, RestError::BadResponse { .. }), "{}", error),
        }
    }

    #[test]
    fn rest_directory(users in damaged(array(user())), accounts in damaged(array(account()))) {
        match decode::directory(&users, &accounts) {
            Ok(entries) => {
                for entry in entries {
                    prop_assert!(entry.email.as_deref().is_none_or(|e| !e.is_empty() && e == e.to_lowercase()));
                    prop_assert!(entry.internal_number.as_deref() != Some(""));
                }
            }
            Err(error) => prop_assert!(matches!(error, RestError::BadResponse { .. }), "{}", error),
        }
    }

    #[test]
    fn rest_contacts(page in damaged(contacts())) {
        prop_assert!(rest_ok(&decode::address_book_page(&page)));
    }

    #[test]
    fn rest_login_and_oauth(
        template in damaged(object(vec![("loginType", one_of(&["Internal", "ActiveDirectory"])), ("nonce", string()), ("secret", string())])),
        token in damaged(object(vec![("token", string()), ("authToken", string())])),
        oauth in damaged(oauth_answer()),
    ) {
        prop_assert!(rest_ok(&decode::login_template(&template)));
        prop_assert!(rest_ok(&decode::login_token(&token)));
        // The client adds the lifetime to `Instant::now()`: it must not overflow.
        if let Ok(tokens) = answer::tokens(&oauth) {
            prop_assert!(
                Instant::now().checked_add(tokens.lifetime).is_some()
                    && tokens.lifetime <= answer::MAX_TOKEN_LIFETIME,
                "lifetime {:?}",
                tokens.lifetime
            );
        }
        let _ = starface_client::oauth::classify_refusal(400, &oauth);
    }

    #[test]
    fn rest_error_message_is_bounded(body in prop::collection::vec(any::<u8>(), 0..2_000)) {
        let message = decode::error_message(&body);
        if serde_json::from_slice::<Value>(&body).is_err() {
            prop_assert!(message.chars().count() <= 300);
        }
    }

    #[test]
    fn uci_responses(text in damaged_text(xmlrpc_response())) {
        match decode_response("userState.getUserState", &text) {
            Ok(value) => {
                match user_state_from(&value) {
                    Ok(state) => {
                        // Only a struct with a string telephonyState gets here.
                        let _ = format!("{:?}", state.telephony);
                    }
                    Err(error) => prop_assert!(matches!(error, UciError::BadResponse { .. }), "{}", error),
                }
                if let Err(error) = call_ids_from(&value) {
                    prop_assert!(matches!(error, UciError::BadResponse { .. }), "{}", error);
                }
            }
            Err(error) => prop_assert!(matches!(
                error,
                UciError::BadResponse { .. } | UciError::Fault { .. } | UciError::AuthFailed(_) | UciError::NotLoggedIn(_)
            ), "{error}"),
        }
    }

    #[test]
    fn uci_raw_text(text in any::<String>()) {
        let _ = decode_response("call.getCallIds", &text);
    }

    #[test]
    fn xmpp_received_presence(xml in damaged_text(presence_xml())) {
        let Ok(element) = Element::from_str(&xml) else { return Ok(()); };
        let Ok(presence) = Presence::try_from(element) else { return Ok(()); };
        let chat = chat_presence_of(&presence);
        if presence.type_ == PresenceType::Unavailable {
            prop_assert_eq!(chat, ChatPresence::Unavailable);
        }
        if let Some(observed) = observed_presence(&presence) {
            prop_assert_eq!(observed.status.presence, chat);
            prop_assert!(observed.status.text.as_deref() != Some(""));
            prop_assert!(matches!(presence.type_, PresenceType::None | PresenceType::Unavailable), "{:?}", presence.type_);
        }
    }

    #[test]
    fn xmpp_own_stanza_round_trips(presence in chat_presence(), text in prop::option::of(edge_string()), priority in any::<i8>()) {
        // What we send must read back as the status we meant (other clients parse it the same way).
        let status = ChatStatus::new(presence, text.as_deref());
        let stanza = presence_stanza(&status, priority);
        prop_assert_eq!(chat_presence_of(&stanza), presence);
        let element = Element::from(stanza);
        let reparsed = Presence::try_from(element).expect("our own stanza parses");
        prop_assert_eq!(chat_presence_of(&reparsed), presence);
    }

    #[test]
    fn xmpp_raw_text(text in any::<String>()) {
        if let Ok(element) = Element::from_str(&text) {
            if let Ok(presence) = Presence::try_from(element) {
                let _ = observed_presence(&presence);
            }
        }
    }
}
