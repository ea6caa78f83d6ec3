//! Refresh-token rotation, revocation and the 401 -> refresh-once rule.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::Harness;
use graph_client::doctor::{run_checks, CheckId, CheckStatus};
use graph_client::{AuthError, Credentials, GraphClient, GraphError, ScopeRequest};
use keychain::names::{MICROSOFT_REFRESH_TOKEN, STARFACE_PASSWORD};
use keychain::{Secret, SecretStore};
use simulators::graph::GraphSimSetup;

const TOKEN_PATH: &str = "/organizations/oauth2/v2.0/token";

fn stored_refresh_token(h: &Harness) -> Option<String> {
    h.store
        .get(MICROSOFT_REFRESH_TOKEN)
        .unwrap()
        .map(|s| s.expose().to_owned())
}

#[tokio::test]
async fn rotated_refresh_tokens_are_persisted_on_every_refresh() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    let first = stored_refresh_token(&h).expect("saved at sign-in");

    // First use: no access token in memory yet -> refresh -> rotated token saved.
    graph.me().await.unwrap();
    let second = stored_refresh_token(&h).unwrap();
    assert_ne!(first, second);

    // Access token still valid: no refresh.
    let before = h.sim.control().log().matching("POST", TOKEN_PATH).len();
    graph.me().await.unwrap();
    assert_eq!(
        h.sim.control().log().matching("POST", TOKEN_PATH).len(),
        before
    );

    // The client's clock passes the token's expiry -> proactive refresh -> rotated again.
    h.clock.advance(Duration::from_secs(3600));
    graph.me().await.unwrap();
    let third = stored_refresh_token(&h).unwrap();
    assert_ne!(second, third);
    let refreshes = h.sim.control().log().matching("POST", TOKEN_PATH);
    let last = refreshes.last().unwrap();
    assert!(last.body.contains("grant_type=refresh_token"));
    assert!(
        last.body.contains(&second),
        "the previous token is the one presented"
    );

    // The server rejects the access token early (401) -> one refresh, call retried, rotated.
    h.sim.control().expire_access_tokens();
    graph.me().await.unwrap();
    let fourth = stored_refresh_token(&h).unwrap();
    assert_ne!(third, fourth);
    // As in Entra, used refresh tokens are not revoked by rotation.
    assert!(h.sim.control().refresh_token_valid(&first));

    // A fresh process finds the latest token in the store.
    let restarted = GraphClient::new(Arc::new(Credentials::from_store(
        h.config.clone(),
        ScopeRequest::default(),
        h.store_dyn(),
        h.timing(),
    )));
    restarted.me().await.unwrap();
    let presented = h.sim.control().log().matching("POST", TOKEN_PATH);
    assert!(presented.last().unwrap().body.contains(&fourth));
}

#[tokio::test]
async fn revoked_refresh_token_means_sign_in_again_and_nothing_else_is_lost() {
    let h = Harness::start(GraphSimSetup::default()).await;
    h.store
        .set(STARFACE_PASSWORD, &Secret::new("pbx-secret"))
        .unwrap();
    let graph = h.graph(ScopeRequest::default()).await;
    graph.me().await.unwrap();

    h.sim.control().revoke_refresh_tokens();
    h.sim.control().expire_access_tokens();
    let error = graph.me().await.unwrap_err();
    assert!(error.needs_sign_in(), "{error:?}");
    let GraphError::Auth(AuthError::SignInRequired { aadsts, reason }) = &error else {
        panic!("sign-in required expected, got {error:?}");
    };
    assert_eq!(*aadsts, Some(50173));
    assert!(reason.contains("revoked"));

    // The dead refresh token is gone; the other secrets are untouched.
    assert!(stored_refresh_token(&h).is_none());
    assert_eq!(
        h.store.get(STARFACE_PASSWORD).unwrap().unwrap().expose(),
        "pbx-secret"
    );

    // doctor says so in a structured way.
    let checks = run_checks(&graph).await;
    assert_eq!(checks[0].check, CheckId::SavedSignIn);
    assert_eq!(checks[0].status, CheckStatus::Failed);
    assert!(checks[0]
        .hint
        .as_deref()
        .unwrap()
        .contains("login microsoft"));
    assert!(checks[1..].iter().all(|c| c.status == CheckStatus::Skipped));
}

#[tokio::test]
async fn graph_rejecting_a_fresh_token_refreshes_once_then_asks_to_sign_in() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    // Graph rejects even freshly issued tokens: every call gets 401.
    h.sim.control().reject_access_tokens(true);
    h.sim.control().log().clear();
    let error = graph.me().await.unwrap_err();
    assert!(error.needs_sign_in(), "{error:?}");
    let log = h.sim.control().log();
    assert_eq!(
        log.matching("GET", "/v1.0/me").len(),
        2,
        "one retry after one refresh"
    );
    assert!(log
        .matching("GET", "/v1.0/me")
        .iter()
        .all(|r| r.status == 401));
    // Initial token + exactly one refresh for the 401.
    assert_eq!(log.matching("POST", TOKEN_PATH).len(), 2);
    // The refresh token itself is fine, so it is kept.
    assert!(stored_refresh_token(&h).is_some());
}

#[tokio::test]
async fn mfa_required_on_refresh_is_sign_in_again() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    h.sim.control().require_mfa_on_refresh(true);
    let error = graph.me().await.unwrap_err();
    assert!(error.needs_sign_in(), "{error:?}");
    assert!(matches!(
        error,
        GraphError::Auth(AuthError::SignInRequired {
            aadsts: Some(50079),
            ..
        })
    ));
}

#[tokio::test]
async fn incremental_consent_for_presence_write_needs_interactive_sign_in() {
    let h = Harness::start(GraphSimSetup::default()).await;
    h.sign_in(ScopeRequest::default()).await;
    // Switching reverse sync on: refreshing with the extra scope is refused (AADSTS65001)...
    let upgraded = Credentials::from_store(
        h.config.clone(),
        ScopeRequest::default().with_reverse_sync(),
        h.store_dyn(),
        h.timing(),
    );
    let error = upgraded.access_token().await.unwrap_err();
    assert!(
        matches!(
            error,
            AuthError::ConsentRequired {
                aadsts: Some(65001),
                ..
            }
        ),
        "{error:?}"
    );
    // ...without losing the existing sign-in.
    assert!(stored_refresh_token(&h).is_some());
    // After an interactive sign-in with the extra scope it works.
    let credentials = common::browser_sign_in(&h, ScopeRequest::default().with_reverse_sync())
        .await
        .unwrap();
    assert!(credentials.granted_scopes().await.can_set_presence());
}
