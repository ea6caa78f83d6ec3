//! One getPresencesByUserId batch per poll, own id included, at most 650 ids per request.

mod common;

use std::collections::HashSet;

use common::Harness;
use graph_client::graph::ColleaguePresence;
use graph_client::ScopeRequest;
use simulators::graph::GraphSimSetup;

const BATCH_PATH: &str = "/v1.0/communications/getPresencesByUserId";

#[tokio::test]
async fn batches_at_the_650_boundary_up_to_5000_colleagues() {
    let h = Harness::start(GraphSimSetup {
        colleagues: 5_000,
        ..GraphSimSetup::default()
    })
    .await;
    let graph = h.graph(ScopeRequest::default()).await;
    let me = h.me();
    let everyone: Vec<String> = h
        .sim
        .control()
        .colleague_ids()
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(everyone.len(), 5_000);

    for (colleagues, expected_requests) in
        [(0, 1), (1, 1), (649, 1), (650, 2), (651, 2), (5_000, 8)]
    {
        let chosen = &everyone[..colleagues];
        h.sim.control().log().clear();
        let snapshot = graph.poll_presence(&me, chosen).await.unwrap();

        let requests = h.sim.control().log().matching("POST", BATCH_PATH);
        assert_eq!(requests.len(), expected_requests, "{colleagues} colleagues");
        assert_eq!(snapshot.requests, expected_requests);
        let mut sent = Vec::new();
        for request in &requests {
            assert_eq!(request.status, 200);
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
            let ids: Vec<String> = body["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            assert!(!ids.is_empty() && ids.len() <= 650);
            sent.extend(ids);
        }
        // Every id exactly once, own id included.
        let unique: HashSet<&String> = sent.iter().collect();
        assert_eq!(unique.len(), sent.len(), "no duplicates");
        let expected: HashSet<String> = chosen
            .iter()
            .cloned()
            .chain(std::iter::once(me.clone()))
            .collect();
        assert_eq!(sent.into_iter().collect::<HashSet<_>>(), expected);
        // Nothing else polled (no separate /me/presence).
        assert!(h
            .sim
            .control()
            .log()
            .matching("GET", "/v1.0/me/presence")
            .is_empty());

        assert_eq!(snapshot.own.as_ref().unwrap().id, me);
        assert_eq!(snapshot.colleagues.len(), colleagues);
        assert_eq!(snapshot.colleague_presence, ColleaguePresence::Available);
    }
}

#[tokio::test]
async fn duplicates_and_non_guid_ids_are_not_sent() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    let me = h.me();
    let colleague = h.sim.control().colleague_ids()[0].to_string();
    let ids = vec![
        colleague.to_uppercase(),
        colleague.clone(),
        me.clone(),
        "someone@contoso.com".to_owned(),
    ];
    h.sim.control().log().clear();
    let snapshot = graph.poll_presence(&me, &ids).await.unwrap();
    let requests = h.sim.control().log().matching("POST", BATCH_PATH);
    assert_eq!(requests.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body["ids"], serde_json::json!([me, colleague]));
    assert_eq!(snapshot.skipped_ids, vec!["someone@contoso.com"]);
    assert_eq!(snapshot.colleagues.len(), 1);
}
