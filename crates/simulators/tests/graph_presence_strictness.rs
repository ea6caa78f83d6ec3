//! The Graph simulator rejects what Graph rejects, and aggregates presence as documented.

#[path = "graph_common.rs"]
mod common;

use std::time::Duration;

use common::{error_code, graph, sign_in, ALL_SCOPES};
use reqwest::Method;
use serde_json::json;
use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID};

#[tokio::test]
async fn get_presences_by_user_id_limits_and_validation() {
    let sim = GraphSimulator::start(GraphSimSetup {
        colleagues: 700,
        ..GraphSimSetup::default()
    })
    .await
    .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let ids: Vec<String> = sim
        .control()
        .colleague_ids()
        .iter()
        .map(|id| id.to_string())
        .collect();
    let path = "/communications/getPresencesByUserId";

    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        path,
        Some(json!({"ids": ids[..650]})),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 650);
    assert_eq!(body["value"][0]["id"], ids[0].as_str());
    assert!(body["value"][0]["availability"].is_string());

    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        path,
        Some(json!({"ids": ids[..651]})),
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "BadRequest");

    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        path,
        Some(json!({"ids": [ids[0], "not-a-guid"]})),
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not-a-guid"));

    let (status, _) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        path,
        Some(json!({"users": []})),
        &[],
    )
    .await;
    assert_eq!(status, 400);

    // Unknown (but well-formed) ids come back as PresenceUnknown.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        path,
        Some(json!({"ids": [unknown]})),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"][0]["availability"], "PresenceUnknown");

    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::GET,
        "/users/alex@contoso.com/presence",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn missing_scope_is_403_and_bad_tokens_are_401() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let own_only = sign_in(&sim, "offline_access User.Read Presence.Read").await;
    assert!(!own_only.scope.contains("Presence.Read.All"));
    let me = sim.control().signed_in_user().id.to_string();

    let (status, body) = graph(
        &sim,
        &own_only.access,
        Method::POST,
        "/communications/getPresencesByUserId",
        Some(json!({"ids": [me]})),
        &[],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(error_code(&body), "Forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Presence.Read.All"));

    // Own presence only needs Presence.Read.
    let (status, body) = graph(
        &sim,
        &own_only.access,
        Method::GET,
        "/me/presence",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], me.as_str());

    let (status, _) = graph(&sim, &own_only.access, Method::GET, "/users", None, &[]).await;
    assert_eq!(status, 403);

    let (status, body) = graph(&sim, "garbage", Method::GET, "/me", None, &[]).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "InvalidAuthenticationToken")
    );
    sim.control().expire_access_tokens();
    let (status, body) = graph(&sim, &own_only.access, Method::GET, "/me", None, &[]).await;
    assert_eq!(status, 401);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test]
async fn set_presence_validation() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let me = sim.control().signed_in_user().id.to_string();
    let path = format!("/users/{me}/presence/setPresence");
    let set = |body: serde_json::Value| {
        let path = path.clone();
        let sim = &sim;
        let token = tokens.access.clone();
        async move { graph(sim, &token, Method::POST, &path, Some(body), &[]).await }
    };

    let (status, body) = set(json!({"availability": "Busy", "activity": "InACall"})).await;
    assert_eq!((status, error_code(&body)), (400, "InvalidArgument"));
    assert_eq!(
        body["error"]["message"],
        "[SessionId]: The SessionId field is required."
    );

    let (status, body) = set(
        json!({"sessionId": uuid::Uuid::new_v4(), "availability": "Busy", "activity": "InACall"}),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "InvalidArgument"),
        "a random session id is wrong"
    );

    for (availability, activity) in [
        ("Busy", "Busy"),
        ("DoNotDisturb", "DoNotDisturb"),
        ("Busy", "InAMeeting"),
        ("busy", "inACall"),
    ] {
        let (status, _) = set(json!({"sessionId": DEFAULT_CLIENT_ID, "availability": availability, "activity": activity})).await;
        assert_eq!(
            status, 400,
            "{availability}/{activity} is not allowed for app sessions"
        );
    }
    for duration in ["PT4M", "PT4H1M", "five minutes"] {
        let (status, _) = set(json!({"sessionId": DEFAULT_CLIENT_ID, "availability": "Busy", "activity": "InACall", "expirationDuration": duration})).await;
        assert_eq!(status, 400, "{duration}");
    }
    let (status, _) = set(json!({"sessionId": DEFAULT_CLIENT_ID, "availability": "Busy", "activity": "InAConferenceCall", "expirationDuration": "PT4H"})).await;
    assert_eq!(status, 200);

    // Someone else's presence cannot be set with a delegated token.
    let other = sim.control().colleague_ids()[0];
    let (status, _) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        &format!("/users/{other}/presence/setPresence"),
        Some(
            json!({"sessionId": DEFAULT_CLIENT_ID, "availability": "Busy", "activity": "InACall"}),
        ),
        &[],
    )
    .await;
    assert_eq!(status, 403);

    let (status, body) = graph(
        &sim,
        &tokens.access,
        Method::POST,
        &format!("/users/{me}/presence/clearPresence"),
        Some(json!({})),
        &[],
    )
    .await;
    assert_eq!((status, error_code(&body)), (400, "InvalidArgument"));
}

#[tokio::test]
async fn session_aggregation_preferred_state_and_expiry() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let control = sim.control();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let me_id = control.signed_in_user().id;
    let me = me_id.to_string();
    control.set_presence(me_id, "Available", "Available");

    let post = |action: &str, body: serde_json::Value| {
        let path = format!("/me/presence/{action}");
        let token = tokens.access.clone();
        let sim = &sim;
        async move {
            graph(sim, &token, Method::POST, &path, Some(body), &[])
                .await
                .0
        }
    };
    let read = || async {
        graph(
            &sim,
            &tokens.access,
            Method::GET,
            &format!("/users/{me}/presence"),
            None,
            &[],
        )
        .await
        .1
    };

    assert_eq!(post("setPresence", json!({"sessionId": DEFAULT_CLIENT_ID, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT10M"})).await, 200);
    let now = read().await;
    assert_eq!(
        (now["availability"].as_str(), now["activity"].as_str()),
        (Some("Busy"), Some("InACall"))
    );

    // DoNotDisturb beats Busy.
    control.set_presence(me_id, "DoNotDisturb", "DoNotDisturb");
    assert_eq!(read().await["availability"], "DoNotDisturb");
    // Away loses to the app's Busy.
    control.set_presence(me_id, "Away", "Away");
    assert_eq!(read().await["availability"], "Busy");

    // The user-preferred state overrides every session.
    assert_eq!(post("setUserPreferredPresence", json!({"availability": "Available", "activity": "Available", "expirationDuration": "PT8H"})).await, 200);
    assert_eq!(read().await["availability"], "Available");
    assert_eq!(
        post(
            "setUserPreferredPresence",
            json!({"availability": "Busy", "activity": "InACall"})
        )
        .await,
        400
    );
    assert_eq!(post("clearUserPreferredPresence", json!({})).await, 200);
    assert_eq!(read().await["availability"], "Busy");

    // The app session expires: back to the Teams client's Away.
    control.advance_clock(Duration::from_secs(601));
    assert_eq!(read().await["availability"], "Away");
    assert_eq!(
        post("clearPresence", json!({"sessionId": DEFAULT_CLIENT_ID})).await,
        404
    );

    // Only session cleared -> Offline.
    control.sign_out_of_teams(me_id);
    assert_eq!(post("setPresence", json!({"sessionId": DEFAULT_CLIENT_ID, "availability": "Available", "activity": "Available"})).await, 200);
    assert_eq!(read().await["activity"], "Available");
    assert_eq!(
        post("clearPresence", json!({"sessionId": DEFAULT_CLIENT_ID})).await,
        200
    );
    let offline = read().await;
    assert_eq!(
        (
            offline["availability"].as_str(),
            offline["activity"].as_str()
        ),
        (Some("Offline"), Some("Offline"))
    );
}

#[tokio::test]
async fn presence_budget_answers_429_with_fractional_retry_after() {
    let sim = GraphSimulator::start(GraphSimSetup {
        presence_budget_per_30s: 3,
        ..GraphSimSetup::default()
    })
    .await
    .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    for _ in 0..3 {
        assert_eq!(
            graph(&sim, &tokens.access, Method::GET, "/me/presence", None, &[])
                .await
                .0,
            200
        );
    }
    let response = common::http()
        .get(format!("{}/me/presence", sim.graph_url()))
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: f64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0.0 && retry_after <= 30.0);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "TooManyRequests");
    assert_eq!(body["error"]["innerError"]["status"], "429");
    // Non-presence endpoints have their own budget.
    assert_eq!(
        graph(&sim, &tokens.access, Method::GET, "/me", None, &[])
            .await
            .0,
        200
    );
    // The next window admits requests again.
    sim.control()
        .advance_clock(Duration::from_secs_f64(retry_after));
    assert_eq!(
        graph(&sim, &tokens.access, Method::GET, "/me/presence", None, &[])
            .await
            .0,
        200
    );
}
