//! The webhook hook against a loopback HTTPS receiver (axum over tokio-rustls, a certificate
//! from a private CA) that checks the signature the way docs/HOOKS.md tells receivers to.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use keychain::names::HOOKS_WEBHOOK_SECRET;
use presence_core::MessageLanguage;
use settings::{HookKind, HooksSettings};
use sha2::Sha256;
use simulators::loopback::LoopbackServer;
use status_hooks::{HookError, StatusHooks};

use crate::support::{
    available, eventually, in_a_meeting, ok, on_the_phone, secrets_with, wait_for, Certificates,
};

const SECRET: &str = "a long random webhook secret";

#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).unwrap().to_str().unwrap()
    }
}

/// The receiver: records every request, rejects a bad signature with 401, answers `/hook` with
/// the scripted statuses (then 200), and fails every delivery of `failing_activity` with 500.
#[derive(Default)]
struct Receiver {
    requests: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<StatusCode>>,
    failing_activity: Mutex<Option<&'static str>>,
}

impl Receiver {
    fn requests(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }
    fn on(&self, path: &str) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

/// The check a receiver makes, written here from the description (not with the crate's code).
fn signature_is_valid(headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(header) = headers
        .get("x-presence-bridge-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    header == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn hook(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> Response {
    record(&receiver, "/hook", &headers, &body);
    if !signature_is_valid(&headers, &body) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let activity = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["status"]
        ["activity"]
        .as_str()
        .unwrap()
        .to_owned();
    if *receiver.failing_activity.lock().unwrap() == Some(activity.as_str()) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let scripted = receiver.script.lock().unwrap().pop_front();
    scripted.unwrap_or(StatusCode::OK).into_response()
}

async fn redirect(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&receiver, "/redirect", &headers, &body);
    (
        StatusCode::TEMPORARY_REDIRECT,
        [("location", "/elsewhere?token=do-not-show")],
    )
        .into_response()
}

async fn elsewhere(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&receiver, "/elsewhere", &headers, &body);
    StatusCode::OK.into_response()
}

fn record(receiver: &Receiver, path: &str, headers: &HeaderMap, body: &Bytes) {
    receiver.requests.lock().unwrap().push(Received {
        path: path.to_owned(),
        headers: headers.clone(),
        body: body.clone(),
    });
}

struct Setup {
    receiver: Arc<Receiver>,
    server: LoopbackServer,
    certificates: Certificates,
}

async fn receiver() -> Setup {
    let certificates = Certificates::new();
    let receiver = Arc::new(Receiver::default());
    let router = Router::new()
        .route("/hook", post(hook))
        .route("/redirect", post(redirect))
        .route("/elsewhere", post(elsewhere))
        .with_state(receiver.clone());
    let server =
        LoopbackServer::start_tls(router, 0, &certificates.cert_pem, &certificates.key_pem)
            .await
            .unwrap();
    Setup {
        receiver,
        server,
        certificates,
    }
}

impl Setup {
    fn settings(&self, path: &str) -> HooksSettings {
        let mut settings = HooksSettings::default();
        settings.webhook.enabled = true;
        settings.webhook.url = Some(format!("{}{path}", self.server.base_url()));
        settings.webhook.ca_file = Some(self.certificates.ca_path());
        settings
    }

    fn start(&self, settings: &HooksSettings, secret: &str) -> StatusHooks {
        StatusHooks::start(
            settings,
            secrets_with(HOOKS_WEBHOOK_SECRET, secret),
            MessageLanguage::English,
        )
    }
}

#[tokio::test]
async fn a_signed_document_is_retried_after_a_500_with_the_same_body() {
    let setup = receiver().await;
    setup
        .receiver
        .script
        .lock()
        .unwrap()
        .push_back(StatusCode::INTERNAL_SERVER_ERROR);
    let hooks = setup.start(&setup.settings("/hook"), SECRET);
    hooks.publish(&in_a_meeting());
    wait_for(&hooks, HookKind::Webhook, "delivered", ok).await;

    let requests = setup.receiver.on("/hook");
    assert_eq!(requests.len(), 2, "one 500, one retry");
    assert_eq!(
        requests[0].body, requests[1].body,
        "a retry sends the same body"
    );
    let first = &requests[0];
    assert!(signature_is_valid(&first.headers, &first.body));
    assert_eq!(first.header("content-type"), "application/json");
    assert_eq!(first.header("x-presence-bridge-event"), "status");
    let body = first.json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["event"], "status");
    assert_eq!(body["delivery"], first.header("x-presence-bridge-delivery"));
    assert_eq!(body["status"]["activity"], "busy_meeting");
    assert_eq!(body["status"]["teams"]["availability"], "Busy");
    assert!(body["status"]["teams"].get("status_message").is_none());
    let sent_at = time::OffsetDateTime::parse(
        body["sent_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        (time::OffsetDateTime::now_utc() - sent_at)
            .whole_minutes()
            .abs()
            < 5
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_redirect_is_an_error_naming_the_target_and_is_not_followed() {
    let setup = receiver().await;
    let hooks = setup.start(&setup.settings("/redirect"), SECRET);
    hooks.publish(&available());
    let report = wait_for(&hooks, HookKind::Webhook, "a result", |r| r.last.is_some()).await;
    match report.last.unwrap().result {
        Err(HookError::Redirect {
            status, location, ..
        }) => {
            assert_eq!(status, 307);
            assert_eq!(location, format!("{}/elsewhere", setup.server.base_url()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        setup.receiver.on("/redirect").len(),
        1,
        "no retry after a redirect"
    );
    assert!(
        setup.receiver.on("/elsewhere").is_empty(),
        "the redirect was followed"
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_by_the_receiver_and_not_retried() {
    let setup = receiver().await;
    let hooks = setup.start(&setup.settings("/hook"), "not the shared secret");
    hooks.publish(&available());
    let report = wait_for(&hooks, HookKind::Webhook, "a result", |r| r.last.is_some()).await;
    let error = report.last.unwrap().result.unwrap_err();
    assert!(
        matches!(error, HookError::HttpStatus { status: 401, .. }),
        "{error:?}"
    );
    assert!(
        !error.to_string().contains("/hook"),
        "errors name the origin only: {error}"
    );
    assert_eq!(setup.receiver.requests().len(), 1);
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_newer_status_ends_the_retries_of_an_older_one() {
    let setup = receiver().await;
    *setup.receiver.failing_activity.lock().unwrap() = Some("busy_meeting");
    let hooks = setup.start(&setup.settings("/hook"), SECRET);
    hooks.publish(&in_a_meeting());
    eventually("the first attempt", || {
        !setup.receiver.requests().is_empty()
    })
    .await;
    hooks.publish(&on_the_phone());
    wait_for(&hooks, HookKind::Webhook, "the newer status delivered", ok).await;
    let activities = || -> Vec<String> {
        setup
            .receiver
            .requests()
            .iter()
            .map(|r| r.json()["status"]["activity"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = activities();
    assert_eq!(before.last().map(String::as_str), Some("on_the_phone"));
    // Three retries with backoff (1 + 2 + 4 s) would still be running for the old status.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        activities(),
        before,
        "the old status was retried after the new one"
    );
    assert!(before.iter().filter(|a| *a == "busy_meeting").count() <= 2);
    hooks.shutdown().await;
}

#[tokio::test]
async fn the_test_button_sends_once_and_reports() {
    let setup = receiver().await;
    let hooks = setup.start(&setup.settings("/hook"), SECRET);
    hooks.publish(&available());
    wait_for(&hooks, HookKind::Webhook, "delivered", ok).await;
    setup
        .receiver
        .script
        .lock()
        .unwrap()
        .push_back(StatusCode::SERVICE_UNAVAILABLE);
    let tested = hooks.test_now(HookKind::Webhook).await;
    assert!(
        matches!(tested, Err(HookError::HttpStatus { status: 503, .. })),
        "{tested:?}"
    );
    let requests = setup.receiver.requests();
    assert_eq!(requests.len(), 2, "a test is not retried");
    assert_eq!(requests[1].json()["event"], "test");
    assert_eq!(requests[1].header("x-presence-bridge-event"), "test");
    assert_eq!(hooks.test_now(HookKind::Webhook).await, Ok(()));
    hooks.shutdown().await;
}

#[tokio::test]
async fn tls_is_verified_and_a_missing_secret_sends_nothing() {
    let setup = receiver().await;
    let mut untrusted = setup.settings("/hook");
    untrusted.webhook.ca_file = None;
    untrusted.webhook.retries = 0;
    let hooks = setup.start(&untrusted, SECRET);
    hooks.publish(&available());
    let report = wait_for(&hooks, HookKind::Webhook, "a result", |r| r.last.is_some()).await;
    let error = report.last.unwrap().result.unwrap_err();
    assert!(matches!(error, HookError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains("certificate"), "{error}");
    hooks.shutdown().await;

    let hooks = StatusHooks::start(
        &setup.settings("/hook"),
        Arc::new(keychain::MemoryStore::new()),
        MessageLanguage::English,
    );
    hooks.publish(&available());
    let report = wait_for(&hooks, HookKind::Webhook, "a result", |r| r.last.is_some()).await;
    assert_eq!(
        report.last.unwrap().result,
        Err(HookError::MissingSecret {
            entry: HOOKS_WEBHOOK_SECRET
        })
    );
    assert!(setup.receiver.requests().is_empty());
    hooks.shutdown().await;
}
