//! The Entra simulator: PKCE, redirect URIs, clients, codes, refresh rotation and revocation.

#[path = "graph_common.rs"]
mod common;

use std::collections::HashMap;

use base64::Engine;
use common::{http, sign_in, ALL_SCOPES};
use serde_json::Value;
use sha2::{Digest, Sha256};
use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://localhost:50123/";

fn challenge() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

async fn authorize(sim: &GraphSimulator, client_id: &str, redirect: &str) -> reqwest::Response {
    let mut url = url::Url::parse(&format!(
        "{}/organizations/oauth2/v2.0/authorize",
        sim.base_url()
    ))
    .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", ALL_SCOPES)
        .append_pair("state", "xyz")
        .append_pair("code_challenge", &challenge())
        .append_pair("code_challenge_method", "S256");
    http().get(url).send().await.unwrap()
}

fn query_of(location: &str) -> HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn redeem(sim: &GraphSimulator, code: &str, redirect: &str, verifier: &str) -> (u16, Value) {
    let response = http()
        .post(format!(
            "{}/organizations/oauth2/v2.0/token",
            sim.base_url()
        ))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn aadsts(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap()
}

#[tokio::test]
async fn authorization_code_with_pkce() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let response = authorize(&sim, DEFAULT_CLIENT_ID, REDIRECT).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(REDIRECT),
        "port ignored for loopback, kept in the redirect"
    );
    let params = query_of(&location);
    assert_eq!(params["state"], "xyz");
    let code = params["code"].clone();

    let (status, body) = redeem(
        &sim,
        &code,
        REDIRECT,
        "wrong-verifier-wrong-verifier-wrong-verifier",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(aadsts(&body), 50148);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS50148:"));
    assert!(body["trace_id"].is_string() && body["correlation_id"].is_string());

    let (status, body) = redeem(&sim, &code, "http://localhost:50124/", VERIFIER).await;
    assert_eq!(
        (status, aadsts(&body)),
        (400, 500112),
        "redirect_uri must equal the authorize one"
    );

    let (status, body) = redeem(&sim, &code, REDIRECT, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].is_string());
    assert!(body["scope"]
        .as_str()
        .unwrap()
        .contains("Presence.Read.All"));

    let (status, body) = redeem(&sim, &code, REDIRECT, VERIFIER).await;
    assert_eq!(
        (status, aadsts(&body)),
        (400, 54005),
        "codes are single-use"
    );
}

#[tokio::test]
async fn authorize_rejects_unknown_clients_and_unregistered_redirects() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let response = authorize(&sim, "00000000-1111-2222-3333-444444444444", REDIRECT).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("AADSTS700016"));

    for redirect in [
        "http://127.0.0.1:50123/",
        "http://localhost:50123/callback",
        "https://evil.example/",
    ] {
        let response = authorize(&sim, DEFAULT_CLIENT_ID, redirect).await;
        assert_eq!(response.status(), 400, "{redirect}");
        assert!(response.text().await.unwrap().contains("AADSTS50011"));
    }

    let mut url = url::Url::parse(&format!(
        "{}/organizations/oauth2/v2.0/authorize",
        sim.base_url()
    ))
    .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", DEFAULT_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "User.Read Mail.ReadWrite.Everything")
        .append_pair("state", "s")
        .append_pair("code_challenge", &challenge())
        .append_pair("code_challenge_method", "S256");
    let response = http().get(url).send().await.unwrap();
    let params = query_of(response.headers()["location"].to_str().unwrap());
    assert_eq!(params["error"], "invalid_scope");
    assert_eq!(params["state"], "s");

    let response = http()
        .post(format!(
            "{}/contoso-typo.example/oauth2/v2.0/token",
            sim.base_url()
        ))
        .form(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("grant_type", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(aadsts(&body), 90002);
}

#[tokio::test]
async fn admin_consent_requirement_blocks_until_granted() {
    let sim = GraphSimulator::start(GraphSimSetup {
        admin_consent_required: vec!["Presence.Read.All".into()],
        ..GraphSimSetup::default()
    })
    .await
    .unwrap();
    let response = authorize(&sim, DEFAULT_CLIENT_ID, REDIRECT).await;
    let params = query_of(response.headers()["location"].to_str().unwrap());
    assert_eq!(params["error"], "access_denied");
    assert!(params["error_description"].starts_with("AADSTS90094"));
    sim.control().grant_admin_consent();
    let response = authorize(&sim, DEFAULT_CLIENT_ID, REDIRECT).await;
    assert!(query_of(response.headers()["location"].to_str().unwrap()).contains_key("code"));
}

async fn refresh(sim: &GraphSimulator, token: &str) -> (u16, Value) {
    let response = http()
        .post(format!(
            "{}/organizations/oauth2/v2.0/token",
            sim.base_url()
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("refresh_token", token),
            ("scope", "offline_access User.Read"),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn refresh_tokens_rotate_old_ones_stay_valid_until_revoked() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let tokens = sign_in(&sim, ALL_SCOPES).await;
    let (status, first) = refresh(&sim, &tokens.refresh).await;
    assert_eq!(status, 200);
    let rotated = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, tokens.refresh);
    assert_eq!(first["scope"], "User.Read");

    // As in Entra, the used token is not revoked by rotation.
    assert_eq!(refresh(&sim, &tokens.refresh).await.0, 200);

    // Asking for a scope never consented needs interaction.
    let response = http()
        .post(format!(
            "{}/organizations/oauth2/v2.0/token",
            sim.base_url()
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("refresh_token", rotated.as_str()),
            ("scope", "User.Read.All"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["error"].as_str(), aadsts(&body)),
        (Some("invalid_grant"), 65001)
    );

    sim.control().revoke_refresh_tokens();
    for token in [&tokens.refresh, &rotated] {
        let (status, body) = refresh(&sim, token).await;
        assert_eq!(
            (status, body["error"].as_str(), aadsts(&body)),
            (400, Some("invalid_grant"), 50173)
        );
    }

    sim.control().require_mfa_on_refresh(true);
    let fresh = sign_in(&sim, ALL_SCOPES).await;
    let (_, body) = refresh(&sim, &fresh.refresh).await;
    assert_eq!(body["error"], "interaction_required");
    assert_eq!(body["suberror"], "basic_action");
    assert!(body["claims"].is_string());
}

#[tokio::test]
async fn device_code_states() {
    let sim = GraphSimulator::start(GraphSimSetup::default())
        .await
        .unwrap();
    let base = sim.base_url();
    let device: Value = http()
        .post(format!("{base}/organizations/oauth2/v2.0/devicecode"))
        .form(&[("client_id", DEFAULT_CLIENT_ID), ("scope", ALL_SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(device["interval"], 5);
    assert_eq!(device["expires_in"], 900);
    assert!(device.get("verification_uri_complete").is_none());
    let user_code = device["user_code"].as_str().unwrap().to_owned();
    assert!(device["message"].as_str().unwrap().contains(&user_code));
    let poll = || async {
        let response = http()
            .post(format!("{base}/organizations/oauth2/v2.0/token"))
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", DEFAULT_CLIENT_ID),
                ("device_code", device["device_code"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        (status, body)
    };
    let (status, body) = poll().await;
    assert_eq!(
        (status, body["error"].as_str(), aadsts(&body)),
        (400, Some("authorization_pending"), 70016)
    );
    sim.control().slow_down_device_polls(1);
    assert_eq!(poll().await.1["error"], "slow_down");
    assert_eq!(poll().await.1["error"], "authorization_pending");
    assert!(sim.control().approve_device_code(&user_code));
    let (status, body) = poll().await;
    assert_eq!(status, 200);
    assert!(body["access_token"].is_string());
    assert_eq!(
        poll().await.1["error"],
        "bad_verification_code",
        "single use"
    );

    sim.control()
        .advance_clock(std::time::Duration::from_secs(901));
    let (_, body) = poll().await;
    assert_eq!(body["error"], "expired_token");
}

#[tokio::test]
async fn device_code_needs_public_client_flows() {
    let sim = GraphSimulator::start(GraphSimSetup {
        public_client_flows: false,
        ..GraphSimSetup::default()
    })
    .await
    .unwrap();
    let device: Value = http()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.base_url()
        ))
        .form(&[("client_id", DEFAULT_CLIENT_ID), ("scope", ALL_SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = http()
        .post(format!(
            "{}/organizations/oauth2/v2.0/token",
            sim.base_url()
        ))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("device_code", device["device_code"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["error"].as_str(), aadsts(&body)),
        (Some("invalid_client"), 7000218)
    );
}
