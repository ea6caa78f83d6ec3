//! Bounded input from the network (issue 15): absurd token lifetimes and oversized answers from
//! the token endpoint or Graph end in a typed error, never a panic, never a huge buffer.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::canned::Canned;
use common::Harness;
use graph_client::auth::MAX_TOKEN_LIFETIME;
use graph_client::body::{MAX_GRAPH_BODY, MAX_TOKEN_BODY};
use graph_client::timing::RecordingSleeper;
use graph_client::{
    AuthError, Credentials, GraphClient, GraphError, ManualClock, MicrosoftConfig, ScopeRequest,
    Timing,
};
use keychain::names::MICROSOFT_REFRESH_TOKEN;
use keychain::{MemoryStore, Secret, SecretStore};
use simulators::graph::{GraphSimSetup, DEFAULT_CLIENT_ID};

/// Credentials whose token endpoint is `authority`, with a saved refresh token.
fn saved_sign_in(authority: &str) -> (Arc<Credentials>, Arc<MemoryStore>, Arc<ManualClock>) {
    let store = Arc::new(MemoryStore::new());
    store
        .set(MICROSOFT_REFRESH_TOKEN, &Secret::new("saved-refresh-token"))
        .unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let config = MicrosoftConfig::new(DEFAULT_CLIENT_ID)
        .unwrap()
        .with_authority(authority)
        .unwrap();
    let credentials = Credentials::from_store(
        config,
        ScopeRequest::default(),
        store.clone(),
        Timing::new(clock.clone(), Arc::new(RecordingSleeper::new())),
    );
    (Arc::new(credentials), store, clock)
}

#[tokio::test]
async fn a_2_pow_63_expires_in_is_capped_at_a_day() {
    let token = Canned::json(
        r#"{"access_token":"at","token_type":"Bearer","expires_in":9223372036854775808,"refresh_token":"rotated","scope":"User.Read"}"#,
        true,
    )
    .await;
    let (credentials, store, clock) = saved_sign_in(&token.url);
    // Before the cap, adding 2^63 s to the clock panicked here.
    credentials.access_token().await.unwrap();
    assert_eq!(token.requests(), 1);
    assert_eq!(
        store
            .get(MICROSOFT_REFRESH_TOKEN)
            .unwrap()
            .unwrap()
            .expose(),
        "rotated"
    );
    // Still good just before the capped lifetime ends, refreshed after it.
    clock.advance(MAX_TOKEN_LIFETIME - Duration::from_secs(300));
    credentials.access_token().await.unwrap();
    assert_eq!(token.requests(), 1);
    clock.advance(Duration::from_secs(300));
    credentials.access_token().await.unwrap();
    assert_eq!(token.requests(), 2);
}

fn padded_token_answer(size: usize) -> String {
    let head = r#"{"access_token":"at","token_type":"Bearer","expires_in":3599,"refresh_token":"rotated","padding":""#;
    let tail = r#""}"#;
    format!("{head}{}{tail}", "x".repeat(size - head.len() - tail.len()))
}

#[tokio::test]
async fn an_oversized_token_answer_is_refused_and_the_sign_in_kept() {
    for with_length in [true, false] {
        let token = Canned::json(&padded_token_answer(MAX_TOKEN_BODY + 1), with_length).await;
        let (credentials, store, _) = saved_sign_in(&token.url);
        let error = credentials.access_token().await.unwrap_err();
        assert!(
            matches!(error, AuthError::ResponseTooLarge { limit } if limit == MAX_TOKEN_BODY),
            "with_length {with_length}: {error:?}"
        );
        assert!(!error.needs_sign_in());
        assert_eq!(
            store
                .get(MICROSOFT_REFRESH_TOKEN)
                .unwrap()
                .unwrap()
                .expose(),
            "saved-refresh-token",
            "nothing is lost"
        );
    }
    // Just under the limit is an ordinary answer.
    let token = Canned::json(&padded_token_answer(MAX_TOKEN_BODY), true).await;
    let (credentials, _, _) = saved_sign_in(&token.url);
    credentials.access_token().await.unwrap();
}

fn presence_page(size: usize) -> String {
    let head = r#"{"id":"fa8bf3dc-eca7-46b7-bad1-db199b62afc3","availability":"Busy","activity":"InAMeeting","statusMessage":{"message":{"content":""#;
    let tail = r#"","contentType":"text"}}}"#;
    format!("{head}{}{tail}", "x".repeat(size - head.len() - tail.len()))
}

/// A client signed in at the simulator whose Graph is `graph_base`.
async fn graph_at(h: &Harness, graph_base: &str) -> GraphClient {
    let credentials = h.sign_in(ScopeRequest::default()).await;
    let config = credentials
        .config()
        .clone()
        .with_graph_base(&format!("{graph_base}/v1.0"))
        .unwrap();
    GraphClient::new(Arc::new(Credentials::from_store(
        config,
        ScopeRequest::default(),
        h.store_dyn(),
        h.timing(),
    )))
}

#[tokio::test]
async fn an_oversized_graph_page_is_refused_cleanly() {
    let h = Harness::start(GraphSimSetup::default()).await;
    for with_length in [true, false] {
        let graph_server = Canned::json(&presence_page(MAX_GRAPH_BODY + 1), with_length).await;
        let graph = graph_at(&h, &graph_server.url).await;
        let error = graph.my_presence().await.unwrap_err();
        assert!(
            matches!(&error, GraphError::ResponseTooLarge { limit, path }
                if *limit == MAX_GRAPH_BODY && path == "me/presence"),
            "with_length {with_length}: {error:?}"
        );
    }
    let graph_server = Canned::json(&presence_page(MAX_GRAPH_BODY), false).await;
    let graph = graph_at(&h, &graph_server.url).await;
    let presence = graph.my_presence().await.unwrap();
    assert!(presence.availability_is("Busy"));
}

/// The relay's app-only token source, asking the canned server for its tokens.
fn app_only_tokens(authority: &str) -> (graph_client::app_only::AppTokenSource, Arc<ManualClock>) {
    use graph_client::app_only::{AppCredential, AppTokenSource};
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let config = MicrosoftConfig::new(DEFAULT_CLIENT_ID)
        .unwrap()
        .with_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47")
        .with_authority(authority)
        .unwrap();
    let tokens = AppTokenSource::new(
        config,
        AppCredential::Secret(Secret::new("app-secret")),
        Timing::new(clock.clone(), Arc::new(RecordingSleeper::new())),
    )
    .unwrap();
    (tokens, clock)
}

#[tokio::test]
async fn an_app_only_2_pow_63_expires_in_is_capped_at_a_day_too() {
    let token = Canned::json(
        r#"{"access_token":"at","token_type":"Bearer","expires_in":9223372036854775808}"#,
        true,
    )
    .await;
    let (tokens, clock) = app_only_tokens(&token.url);
    // Before the cap, adding 2^63 s to the clock panicked here.
    assert_eq!(tokens.access_token().await.unwrap().expose(), "at");
    clock.advance(MAX_TOKEN_LIFETIME - Duration::from_secs(600));
    tokens.access_token().await.unwrap();
    assert_eq!(token.requests(), 1, "still within the capped lifetime");
    clock.advance(Duration::from_secs(600));
    tokens.access_token().await.unwrap();
    assert_eq!(
        token.requests(),
        2,
        "renewed once the capped lifetime is over"
    );
}

#[tokio::test]
async fn an_oversized_app_only_token_answer_is_refused() {
    for with_length in [true, false] {
        let token = Canned::json(&padded_token_answer(MAX_TOKEN_BODY + 1), with_length).await;
        let (tokens, _) = app_only_tokens(&token.url);
        match tokens.access_token().await {
            Err(AuthError::ResponseTooLarge { limit }) => assert_eq!(limit, MAX_TOKEN_BODY),
            other => panic!("with_length={with_length}: {other:?}"),
        }
    }
}
