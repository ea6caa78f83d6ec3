//! Both simulators on loopback, a signed-in Microsoft account in memory, and a bridge driven by a
//! manual clock.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bridge::{
    BridgeCarryOver, BridgeHandle, BridgeNotification, BridgeOptions, BridgeSnapshot, Connectors,
    ManualBridgeClock, Notifier,
};
use graph_client::auth::{self, DeviceCodeOptions};
use graph_client::{
    Credentials, GraphClient, MicrosoftConfig, RecordingSleeper, ScopeRequest, Timing,
};
use keychain::{MemoryStore, SecretStore};
use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID};
use simulators::starface::{Organisation, SimUser, StarfaceSimulator};
use starface_client::{
    Credentials as PbxCredentials, PbxEndpoint, RestAuth, RestClient, UciAuth, UciClient,
};
use uuid::Uuid;

pub const LOGIN: &str = "0001";
/// Generous: a debug build on a busy 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct RecordingNotifier(pub Mutex<Vec<BridgeNotification>>);

impl Notifier for RecordingNotifier {
    fn notify(&self, notification: &BridgeNotification) {
        self.0.lock().unwrap().push(notification.clone());
    }
}

pub struct Harness {
    pub graph_sim: GraphSimulator,
    pub pbx: StarfaceSimulator,
    pub clock: ManualBridgeClock,
    pub store: Arc<MemoryStore>,
    pub me: Uuid,
    pub notifier: Arc<RecordingNotifier>,
    pub bridge: Option<BridgeHandle>,
    credentials: Arc<Credentials>,
    options: BridgeOptions,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(BridgeOptions::default()).await
    }

    pub async fn start_with(options: BridgeOptions) -> Self {
        let graph_sim = GraphSimulator::start(GraphSimSetup {
            colleagues: 6,
            ..GraphSimSetup::default()
        })
        .await
        .expect("graph simulator");
        let control = graph_sim.control().clone();
        let me = control.signed_in_user();
        control.set_presence(me.id, "Available", "Available");
        // The PBX knows the same people by e-mail, so colleagues merge.
        let mut users = vec![SimUser::new(
            1,
            LOGIN,
            "secret",
            &me.given_name,
            &me.surname,
            &me.mail,
            "401",
        )];
        for (i, colleague) in control.users().iter().filter(|u| u.id != me.id).enumerate() {
            let n = i as i64 + 2;
            users.push(SimUser::new(
                n,
                &format!("{n:04}"),
                "secret",
                &colleague.given_name,
                &colleague.surname,
                &colleague.mail,
                &format!("{}", 400 + n),
            ));
        }
        let pbx = StarfaceSimulator::start(Organisation::new(users))
            .await
            .expect("starface simulator");

        let store = Arc::new(MemoryStore::new());
        let config = MicrosoftConfig::new(DEFAULT_CLIENT_ID)
            .unwrap()
            .with_authority(&graph_sim.base_url())
            .unwrap()
            .with_graph_base(&graph_sim.graph_url())
            .unwrap();
        let scopes = ScopeRequest::default().with_reverse_sync();
        let approve = control.clone();
        let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
            for code in approve.pending_user_codes() {
                approve.approve_device_code(&code);
            }
        }));
        let store_dyn: Arc<dyn SecretStore> = store.clone();
        auth::device_code_sign_in(
            &config,
            scopes,
            store_dyn.clone(),
            Timing::new(Arc::new(graph_client::SystemClock), sleeper),
            DeviceCodeOptions::default(),
            |_| {},
        )
        .await
        .expect("device sign-in");
        let credentials = Arc::new(Credentials::from_store(
            config,
            scopes,
            store_dyn,
            Timing::real(),
        ));

        let clock = ManualBridgeClock::new();
        let notifier = Arc::new(RecordingNotifier::default());
        let mut harness = Self {
            graph_sim,
            pbx,
            clock,
            store,
            me: me.id,
            notifier,
            bridge: None,
            credentials,
            options,
        };
        harness.start_bridge(None);
        harness
    }

    /// Starts a bridge on the same simulators, account and clock (none may be running).
    pub fn start_bridge(&mut self, carry_over: Option<BridgeCarryOver>) {
        assert!(self.bridge.is_none(), "a bridge is running");
        let options = BridgeOptions {
            carry_over,
            ..fast(self.options.clone())
        };
        let bridge = bridge::start(
            options,
            self.connectors(self.credentials.clone()),
            Arc::new(self.clock.clone()),
            self.notifier.clone(),
        )
        .expect("bridge starts");
        self.bridge = Some(bridge);
    }

    fn connectors(&self, credentials: Arc<Credentials>) -> Connectors {
        let endpoint = PbxEndpoint::new(self.pbx.base_url().parse().unwrap()).allowing_plain_http();
        let pbx_credentials = PbxCredentials::new(LOGIN, keychain::Secret::new("secret"));
        Connectors {
            graph: GraphClient::new(credentials),
            rest: Arc::new(
                RestClient::new(
                    endpoint.clone(),
                    pbx_credentials.clone(),
                    RestAuth::NonceLogin,
                )
                .unwrap(),
            ),
            uci: Arc::new(UciClient::new(endpoint, UciAuth::legacy(&pbx_credentials)).unwrap()),
            xmpp: None,
        }
    }

    pub fn bridge(&self) -> &BridgeHandle {
        self.bridge.as_ref().expect("bridge running")
    }

    pub fn snapshot(&self) -> BridgeSnapshot {
        self.bridge().snapshot()
    }

    pub fn set_teams(&self, availability: &str, activity: &str) {
        self.graph_sim
            .control()
            .set_presence(self.me, availability, activity);
    }

    pub fn dnd(&self) -> bool {
        self.pbx.phone_config(LOGIN).do_not_disturb
    }

    /// Waits (real time, generous) until `condition` holds, advancing the manual clock by `step`
    /// between looks so debounce and refresh deadlines pass.
    pub async fn wait_advancing(
        &self,
        step: Duration,
        what: &str,
        condition: impl Fn(&Self) -> bool,
    ) {
        let deadline = Instant::now() + TIMEOUT;
        while !condition(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; snapshot: {:#?}",
                self.snapshot()
            );
            self.clock.advance(step);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits without moving the manual clock.
    pub async fn wait(&self, what: &str, condition: impl Fn(&Self) -> bool) {
        self.wait_advancing(Duration::ZERO, what, condition).await
    }

    /// Lets several polls of both sides happen while the clock moves on by `total`.
    pub async fn let_time_pass(&self, total: Duration) {
        let steps = 20u32;
        for _ in 0..steps {
            self.clock.advance(total / steps);
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    }

    pub async fn wait_running(&self) {
        self.wait("the sync to run", |h| {
            matches!(h.snapshot().sync.state, bridge::SyncStateView::Running)
        })
        .await;
    }

    /// Both sides read and no sign-in needed: the sync runs or holds (paused, stopped, ...).
    pub async fn wait_running_or_paused(&self) {
        self.wait("both sides read", |h| {
            let sync = h.snapshot().sync;
            sync.state != bridge::SyncStateView::Starting
                && !sync.sign_in_needed(bridge::Service::Microsoft)
                && !sync.sign_in_needed(bridge::Service::Starface)
        })
        .await;
    }

    /// Writes of DND (REST `PUT .../phoneconfig`).
    pub fn dnd_writes(&self) -> usize {
        self.pbx
            .request_log()
            .entries()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with("/phoneconfig"))
            .count()
    }

    /// UCI calls of `method` (e.g. `setChatPresenceMessage`).
    pub fn uci_calls(&self, method: &str) -> usize {
        self.pbx
            .request_log()
            .entries()
            .iter()
            .filter(|r| r.path == "/xml-rpc" && r.body.contains(method))
            .count()
    }

    /// Graph presence-session writes (`setPresence` and `clearPresence`).
    pub fn graph_calls(&self, leaf: &str) -> usize {
        self.graph_sim
            .control()
            .log()
            .entries()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with(leaf))
            .count()
    }

    /// Stops the bridge cleanly; returns what it handed over.
    pub async fn shutdown(&mut self) -> Option<BridgeCarryOver> {
        self.bridge.take()?.shutdown().await
    }
}

/// Short real-time intervals so tests are quick; decision time comes from the manual clock.
pub fn fast(options: BridgeOptions) -> BridgeOptions {
    BridgeOptions {
        graph_poll_interval: Duration::from_millis(100),
        starface_poll_interval: Duration::from_millis(100),
        tick_interval: Duration::from_millis(20),
        ..options
    }
}
