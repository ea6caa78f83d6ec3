//! STARFACE 10 OAuth against the strict simulator: discovery through the root redirect, client
//! authentication in the form or with HTTP Basic, one token source for REST and UCI refreshed
//! before expiry (simulated clock), rotation, a revoked session signed in again silently, the
//! missing right named, and `auth = "auto"` on STARFACE 9 and 10.

use std::sync::Arc;
use std::time::Duration;

use keychain::Secret;
use simulators::starface::{
    Organisation, SimClientAuth, SimSettings, SimUser, StarfaceSimulator, UserRight,
    OAUTH_REALM_DISCOVERY_PATH, OAUTH_TOKEN_PATH,
};
use starface_client::oauth::{ClientAuthMethod, ClientAuthentication, TokenEndpointOrigin};
use starface_client::oauth::{DiscoveryAbsence, PASSWORD_GRANT_RIGHT_DE, PASSWORD_GRANT_RIGHT_EN};
use starface_client::{
    AuthMethod, AuthMode, AuthReason, Credentials, OAuthError, OAuthSettings, PbxEndpoint,
    PbxSignIn, RestClient, RestError, SimulatedTime, Timing, UciAuth, UciClient, UciError,
    UciSessionOptions,
};
use url::Url;

fn endpoint(pbx: &StarfaceSimulator) -> PbxEndpoint {
    PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http()
}

fn settings(pbx: &StarfaceSimulator) -> OAuthSettings {
    OAuthSettings::new(Secret::new(pbx.oauth_client_secret()))
}

fn sign_in(
    pbx: &StarfaceSimulator,
    login: &str,
    mode: AuthMode,
    oauth: Option<OAuthSettings>,
    timing: Timing,
) -> PbxSignIn {
    let password = if login == "0001" { "demo" } else { "pw" };
    PbxSignIn::new(
        endpoint(pbx),
        Credentials::new(login, Secret::new(password)),
        mode,
        oauth,
        timing,
    )
    .unwrap()
}

fn rest(pbx: &StarfaceSimulator, sign_in: &PbxSignIn) -> RestClient {
    RestClient::with_sign_in(endpoint(pbx), sign_in.clone()).unwrap()
}

fn token_requests(pbx: &StarfaceSimulator) -> Vec<simulators::request_log::LoggedRequest> {
    pbx.request_log().matching("POST", OAUTH_TOKEN_PATH)
}

async fn start(settings: SimSettings) -> StarfaceSimulator {
    StarfaceSimulator::start_with(Organisation::demo(), settings)
        .await
        .unwrap()
}

#[tokio::test]
async fn discovery_follows_the_root_redirect_into_the_realm() {
    let pbx = start(SimSettings::default()).await;
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        Timing::real(),
    );
    rest(&pbx, &sign_in).me().await.unwrap();

    let paths: Vec<(String, u16)> = pbx
        .request_log()
        .entries()
        .iter()
        .map(|r| (r.path.clone(), r.status))
        .take(3)
        .collect();
    assert_eq!(
        paths,
        vec![
            ("/.well-known/openid-configuration".to_owned(), 302),
            (OAUTH_REALM_DISCOVERY_PATH.to_owned(), 200),
            (OAUTH_TOKEN_PATH.to_owned(), 200),
        ]
    );
    let (url, origin) = sign_in.tokens().unwrap().token_endpoint().await.unwrap();
    assert_eq!(url.path(), OAUTH_TOKEN_PATH);
    assert_eq!(
        origin,
        TokenEndpointOrigin::Discovered {
            document: Url::parse(&format!("{}{OAUTH_REALM_DISCOVERY_PATH}", pbx.base_url()))
                .unwrap()
        }
    );
}

#[tokio::test]
async fn a_discovery_redirect_off_the_pbx_is_not_followed() {
    let pbx = start(SimSettings::default()).await;
    let other = start(SimSettings::default()).await;
    let elsewhere = format!("{}{OAUTH_REALM_DISCOVERY_PATH}", other.base_url());
    pbx.inject_redirect("/.well-known/openid-configuration", 302, &elsewhere, 1);
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        Timing::real(),
    );
    // The documented token path on the PBX itself still works.
    rest(&pbx, &sign_in).me().await.unwrap();
    assert!(other.request_log().is_empty(), "the redirect was followed");
    let (url, origin) = sign_in.tokens().unwrap().token_endpoint().await.unwrap();
    assert_eq!(
        url.as_str(),
        format!("{}{OAUTH_TOKEN_PATH}", pbx.base_url())
    );
    assert!(
        matches!(
            origin,
            TokenEndpointOrigin::Documented(DiscoveryAbsence::RedirectNotFollowed { ref target })
                if *target == elsewhere
        ),
        "{origin:?}"
    );
}

#[tokio::test]
async fn client_authentication_falls_back_to_basic_and_keeps_it() {
    let pbx = start(SimSettings {
        oauth_client_auth: SimClientAuth::BasicOnly,
        oauth_access_lifetime: Duration::from_secs(30),
        ..SimSettings::default()
    })
    .await;
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        Timing::real(),
    );
    let rest = rest(&pbx, &sign_in);
    rest.me().await.unwrap();
    // A 30 s token is within the 60 s margin: the next call refreshes.
    rest.me().await.unwrap();
    let tries = token_requests(&pbx);
    let basic = |r: &simulators::request_log::LoggedRequest| {
        r.header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    };
    assert_eq!(
        tries.len(),
        3,
        "form refused, Basic accepted, refresh with Basic at once"
    );
    assert!(!basic(&tries[0]) && tries[0].body.contains("client_secret="));
    assert_eq!(tries[0].status, 401);
    assert!(basic(&tries[1]) && !tries[1].body.contains("client_secret"));
    assert!(basic(&tries[2]) && tries[2].body.contains("grant_type=refresh_token"));
    assert_eq!(
        sign_in.tokens().unwrap().client_auth_in_use().await,
        Some(ClientAuthMethod::Basic)
    );
}

#[tokio::test]
async fn client_authentication_can_be_pinned_to_one_method() {
    let pbx = start(SimSettings {
        oauth_client_auth: SimClientAuth::FormOnly,
        ..SimSettings::default()
    })
    .await;
    let mut basic = settings(&pbx);
    basic.client_auth = ClientAuthentication::Basic;
    let sign_in = sign_in(&pbx, "0001", AuthMode::OAuth, Some(basic), Timing::real());
    let error = rest(&pbx, &sign_in).me().await.unwrap_err();
    assert!(
        matches!(
            error,
            RestError::OAuthDenied(OAuthError::ClientRejected { status: 401, .. })
        ),
        "{error:?}"
    );
    assert_eq!(token_requests(&pbx).len(), 1, "only Basic was tried");
}

/// The REST + UCI run on one token source: every call is made 30 s apart for 20 simulated
/// minutes with 300 s tokens.
#[tokio::test]
async fn one_token_is_refreshed_before_expiry_for_rest_and_uci() {
    let pbx = start(SimSettings::default()).await;
    let time = SimulatedTime::new();
    let pbx_clock = pbx.clock();
    time.on_advance(move |by| pbx_clock.advance(by));
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        time.timing(),
    );
    let rest = rest(&pbx, &sign_in);
    let uci = UciClient::with_options(
        endpoint(&pbx),
        UciAuth::SignIn(sign_in.clone()),
        UciSessionOptions {
            timing: time.timing(),
            ..UciSessionOptions::default()
        },
    )
    .unwrap();
    let tokens = sign_in.tokens().unwrap().clone();
    let mut issued = tokens.subscribe();
    uci.login().await.unwrap();
    let uci = Arc::new(uci);
    let timing = time.timing();
    let driver = {
        let uci = uci.clone();
        tokio::spawn(async move {
            let mut new_token_at = Vec::new();
            for step in 0..40 {
                rest.dnd().await.unwrap();
                uci.user_state().await.unwrap();
                if issued.has_changed().unwrap() {
                    issued.borrow_and_update();
                    new_token_at.push(step * 30);
                }
                timing.sleep(Duration::from_secs(30)).await;
            }
            new_token_at
        })
    };
    // The driver and the UCI client's keep-alive task wait on the clock.
    time.run_for(Duration::from_secs(39 * 30 + 10), 2).await;
    time.advance(Duration::from_secs(20));
    let new_token_at = driver.await.unwrap();

    // Refreshed when 60 s were left (at 240 s of each 300 s token), never after it expired.
    assert_eq!(new_token_at, vec![0, 240, 480, 720, 960]);
    let stats = tokens.stats();
    assert_eq!(
        (stats.password_grants, stats.refreshes),
        (1, 4),
        "{stats:?}"
    );
    assert_eq!(stats.rejected_refreshes, 0);
    let log = pbx.request_log().entries();
    assert!(log.iter().all(|r| r.status != 401), "never after a 401");
    // Every UCI call succeeded (each is unwrapped above), and the session never ran out.
    let notes: Vec<&str> = log.iter().filter_map(|r| r.note.as_deref()).collect();
    assert!(
        notes.iter().all(|n| n.starts_with("keepAlive gap")),
        "{notes:?}"
    );
    assert_eq!(uci.session_stats().logins, 1);
    // REST and UCI used the same token at each point: after every refresh both switch.
    let bearer_tokens: Vec<String> = log
        .iter()
        .filter_map(|r| {
            r.header("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
        .collect();
    let jwt_tokens: Vec<String> = log
        .iter()
        .filter_map(|r| {
            r.query
                .as_deref()
                .and_then(|q| q.strip_prefix("de.vertico.starface.jwt="))
                .map(str::to_owned)
        })
        .collect();
    let distinct = |tokens: &[String]| {
        let mut seen: Vec<&String> = Vec::new();
        for token in tokens {
            if seen.last() != Some(&token) {
                seen.push(token);
            }
        }
        seen.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(distinct(&bearer_tokens).len(), 5);
    assert_eq!(distinct(&bearer_tokens), distinct(&jwt_tokens));
    // No token left in the classic way.
    assert!(log.iter().all(|r| r.header("authtoken").is_none()
        && !r
            .query
            .as_deref()
            .unwrap_or_default()
            .contains("starface.auth=")));
}

#[tokio::test]
async fn a_rotated_refresh_token_replaces_the_old_one_at_once() {
    let pbx = start(SimSettings {
        oauth_access_lifetime: Duration::from_secs(10),
        ..SimSettings::default()
    })
    .await;
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        Timing::real(),
    );
    let rest = Arc::new(rest(&pbx, &sign_in));
    // Every call is within the margin, so each refreshes; several at once share one refresh.
    for _ in 0..3 {
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let rest = rest.clone();
                tokio::spawn(async move { rest.me().await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
    }
    let tries = token_requests(&pbx);
    let presented: Vec<String> = tries
        .iter()
        .filter_map(|r| {
            url::form_urlencoded::parse(r.body.as_bytes())
                .find(|(k, _)| k == "refresh_token")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert!(!presented.is_empty());
    let mut unique = presented.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        presented.len(),
        "a refresh token was used twice"
    );
    let stats = sign_in.tokens().unwrap().stats();
    assert_eq!(
        stats.rejected_refreshes, 0,
        "the simulator refuses stale tokens: {stats:?}"
    );
    assert_eq!(stats.password_grants, 1);
    assert!(tries.iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn a_revoked_session_signs_in_again_silently_on_every_channel() {
    let pbx = start(SimSettings::default()).await;
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        Timing::real(),
    );
    let rest = rest(&pbx, &sign_in);
    let uci = UciClient::new(endpoint(&pbx), UciAuth::SignIn(sign_in.clone())).unwrap();
    rest.me().await.unwrap();
    uci.login().await.unwrap();

    pbx.revoke_oauth_sessions("0001");
    assert_eq!(rest.me().await.unwrap().login, "0001");
    let stats = sign_in.tokens().unwrap().stats();
    assert_eq!(stats.rejected_refreshes, 1, "{stats:?}");
    assert_eq!(stats.password_grants, 2);
    assert_eq!(pbx.oauth_sessions_started("0001"), 2);

    // UCI: refused token -> renewed once -> the call goes through.
    pbx.revoke_oauth_sessions("0001");
    uci.set_chat_presence_message("back").await.unwrap();
    assert_eq!(pbx.chat_presence_message("0001"), "back");
    assert_eq!(pbx.oauth_sessions_started("0001"), 3);
}

#[tokio::test]
async fn an_expired_session_signs_in_again_and_a_changed_password_needs_the_user() {
    let pbx = start(SimSettings::default()).await;
    let time = SimulatedTime::new();
    let pbx_clock = pbx.clock();
    time.on_advance(move |by| pbx_clock.advance(by));
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        time.timing(),
    );
    let rest = rest(&pbx, &sign_in);
    rest.me().await.unwrap();
    // Longer than the 6 h refresh lifetime: the refresh token has run out.
    time.advance(Duration::from_secs(7 * 3600));
    rest.me().await.unwrap();
    let stats = sign_in.tokens().unwrap().stats();
    assert_eq!(
        (stats.password_grants, stats.rejected_refreshes),
        (2, 0),
        "an expired refresh token is not even sent: {stats:?}"
    );

    pbx.set_password("0001", "changed");
    pbx.revoke_oauth_sessions("0001");
    let error = rest.me().await.unwrap_err();
    assert!(
        matches!(&error, RestError::OAuthDenied(OAuthError::SignInNeeded { login, .. }) if login == "0001"),
        "{error:?}"
    );
    assert!(error.needs_sign_in());
    assert!(error.to_string().contains("login starface"), "{error}");

    // Polling channels do not hammer the PBX with the refused password (account lock-out).
    let tries = token_requests(&pbx).len();
    for _ in 0..5 {
        assert!(rest.me().await.unwrap_err().needs_sign_in());
    }
    assert_eq!(
        token_requests(&pbx).len(),
        tries,
        "refusal answered from memory"
    );
    // After the hold, one new try: the admin reset the password back meanwhile.
    pbx.set_password("0001", "demo");
    time.advance(starface_client::oauth::REFUSAL_HOLD);
    assert_eq!(rest.me().await.unwrap().login, "0001");
}

#[tokio::test]
async fn a_missing_right_is_named() {
    let org = Organisation::new(vec![SimUser::new(
        7,
        "0007",
        "pw",
        "Nina",
        "Roth",
        "nina.roth@contoso.example",
        "407",
    )
    .without_right(UserRight::OAuthPasswordGrant)]);
    let pbx = StarfaceSimulator::start(org).await.unwrap();
    let sign_in = sign_in(
        &pbx,
        "0007",
        AuthMode::OAuth,
        Some(settings(&pbx)),
        Timing::real(),
    );
    let error = rest(&pbx, &sign_in).me().await.unwrap_err();
    assert!(
        matches!(&error, RestError::OAuthDenied(OAuthError::MissingRight { login, .. }) if login == "0007"),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains(PASSWORD_GRANT_RIGHT_EN), "{text}");
    assert!(text.contains(PASSWORD_GRANT_RIGHT_DE), "{text}");
    assert_eq!(
        PASSWORD_GRANT_RIGHT_EN,
        "API access with OAuth Password Grant"
    );
    assert_eq!(
        PASSWORD_GRANT_RIGHT_DE,
        "API Zugriff mit OAuth Password Grant"
    );
}

#[tokio::test]
async fn auto_uses_the_classic_login_on_starface_9() {
    let pbx = start(SimSettings::starface_9()).await;
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::Auto,
        Some(settings(&pbx)),
        Timing::real(),
    );
    let rest = rest(&pbx, &sign_in);
    rest.me().await.unwrap();
    let uci = UciClient::new(endpoint(&pbx), UciAuth::SignIn(sign_in.clone())).unwrap();
    uci.login().await.unwrap();
    let choice = sign_in.decided().unwrap();
    assert_eq!(choice.method, AuthMethod::Classic);
    assert_eq!(
        choice.reason,
        AuthReason::NoKeycloak(DiscoveryAbsence::Status(404))
    );
    assert!(choice.to_string().contains("no OAuth sign-in"), "{choice}");
    assert!(token_requests(&pbx).is_empty());
    let log = pbx.request_log();
    assert_eq!(log.matching("POST", "/rest/login").len(), 1);
    assert!(log.matching("POST", "/xml-rpc")[0]
        .query
        .as_deref()
        .unwrap()
        .starts_with("de.vertico.starface.auth="));
}

#[tokio::test]
async fn auto_uses_oauth_on_starface_10_with_a_client_secret() {
    let pbx = start(SimSettings::starface_10_oauth_only()).await;
    let sign_in = sign_in(
        &pbx,
        "0001",
        AuthMode::Auto,
        Some(settings(&pbx)),
        Timing::real(),
    );
    rest(&pbx, &sign_in).dnd().await.unwrap();
    let uci = UciClient::new(endpoint(&pbx), UciAuth::SignIn(sign_in.clone())).unwrap();
    uci.login().await.unwrap();
    let choice = sign_in.decided().unwrap();
    assert_eq!(choice.method, AuthMethod::OAuth);
    assert!(
        matches!(choice.reason, AuthReason::KeycloakFound { .. }),
        "{choice:?}"
    );
    assert!(pbx.request_log().matching("GET", "/rest/login").is_empty());
}

#[tokio::test]
async fn auto_without_a_secret_on_an_oauth_only_pbx_says_to_enter_it() {
    let pbx = start(SimSettings::starface_10_oauth_only()).await;
    let sign_in = sign_in(&pbx, "0001", AuthMode::Auto, None, Timing::real());
    let error = rest(&pbx, &sign_in).me().await.unwrap_err();
    assert!(
        matches!(error, RestError::ClassicLoginDisabled { .. }),
        "{error:?}"
    );
    assert!(error.needs_sign_in());
    assert!(error.to_string().contains("client secret"), "{error}");
    let choice = sign_in.decided().unwrap();
    assert!(
        matches!(choice.reason, AuthReason::NoClientSecret { .. }),
        "{choice:?}"
    );

    // UCI's legacy token is refused there too.
    let uci = UciClient::new(endpoint(&pbx), UciAuth::SignIn(sign_in)).unwrap();
    assert!(matches!(uci.login().await, Err(UciError::AuthFailed(_))));
}

#[tokio::test]
async fn oauth_without_a_client_secret_is_a_typed_error() {
    let pbx = start(SimSettings::default()).await;
    let error = PbxSignIn::new(
        endpoint(&pbx),
        Credentials::new("0001", Secret::new("demo")),
        AuthMode::OAuth,
        None,
        Timing::real(),
    )
    .unwrap_err();
    assert!(matches!(error, OAuthError::NoClientSecret), "{error:?}");
    assert!(error.needs_user());
    assert!(pbx.request_log().is_empty());
}
