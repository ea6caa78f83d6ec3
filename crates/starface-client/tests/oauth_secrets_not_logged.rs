//! No STARFACE secret reaches the log: a whole OAuth life (discovery, password grant,
//! refreshes, a revoked session signed in again, UCI with the token, refused clients and users)
//! runs with every log record of every crate captured at TRACE level (`log` records included),
//! and the capture is searched for the password, the client secret and every token the
//! simulator saw. Its own test binary: the subscriber is global.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keychain::Secret;
use simulators::starface::{Organisation, SimSettings, StarfaceSimulator, OAUTH_TOKEN_PATH};
use starface_client::{
    AuthMode, Credentials, OAuthSettings, PbxEndpoint, PbxSignIn, RestClient, Timing, UciAuth,
    UciClient,
};
use url::Url;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const PASSWORD: &str = "pw-3kq9-secret";

#[tokio::test]
async fn no_secret_of_the_oauth_life_is_logged() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    let pbx = StarfaceSimulator::start_with(
        Organisation::demo(),
        SimSettings {
            // Every call refreshes (the token is within the 60 s margin).
            oauth_access_lifetime: Duration::from_secs(30),
            ..SimSettings::default()
        },
    )
    .await
    .unwrap();
    pbx.set_password("0001", PASSWORD);
    let endpoint = PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http();
    let client_secret = pbx.oauth_client_secret();
    let sign_in = PbxSignIn::new(
        endpoint.clone(),
        Credentials::new("0001", Secret::new(PASSWORD)),
        AuthMode::Auto,
        Some(OAuthSettings::new(Secret::new(client_secret.clone()))),
        Timing::real(),
    )
    .unwrap();
    let rest = RestClient::with_sign_in(endpoint.clone(), sign_in.clone()).unwrap();
    let uci = UciClient::new(endpoint.clone(), UciAuth::SignIn(sign_in.clone())).unwrap();
    rest.me().await.unwrap();
    rest.set_dnd(true).await.unwrap();
    uci.login().await.unwrap();
    uci.set_chat_presence_message("in a meeting").await.unwrap();
    pbx.revoke_oauth_sessions("0001");
    rest.dnd().await.unwrap();
    uci.user_state().await.unwrap();
    uci.logout().await.unwrap();

    // Refusals, logged the way the bridge logs them.
    let wrong_client = RestClient::new(
        endpoint.clone(),
        Credentials::new("0001", Secret::new(PASSWORD)),
        starface_client::RestAuth::OAuthPasswordGrant(OAuthSettings::new(Secret::new(
            "not-the-secret-x7",
        ))),
    )
    .unwrap();
    let error = wrong_client.me().await.unwrap_err();
    tracing::warn!(%error, ?error, "STARFACE not reachable");
    let wrong_password = RestClient::new(
        endpoint,
        Credentials::new("0001", Secret::new("wrong-password-y8")),
        starface_client::RestAuth::OAuthPasswordGrant(OAuthSettings::new(Secret::new(
            client_secret.clone(),
        ))),
    )
    .unwrap();
    let error = wrong_password.me().await.unwrap_err();
    tracing::warn!(%error, ?error, "STARFACE not reachable");
    tracing::info!(?sign_in, ?rest, ?uci, "clients");

    // Every secret the simulator saw.
    let mut secrets = vec![
        PASSWORD.to_owned(),
        client_secret,
        "not-the-secret-x7".to_owned(),
        "wrong-password-y8".to_owned(),
    ];
    for request in pbx.request_log().entries() {
        if let Some(bearer) = request
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            secrets.push(bearer.to_owned());
        }
        for (key, value) in
            url::form_urlencoded::parse(request.query.as_deref().unwrap_or_default().as_bytes())
                .chain(url::form_urlencoded::parse(request.body.as_bytes()))
        {
            if matches!(
                key.as_ref(),
                "de.vertico.starface.jwt" | "refresh_token" | "password" | "client_secret"
            ) {
                secrets.push(value.into_owned());
            }
        }
    }
    secrets.sort();
    secrets.dedup();
    let refreshes = pbx
        .request_log()
        .matching("POST", OAUTH_TOKEN_PATH)
        .iter()
        .filter(|r| r.body.contains("grant_type=refresh_token"))
        .count();
    assert!(refreshes >= 3, "the run refreshed: {refreshes}");
    assert!(secrets.len() >= 10, "secrets collected: {}", secrets.len());

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.lines().count() > 50, "the log is not empty:\n{log}");
    assert!(log.contains("signed in to STARFACE with OAuth"), "{log}");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret is in the log: {secret}"
        );
    }
}
