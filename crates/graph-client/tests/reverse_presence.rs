//! setPresence kept alive before it expires and cleared at the end, on controllable time.

mod common;

use std::time::Duration;

use common::Harness;
use graph_client::graph::{AppPresenceSession, AppPresenceStatus, ClearOutcome};
use graph_client::{GraphError, ScopeRequest};
use simulators::graph::{GraphSimSetup, DEFAULT_CLIENT_ID};

const SET_SUFFIX: &str = "/presence/setPresence";

#[tokio::test]
async fn set_presence_is_refreshed_before_expiry_and_cleared_at_the_end() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default().with_reverse_sync()).await;
    let control = h.sim.control().clone();
    let me_id = control.signed_in_user().id;
    let me = me_id.to_string();
    control.set_presence(me_id, "Available", "Available");
    // Advance the client's clock and the simulator's together.
    let advance = |by: Duration| {
        h.clock.advance(by);
        control.advance_clock(by);
    };

    let mut session = AppPresenceSession::new(graph.clone(), me.clone(), Duration::from_secs(600));
    session.set(AppPresenceStatus::InACall).await.unwrap();
    assert_eq!(
        control.presence_of(me_id),
        ("Busy".into(), "InACall".into())
    );
    let set_path = format!("/v1.0/users/{me}{SET_SUFFIX}");
    let sets = control.log().matching("POST", &set_path);
    assert_eq!(sets.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&sets[0].body).unwrap();
    assert_eq!(body["sessionId"], DEFAULT_CLIENT_ID);
    assert_eq!(body["availability"], "Busy");
    assert_eq!(body["activity"], "InACall");
    assert_eq!(body["expirationDuration"], "PT10M");

    // Well before expiry nothing is sent.
    advance(Duration::from_secs(7 * 60));
    assert!(!session.keep_alive().await.unwrap());
    assert_eq!(control.log().matching("POST", &set_path).len(), 1);

    // Within the refresh margin (2 min before expiry) it is re-posted.
    advance(Duration::from_secs(90));
    assert!(session.keep_alive().await.unwrap());
    assert_eq!(control.log().matching("POST", &set_path).len(), 2);

    // Past the first expiration the status holds because it was refreshed.
    advance(Duration::from_secs(5 * 60));
    assert_eq!(
        control.presence_of(me_id),
        ("Busy".into(), "InACall".into())
    );
    assert!(control.app_session(me_id).is_some());

    // Hang-up: cleared, the Teams client's own state shows again.
    assert_eq!(session.end().await.unwrap(), ClearOutcome::Cleared);
    assert!(!session.is_active());
    assert_eq!(
        control.presence_of(me_id),
        ("Available".into(), "Available".into())
    );
    let clears = control
        .log()
        .matching("POST", &format!("/v1.0/users/{me}/presence/clearPresence"));
    assert_eq!(clears.len(), 1);
    assert!(clears[0].body.contains(DEFAULT_CLIENT_ID));

    // Clearing again: 404 from Graph, which is fine.
    assert_eq!(session.end().await.unwrap(), ClearOutcome::AlreadyGone);
}

#[tokio::test]
async fn an_expired_session_is_gone_and_clearing_it_is_not_an_error() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default().with_reverse_sync()).await;
    let control = h.sim.control().clone();
    let me_id = control.signed_in_user().id;
    let me = me_id.to_string();
    graph
        .set_presence(&me, AppPresenceStatus::Presenting, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(control.presence_of(me_id).1, "Presenting");
    control.advance_clock(Duration::from_secs(301));
    assert!(control.app_session(me_id).is_none());
    assert_eq!(
        graph.clear_presence(&me).await.unwrap(),
        ClearOutcome::AlreadyGone
    );
}

#[tokio::test]
async fn out_of_range_expiration_and_missing_scope_are_reported() {
    let h = Harness::start(GraphSimSetup::default()).await;
    // Signed in without reverse sync: no Presence.ReadWrite.
    let graph = h.graph(ScopeRequest::default()).await;
    let me = h.me();
    h.sim.control().log().clear();
    let error = graph
        .set_presence(&me, AppPresenceStatus::InACall, Duration::from_secs(240))
        .await
        .unwrap_err();
    assert!(matches!(error, GraphError::InvalidRequest(_)), "{error:?}");
    assert!(h.sim.control().log().is_empty(), "nothing sent");

    let error = graph
        .set_presence(&me, AppPresenceStatus::InACall, Duration::from_secs(300))
        .await
        .unwrap_err();
    assert!(error.is_forbidden(), "{error:?}");
    assert_eq!(error.code(), Some("Forbidden"));
}
