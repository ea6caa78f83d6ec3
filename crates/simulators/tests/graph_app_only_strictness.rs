//! The confidential-client token endpoint and `/users/delta` reject what Entra and Graph reject.

mod graph_common;

use graph_common::{http, sign_in};
use serde_json::Value;
use simulators::graph::{
    AppOnlySetup, GraphSimSetup, GraphSimulator, RosterSetup, DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID,
    RELAY_CLIENT_ID,
};

async fn simulator() -> GraphSimulator {
    GraphSimulator::start(GraphSimSetup {
        app_only: AppOnlySetup {
            secrets: vec!["s3cret".into()],
            ..AppOnlySetup::default()
        },
        roster: RosterSetup {
            users: 50,
            delta_page_size: 20,
        },
        ..GraphSimSetup::default()
    })
    .await
    .unwrap()
}

async fn token_request(sim: &GraphSimulator, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn code(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn client_credentials_need_a_tenant_the_default_scope_and_exactly_one_credential() {
    let sim = simulator().await;
    let good = [
        ("client_id", RELAY_CLIENT_ID),
        ("scope", "https://graph.microsoft.com/.default"),
        ("grant_type", "client_credentials"),
        ("client_secret", "s3cret"),
    ];
    let (status, body) = token_request(&sim, DEFAULT_TENANT_ID, &good).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none() && body.get("scope").is_none());

    let (status, body) = token_request(&sim, "organizations", &good).await;
    assert_eq!((status, code(&body)), (400, 700016));

    let mut named_scope = good;
    named_scope[1] = ("scope", "Presence.Read.All");
    let (status, body) = token_request(&sim, DEFAULT_TENANT_ID, &named_scope).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    assert_eq!(code(&body), 1002012);

    let (status, body) = token_request(&sim, DEFAULT_TENANT_ID, &good[..3]).await;
    assert_eq!((status, code(&body)), (401, 7000216));

    let mut both = good.to_vec();
    both.push(("client_assertion", "x.y.z"));
    both.push((
        "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    ));
    let (status, body) = token_request(&sim, DEFAULT_TENANT_ID, &both).await;
    assert_eq!((status, code(&body)), (400, 7000217));

    let mut garbage = good[..3].to_vec();
    garbage.push(("client_assertion", "not-a-jwt"));
    garbage.push((
        "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    ));
    let (status, body) = token_request(&sim, DEFAULT_TENANT_ID, &garbage).await;
    assert_eq!((status, code(&body)), (401, 50027));

    // The desktop app is a public client: it gets no app-only token.
    let mut public = good;
    public[0] = ("client_id", DEFAULT_CLIENT_ID);
    let (status, body) = token_request(&sim, DEFAULT_TENANT_ID, &public).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn users_delta_refuses_unknown_properties_options_and_tokens_and_needs_a_directory_permission(
) {
    let sim = simulator().await;
    let (_, body) = token_request(
        &sim,
        DEFAULT_TENANT_ID,
        &[
            ("client_id", RELAY_CLIENT_ID),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
            ("client_secret", "s3cret"),
        ],
    )
    .await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    let get = |query: &str, token: &str| {
        let url = format!("{}/users/delta{query}", sim.graph_url());
        let token = token.to_owned();
        async move {
            let response = http().get(url).bearer_auth(token).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = get("?$select=id,mail", &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 20);
    assert!(
        body["value"][0].get("displayName").is_none(),
        "$select is applied"
    );
    assert!(body["@odata.nextLink"]
        .as_str()
        .unwrap()
        .contains("$skiptoken="));

    let (status, body) = get("?$select=id,favouriteColour", &token).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("favouriteColour"));
    assert_eq!(get("?$deltatoken=garbage", &token).await.0, 400);
    assert_eq!(get("?$top=5", &token).await.0, 400);
    assert_eq!(get("", "not-a-token").await.0, 401);

    // A delegated token with only presence permissions may not list the directory.
    let delegated = sign_in(&sim, "Presence.Read offline_access").await;
    assert_eq!(get("", &delegated.access).await.0, 403);
}
