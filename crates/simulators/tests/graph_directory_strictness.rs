//! Directory endpoints: $search rules, basic-profile limits, people ranking; control over HTTP.

#[path = "graph_common.rs"]
mod common;

use common::{error_code, graph, sign_in, ALL_SCOPES};
use reqwest::Method;
use serde_json::{json, Value};
use simulators::graph::{Fault, FaultKind, GraphSimSetup, GraphSimulator};

#[tokio::test]
async fn search_requires_consistency_level_and_quoted_clauses() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let target = sim.control().users()[3].clone();
    let search = format!(
        "/users?$search=\"displayName:{}\"&$count=true",
        target.given_name
    );

    let (status, body) = graph(&sim, &tokens.access, Method::GET, &search, None, &[]).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "Request_UnsupportedQuery")
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ConsistencyLevel"));

    let eventual = [("ConsistencyLevel", "eventual")];
    let (status, body) = graph(&sim, &tokens.access, Method::GET, &search, None, &eventual).await;
    assert_eq!(status, 200);
    let found = body["value"].as_array().unwrap();
    assert!(found
        .iter()
        .any(|u| u["id"] == target.id.to_string().as_str()));
    assert!(found.iter().all(|u| u["displayName"]
        .as_str()
        .unwrap()
        .contains(&target.given_name)));
    assert_eq!(body["@odata.count"].as_u64().unwrap() as usize, found.len());
    // User.ReadBasic.All: only the basic profile.
    assert!(found[0].get("mobilePhone").is_none() && found[0].get("jobTitle").is_none());
    assert!(found[0].get("userPrincipalName").is_some());

    let unquoted = format!("/users?$search=displayName:{}", target.given_name);
    let (status, _) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        &unquoted,
        None,
        &eventual,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/users?$top=1000",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/users?$select=id,shoeSize",
        None,
        &[],
    )
    .await;
    assert_eq!((status, error_code(&body)), (400, "Request_BadRequest"));

    // Paging.
    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/users?$top=5",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 5);
    assert!(body["@odata.nextLink"]
        .as_str()
        .unwrap()
        .contains("$skiptoken=5"));
}

#[tokio::test]
async fn people_are_ranked_and_carry_phones_and_sip() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/me/people?$top=100",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let people = body["value"].as_array().unwrap();
    assert_eq!(people.len(), 30);
    let scores: Vec<f64> = people
        .iter()
        .map(|p| {
            p["scoredEmailAddresses"][0]["relevanceScore"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    assert!(people[0]["imAddress"].as_str().unwrap().starts_with("sip:"));
    assert_eq!(people[0]["phones"][0]["type"], "business");
    let me = sim.control().signed_in_user().id.to_string();
    assert!(people.iter().all(|p| p["id"] != me.as_str()));

    let (status, _) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/me/people?$search=\"a\"&$skip=5",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 400);

    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/me/unknownThing",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknownThing"));
}

#[tokio::test]
async fn http_control_api_and_request_log() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let http = common::http();
    let base = sim.base_url();
    let colleague = sim.control().colleague_ids()[0];

    let response = http
        .put(format!("{base}/_control/users/{colleague}/presence"))
        .json(&json!({"availability": "Busy", "activity": "InAMeeting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        sim.control().presence_of(colleague),
        ("Busy".into(), "InAMeeting".into())
    );

    let response = http
        .post(format!("{base}/_control/faults"))
        .json(&json!({"path_contains": "/v1.0/me", "kind": "503", "retry_after": "0.5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, body) = graph(&sim, &tokens.access, Method::GET, "/me", None, &[]).await;
    assert_eq!((status, error_code(&body)), (503, "ServiceNotAvailable"));
    assert_eq!(
        graph(&sim, &tokens.access, Method::GET, "/me", None, &[])
            .await
            .0,
        200,
        "fault used up"
    );

    sim.control()
        .inject_fault(Fault::new("/v1.0/me", FaultKind::InternalServerError, 1));
    assert_eq!(
        graph(&sim, &tokens.access, Method::GET, "/me", None, &[])
            .await
            .0,
        500
    );

    let added: Value = http
        .post(format!("{base}/_control/users"))
        .json(&json!({"count": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(added["added"].as_array().unwrap().len(), 5);
    assert_eq!(sim.control().users().len(), 36);

    let log: Value = http
        .get(format!("{base}/_control/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = log["value"].as_array().unwrap();
    let statuses: Vec<u64> = entries
        .iter()
        .filter(|e| e["path"] == "/v1.0/me")
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![503, 200, 500]);
    assert!(entries
        .iter()
        .all(|e| !e["path"].as_str().unwrap().starts_with("/_control")));
}
