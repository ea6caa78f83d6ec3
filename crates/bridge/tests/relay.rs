//! The desktop side of the presence relay: the bridge watches the relay's NATS JetStream bucket
//! (a real TLS `nats-server` on loopback) instead of polling Graph, falls back to polling Graph
//! directly when the feed goes stale or unreachable, and goes back when it is live again.
//!
//! The relay here is the test itself, writing with the relay's credential exactly what
//! `presence-relay` writes (the values and the lease that is the feed's heartbeat);
//! `crates/presence-relay/tests` prove the relay writes them from Graph.

mod support;

use std::time::Duration;

use async_nats::jetstream::kv::Store;
use bridge::{BridgeOptions, PresenceSource, RelayDown, RelayLink};
use relay_feed::{LeaseRecord, PresenceValue, WatchTiming, LEASE_KEY, SCHEMA_VERSION};
use simulators::office::Office;
use support::Harness;
use test_session::nats::NatsCluster;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Seconds, not the default 15 s: a stale feed is noticed after 2 s without a lease renewal.
fn timing() -> WatchTiming {
    WatchTiming {
        stale_after: Duration::from_secs(2),
        unreachable_after: Duration::from_secs(1),
        retry_every: Duration::from_millis(300),
    }
}

fn value(availability: &str, activity: &str) -> PresenceValue {
    PresenceValue {
        v: SCHEMA_VERSION,
        availability: availability.into(),
        activity: activity.into(),
        out_of_office: false,
        has_status_message: false,
        phone: None,
        updated_at: time::OffsetDateTime::now_utc(),
    }
}

/// A NATS server, the office, a running test relay that publishes everybody as available, and
/// a bridge on the relay's feed.
async fn on_the_relay(colleagues: usize) -> (NatsCluster, TestRelay, Harness) {
    let nats = NatsCluster::start(1).await;
    let office = Office::builder()
        .colleagues(colleagues)
        .start()
        .await
        .expect("the office opens");
    let mut relay = TestRelay::open(&nats).await;
    for person in office.people() {
        relay.publish(person.id(), "Available", "Available").await;
    }
    relay.run();
    let mut harness = Harness::signed_in(office, None, BridgeOptions::default()).await;
    let mut connectors = harness.connectors();
    connectors.relay = Some(RelayLink::new(nats.desktop_connection()).with_timing(timing()));
    harness.start_bridge_with(None, connectors);
    harness
        .wait_advancing(Duration::from_millis(200), "the relay's feed", |h| {
            source(h) == PresenceSource::Relay && h.snapshot().own.teams.is_some()
        })
        .await;
    (nats, relay, harness)
}

/// The relay's side: its bucket, and its lease renewed twice a second while it "runs".
struct TestRelay {
    store: Store,
    heartbeat: Option<JoinHandle<()>>,
}

impl TestRelay {
    async fn open(nats: &NatsCluster) -> Self {
        let client = nats.relay_connection().connect().await.expect("relay user");
        let store = presence_relay::feed_writer::open_bucket(&client, 1)
            .await
            .expect("the bucket");
        Self {
            store,
            heartbeat: None,
        }
    }

    async fn publish(&self, id: Uuid, availability: &str, activity: &str) {
        self.publish_value(id, value(availability, activity)).await;
    }

    async fn publish_value(&self, id: Uuid, value: PresenceValue) {
        self.store
            .put(id.to_string(), value.encode().into())
            .await
            .expect("the relay user may write");
    }

    fn run(&mut self) {
        self.stop();
        let store = self.store.clone();
        self.heartbeat = Some(tokio::spawn(async move {
            let lease = LeaseRecord {
                v: SCHEMA_VERSION,
                holder: "test-relay".into(),
                ttl_ms: 3_000,
                graph_ok: true,
                poll_interval_ms: 1_000,
            };
            loop {
                // A relay between NATS restarts keeps trying.
                let _ = store.put(LEASE_KEY, lease.encode().into()).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }

    /// Gone for good: no renewal any more.
    fn stop(&mut self) {
        if let Some(task) = self.heartbeat.take() {
            task.abort();
        }
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The desktop's presence reads at the Graph simulator (own and colleagues'; session writes are
/// not reads).
fn presence_reads(harness: &Harness) -> Vec<String> {
    harness
        .graph()
        .log()
        .entries()
        .into_iter()
        .filter(|r| {
            (r.method == "GET" && r.path.ends_with("/presence"))
                || r.path.ends_with("/getPresencesByUserId")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn colleague_availability(harness: &Harness, id: Uuid) -> Option<String> {
    harness
        .snapshot()
        .colleagues
        .iter()
        .find(|c| c.person.id == id.to_string())
        .and_then(|c| c.teams.as_ref())
        .map(|t| t.availability.as_str().to_owned())
}

fn source(harness: &Harness) -> PresenceSource {
    harness.snapshot().sync.presence_source
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_comes_from_the_relay_and_graph_is_polled_only_while_the_relay_is_down() {
    let mut nats = NatsCluster::start(1).await;
    let office = Office::builder()
        .colleagues(4)
        .start()
        .await
        .expect("the office opens");
    let colleague = office.colleagues()[0].id();
    let me = office.me().id();
    // Graph says one thing, the relay another: the snapshot shows which one was read.
    office
        .graph()
        .control()
        .set_presence(colleague, "Away", "Away");
    office.set_teams("Available", "Available");
    let mut relay = TestRelay::open(&nats).await;
    for person in office.people() {
        relay.publish(person.id(), "Available", "Available").await;
    }
    relay.publish(colleague, "Busy", "InAMeeting").await;
    // The user is presenting, says the relay: the sync acts on the relay's own value.
    relay.publish(me, "DoNotDisturb", "Presenting").await;
    relay.run();

    let mut harness = Harness::signed_in(office, None, BridgeOptions::default()).await;
    let mut connectors = harness.connectors();
    connectors.relay = Some(RelayLink::new(nats.desktop_connection()).with_timing(timing()));
    harness.start_bridge_with(None, connectors);

    harness
        .wait_advancing(Duration::from_millis(200), "presence from the relay", |h| {
            source(h) == PresenceSource::Relay
                && colleague_availability(h, colleague).as_deref() == Some("Busy")
                && h.dnd()
        })
        .await;
    let snapshot = harness.snapshot();
    assert_eq!(
        snapshot.own.teams.as_ref().unwrap().availability.as_str(),
        "DoNotDisturb"
    );
    assert!(
        snapshot.colleagues.iter().all(|c| !c.stale),
        "{snapshot:#?}"
    );

    // A change written to the bucket reaches the snapshot; the desktop reads no presence.
    tokio::time::sleep(Duration::from_millis(300)).await;
    harness.graph().log().clear();
    relay.publish(colleague, "DoNotDisturb", "Presenting").await;
    harness
        .wait_advancing(Duration::from_millis(200), "the relay's change", |h| {
            colleague_availability(h, colleague).as_deref() == Some("DoNotDisturb")
        })
        .await;
    // Many Graph poll intervals (100 ms in tests) pass.
    harness.let_time_pass(Duration::from_secs(5)).await;
    assert_eq!(presence_reads(&harness), Vec::<String>::new());
    assert_eq!(
        colleague_availability(&harness, colleague).as_deref(),
        Some("DoNotDisturb")
    );
    assert!(harness.snapshot().colleagues.iter().all(|c| !c.stale));

    // The relay stops for good: the desktop polls Graph itself, and says why.
    relay.stop();
    harness
        .wait_advancing(Duration::from_millis(200), "direct polling", |h| {
            source(h)
                == PresenceSource::Direct {
                    why: RelayDown::NoRelay,
                }
                && colleague_availability(h, colleague).as_deref() == Some("Away")
        })
        .await;
    assert!(!presence_reads(&harness).is_empty());

    // The relay returns: back to the feed (with what it holds now), no reads any more.
    relay.publish(colleague, "Busy", "InACall").await;
    relay.run();
    harness
        .wait_advancing(Duration::from_millis(200), "the relay again", |h| {
            source(h) == PresenceSource::Relay
                && colleague_availability(h, colleague).as_deref() == Some("Busy")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    harness.graph().log().clear();
    harness.let_time_pass(Duration::from_secs(3)).await;
    assert_eq!(presence_reads(&harness), Vec::<String>::new());

    // NATS itself goes away: unreachable, polled directly; back when it returns.
    nats.kill(0);
    harness
        .wait_advancing(Duration::from_millis(200), "the relay unreachable", |h| {
            matches!(
                source(h),
                PresenceSource::Direct {
                    why: RelayDown::Unreachable { .. }
                }
            ) && colleague_availability(h, colleague).as_deref() == Some("Away")
        })
        .await;
    nats.restart(0).await;
    harness
        .wait_advancing(
            Duration::from_millis(200),
            "the relay after NATS restarted",
            |h| {
                source(h) == PresenceSource::Relay
                    && colleague_availability(h, colleague).as_deref() == Some("Busy")
            },
        )
        .await;
    harness.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktop_credential_cannot_write_the_bucket() {
    let nats = NatsCluster::start(1).await;
    let relay = TestRelay::open(&nats).await;
    let someone = Uuid::new_v4();
    relay.publish(someone, "Available", "Available").await;

    let client = nats
        .desktop_connection()
        .connect()
        .await
        .expect("desktop user");
    let js = async_nats::jetstream::new(client);
    let store = js
        .get_key_value(relay_feed::BUCKET)
        .await
        .expect("may read");
    let entry = store
        .get(someone.to_string())
        .await
        .expect("may read a key");
    assert!(entry.is_some());
    let forged = value("Offline", "OffWork").encode();
    assert!(store
        .put(someone.to_string(), forged.clone().into())
        .await
        .is_err());
    assert!(store.put(LEASE_KEY, forged.into()).await.is_err());
    assert!(store.delete(someone.to_string()).await.is_err());
    let kept =
        PresenceValue::decode(&store.get(someone.to_string()).await.unwrap().unwrap()).unwrap();
    assert_eq!(kept.availability.as_str(), "Available");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_without_its_password_is_shown_and_graph_is_polled() {
    let mut harness = Harness::signed_in(
        Office::builder().colleagues(2).start().await.unwrap(),
        None,
        BridgeOptions::default(),
    )
    .await;
    let mut settings = settings::Settings::default();
    settings.relay.servers = vec!["tls://127.0.0.1:4222".into()];
    let link = bridge::setup::relay_link(&settings).expect("a relay is configured");
    let mut connectors = harness.connectors();
    connectors.relay = Some(link);
    harness.start_bridge_with(None, connectors);
    harness
        .wait_advancing(Duration::from_millis(100), "direct polling", |h| {
            matches!(
                source(h),
                PresenceSource::Direct { why: RelayDown::Misconfigured { ref reason } }
                    if reason.contains("relay.password")
            ) && h.snapshot().colleagues.iter().any(|c| c.teams.is_some())
        })
        .await;
    harness.shutdown().await;
}

/// `doctor`'s relay lines: all well with the desktop credential and a running relay; a relay
/// that stopped, and a credential that may write, are said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_whether_the_relay_serves_and_the_credential_is_read_only() {
    use bridge::relay_doctor::{check_relay, CheckStatus};
    let nats = NatsCluster::start(1).await;
    let mut relay = TestRelay::open(&nats).await;
    relay.run();
    let wait = Duration::from_secs(3);
    let statuses = |checks: &[bridge::relay_doctor::RelayCheck]| {
        checks
            .iter()
            .map(|c| (c.check, c.status))
            .collect::<Vec<_>>()
    };

    let desktop = RelayLink::new(nats.desktop_connection());
    let checks = check_relay(&desktop, wait).await;
    assert_eq!(
        statuses(&checks),
        [
            ("relay.connect", CheckStatus::Ok),
            ("relay.lease", CheckStatus::Ok),
            ("relay.read_only", CheckStatus::Ok),
        ],
        "{checks:#?}"
    );
    assert!(checks[1].detail.contains("test-relay"), "{checks:#?}");

    // The relay's own credential handed to desktops: the write goes through, and is undone.
    let writer = check_relay(&RelayLink::new(nats.relay_connection()), wait).await;
    assert_eq!(writer[2].status, CheckStatus::Failed, "{writer:#?}");
    assert!(relay
        .store
        .get("doctor.write-probe")
        .await
        .unwrap()
        .is_none());

    relay.stop();
    let stopped = check_relay(&desktop, wait).await;
    assert_eq!(stopped[1].status, CheckStatus::Warning, "{stopped:#?}");

    let mut refused = nats.desktop_connection();
    refused.password = keychain::Secret::new("not the password");
    let refused = check_relay(&RelayLink::new(refused), wait).await;
    assert_eq!(
        statuses(&refused),
        [("relay.connect", CheckStatus::Failed)],
        "{refused:#?}"
    );
}

/// The watch list is followed (a colleague watched later gets the relay's value at once), and
/// the own status message text is read from Graph once per change of the own presence, never per
/// poll interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_list_is_followed_and_the_own_message_is_read_once_per_change() {
    let (_nats, relay, harness) = on_the_relay(3).await;
    let colleague = harness.office.colleagues()[1].id();
    let person = harness
        .snapshot()
        .colleagues
        .iter()
        .find(|c| c.person.id == colleague.to_string())
        .expect("watched")
        .person
        .clone();
    harness
        .bridge()
        .send(bridge::BridgeCommand::Unwatch(person.id.clone()))
        .unwrap();
    harness
        .wait("unwatched", |h| {
            colleague_availability(h, colleague).is_none()
                && !h
                    .snapshot()
                    .colleagues
                    .iter()
                    .any(|c| c.person.id == person.id)
        })
        .await;
    relay.publish(colleague, "Away", "BeRightBack").await;
    harness
        .bridge()
        .send(bridge::BridgeCommand::Watch(Box::new(person)))
        .unwrap();
    harness
        .wait_advancing(Duration::from_millis(200), "the relay's value", |h| {
            colleague_availability(h, colleague).as_deref() == Some("Away")
        })
        .await;

    // The own presence with a status message: its text is read once per change.
    let me = harness.me;
    harness.graph().log().clear();
    let with_message = |availability: &str, activity: &str| PresenceValue {
        has_status_message: true,
        ..value(availability, activity)
    };
    relay
        .publish_value(me, with_message("Busy", "InAMeeting"))
        .await;
    harness
        .wait_advancing(Duration::from_millis(200), "the own change", |h| {
            h.snapshot()
                .own
                .teams
                .is_some_and(|t| t.activity.as_str() == "InAMeeting")
        })
        .await;
    // The same presence again (a relay that took over rewrites it): no new read.
    relay
        .publish_value(me, with_message("Busy", "InAMeeting"))
        .await;
    harness.let_time_pass(Duration::from_secs(3)).await;
    assert_eq!(
        presence_reads(&harness).len(),
        1,
        "{:?}",
        presence_reads(&harness)
    );
    relay
        .publish_value(me, with_message("DoNotDisturb", "Presenting"))
        .await;
    harness
        .wait_advancing(Duration::from_millis(200), "the next own change", |h| {
            presence_reads(h).len() == 2
        })
        .await;
    harness.let_time_pass(Duration::from_secs(3)).await;
    assert_eq!(
        presence_reads(&harness).len(),
        2,
        "{:?}",
        presence_reads(&harness)
    );
}

/// The whole chain: a change at the Graph simulator is read by a real `presence-relay` (app-only
/// sign-in to the same tenant), published to NATS and shown in the desktop's snapshot, while
/// the desktop itself reads no presence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_at_graph_reaches_the_desktop_through_the_real_relay() {
    use graph_client::app_only::{AppCredential, AppGraphClient, AppTokenSource};
    use simulators::graph::{AppOnlySetup, DEFAULT_TENANT_ID, RELAY_CLIENT_ID};
    use std::sync::Arc;

    const APP_SECRET: &str = "relay-client-secret-for-the-desktop-tests";
    let nats = NatsCluster::start(1).await;
    let office = Office::builder()
        .colleagues(3)
        .relay_app(AppOnlySetup {
            secrets: vec![APP_SECRET.into()],
            ..AppOnlySetup::default()
        })
        .start()
        .await
        .expect("the office opens");
    let colleague = office.colleagues()[2].id();
    office
        .graph()
        .control()
        .set_presence(colleague, "Busy", "InAMeeting");

    let config = graph_client::MicrosoftConfig::new(RELAY_CLIENT_ID)
        .unwrap()
        .with_tenant(DEFAULT_TENANT_ID)
        .with_authority(&office.graph().base_url())
        .unwrap()
        .with_graph_base(&office.graph().graph_url())
        .unwrap();
    let tokens = AppTokenSource::new(
        config,
        AppCredential::Secret(keychain::Secret::new(APP_SECRET)),
        graph_client::Timing::real(),
    )
    .unwrap();
    let relay = presence_relay::Relay::new(
        AppGraphClient::new(Arc::new(tokens), Duration::from_secs(10)),
        nats.relay_connection(),
        presence_relay::RelaySettings {
            poll_interval: Duration::from_secs(1),
            allowed_per_30s: 300,
            directory_refresh: Duration::from_secs(2),
            lease_ttl: Duration::from_secs(3),
            replicas: 1,
            instance: "relay-a".into(),
        },
    );
    let (stop_relay, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay_task = tokio::spawn(relay.run(async {
        let _ = stopped.await;
    }));

    let mut harness = Harness::signed_in(office, None, BridgeOptions::default()).await;
    let mut connectors = harness.connectors();
    connectors.relay = Some(RelayLink::new(nats.desktop_connection()).with_timing(timing()));
    harness.start_bridge_with(None, connectors);
    harness
        .wait_advancing(Duration::from_millis(200), "presence from the relay", |h| {
            source(h) == PresenceSource::Relay
                && colleague_availability(h, colleague).as_deref() == Some("Busy")
        })
        .await;

    let desktop_token = harness
        .account()
        .credentials()
        .access_token()
        .await
        .unwrap();
    let desktop = format!("Bearer {}", desktop_token.expose());
    let desktop_reads = |h: &Harness| {
        h.graph()
            .log()
            .entries()
            .into_iter()
            .filter(|r| r.header("authorization") == Some(desktop.as_str()))
            .filter(|r| {
                (r.method == "GET" && r.path.ends_with("/presence"))
                    || r.path.ends_with("/getPresencesByUserId")
            })
            .count()
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    harness.graph().log().clear();
    harness
        .graph()
        .set_presence(colleague, "DoNotDisturb", "Presenting");
    harness
        .wait_advancing(Duration::from_millis(200), "the change at Graph", |h| {
            colleague_availability(h, colleague).as_deref() == Some("DoNotDisturb")
        })
        .await;
    // The relay read it; the desktop did not.
    assert!(
        harness
            .graph()
            .log()
            .entries()
            .iter()
            .any(|r| r.path.ends_with("/getPresencesByUserId")),
        "the relay polls Graph"
    );
    assert_eq!(desktop_reads(&harness), 0);

    // The relay stops cleanly (its lease goes at once): the desktop polls Graph itself.
    let _ = stop_relay.send(());
    relay_task.await.unwrap().unwrap();
    harness
        .wait_advancing(Duration::from_millis(200), "direct polling", |h| {
            matches!(source(h), PresenceSource::Direct { .. }) && desktop_reads(h) > 0
        })
        .await;
    harness.shutdown().await;
}

/// A relay that writes a newer value schema: the desktop does not guess, it polls Graph and
/// says the app needs an update.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_value_schema_makes_the_desktop_poll_graph() {
    let (_nats, relay, mut harness) = on_the_relay(2).await;
    let colleague = harness.office.colleagues()[0].id();
    let newer = String::from_utf8(value("Busy", "InACall").encode())
        .unwrap()
        .replace(&format!("\"v\":{SCHEMA_VERSION}"), "\"v\":99");
    relay
        .store
        .put(colleague.to_string(), newer.into_bytes().into())
        .await
        .unwrap();
    harness
        .wait_advancing(Duration::from_millis(200), "direct polling", |h| {
            source(h)
                == PresenceSource::Direct {
                    why: RelayDown::UnsupportedSchema { found: 99 },
                }
                && !presence_reads(h).is_empty()
        })
        .await;
    harness.shutdown().await;
}
