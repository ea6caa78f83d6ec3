//! The simulator's REST answers validate against STARFACE's own API description (6.7.0.22).

mod support;

use keychain::Secret;
use serde_json::{json, Value};
use simulators::starface::{Organisation, StarfaceSimulator};
use starface_client::login_secret::rest_internal_secret;
use support::swagger_schema::SwaggerSpec;

const SPEC: &str = "starface-rest-api-6.7.0.22.yaml";

struct Caller {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Caller {
    async fn get(&self, path: &str) -> (u16, Value) {
        let mut request = self
            .http
            .get(format!("{}/rest{path}", self.base))
            .header("X-Version", "2")
            .header("Content-Type", "application/json");
        if let Some(token) = &self.token {
            request = request.header("authToken", token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

fn assert_valid(spec: &SwaggerSpec, path: &str, method: &str, status: u16, body: &Value) {
    let errors = spec.check(spec.response_schema(path, method, status), body);
    assert!(
        errors.is_empty(),
        "{method} {path} ({status}) does not match the API description:\n{}\nbody: {body:#}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn simulator_responses_match_the_starface_api_description() {
    let spec = SwaggerSpec::load(SPEC);
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let mut caller = Caller {
        http: reqwest::Client::new(),
        base: pbx.base_url(),
        token: None,
    };

    let (status, template) = caller.get("/login").await;
    assert_eq!(status, 200);
    assert_valid(&spec, "/login", "get", 200, &template);

    let nonce = template["nonce"].as_str().unwrap();
    let secret = rest_internal_secret("0001", nonce, &Secret::new("demo"));
    let login =
        json!({ "loginType": template["loginType"], "nonce": nonce, "secret": secret.expose() });
    let errors = spec.check(spec.definition("Login"), &login);
    assert!(errors.is_empty(), "the client's Login body: {errors:?}");
    let response = caller
        .http
        .post(format!("{}/rest/login", caller.base))
        .header("X-Version", "2")
        .header("Content-Type", "application/json")
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.unwrap();
    assert_valid(&spec, "/login", "post", 200, &token);
    caller.token = Some(token["token"].as_str().unwrap().to_owned());

    let (status, me) = caller.get("/users/me").await;
    assert_eq!(status, 200);
    assert_valid(&spec, "/users/me", "get", 200, &me);

    let (status, users) = caller.get("/users").await;
    assert_eq!(status, 200);
    assert_eq!(users.as_array().unwrap().len(), 5);
    assert_valid(&spec, "/users", "get", 200, &users);

    let (status, config) = caller
        .get(&format!("/users/{}/phoneconfig", me["id"]))
        .await;
    assert_eq!(status, 200);
    assert_valid(&spec, "/users/{userId}/phoneconfig", "get", 200, &config);

    let (status, accounts) = caller.get("/accounts").await;
    assert_eq!(status, 200);
    assert_valid(&spec, "/accounts", "get", 200, &accounts);

    let (status, contacts) = caller.get("/contacts?page=0&pagesize=2").await;
    assert_eq!(status, 200);
    assert_eq!(contacts["contacts"].as_array().unwrap().len(), 2);
    assert_valid(&spec, "/contacts", "get", 200, &contacts);
}

#[tokio::test]
async fn the_checker_rejects_what_the_description_forbids() {
    let spec = SwaggerSpec::load(SPEC);
    let phone_config = spec.definition("PhoneConfig");
    let good = json!({"callWaiting": true, "displayNumberId": 1, "doNotDisturb": false, "primaryPhoneId": 2});
    assert!(spec.check(phone_config, &good).is_empty());
    let missing = json!({"callWaiting": true, "displayNumberId": 1, "doNotDisturb": false});
    assert_eq!(spec.check(phone_config, &missing).len(), 1);
    let wrong_type = json!({"callWaiting": "yes", "displayNumberId": 1, "doNotDisturb": false, "primaryPhoneId": 2});
    assert_eq!(spec.check(phone_config, &wrong_type).len(), 1);
    let invented = json!({"callWaiting": true, "displayNumberId": 1, "doNotDisturb": false, "primaryPhoneId": 2, "dnd": true});
    assert_eq!(spec.check(phone_config, &invented).len(), 1);
    let bad_enum = json!([{"accountId": 1, "displayInformation": "", "federationname": "", "firstname": "", "lastname": "", "local": true, "primaryInternalPhoneNumber": "1", "type": "PERSON"}]);
    assert_eq!(
        spec.check(spec.response_schema("/accounts", "get", 200), &bad_enum)
            .len(),
        1
    );
}
