//! The MQTT hook against a real Mosquitto: TLS with a private CA, a password file, retained
//! state and discovery, the last will, and republishing after a broker restart.

use std::sync::Arc;
use std::time::Duration;

use keychain::names::HOOKS_MQTT_PASSWORD;
use presence_core::MessageLanguage;
use settings::{HookKind, HooksSettings};
use status_hooks::{HookError, Occasion, StatusHooks};

use crate::broker::{Message, Mosquitto, Observer, PASSWORD, USER};
use crate::support::{
    available, in_a_meeting, ok, on_the_phone, secrets_with, wait_for, Certificates,
};

const PREFIX: &str = "office/anna";

fn settings(broker: &Mosquitto, certificates: &Certificates) -> HooksSettings {
    let mut settings = HooksSettings::default();
    let mqtt = &mut settings.mqtt;
    mqtt.enabled = true;
    mqtt.url = Some(broker.tls_url());
    mqtt.username = Some(USER.into());
    mqtt.topic_prefix = PREFIX.into();
    mqtt.ca_file = Some(certificates.ca_path());
    settings
}

fn start(settings: &HooksSettings, language: MessageLanguage) -> StatusHooks {
    StatusHooks::start(
        settings,
        secrets_with(HOOKS_MQTT_PASSWORD, PASSWORD),
        language,
    )
}

async fn connected(hooks: &StatusHooks) {
    wait_for(hooks, HookKind::Mqtt, "connected", |r| {
        r.connected == Some(true)
    })
    .await;
}

fn state_topic() -> String {
    format!("{PREFIX}/state")
}

fn availability_topic() -> String {
    format!("{PREFIX}/availability")
}

fn discovery_topics() -> Vec<String> {
    [
        "sensor/office_anna/status",
        "sensor/office_anna/activity",
        "binary_sensor/office_anna/on_the_phone",
        "binary_sensor/office_anna/phone_dnd",
        "binary_sensor/office_anna/free",
    ]
    .iter()
    .map(|entity| format!("homeassistant/{entity}/config"))
    .collect()
}

fn every_topic() -> Vec<String> {
    let mut topics = discovery_topics();
    topics.push(state_topic());
    topics.push(availability_topic());
    topics
}

#[tokio::test]
async fn state_and_discovery_are_retained_over_tls_with_a_password() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let hooks = start(&settings(&broker, &certificates), MessageLanguage::German);
    hooks.publish(&in_a_meeting());
    let report = wait_for(&hooks, HookKind::Mqtt, "state delivered", ok).await;
    assert_eq!(report.connected, Some(true));

    // A subscriber that comes later gets everything at once, retained.
    let mut observer =
        Observer::connect(&broker, &[&format!("{PREFIX}/#"), "homeassistant/#"]).await;
    let seen = observer.collect(&every_topic()).await;
    assert!(seen.values().all(|m| m.retain), "{seen:#?}");
    assert_eq!(seen[&availability_topic()].payload, "online");
    let state = seen[&state_topic()].json();
    assert_eq!(state["version"], 1);
    assert_eq!(state["activity"], "busy_meeting");
    assert_eq!(state["dot"], "busy");
    assert_eq!(state["teams"]["activity"], "InAMeeting");
    assert_eq!(state["phone"]["in_call"], false);
    assert!(
        !seen[&state_topic()].payload.contains("Budget review"),
        "the status message is not ticked, so it stays here: {}",
        seen[&state_topic()].payload
    );

    let on_the_phone_config =
        seen["homeassistant/binary_sensor/office_anna/on_the_phone/config"].json();
    assert_eq!(on_the_phone_config["name"], "Am Telefon");
    assert_eq!(on_the_phone_config["state_topic"], state_topic());
    assert_eq!(
        on_the_phone_config["availability_topic"],
        availability_topic()
    );
    assert_eq!(
        on_the_phone_config["device"]["identifiers"][0],
        "presence_bridge_office_anna"
    );
    let status_config = seen["homeassistant/sensor/office_anna/status/config"].json();
    assert_eq!(status_config["device_class"], "enum");
    assert!(status_config["options"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("busy")));

    // A change goes out live; the same status again does not.
    hooks.publish(&on_the_phone());
    let live = observer
        .wait_for("the new state", |m| m.topic == state_topic())
        .await;
    assert_eq!(live.json()["activity"], "on_the_phone");
    assert_eq!(live.json()["phone"]["dnd"], true);
    hooks.publish(&on_the_phone());
    let again = observer.drain(Duration::from_millis(700)).await;
    assert!(
        again.iter().all(|m| m.topic != state_topic()),
        "an unchanged status was published again: {again:#?}"
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn the_status_message_is_published_when_ticked_and_names_are_english() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let mut settings = settings(&broker, &certificates);
    settings.include_status_message = true;
    let hooks = start(&settings, MessageLanguage::English);
    hooks.publish(&in_a_meeting());
    wait_for(&hooks, HookKind::Mqtt, "state delivered", ok).await;
    let mut observer =
        Observer::connect(&broker, &[&format!("{PREFIX}/#"), "homeassistant/#"]).await;
    let seen = observer.collect(&every_topic()).await;
    assert_eq!(
        seen[&state_topic()].json()["teams"]["status_message"],
        "Budget review, back at 3"
    );
    assert_eq!(
        seen["homeassistant/binary_sensor/office_anna/on_the_phone/config"].json()["name"],
        "On the phone"
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_dropped_app_leaves_its_last_will_and_a_clean_stop_says_offline() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let settings = settings(&broker, &certificates);
    let mut observer = Observer::connect(&broker, &[&availability_topic()]).await;

    let hooks = start(&settings, MessageLanguage::English);
    hooks.publish(&available());
    wait_for(&hooks, HookKind::Mqtt, "state delivered", ok).await;
    observer.wait_for("online", |m| m.payload == "online").await;
    // Like a killed app: the tasks end without DISCONNECT, the socket just closes, and only
    // the broker can say "offline" now: that is the last will.
    drop(hooks);
    observer
        .wait_for("the last will", |m| m.payload == "offline")
        .await;
    let mut later = Observer::connect(&broker, &[&availability_topic()]).await;
    let retained = later.wait_for("retained availability", |_| true).await;
    assert_eq!(
        (retained.payload.as_str(), retained.retain),
        ("offline", true)
    );
    assert!(
        broker.log().contains("closed its connection"),
        "the broker saw a clean DISCONNECT, not a dropped connection: {}",
        broker.log()
    );

    let hooks = start(&settings, MessageLanguage::English);
    hooks.publish(&available());
    wait_for(&hooks, HookKind::Mqtt, "state delivered", ok).await;
    observer
        .wait_for("online again", |m| m.payload == "online")
        .await;
    hooks.shutdown().await;
    observer
        .wait_for("offline after a clean stop", |m| m.payload == "offline")
        .await;
}

#[tokio::test]
async fn a_broker_restart_gets_everything_published_again() {
    let certificates = Certificates::new();
    let mut broker = Mosquitto::start(&certificates);
    let hooks = start(&settings(&broker, &certificates), MessageLanguage::English);
    hooks.publish(&in_a_meeting());
    wait_for(&hooks, HookKind::Mqtt, "state delivered", ok).await;

    let restarted_at = time::OffsetDateTime::now_utc();
    broker.restart();
    // The new broker has no retained messages; the hook notices the lost connection, reconnects
    // with backoff and publishes availability, discovery and the state again.
    wait_for(
        &hooks,
        HookKind::Mqtt,
        "delivered after reconnecting",
        |report| {
            report.last.as_ref().is_some_and(|a| {
                a.occasion == Occasion::Connected && a.result.is_ok() && a.at > restarted_at
            })
        },
    )
    .await;
    let mut observer =
        Observer::connect(&broker, &[&format!("{PREFIX}/#"), "homeassistant/#"]).await;
    let seen = observer.collect(&every_topic()).await;
    assert_eq!(seen[&state_topic()].json()["activity"], "busy_meeting");
    assert_eq!(seen[&availability_topic()].payload, "online");
    assert!(seen.values().all(|m: &Message| m.retain));
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_home_assistant_restart_gets_discovery_and_state_again() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let hooks = start(&settings(&broker, &certificates), MessageLanguage::English);
    hooks.publish(&available());
    wait_for(&hooks, HookKind::Mqtt, "state delivered", ok).await;
    let mut observer = Observer::connect(&broker, &[&state_topic()]).await;
    observer.wait_for("retained state", |m| m.retain).await;

    observer.publish("homeassistant/status", "online").await;
    let live = observer
        .wait_for("state again", |m| m.topic == state_topic() && !m.retain)
        .await;
    assert_eq!(live.json()["activity"], "available");
    let report = wait_for(&hooks, HookKind::Mqtt, "recorded", |r| {
        r.last
            .as_ref()
            .is_some_and(|a| a.occasion == Occasion::HomeAssistantOnline)
    })
    .await;
    assert!(ok(&report));
    hooks.shutdown().await;
}

#[tokio::test]
async fn tls_is_verified_without_exception() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let mut settings = settings(&broker, &certificates);
    settings.mqtt.ca_file = None; // the private CA is not trusted now
    let hooks = start(&settings, MessageLanguage::English);
    hooks.publish(&available());
    let report = wait_for(&hooks, HookKind::Mqtt, "a TLS failure", |r| {
        r.last.is_some()
    })
    .await;
    let error = report.last.unwrap().result.unwrap_err();
    assert!(matches!(error, HookError::Tls { .. }), "{error:?}");
    assert_ne!(report.connected, Some(true));
    assert!(matches!(
        hooks.test_now(HookKind::Mqtt).await,
        Err(HookError::NotConnected {
            last_error: Some(_)
        })
    ));
}

#[tokio::test]
async fn a_wrong_password_or_none_is_named() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let settings = settings(&broker, &certificates);

    let wrong = StatusHooks::start(
        &settings,
        secrets_with(HOOKS_MQTT_PASSWORD, "not the password"),
        MessageLanguage::English,
    );
    let report = wait_for(&wrong, HookKind::Mqtt, "refused", |r| r.last.is_some()).await;
    let error = report.last.unwrap().result.unwrap_err();
    assert!(matches!(error, HookError::Refused { .. }), "{error:?}");
    assert!(error.to_string().contains("hooks.mqtt.password"), "{error}");

    let none = StatusHooks::start(
        &settings,
        Arc::new(keychain::MemoryStore::new()),
        MessageLanguage::English,
    );
    let report = wait_for(&none, HookKind::Mqtt, "missing", |r| r.last.is_some()).await;
    assert_eq!(
        report.last.unwrap().result,
        Err(HookError::MissingSecret {
            entry: HOOKS_MQTT_PASSWORD
        })
    );
    assert_eq!(
        none.test_now(HookKind::Mqtt).await,
        Err(HookError::MissingSecret {
            entry: HOOKS_MQTT_PASSWORD
        })
    );
    assert_eq!(none.test_now(HookKind::Webhook).await, Err(HookError::Off));
}

#[tokio::test]
async fn the_test_button_republishes_and_waits_for_the_broker() {
    let certificates = Certificates::new();
    let broker = Mosquitto::start(&certificates);
    let hooks = start(&settings(&broker, &certificates), MessageLanguage::English);
    connected(&hooks).await;
    assert_eq!(
        hooks.test_now(HookKind::Mqtt).await,
        Err(HookError::NoStatusYet)
    );
    hooks.publish(&available());
    let mut observer = Observer::connect(&broker, &[&state_topic()]).await;
    observer.wait_for("retained state", |_| true).await;
    assert_eq!(hooks.test_now(HookKind::Mqtt).await, Ok(()));
    observer
        .wait_for("the test's state", |m| {
            m.topic == state_topic() && !m.retain
        })
        .await;
    let report = hooks
        .results()
        .borrow()
        .get(HookKind::Mqtt)
        .cloned()
        .unwrap();
    assert_eq!(report.last.unwrap().occasion, Occasion::Test);
    hooks.shutdown().await;
}
