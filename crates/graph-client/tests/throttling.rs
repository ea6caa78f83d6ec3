//! 429/503 handling: fractional Retry-After honoured, exponential backoff otherwise. Waiting goes
//! through the injected sleeper, so nothing here depends on real time.

mod common;

use std::time::Duration;

use common::Harness;
use graph_client::graph::PollPacing;
use graph_client::{GraphError, ScopeRequest};
use simulators::graph::{Fault, FaultKind, GraphSimSetup};

const BATCH_PATH: &str = "/v1.0/communications/getPresencesByUserId";

#[tokio::test]
async fn fractional_retry_after_is_honoured() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    h.sim.control().inject_fault(Fault::new(
        "getPresencesByUserId",
        FaultKind::TooManyRequests {
            retry_after: Some("2.128".into()),
        },
        2,
    ));
    h.sim.control().log().clear();
    let snapshot = graph.poll_presence(&h.me(), &[]).await.unwrap();
    assert!(snapshot.own.is_some());
    assert_eq!(h.sleeper.waits(), vec![Duration::from_millis(2128); 2]);
    let statuses: Vec<u16> = h
        .sim
        .control()
        .log()
        .matching("POST", BATCH_PATH)
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 429, 200]);
}

#[tokio::test]
async fn without_retry_after_backs_off_exponentially_with_jitter() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    h.sim.control().inject_fault(Fault::new(
        "/v1.0/me",
        FaultKind::ServiceUnavailable { retry_after: None },
        3,
    ));
    graph.me().await.unwrap();
    let waits = h.sleeper.waits();
    assert_eq!(waits.len(), 3);
    // Equal jitter: step/2 ..= step, step doubling from 1 s.
    for (wait, step) in waits.iter().zip([1u64, 2, 4]) {
        let step = Duration::from_secs(step);
        assert!(
            *wait >= step / 2 && *wait <= step,
            "{wait:?} for step {step:?}"
        );
    }
}

#[tokio::test]
async fn persistent_throttling_is_returned_to_the_poller_which_backs_off() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    h.sim.control().inject_fault(Fault::new(
        "getPresencesByUserId",
        FaultKind::TooManyRequests {
            retry_after: Some("1.5".into()),
        },
        10,
    ));
    let error = graph.poll_presence(&h.me(), &[]).await.unwrap_err();
    let GraphError::Throttled {
        status: 429,
        retry_after,
    } = error
    else {
        panic!("throttled expected, got {error:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_millis(1500)));
    // 1 try + 3 retries.
    assert_eq!(h.sleeper.waits().len(), 3);

    let mut pacing = PollPacing::default();
    pacing.on_throttled(retry_after);
    assert_eq!(pacing.interval(), Duration::from_secs(60));
}

#[tokio::test]
async fn the_tenant_budget_answers_429_with_a_fractional_wait_that_is_respected() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    let control = h.sim.control().clone();
    control.set_presence_budget(2);
    graph.poll_presence(&h.me(), &[]).await.unwrap();
    graph.poll_presence(&h.me(), &[]).await.unwrap();

    // The third poll is over budget. Let the simulator's time pass as the client "sleeps".
    let sleeper = std::sync::Arc::new(graph_client::RecordingSleeper::new().with_hook({
        let control = control.clone();
        move |wait| control.advance_clock(wait)
    }));
    let graph =
        graph_client::GraphClient::new(std::sync::Arc::new(graph_client::Credentials::from_store(
            h.config.clone(),
            ScopeRequest::default(),
            h.store_dyn(),
            graph_client::Timing::new(h.clock.clone(), sleeper.clone()),
        )));
    graph.poll_presence(&h.me(), &[]).await.unwrap();
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 1);
    assert!(waits[0] > Duration::ZERO && waits[0] <= Duration::from_secs(30));
    let throttled = control.log().matching("POST", BATCH_PATH);
    let statuses: Vec<u16> = throttled.iter().map(|r| r.status).collect();
    assert_eq!(&statuses[statuses.len() - 2..], &[429, 200]);
}

#[tokio::test]
async fn other_errors_carry_graphs_code_and_message() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    h.sim
        .control()
        .inject_fault(Fault::new("/v1.0/me", FaultKind::InternalServerError, 1));
    let error = graph.me().await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.code(), Some("InternalServerError"));
    assert!(error
        .to_string()
        .contains("An internal server error occurred."));
    assert!(h.sleeper.waits().is_empty(), "500 is not retried");
}

#[tokio::test]
async fn a_hanging_server_ends_in_a_transport_error_not_a_stuck_poll() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let credentials = h.sign_in(ScopeRequest::default()).await;
    let graph = graph_client::GraphClient::with_options(
        credentials,
        graph_client::graph::RetryPolicy::default(),
        Duration::from_secs(2),
    );
    graph.me().await.unwrap();
    h.sim.control().inject_fault(Fault::new(
        "/v1.0/me",
        FaultKind::Delay(Duration::from_secs(30)),
        1,
    ));
    let error = graph.me().await.unwrap_err();
    assert!(matches!(error, GraphError::Transport(_)), "{error:?}");
}
