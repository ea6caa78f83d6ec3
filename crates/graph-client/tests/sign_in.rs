//! Interactive sign-in against the Entra simulator over real loopback HTTP.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{browser, browser_sign_in, follow_authorize, Counter, Harness};
use graph_client::auth::{self, DeviceCodeOptions, PkceOptions};
use graph_client::graph::ColleaguePresence;
use graph_client::{AuthError, RecordingSleeper, ScopeRequest, Timing};
use keychain::{names::MICROSOFT_REFRESH_TOKEN, SecretStore};
use simulators::graph::GraphSimSetup;

#[tokio::test]
async fn pkce_sign_in_with_the_test_as_browser_rejects_a_wrong_state() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let pending = auth::begin_pkce_sign_in(
        &h.config,
        ScopeRequest::default(),
        PkceOptions {
            timeout: Duration::from_secs(20),
            ..PkceOptions::default()
        },
    )
    .await
    .unwrap();
    let url = pending.authorize_url().clone();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["redirect_uri"].starts_with("http://localhost:"));
    assert!(query["scope"].contains("Presence.Read.All"));
    assert!(
        !query["scope"].contains("Presence.ReadWrite"),
        "write scope only on demand"
    );
    let redirect_uri = pending.redirect_uri().to_owned();

    let completion = tokio::spawn(pending.complete(h.store_dyn(), h.timing()));
    let browser = browser();
    let location = follow_authorize(&browser, url.as_str()).await;
    assert!(location.starts_with(&redirect_uri));

    // A forged redirect with a code but the wrong state is refused and does not end the sign-in.
    let forged = format!("{redirect_uri}?code=attacker-code&state=wrong");
    let refused = browser.get(&forged).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    // Another path is not the redirect either.
    let other = browser
        .get(format!("{redirect_uri}favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    assert!(!completion.is_finished());

    let delivered = browser.get(&location).send().await.unwrap();
    assert_eq!(delivered.status(), 200);
    assert!(delivered.text().await.unwrap().contains("close this tab"));

    let credentials = completion.await.unwrap().expect("sign-in completes");
    let stored = h
        .store
        .get(MICROSOFT_REFRESH_TOKEN)
        .unwrap()
        .expect("refresh token saved");
    assert!(h.sim.control().refresh_token_valid(stored.expose()));
    assert!(credentials
        .granted_scopes()
        .await
        .contains("Presence.Read.All"));

    // Exactly one code redemption, with the PKCE verifier, never with the forged code.
    let token_requests = h
        .sim
        .control()
        .log()
        .matching("POST", "/organizations/oauth2/v2.0/token");
    assert_eq!(token_requests.len(), 1);
    assert!(token_requests[0].body.contains("code_verifier="));
    assert!(!token_requests[0].body.contains("attacker-code"));
    assert_eq!(token_requests[0].status, 200);
}

#[tokio::test]
async fn declined_consent_is_reported_as_consent_problem() {
    let h = Harness::start(GraphSimSetup::default()).await;
    h.sim.control().decline_next_sign_in();
    let error = browser_sign_in(&h, ScopeRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AuthError::ConsentRequired {
                needs_admin: false,
                aadsts: Some(65004),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(h.store.get(MICROSOFT_REFRESH_TOKEN).unwrap().is_none());
}

#[tokio::test]
async fn tenant_blocking_presence_read_all_falls_back_to_own_presence() {
    let h = Harness::start(GraphSimSetup {
        admin_consent_required: vec!["Presence.Read.All".into()],
        ..GraphSimSetup::default()
    })
    .await;
    let error = browser_sign_in(&h, ScopeRequest::default())
        .await
        .unwrap_err();
    let AuthError::ConsentRequired {
        needs_admin: true,
        ref explanation,
        ..
    } = error
    else {
        panic!("admin consent error expected, got {error:?}");
    };
    assert!(explanation.contains("administrator"));

    // Own presence only: no admin consent needed.
    let credentials = browser_sign_in(&h, ScopeRequest::default().own_presence_only())
        .await
        .expect("Presence.Read sign-in works");
    let graph = graph_client::GraphClient::new(Arc::new(credentials));
    let colleagues: Vec<String> = h
        .sim
        .control()
        .colleague_ids()
        .iter()
        .map(|id| id.to_string())
        .collect();
    h.sim.control().log().clear();
    let snapshot = graph.poll_presence(&h.me(), &colleagues).await.unwrap();
    assert!(snapshot.own.is_some());
    assert!(snapshot.colleagues.is_empty());
    let ColleaguePresence::NeedsAdminConsent { explanation } = snapshot.colleague_presence else {
        panic!("colleague presence must be reported as needing admin consent");
    };
    assert!(explanation.contains("Presence.Read.All"));
    assert_eq!(
        h.sim
            .control()
            .log()
            .matching("GET", "/v1.0/me/presence")
            .len(),
        1
    );
    assert!(h
        .sim
        .control()
        .log()
        .matching("POST", "/v1.0/communications/getPresencesByUserId")
        .is_empty());
}

#[tokio::test]
async fn device_code_pending_then_approved() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let control = h.sim.control().clone();
    let waits = Counter::default();
    let hook_waits = waits.clone();
    let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
        // The user finishes on the device page after the client waited twice.
        if hook_waits.bump() == 2 {
            for code in control.pending_user_codes() {
                assert!(control.approve_device_code(&code));
            }
        }
    }));
    let mut prompt = None;
    let credentials = auth::device_code_sign_in(
        &h.config,
        ScopeRequest::default(),
        h.store_dyn(),
        Timing::new(h.clock.clone(), sleeper.clone()),
        DeviceCodeOptions::default(),
        |p| prompt = Some(p.clone()),
    )
    .await
    .expect("device sign-in completes");
    let prompt = prompt.expect("prompt shown");
    assert!(prompt.message.contains(&prompt.user_code));
    assert!(prompt.message.contains("https://microsoft.com/devicelogin"));
    assert_eq!(prompt.interval, Duration::from_secs(5));
    // Polled at Microsoft's interval: pending, pending, success.
    assert_eq!(sleeper.waits(), vec![Duration::from_secs(5); 2]);
    let polls = h
        .sim
        .control()
        .log()
        .matching("POST", "/organizations/oauth2/v2.0/token");
    assert_eq!(polls.len(), 3);
    assert_eq!((polls[0].status, polls[1].status), (400, 400));
    assert_eq!(polls[2].status, 200);
    assert!(h.store.get(MICROSOFT_REFRESH_TOKEN).unwrap().is_some());
    assert!(credentials.granted_scopes().await.contains("People.Read"));
}

#[tokio::test]
async fn device_code_slow_down_adds_five_seconds_for_all_later_polls() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let control = h.sim.control().clone();
    control.slow_down_device_polls(2);
    let waits = Counter::default();
    let hook_waits = waits.clone();
    let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
        if hook_waits.bump() == 3 {
            for code in control.pending_user_codes() {
                control.approve_device_code(&code);
            }
        }
    }));
    auth::device_code_sign_in(
        &h.config,
        ScopeRequest::default(),
        h.store_dyn(),
        Timing::new(h.clock.clone(), sleeper.clone()),
        DeviceCodeOptions::default(),
        |_| {},
    )
    .await
    .expect("device sign-in completes");
    // slow_down, slow_down, pending, success.
    assert_eq!(
        sleeper.waits(),
        vec![
            Duration::from_secs(10),
            Duration::from_secs(15),
            Duration::from_secs(15)
        ]
    );
}

#[tokio::test]
async fn device_code_declined_and_public_client_flows_off() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let control = h.sim.control().clone();
    let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
        for code in control.pending_user_codes() {
            control.deny_device_code(&code);
        }
    }));
    let error = auth::device_code_sign_in(
        &h.config,
        ScopeRequest::default(),
        h.store_dyn(),
        Timing::new(h.clock.clone(), sleeper),
        DeviceCodeOptions::default(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(error, AuthError::DeviceCodeDeclined), "{error:?}");

    let h = Harness::start(GraphSimSetup {
        public_client_flows: false,
        ..GraphSimSetup::default()
    })
    .await;
    let error = auth::device_code_sign_in(
        &h.config,
        ScopeRequest::default(),
        h.store_dyn(),
        h.timing(),
        DeviceCodeOptions::default(),
        |_| {},
    )
    .await
    .unwrap_err();
    let AuthError::AppRegistration {
        aadsts: 7000218,
        explanation,
    } = &error
    else {
        panic!("app registration error expected, got {error:?}");
    };
    assert!(explanation.contains("Allow public client flows"));
}

#[tokio::test]
async fn unknown_client_id_is_an_app_registration_problem() {
    let mut h = Harness::start(GraphSimSetup::default()).await;
    h.config.client_id = "00000000-1111-2222-3333-444444444444".into();
    let error = auth::device_code_sign_in(
        &h.config,
        ScopeRequest::default(),
        h.store_dyn(),
        h.timing(),
        DeviceCodeOptions::default(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, AuthError::AppRegistration { aadsts: 700016, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_idle_browser_connection_does_not_block_the_redirect() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let pending =
        auth::begin_pkce_sign_in(&h.config, ScopeRequest::default(), PkceOptions::default())
            .await
            .unwrap();
    let url = pending.authorize_url().clone();
    let port = url::Url::parse(pending.redirect_uri())
        .unwrap()
        .port()
        .unwrap();
    let completion = tokio::spawn(pending.complete(h.store_dyn(), h.timing()));
    // A speculative connection that never sends a request (browsers do this).
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let browser = browser();
    let location = follow_authorize(&browser, url.as_str()).await;
    assert_eq!(browser.get(&location).send().await.unwrap().status(), 200);
    // The idle connection would hold a sequential listener for 10 s; generous bound below that.
    let result = tokio::time::timeout(Duration::from_secs(8), completion)
        .await
        .expect("sign-in not blocked by the idle connection");
    assert!(result.unwrap().is_ok());
}

#[tokio::test]
async fn browser_sign_in_times_out_when_nobody_comes_back() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let pending = auth::begin_pkce_sign_in(
        &h.config,
        ScopeRequest::default(),
        PkceOptions {
            timeout: Duration::from_millis(200),
            ..PkceOptions::default()
        },
    )
    .await
    .unwrap();
    let error = pending
        .complete(h.store_dyn(), h.timing())
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::TimedOut(_)), "{error:?}");
    assert!(error.needs_sign_in());
}

#[tokio::test]
async fn a_refused_code_redemption_ends_the_sign_in_at_once_and_saves_nothing() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let pending = auth::begin_pkce_sign_in(
        &h.config,
        ScopeRequest::default(),
        PkceOptions {
            // The refusal, not this, must end the sign-in.
            timeout: Duration::from_secs(600),
            ..PkceOptions::default()
        },
    )
    .await
    .unwrap();
    let url = pending.authorize_url().clone();
    let completion = tokio::spawn(pending.complete(h.store_dyn(), h.timing()));
    let browser = browser();
    let location = follow_authorize(&browser, url.as_str()).await;
    // The right state with a code Entra never issued: the listener accepts the redirect, the
    // token endpoint refuses the code.
    let forged = location.replace("code=", "code=forged-");
    assert_ne!(forged, location);
    assert_eq!(browser.get(&forged).send().await.unwrap().status(), 200);
    let error = tokio::time::timeout(Duration::from_secs(30), completion)
        .await
        .expect("the sign-in ends with the refusal")
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(error, AuthError::SignInRequired { .. }),
        "{error:?}"
    );
    let redemptions = h
        .sim
        .control()
        .log()
        .matching("POST", "/organizations/oauth2/v2.0/token");
    assert_eq!(redemptions.len(), 1);
    assert_eq!(redemptions[0].status, 400);
    assert!(h.store.get(MICROSOFT_REFRESH_TOKEN).unwrap().is_none());
}
