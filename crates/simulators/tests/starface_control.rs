//! The STARFACE simulator's own strictness and control API, exercised with plain HTTP.

use serde_json::Value;
use sha2::{Digest, Sha512};
use simulators::starface::{Organisation, SimChatPresence, StarfaceSimulator, UserRight};

fn sha512_hex(input: &str) -> String {
    hex::encode(Sha512::digest(input.as_bytes()))
}

async fn login(pbx: &StarfaceSimulator, login: &str, password: &str) -> reqwest::Response {
    let http = reqwest::Client::new();
    let template: Value = http
        .get(format!("{}/rest/login", pbx.base_url()))
        .header("X-Version", "2")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = template["nonce"].as_str().unwrap();
    let secret = format!(
        "{login}:{}",
        sha512_hex(&format!("{login}{nonce}{}", sha512_hex(password)))
    );
    http.post(format!("{}/rest/login", pbx.base_url()))
        .header("X-Version", "2")
        .header("Content-Type", "application/json")
        .json(&serde_json::json!({"loginType": "Internal", "nonce": nonce, "secret": secret}))
        .send()
        .await
        .unwrap()
}

async fn token(pbx: &StarfaceSimulator) -> String {
    let response = login(pbx, "0001", "demo").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn get(pbx: &StarfaceSimulator, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", pbx.base_url()))
        .header("X-Version", "2")
        .header("authToken", token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_rest_route_requires_x_version() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let token = token(&pbx).await;
    for path in [
        "/rest/login",
        "/rest/users/me",
        "/rest/users",
        "/rest/accounts",
    ] {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", pbx.base_url()))
            .header("authToken", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path} without X-Version");
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("X-Version"));
    }
    assert_eq!(get(&pbx, "/rest/users/me", &token).await.status(), 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_token_are_rejected() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    assert_eq!(login(&pbx, "0001", "nope").await.status(), 400);
    assert_eq!(get(&pbx, "/rest/users/me", "made-up").await.status(), 401);
}

#[tokio::test]
async fn restart_forgets_sessions_but_keeps_users_and_port() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let base = pbx.base_url();
    let token = token(&pbx).await;
    pbx.press_dnd_on_phone("0001", true);
    pbx.set_chat_presence("0001", SimChatPresence::Away);

    pbx.restart().await.unwrap();

    assert_eq!(pbx.base_url(), base);
    assert_eq!(get(&pbx, "/rest/users/me", &token).await.status(), 401);
    let fresh = self::token(&pbx).await;
    let config: Value = get(&pbx, "/rest/users/1/phoneconfig", &fresh)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["doNotDisturb"], true);
    assert_eq!(pbx.request_log().matching("POST", "/rest/login").len(), 2);
}

#[tokio::test]
async fn missing_right_and_foreign_user_give_403_with_a_message() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let token = token(&pbx).await;
    let foreign = get(&pbx, "/rest/users/2/phoneconfig", &token).await;
    assert_eq!(foreign.status(), 403);

    pbx.revoke_right("0001", UserRight::UserDirectory);
    let response = get(&pbx, "/rest/accounts", &token).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "User with id 1 has no permission for users"
    );
    pbx.grant_right("0001", UserRight::UserDirectory);
    assert_eq!(get(&pbx, "/rest/accounts", &token).await.status(), 200);
}

#[tokio::test]
async fn injected_failures_are_served_the_given_number_of_times() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let token = token(&pbx).await;
    pbx.inject_rest_failure("/rest/users", 503, 2);
    assert_eq!(get(&pbx, "/rest/users/me", &token).await.status(), 503);
    assert_eq!(get(&pbx, "/rest/users", &token).await.status(), 503);
    assert_eq!(get(&pbx, "/rest/users/me", &token).await.status(), 200);
}

#[tokio::test]
async fn contacts_are_paged() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let token = token(&pbx).await;
    let page: Value = get(&pbx, "/rest/contacts?page=2&pagesize=2", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["metadata"]["totalPages"], 3);
    assert_eq!(page["contacts"].as_array().unwrap().len(), 1);
}
