//! The simulated office, its user signed in with the tokens in memory, and a bridge driven by a
//! manual clock.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bridge::demo::OfficeAccount;
use bridge::{
    BridgeCarryOver, BridgeHandle, BridgeNotification, BridgeOptions, BridgeSnapshot,
    ManualBridgeClock, Notifier,
};
use keychain::MemoryStore;
use simulators::graph::GraphControl;
use simulators::office::Office;
use simulators::starface::StarfaceSimulator;
use uuid::Uuid;

/// The user's STARFACE login in the office.
pub const LOGIN: &str = simulators::office::USER_LOGIN;
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
    pub office: Office,
    pub clock: ManualBridgeClock,
    pub store: Arc<MemoryStore>,
    pub me: Uuid,
    pub notifier: Arc<RecordingNotifier>,
    pub bridge: Option<BridgeHandle>,
    account: OfficeAccount,
    options: BridgeOptions,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(BridgeOptions::default()).await
    }

    pub async fn start_with(options: BridgeOptions) -> Self {
        let office = Office::builder()
            .colleagues(6)
            .start()
            .await
            .expect("the office opens");
        Self::start_in(office, None, options).await
    }

    /// A STARFACE 10 office with OneHub (TLS, OAuth): colleagues' phones are pushed.
    pub async fn start_with_onehub() -> Self {
        let office = Office::builder()
            .colleagues(6)
            .pbx_tls_self_signed()
            .expect("a certificate")
            .onehub()
            .start()
            .await
            .expect("the office opens with OneHub");
        Self::start_in(office, None, BridgeOptions::default()).await
    }

    /// Signs in to `office` for `consented` (everything the bridge asks for when `None`) and
    /// starts a bridge.
    pub async fn start_in(
        office: Office,
        consented: Option<graph_client::ScopeRequest>,
        options: BridgeOptions,
    ) -> Self {
        let mut harness = Self::signed_in(office, consented, options).await;
        harness.start_bridge(None);
        harness
    }

    /// Signs in to `office` for `consented`; no bridge runs yet.
    pub async fn signed_in(
        office: Office,
        consented: Option<graph_client::ScopeRequest>,
        options: BridgeOptions,
    ) -> Self {
        let store = Arc::new(MemoryStore::new());
        let account = match consented {
            None => OfficeAccount::sign_in(&office, store.clone()).await,
            Some(scopes) => {
                OfficeAccount::sign_in_consenting_to(&office, store.clone(), scopes).await
            }
        }
        .expect("device sign-in");
        Self {
            me: office.me().id(),
            office,
            clock: ManualBridgeClock::new(),
            store,
            notifier: Arc::new(RecordingNotifier::default()),
            bridge: None,
            account,
            options,
        }
    }

    /// Connectors as the bridge gets them (to change one before [`Self::start_bridge_with`]).
    pub fn connectors(&self) -> bridge::Connectors {
        self.account.connectors(None).expect("connectors")
    }

    /// Starts a bridge on the same simulators, account and clock (none may be running).
    pub fn start_bridge(&mut self, carry_over: Option<BridgeCarryOver>) {
        let connectors = self.connectors();
        self.start_bridge_with(carry_over, connectors);
    }

    /// Starts a bridge with these connectors.
    pub fn start_bridge_with(
        &mut self,
        carry_over: Option<BridgeCarryOver>,
        connectors: bridge::Connectors,
    ) {
        assert!(self.bridge.is_none(), "a bridge is running");
        let options = BridgeOptions {
            carry_over,
            ..fast(self.options.clone())
        };
        let bridge = bridge::start(
            options,
            connectors,
            Arc::new(self.clock.clone()),
            self.notifier.clone(),
        )
        .expect("bridge starts");
        self.bridge = Some(bridge);
    }

    /// The signed-in account (its credentials, fresh connectors).
    pub fn account(&self) -> &OfficeAccount {
        &self.account
    }

    pub fn bridge(&self) -> &BridgeHandle {
        self.bridge.as_ref().expect("bridge running")
    }

    pub fn snapshot(&self) -> BridgeSnapshot {
        self.bridge().snapshot()
    }

    /// The PBX of the office.
    pub fn pbx(&self) -> &StarfaceSimulator {
        self.office.pbx()
    }

    /// Steering the Graph simulator (faults, tokens, presence, request log).
    pub fn graph(&self) -> &GraphControl {
        self.office.graph().control()
    }

    pub fn set_teams(&self, availability: &str, activity: &str) {
        self.office.set_teams(availability, activity);
    }

    pub fn dnd(&self) -> bool {
        self.office.dnd()
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
        self.pbx()
            .request_log()
            .entries()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with("/phoneconfig"))
            .count()
    }

    /// UCI calls of `method` (e.g. `setChatPresenceMessage`).
    pub fn uci_calls(&self, method: &str) -> usize {
        self.pbx()
            .request_log()
            .entries()
            .iter()
            .filter(|r| r.path == "/xml-rpc" && r.body.contains(method))
            .count()
    }

    /// Graph presence-session writes (`setPresence` and `clearPresence`).
    pub fn graph_calls(&self, leaf: &str) -> usize {
        self.graph()
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
