//! Fuzz: what decides where STARFACE credentials go. The OpenID discovery document, the check of
//! the token endpoint it names (which receives the password and client secret), the redirect
//! target an error names (which must never carry a token from the query), and the
//! classification of a refused token request (which decides between a silent new sign-in and
//! asking the user).
//!
//! `cargo test -p hardening --test fuzz_starface_sign_in`; `PROPTEST_CASES=100000` for the long run.

use hardening::*;
use proptest::prelude::*;
use starface_client::http::redirect_target;
use starface_client::oauth::discovery::parse_document;
use starface_client::oauth::{
    check_token_endpoint, classify_refusal, EndpointProblem, RefusalKind,
};
use url::Url;

/// Token endpoints a PBX (or someone in between) might name: ours, other hosts that look like
/// ours, other schemes, user info, odd ports, IP literals, garbage.
fn token_endpoint() -> BoxedStrategy<String> {
    let host = prop_oneof![
        Just("pbx.example.com".to_owned()),
        Just("PBX.EXAMPLE.COM".to_owned()),
        Just("pbx.example.com.evil.example".to_owned()),
        Just("evil.example".to_owned()),
        Just("sso.example.org".to_owned()),
        Just("127.0.0.1".to_owned()),
        Just("[::1]".to_owned()),
        Just("pbx.example.com@evil.example".to_owned()),
        "[a-z0-9.-]{0,20}",
    ];
    let scheme = prop_oneof![
        Just("https"),
        Just("http"),
        Just("HTTPS"),
        Just("ftp"),
        Just("javascript"),
        Just("")
    ];
    prop_oneof![
        8 => (scheme, host, prop::option::of(any::<u16>()), "[a-z/._?=&%-]{0,30}")
            .prop_map(|(scheme, host, port, path)| match port {
                Some(port) => format!("{scheme}://{host}:{port}/{path}"),
                None => format!("{scheme}://{host}/{path}"),
            }),
        2 => any::<String>(),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn token_endpoint_check(
        candidate in token_endpoint(),
        identity in prop::option::of(prop_oneof![Just("sso.example.org".to_owned()), "[a-z.]{0,12}"]),
        allow_http in any::<bool>(),
    ) {
        let pbx = Url::parse("https://pbx.example.com").unwrap();
        match check_token_endpoint(&pbx, &candidate, identity.as_deref(), allow_http) {
            Ok(url) => {
                // Accepted only over https (http when explicitly allowed), on the PBX's host or
                // the configured identity host.
                prop_assert!(url.scheme() == "https" || (allow_http && url.scheme() == "http"), "{}", url);
                let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                let identity = identity.as_deref().map(|h| h.trim().to_ascii_lowercase());
                prop_assert!(
                    host == "pbx.example.com" || (identity.as_deref() == Some(host.as_str()) && !host.is_empty()),
                    "{} accepted with identity host {:?}", url, identity
                );
            }
            Err(EndpointProblem::NotHttps) => prop_assert!(!allow_http),
            Err(_) => {}
        }
    }

    #[test]
    fn discovery_document(body in damaged(object(vec![
        ("token_endpoint", string()),
        ("issuer", string()),
        ("authorization_endpoint", string()),
    ]))) {
        if let Ok(document) = parse_document(&body) {
            let pbx = Url::parse("https://pbx.example.com").unwrap();
            let _ = check_token_endpoint(&pbx, &document.token_endpoint, None, false);
        }
    }

    #[test]
    fn redirect_targets_never_carry_the_query(
        location in prop_oneof![token_endpoint(), any::<String>()],
        secret in "[a-zA-Z0-9]{12,20}",
    ) {
        let request = Url::parse(&format!("https://pbx.example.com/xml-rpc?de.vertico.starface.jwt={secret}")).unwrap();
        let location = format!("{location}?jwt={secret}#{secret}");
        let named = redirect_target(&request, &location);
        prop_assert!(!named.contains(&secret), "{} from {}", named, location);
    }
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn token_refusals_are_classified_and_printable(
        status in prop_oneof![Just(400u16), Just(401), Just(403), Just(500), any::<u16>()],
        body in prop_oneof![
            damaged(object(vec![
                ("error", one_of(&["invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "invalid_scope"])),
                ("error_description", string()),
            ])),
            prop::collection::vec(any::<u8>(), 0..400),
        ],
    ) {
        let refusal = classify_refusal(status, &body);
        prop_assert_eq!(refusal.status, status);
        // It ends up in messages and logs: bounded, no control characters (no log forging).
        prop_assert!(refusal.detail.chars().count() <= 2 * 200 + 2, "{}", refusal.detail.len());
        prop_assert!(!refusal.detail.chars().any(char::is_control), "{:?}", refusal.detail);
        if status == 401 && serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v.get("error").cloned()).is_none() {
            prop_assert_eq!(refusal.kind, RefusalKind::InvalidClient);
        }
    }
}
