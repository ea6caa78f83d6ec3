//! Issue 15 (hardening): credentials go only to the PBX, and its answers are bounded. A second
//! simulator plays the place a redirect or a tampered discovery document points to; its
//! request log shows whether anything (a token, a password) reached it.

use keychain::Secret;
use simulators::starface::{Organisation, SimSettings, StarfaceSimulator};
use starface_client::http::MAX_BODY_BYTES;
use starface_client::oauth::{EndpointProblem, OAuthError};
use starface_client::{
    CertificatePin, Credentials, OAuthSettings, PbxEndpoint, RestAuth, RestClient, RestError,
    TlsTrust, UciAuth, UciClient, UciError,
};
use url::Url;

fn endpoint(pbx: &StarfaceSimulator) -> PbxEndpoint {
    PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http()
}

fn credentials() -> Credentials {
    Credentials::new("0001", Secret::new("demo"))
}

fn nonce_client(pbx: &StarfaceSimulator) -> RestClient {
    RestClient::new(endpoint(pbx), credentials(), RestAuth::NonceLogin).unwrap()
}

fn oauth_client(endpoint: PbxEndpoint, settings: OAuthSettings) -> RestClient {
    RestClient::new(
        endpoint,
        credentials(),
        RestAuth::OAuthPasswordGrant(settings),
    )
    .unwrap()
}

async fn elsewhere() -> StarfaceSimulator {
    StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rest_redirect_is_an_error_that_names_the_target_and_is_not_followed() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let other = elsewhere().await;
    let target = format!("{}/rest/users/me", other.base_url());
    pbx.inject_redirect("/rest/users/me", 307, &format!("{target}?copy=1"), 1);
    let error = nonce_client(&pbx).me().await.unwrap_err();
    let RestError::Redirected { redirect, .. } = &error else {
        panic!("expected a redirect error, got {error:?}");
    };
    assert_eq!(
        (redirect.status, redirect.target.as_str()),
        (307, target.as_str())
    );
    assert!(error.to_string().contains(&target), "{error}");
    assert!(
        other.request_log().is_empty(),
        "the authToken went along: {:?}",
        other.request_log().entries()
    );
}

#[tokio::test]
async fn a_uci_redirect_carries_neither_the_token_nor_a_referer_away() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let other = elsewhere().await;
    pbx.inject_redirect("/xml-rpc", 307, &format!("{}/xml-rpc", other.base_url()), 1);
    let uci = UciClient::new(endpoint(&pbx), UciAuth::legacy(&credentials())).unwrap();
    let error = uci.login().await.unwrap_err();
    assert!(matches!(error, UciError::Redirected(_)), "{error:?}");
    assert!(error.to_string().contains(&other.base_url()), "{error}");
    let token = starface_client::login_secret::uci_auth_token("0001", &Secret::new("demo"));
    assert!(!error.to_string().contains(token.expose()));
    assert!(
        other.request_log().is_empty(),
        "the UCI token (query, Referer) went along: {:?}",
        other.request_log().entries()
    );
}

#[tokio::test]
async fn a_discovery_document_pointing_elsewhere_gets_no_password() {
    let other = elsewhere().await;
    // Another host name for the same loopback: not the PBX's host.
    let foreign = format!(
        "http://localhost:{}/auth/realms/pbx/oauth2/token",
        other.port()
    );
    let settings = SimSettings {
        discovery_token_endpoint: Some(foreign.clone()),
        ..SimSettings::default()
    };
    let pbx = StarfaceSimulator::start_with(Organisation::demo(), settings)
        .await
        .unwrap();
    let rest = oauth_client(
        endpoint(&pbx),
        OAuthSettings::new(Secret::new(pbx.oauth_client_secret())),
    );
    let error = rest.me().await.unwrap_err();
    let RestError::OAuth(OAuthError::UntrustedTokenEndpoint {
        endpoint: refused,
        problem,
    }) = &error
    else {
        panic!("expected an untrusted token endpoint, got {error:?}");
    };
    assert_eq!(refused, &foreign);
    assert_eq!(problem, &EndpointProblem::ForeignHost("localhost".into()));
    assert!(error.to_string().contains("identity_host"), "{error}");
    assert!(
        other.request_log().is_empty(),
        "the password went to the foreign endpoint: {:?}",
        other.request_log().entries()
    );

    // Named as the identity host, the same endpoint is used.
    let mut trusting = OAuthSettings::new(Secret::new(pbx.oauth_client_secret()));
    trusting.identity_host = Some("localhost".into());
    let _ = oauth_client(endpoint(&pbx), trusting).me().await;
    assert!(!other
        .request_log()
        .matching("POST", simulators::starface::OAUTH_TOKEN_PATH)
        .is_empty());
}

#[tokio::test]
async fn an_https_pbx_gets_no_plain_http_token_endpoint() {
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let other = elsewhere().await;
    let settings = SimSettings {
        discovery_token_endpoint: Some(format!(
            "http://127.0.0.1:{}/auth/realms/pbx/oauth2/token",
            other.port()
        )),
        ..SimSettings::default()
    };
    let pbx = StarfaceSimulator::start_tls(
        Organisation::demo(),
        settings,
        &generated.cert.pem(),
        &generated.signing_key.serialize_pem(),
    )
    .await
    .unwrap();
    let endpoint = PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).with_trust(
        TlsTrust::Pin(CertificatePin::of_certificate(generated.cert.der())),
    );
    let rest = oauth_client(
        endpoint,
        OAuthSettings::new(Secret::new(pbx.oauth_client_secret())),
    );
    let error = rest.me().await.unwrap_err();
    assert!(
        matches!(
            &error,
            RestError::OAuth(OAuthError::UntrustedTokenEndpoint {
                problem: EndpointProblem::NotHttps,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(other.request_log().is_empty());
}

#[tokio::test]
async fn an_oversized_rest_answer_is_refused() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    // Valid JSON (an empty list) padded beyond the limit: only the size is wrong.
    let body = format!("[{}]", " ".repeat(MAX_BODY_BYTES));
    pbx.inject_body("/rest/accounts", "application/json", body, 1);
    let rest = nonce_client(&pbx);
    let error = rest.accounts().await.unwrap_err();
    assert!(
        matches!(&error, RestError::BodyTooLarge { path, limit } if path == "rest/accounts" && *limit == MAX_BODY_BYTES),
        "{error:?}"
    );
    // The next answer is normal again and the client still works.
    assert_eq!(rest.accounts().await.unwrap().len(), 5);
}

#[tokio::test]
async fn an_oversized_uci_answer_is_refused() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let body = format!(
        "<?xml version=\"1.0\"?><methodResponse><params><param><value><boolean>1</boolean>\
         </value></param></params></methodResponse>{}",
        " ".repeat(MAX_BODY_BYTES)
    );
    pbx.inject_body("/xml-rpc", "text/xml", body, 1);
    let uci = UciClient::new(endpoint(&pbx), UciAuth::legacy(&credentials())).unwrap();
    let error = uci.login().await.unwrap_err();
    assert!(
        matches!(error, UciError::BodyTooLarge(MAX_BODY_BYTES)),
        "{error:?}"
    );
    uci.login().await.unwrap();
}
