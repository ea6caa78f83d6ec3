//! Directory search, /me/people, merging, and the doctor checks.

mod common;

use common::Harness;
use graph_client::doctor::{run_checks, CheckId, CheckStatus};
use graph_client::graph::merge_colleagues;
use graph_client::ScopeRequest;
use simulators::graph::GraphSimSetup;

#[tokio::test]
async fn search_people_and_merge() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    let target = h.sim.control().users()[5].clone();

    let me = graph.me().await.unwrap();
    assert_eq!(me.id, h.me());
    assert_eq!(
        me.user_principal_name,
        me.user_principal_name.to_lowercase()
    );

    let found = graph.search_users(&target.surname, 50).await.unwrap();
    assert!(found.iter().any(|u| u.id == target.id.to_string()));
    let request = h
        .sim
        .control()
        .log()
        .matching("GET", "/v1.0/users")
        .pop()
        .unwrap();
    assert_eq!(request.header("consistencylevel"), Some("eventual"));
    assert_eq!(request.status, 200);

    let people = graph.people(100, None).await.unwrap();
    assert!(!people.is_empty());
    assert!(people.windows(2).all(|w| w[0].relevance >= w[1].relevance));
    let person = people
        .iter()
        .find(|p| p.id == target.id.to_string())
        .expect("generated users are all relevant people");
    assert!(person.phones.iter().any(|p| p.kind == "business"));
    assert_eq!(
        person.sip_address.as_deref(),
        Some(target.user_principal_name.to_lowercase().as_str())
    );

    let merged = merge_colleagues(&found, &people);
    let colleague = merged
        .iter()
        .find(|c| c.id == target.id.to_string())
        .unwrap();
    assert_eq!(
        colleague.mail.as_deref(),
        Some(target.mail.to_lowercase().as_str())
    );
    assert_eq!(
        colleague.office_location.as_deref(),
        Some(target.office_location.as_str())
    );
    let unique: std::collections::HashSet<_> = merged.iter().map(|c| &c.id).collect();
    assert_eq!(unique.len(), merged.len());
}

#[tokio::test]
async fn doctor_reports_all_green_for_a_full_sign_in() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    let checks = run_checks(&graph).await;
    let ids: Vec<CheckId> = checks.iter().map(|c| c.check).collect();
    assert_eq!(
        ids,
        vec![
            CheckId::SavedSignIn,
            CheckId::TokenRefresh,
            CheckId::GraphReachable,
            CheckId::OwnPresence,
            CheckId::ColleaguePresence,
            CheckId::Permissions
        ]
    );
    assert!(
        checks.iter().all(|c| c.status == CheckStatus::Ok),
        "{checks:#?}"
    );
}

#[tokio::test]
async fn doctor_warns_when_colleague_presence_needs_admin_consent() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default().own_presence_only()).await;
    let checks = run_checks(&graph).await;
    let colleague = checks
        .iter()
        .find(|c| c.check == CheckId::ColleaguePresence)
        .unwrap();
    assert_eq!(colleague.status, CheckStatus::Warning);
    assert!(colleague.hint.as_deref().unwrap().contains("administrator"));
    let own = checks
        .iter()
        .find(|c| c.check == CheckId::OwnPresence)
        .unwrap();
    assert_eq!(own.status, CheckStatus::Ok);
}
