//! The STARFACE simulator's Keycloak is as strict as the real one where it matters: raw HTTP,
//! no connector involved.

use base64::Engine;
use serde_json::Value;
use simulators::starface::{
    Organisation, SimClientAuth, SimSettings, StarfaceSimulator, OAUTH_REALM_DISCOVERY_PATH,
    OAUTH_TOKEN_PATH,
};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn token(
    pbx: &StarfaceSimulator,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = no_redirects()
        .post(format!("{}{OAUTH_TOKEN_PATH}", pbx.base_url()))
        .form(form);
    if let Some((id, secret)) = basic {
        let value = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        request = request.header("Authorization", format!("Basic {value}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn password_grant(secret: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", "rest-client-headless"),
        ("client_secret", secret),
        ("username", "0001"),
        ("password", "demo"),
        ("scope", "login"),
    ]
}

#[tokio::test]
async fn discovery_redirects_from_the_root_into_the_realm() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let root = no_redirects()
        .get(format!(
            "{}/.well-known/openid-configuration",
            pbx.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 302);
    let location = root.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("{}{OAUTH_REALM_DISCOVERY_PATH}", pbx.base_url())
    );
    let document: Value = reqwest::get(&location).await.unwrap().json().await.unwrap();
    assert_eq!(
        document["token_endpoint"],
        format!("{}{OAUTH_TOKEN_PATH}", pbx.base_url())
    );
}

#[tokio::test]
async fn client_authentication_is_one_method_as_configured() {
    let secret = "sim-client-secret";
    let pbx = StarfaceSimulator::start_with(
        Organisation::demo(),
        SimSettings {
            oauth_client_auth: SimClientAuth::BasicOnly,
            ..SimSettings::default()
        },
    )
    .await
    .unwrap();
    let (status, body) = token(&pbx, &password_grant(secret), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized_client"))
    );
    let basic_form = [
        ("grant_type", "password"),
        ("username", "0001"),
        ("password", "demo"),
    ];
    let (status, _) = token(&pbx, &basic_form, Some(("rest-client-headless", secret))).await;
    assert_eq!(status, 200);
    // Both at once is refused whatever the configuration.
    let (status, body) = token(
        &pbx,
        &password_grant(secret),
        Some(("rest-client-headless", secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let mut wrong_scope = basic_form.to_vec();
    wrong_scope.push(("scope", "admin"));
    let (status, body) = token(&pbx, &wrong_scope, Some(("rest-client-headless", secret))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_die_with_their_session() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let secret = pbx.oauth_client_secret();
    let (status, first) = token(&pbx, &password_grant(&secret), None).await;
    assert_eq!(status, 200);
    assert_eq!(first["expires_in"], 300);
    assert_eq!(first["refresh_expires_in"], 21600);
    let refresh = |presented: String| {
        let secret = secret.clone();
        let pbx = &pbx;
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", "rest-client-headless"),
                ("client_secret", secret.as_str()),
                ("refresh_token", presented.as_str()),
            ];
            token(pbx, &form, None).await
        }
    };
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = refresh(old.clone()).await;
    assert_eq!(status, 200);
    assert_ne!(second["refresh_token"], first["refresh_token"], "rotated");
    let (status, body) = refresh(old).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Stale token"))
    );

    pbx.revoke_oauth_sessions("0001");
    let (status, body) = refresh(second["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        (
            status,
            body["error"].as_str(),
            body["error_description"].as_str()
        ),
        (400, Some("invalid_grant"), Some("Session not active"))
    );
    let me = reqwest::Client::new()
        .get(format!("{}/rest/users/me", pbx.base_url()))
        .header("X-Version", "2")
        .bearer_auth(second["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        401,
        "a revoked session's access token is dead at once"
    );
}

#[tokio::test]
async fn refresh_tokens_expire_by_the_pbx_clock() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let secret = pbx.oauth_client_secret();
    let (_, first) = token(&pbx, &password_grant(&secret), None).await;
    pbx.advance_clock(std::time::Duration::from_secs(6 * 3600 + 1));
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "rest-client-headless"),
        ("client_secret", secret.as_str()),
        ("refresh_token", first["refresh_token"].as_str().unwrap()),
    ];
    let (status, body) = token(&pbx, &form, None).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Token is not active"))
    );
}

#[tokio::test]
async fn starface_9_has_no_keycloak_and_oauth_only_has_no_classic_login() {
    let nine = StarfaceSimulator::start_with(Organisation::demo(), SimSettings::starface_9())
        .await
        .unwrap();
    for path in [
        "/.well-known/openid-configuration",
        OAUTH_REALM_DISCOVERY_PATH,
    ] {
        let response = reqwest::get(format!("{}{path}", nine.base_url()))
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    assert_eq!(token(&nine, &password_grant("x"), None).await.0, 404);

    let ten =
        StarfaceSimulator::start_with(Organisation::demo(), SimSettings::starface_10_oauth_only())
            .await
            .unwrap();
    let login = reqwest::Client::new()
        .get(format!("{}/rest/login", ten.base_url()))
        .header("X-Version", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    let (status, _) = token(&ten, &password_grant(&ten.oauth_client_secret()), None).await;
    assert_eq!(status, 200);
}
