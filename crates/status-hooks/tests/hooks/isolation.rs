//! A hook that hangs delays nothing: not the caller of `publish`, not the other hooks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use keychain::names::HOOKS_WEBHOOK_SECRET;
use presence_core::MessageLanguage;
use settings::{HookKind, HooksSettings};
use simulators::loopback::LoopbackServer;
use status_hooks::{HookError, Occasion, StatusHooks};

use crate::support::{
    available, eventually, in_a_meeting, on_the_phone, secrets_with, wait_for, PATIENCE,
};

/// Accepts TCP connections and never sends a byte: a broker that hangs after the handshake.
async fn black_hole() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (port, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_never_answers_delays_neither_publish_nor_the_other_hooks() {
    let (mqtt_port, accepted) = black_hole().await;

    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let router = Router::new()
        .route(
            "/hook",
            post(
                |State(received): State<Arc<Mutex<Vec<String>>>>, body: String| async move {
                    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let activity = body["status"]["activity"].as_str().unwrap().to_owned();
                    received.lock().unwrap().push(activity);
                },
            ),
        )
        .with_state(received.clone());
    let receiver = LoopbackServer::start(router, 0).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs.txt");
    let program = dir.path().join("light.sh");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\necho \"$PRESENCE_BRIDGE_ACTIVITY\" >> '{}'\n",
            runs.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();

    let mut settings = HooksSettings::default();
    settings.mqtt.enabled = true;
    settings.mqtt.url = Some(format!("mqtt://127.0.0.1:{mqtt_port}"));
    settings.webhook.enabled = true;
    settings.webhook.url = Some(format!("{}/hook", receiver.base_url()));
    settings.command.enabled = true;
    settings.command.program = Some(program.to_str().unwrap().to_owned());
    let hooks = Arc::new(StatusHooks::start(
        &settings,
        secrets_with(HOOKS_WEBHOOK_SECRET, "secret"),
        MessageLanguage::English,
    ));
    eventually("the MQTT hook is stuck in its handshake", || {
        accepted.load(Ordering::SeqCst) > 0
    })
    .await;

    // The sync's side: a burst of statuses, each handed over at once. A `publish` that waited
    // for a hook would never return here (the deadline only catches a hang).
    const BURST: usize = 1000;
    let publisher = hooks.clone();
    let burst = tokio::task::spawn_blocking(move || {
        let statuses = [in_a_meeting(), available(), on_the_phone()];
        for i in 0..BURST {
            publisher.publish(&statuses[i % statuses.len()]);
        }
        publisher.publish(&on_the_phone());
        publisher.publish(&available());
    });
    tokio::time::timeout(PATIENCE, burst)
        .await
        .expect("publish waited for a hook")
        .unwrap();

    // The other hooks deliver the newest status, having skipped what they had no time for.
    eventually("the webhook got the newest status", || {
        received.lock().unwrap().last().map(String::as_str) == Some("available")
    })
    .await;
    eventually("the command ran with the newest status", || {
        std::fs::read_to_string(&runs).is_ok_and(|text| text.lines().last() == Some("available"))
    })
    .await;
    let webhook_deliveries = received.lock().unwrap().len();
    let command_runs = std::fs::read_to_string(&runs).unwrap().lines().count();
    assert!(
        webhook_deliveries < BURST / 2 && command_runs < BURST / 2,
        "a slot keeps only the newest status: {webhook_deliveries} webhook deliveries, {command_runs} runs"
    );

    // The stuck hook answers a test at once and, in time, reports why it has not connected.
    assert!(matches!(
        hooks.test_now(HookKind::Mqtt).await,
        Err(HookError::NotConnected { .. })
    ));
    let report = wait_for(&hooks, HookKind::Mqtt, "the handshake timeout", |r| {
        r.last
            .as_ref()
            .is_some_and(|a| a.occasion == Occasion::Connection)
    })
    .await;
    assert!(
        matches!(report.last.unwrap().result, Err(HookError::Timeout { .. })),
        "expected a timeout"
    );

    let hooks = Arc::into_inner(hooks).expect("the publisher is done");
    tokio::time::timeout(PATIENCE, hooks.shutdown())
        .await
        .expect("shutdown waited for the stuck hook");
}
