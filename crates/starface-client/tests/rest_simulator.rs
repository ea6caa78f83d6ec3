//! REST connector against the strict STARFACE simulator.

use keychain::Secret;
use serde_json::Value;
use simulators::starface::{
    Organisation, SimPhoneConfig, SimSettings, SimUser, StarfaceSimulator, UserRight,
};
use starface_client::{
    Credentials, OAuthError, OAuthSettings, PbxEndpoint, RestAuth, RestClient, RestError, TlsError,
};
use url::Url;

fn endpoint(pbx: &StarfaceSimulator) -> PbxEndpoint {
    PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http()
}

fn client(pbx: &StarfaceSimulator, login: &str, password: &str) -> RestClient {
    RestClient::new(
        endpoint(pbx),
        Credentials::new(login, Secret::new(password)),
        RestAuth::NonceLogin,
    )
    .unwrap()
}

fn oauth_client(pbx: &StarfaceSimulator, settings: OAuthSettings) -> RestClient {
    RestClient::new(
        endpoint(pbx),
        Credentials::new("0001", Secret::new("demo")),
        RestAuth::OAuthPasswordGrant(settings),
    )
    .unwrap()
}

#[tokio::test]
async fn dnd_round_trip_preserves_the_other_three_fields() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let original = SimPhoneConfig {
        call_waiting: false,
        display_number_id: 4711,
        do_not_disturb: false,
        primary_phone_id: 815,
    };
    pbx.set_phone_config("0001", original);
    let rest = client(&pbx, "0001", "demo");

    assert!(!rest.dnd().await.unwrap());
    rest.set_dnd(true).await.unwrap();
    assert_eq!(
        pbx.phone_config("0001"),
        SimPhoneConfig {
            do_not_disturb: true,
            ..original
        }
    );
    assert!(rest.dnd().await.unwrap());

    // The PUT carried all four fields, the other three unchanged.
    let puts = pbx
        .request_log()
        .matching("PUT", "/rest/users/1/phoneconfig");
    assert_eq!(puts.len(), 1);
    let body: Value = serde_json::from_str(&puts[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "callWaiting": false, "displayNumberId": 4711,
            "doNotDisturb": true, "primaryPhoneId": 815
        })
    );

    // The user switches DND off on the desk phone; the connector sees it.
    pbx.press_dnd_on_phone("0001", false);
    assert!(!rest.dnd().await.unwrap());
    rest.set_dnd(false).await.unwrap();
    assert_eq!(pbx.phone_config("0001"), original);
}

#[tokio::test]
async fn expired_token_causes_exactly_one_relogin() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    rest.me().await.unwrap();
    rest.me().await.unwrap();
    assert_eq!(pbx.request_log().matching("POST", "/rest/login").len(), 1);

    pbx.expire_tokens();
    let me = rest.me().await.unwrap();
    assert_eq!(me.login, "0001");
    rest.dnd().await.unwrap();

    let log = pbx.request_log();
    assert_eq!(
        log.matching("POST", "/rest/login").len(),
        2,
        "exactly one re-login"
    );
    assert_eq!(rest.login_count(), 2);
    let unauthorized = log.entries().iter().filter(|r| r.status == 401).count();
    assert_eq!(unauthorized, 1, "one 401, then the retry succeeded");
}

#[tokio::test]
async fn a_second_401_after_relogin_is_an_error_not_a_loop() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    rest.me().await.unwrap();
    pbx.inject_rest_failure("/rest/users/me", 401, 5);
    let error = rest.me().await.unwrap_err();
    assert!(matches!(error, RestError::Unauthorized { .. }), "{error}");
    assert_eq!(pbx.request_log().matching("POST", "/rest/login").len(), 2);
    assert_eq!(pbx.request_log().matching("GET", "/rest/users/me").len(), 3);
}

#[tokio::test]
async fn no_request_is_sent_without_x_version() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    rest.me().await.unwrap();
    rest.set_dnd(true).await.unwrap();
    rest.directory().await.unwrap();
    rest.address_book().await.unwrap();
    pbx.expire_tokens();
    rest.dnd().await.unwrap();
    rest.logout().await.unwrap();

    let entries = pbx.request_log().entries();
    assert!(
        entries.len() >= 10,
        "the scenario made requests: {}",
        entries.len()
    );
    for entry in entries.iter().filter(|e| e.path.starts_with("/rest")) {
        assert_eq!(
            entry.header("x-version"),
            Some("2"),
            "{} {} lacked X-Version: 2",
            entry.method,
            entry.path
        );
    }
    assert!(
        entries.iter().all(|e| e.status != 400),
        "nothing was rejected"
    );

    // And the simulator does reject a request without it.
    let response = reqwest::get(format!("{}/rest/login", pbx.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn logout_invalidates_the_token() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    rest.me().await.unwrap();
    rest.logout().await.unwrap();
    let deletes = pbx.request_log().matching("DELETE", "/rest/login");
    assert_eq!(deletes.len(), 1);
    let token = deletes[0].header("authtoken").unwrap().to_owned();
    let response = reqwest::Client::new()
        .get(format!("{}/rest/users/me", pbx.base_url()))
        .header("X-Version", "2")
        .header("authToken", token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn missing_right_names_the_right_to_grant() {
    let org = Organisation::new(vec![SimUser::new(
        7,
        "0007",
        "pw",
        "Nina",
        "Roth",
        "nina.roth@contoso.example",
        "407",
    )
    .without_right(UserRight::PhoneSettings)]);
    let pbx = StarfaceSimulator::start(org).await.unwrap();
    let rest = client(&pbx, "0007", "pw");
    let error = rest.set_dnd(true).await.unwrap_err();
    let RestError::MissingRight {
        right,
        server_message,
        ..
    } = &error
    else {
        panic!("expected MissingRight, got {error:?}");
    };
    assert!(right.contains("Telefonie"), "{right}");
    assert!(
        server_message.contains("no permission for phoneconfig"),
        "{server_message}"
    );
    let text = error.to_string();
    assert!(
        text.contains("administrator") && text.contains(right),
        "{text}"
    );
    assert!(pbx
        .request_log()
        .matching("PUT", "/rest/users/7/phoneconfig")
        .is_empty());
}

#[tokio::test]
async fn wrong_password_is_a_login_error() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "not-demo");
    let error = rest.me().await.unwrap_err();
    assert!(matches!(error, RestError::LoginRejected { .. }), "{error}");
    assert!(
        !error.to_string().contains("not-demo"),
        "password leaked: {error}"
    );
}

#[tokio::test]
async fn nonces_are_single_use_in_the_simulator() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    rest.login().await.unwrap();
    let post = &pbx.request_log().matching("POST", "/rest/login")[0];
    let replay = reqwest::Client::new()
        .post(format!("{}/rest/login", pbx.base_url()))
        .header("X-Version", "2")
        .header("Content-Type", "application/json")
        .body(post.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
}

#[tokio::test]
async fn active_directory_login_type_is_followed() {
    let settings = SimSettings {
        login_type: "ActiveDirectory".to_owned(),
        ..SimSettings::default()
    };
    let pbx = StarfaceSimulator::start_with(Organisation::demo(), settings)
        .await
        .unwrap();
    let rest = client(&pbx, "0002", "demo");
    assert_eq!(rest.me().await.unwrap().login, "0002");
    let body: Value =
        serde_json::from_str(&pbx.request_log().matching("POST", "/rest/login")[0].body).unwrap();
    assert_eq!(body["loginType"], "ActiveDirectory");
}

#[tokio::test]
async fn phoneconfig_put_is_strict_in_the_simulator() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    // Take the token from a logged request the client made.
    rest.me().await.unwrap();
    let me = &pbx.request_log().matching("GET", "/rest/users/me")[0];
    let token = me.header("authtoken").unwrap().to_owned();
    let put = |body: &'static str| {
        reqwest::Client::new()
            .put(format!("{}/rest/users/1/phoneconfig", pbx.base_url()))
            .header("X-Version", "2")
            .header("Content-Type", "application/json")
            .header("authToken", token.clone())
            .body(body)
            .send()
    };
    let partial = put(r#"{"doNotDisturb":true}"#).await.unwrap();
    assert_eq!(partial.status(), 400);
    let wrong_type =
        put(r#"{"callWaiting":"yes","displayNumberId":1,"doNotDisturb":true,"primaryPhoneId":2}"#)
            .await
            .unwrap();
    assert_eq!(wrong_type.status(), 400);
    assert!(!pbx.phone_config("0001").do_not_disturb);
}

#[tokio::test]
async fn directory_has_names_emails_and_internal_numbers() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    let directory = rest.directory().await.unwrap();
    assert_eq!(directory.len(), 5);
    let jonas = directory.iter().find(|e| e.login == "0002").unwrap();
    assert_eq!(jonas.first_name, "Jonas");
    assert_eq!(jonas.email.as_deref(), Some("jonas.keller@contoso.example"));
    assert_eq!(jonas.internal_number.as_deref(), Some("402"));

    let book = rest.address_book().await.unwrap();
    let mira = book
        .iter()
        .find(|e| e.family_name.as_deref() == Some("Schulz"))
        .unwrap();
    assert_eq!(mira.email.as_deref(), Some("mira.schulz@contoso.example"));
    assert_eq!(mira.internal_number.as_deref(), Some("403"));
}

#[tokio::test]
async fn address_book_without_right_is_a_missing_right_error() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = client(&pbx, "0001", "demo");
    pbx.revoke_right("0001", UserRight::AddressBook);
    assert!(matches!(
        rest.address_book().await,
        Err(RestError::MissingRight { .. })
    ));
}

#[tokio::test]
async fn oauth_uses_bearer_and_refreshes_before_expiry() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let mut settings = OAuthSettings::new(Secret::new(pbx.oauth_client_secret()));
    // A margin as long as the token's life forces a refresh on every call.
    settings.refresh_margin = std::time::Duration::from_secs(300);
    let rest = oauth_client(&pbx, settings);
    rest.me().await.unwrap();
    rest.set_dnd(true).await.unwrap();
    assert!(pbx.phone_config("0001").do_not_disturb);

    let log = pbx.request_log();
    let token_calls = log.matching("POST", simulators::starface::OAUTH_TOKEN_PATH);
    assert!(token_calls[0].body.contains("grant_type=password"));
    assert!(token_calls[0]
        .body
        .contains("client_id=rest-client-headless"));
    assert!(
        token_calls
            .iter()
            .skip(1)
            .all(|r| r.body.contains("grant_type=refresh_token")),
        "later tokens come from refreshes"
    );
    assert!(token_calls.len() >= 3);
    for entry in log.entries().iter().filter(|e| e.path.starts_with("/rest")) {
        assert!(entry
            .header("authorization")
            .unwrap()
            .starts_with("Bearer "));
        assert!(entry.header("authtoken").is_none());
    }
    assert!(log.matching("POST", "/rest/login").is_empty());
}

#[tokio::test]
async fn oauth_without_margin_reuses_the_token() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = oauth_client(
        &pbx,
        OAuthSettings::new(Secret::new(pbx.oauth_client_secret())),
    );
    rest.me().await.unwrap();
    rest.dnd().await.unwrap();
    let token_calls = pbx
        .request_log()
        .matching("POST", simulators::starface::OAUTH_TOKEN_PATH);
    assert_eq!(token_calls.len(), 1);
}

#[tokio::test]
async fn oauth_wrong_client_secret_names_the_setting() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let rest = oauth_client(&pbx, OAuthSettings::new(Secret::new("wrong")));
    let error = rest.me().await.unwrap_err();
    assert!(
        matches!(
            error,
            RestError::OAuthDenied(OAuthError::ClientRejected { status: 401, .. })
        ),
        "{error}"
    );
    assert!(error.needs_sign_in());
    assert!(error.to_string().contains("client secret"), "{error}");
    // Both ways of authenticating the client were tried, the documented form first.
    let tries = pbx
        .request_log()
        .matching("POST", simulators::starface::OAUTH_TOKEN_PATH);
    assert_eq!(tries.len(), 2);
    assert!(tries[0].body.contains("client_secret=wrong"));
    assert!(tries[1]
        .header("authorization")
        .unwrap()
        .starts_with("Basic "));
    assert!(!tries[1].body.contains("client_secret"));
}

#[tokio::test]
async fn plain_http_is_refused_unless_allowed() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let strict = PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap());
    let result = RestClient::new(
        strict,
        Credentials::new("0001", Secret::new("demo")),
        RestAuth::NonceLogin,
    );
    assert!(matches!(
        result,
        Err(RestError::Tls(TlsError::PlainHttpRefused { .. }))
    ));
    assert!(pbx.request_log().is_empty());
}
