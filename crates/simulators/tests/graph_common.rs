//! Helpers for the Graph simulator tests (raw HTTP, no graph-client).
#![allow(dead_code)]

use serde_json::Value;
use simulators::graph::{GraphSimulator, DEFAULT_CLIENT_ID};

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub scope: String,
}

/// Device-code sign-in over raw HTTP, approved through the control API.
pub async fn sign_in(sim: &GraphSimulator, scope: &str) -> Tokens {
    let http = http();
    let base = sim.base_url();
    let device: Value = http
        .post(format!("{base}/organizations/oauth2/v2.0/devicecode"))
        .form(&[("client_id", DEFAULT_CLIENT_ID), ("scope", scope)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(sim
        .control()
        .approve_device_code(device["user_code"].as_str().unwrap()));
    let token: Value = http
        .post(format!("{base}/organizations/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("device_code", device["device_code"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Tokens {
        access: token["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh: token["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        scope: token["scope"].as_str().unwrap_or_default().to_owned(),
    }
}

pub const ALL_SCOPES: &str =
    "offline_access User.Read Presence.Read.All Presence.ReadWrite User.ReadBasic.All People.Read";

/// `(status, body)` of a Graph call.
pub async fn graph(
    sim: &GraphSimulator,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = http()
        .request(method, format!("{}{}", sim.graph_url(), path))
        .bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}
