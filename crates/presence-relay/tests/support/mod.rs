//! Shared by the relay's integration tests: NATS servers, the Graph simulator with a generated
//! tenant, relays and watchers wired to them.
#![allow(dead_code)]

pub use test_session::nats;

use std::sync::Arc;
use std::time::Duration;

use graph_client::app_only::{AppCredential, AppGraphClient, AppTokenSource};
use graph_client::{MicrosoftConfig, Timing};
use keychain::Secret;
use presence_relay::{Relay, RelaySettings, RelayStatus, Role};
use relay_feed::{FeedHealth, PresenceUpdate, PresenceWatcher, WatchTiming};
use simulators::graph::{
    AppOnlySetup, GraphSimSetup, GraphSimulator, RosterSetup, DEFAULT_TENANT_ID, RELAY_CLIENT_ID,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub const APP_SECRET: &str = "relay-client-secret-for-tests";

pub async fn graph_simulator(users: u32) -> GraphSimulator {
    GraphSimulator::start(GraphSimSetup {
        colleagues: 5,
        app_only: AppOnlySetup {
            secrets: vec![APP_SECRET.into()],
            ..AppOnlySetup::default()
        },
        roster: RosterSetup {
            users,
            delta_page_size: 500,
        },
        ..GraphSimSetup::default()
    })
    .await
    .unwrap()
}

pub fn app_graph(sim: &GraphSimulator) -> AppGraphClient {
    let config = MicrosoftConfig::new(RELAY_CLIENT_ID)
        .unwrap()
        .with_tenant(DEFAULT_TENANT_ID)
        .with_authority(&sim.base_url())
        .unwrap()
        .with_graph_base(&sim.graph_url())
        .unwrap();
    let tokens = AppTokenSource::new(
        config,
        AppCredential::Secret(Secret::new(APP_SECRET)),
        Timing::real(),
    )
    .unwrap();
    AppGraphClient::new(Arc::new(tokens), Duration::from_secs(10))
}

/// Test timings: a 1 s poll and a 3 s lease (the defaults are 5 s and 10 s).
pub fn settings(instance: &str, replicas: usize) -> RelaySettings {
    RelaySettings {
        poll_interval: Duration::from_secs(1),
        allowed_per_30s: 300,
        directory_refresh: Duration::from_secs(2),
        lease_ttl: Duration::from_secs(3),
        replicas,
        instance: instance.into(),
    }
}

/// A relay running in its own task.
pub struct RunningRelay {
    pub status: watch::Receiver<RelayStatus>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), presence_relay::RelayError>>>,
}

impl RunningRelay {
    pub fn start(relay: Relay) -> Self {
        let status = relay.status();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(relay.run(async {
            let _ = stopped.await;
        }));
        Self {
            status,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A clean stop (SIGTERM): the leader hands the lease over.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    /// A crash: the task is gone without releasing anything.
    pub fn crash(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    pub fn role(&self) -> Role {
        self.status.borrow().role
    }

    pub async fn wait_for_role(&mut self, role: Role, limit: Duration) {
        let wait = self.status.wait_for(|s| s.role == role);
        tokio::time::timeout(limit, wait)
            .await
            .unwrap_or_else(|_| panic!("relay did not become {role:?} within {limit:?}"))
            .unwrap();
    }

    pub async fn wait_for_cycles(&mut self, cycles: u64, limit: Duration) {
        let wait = self.status.wait_for(|s| s.cycles >= cycles);
        tokio::time::timeout(limit, wait)
            .await
            .unwrap_or_else(|_| panic!("relay did not finish {cycles} cycles within {limit:?}"))
            .unwrap();
    }
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn watch_timing() -> WatchTiming {
    WatchTiming {
        stale_after: Duration::from_secs(4),
        unreachable_after: Duration::from_secs(2),
        retry_every: Duration::from_millis(500),
    }
}

pub async fn wait_for_health(
    watcher: &PresenceWatcher,
    wanted: impl Fn(&FeedHealth) -> bool,
    limit: Duration,
) -> FeedHealth {
    let mut health = watcher.health();
    let result = tokio::time::timeout(limit, health.wait_for(|h| wanted(h))).await;
    match result {
        Ok(Ok(health)) => health.clone(),
        _ => panic!(
            "the watcher's health did not arrive within {limit:?}; it is {:?}",
            watcher.health().borrow().clone()
        ),
    }
}

/// Waits for the first update matching `wanted`, skipping others.
pub async fn wait_for_update(
    updates: &mut mpsc::Receiver<PresenceUpdate>,
    wanted: impl Fn(&PresenceUpdate) -> bool,
    limit: Duration,
) -> PresenceUpdate {
    let found = tokio::time::timeout(limit, async {
        while let Some(update) = updates.recv().await {
            if wanted(&update) {
                return update;
            }
        }
        panic!("the watcher stopped");
    })
    .await;
    found.unwrap_or_else(|_| panic!("no matching update within {limit:?}"))
}

pub fn is_change(id: &str, availability: &str, activity: &str) -> impl Fn(&PresenceUpdate) -> bool {
    let (id, availability, activity) =
        (id.to_owned(), availability.to_owned(), activity.to_owned());
    move |update| {
        matches!(update, PresenceUpdate::Changed { id: i, value, .. }
            if *i == id && value.availability.as_str() == availability && value.activity.as_str() == activity)
    }
}

/// Samples two relays' roles every 10 ms and counts the samples where both were leaders.
pub struct OverlapMonitor {
    stop: oneshot::Sender<()>,
    task: JoinHandle<usize>,
}

impl OverlapMonitor {
    pub async fn stop(self) -> usize {
        let _ = self.stop.send(());
        self.task.await.unwrap()
    }
}

pub fn never_two_leaders(
    a: watch::Receiver<RelayStatus>,
    b: watch::Receiver<RelayStatus>,
) -> OverlapMonitor {
    let (stop, mut stopped) = oneshot::channel();
    let task = tokio::spawn(async move {
        let mut overlaps = 0;
        // A relay whose task is gone (crashed) has dropped its status: it polls no more.
        let leads = |status: &watch::Receiver<RelayStatus>| {
            status.has_changed().is_ok() && status.borrow().role == Role::Leader
        };
        loop {
            if leads(&a) && leads(&b) {
                overlaps += 1;
            }
            tokio::select! {
                _ = &mut stopped => return overlaps,
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
    });
    OverlapMonitor { stop, task }
}

/// A TCP forwarder on loopback that can be cut: every connection through it is dropped and new
/// ones are refused (a relay losing its network while others keep theirs).
pub struct CuttableLink {
    pub port: u16,
    cut: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl CuttableLink {
    pub async fn to(target_port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, cut_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if *cut_rx.borrow() {
                    continue; // dropped at once: refused
                }
                let mut cut_rx = cut_rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target_port)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_rx.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Self { port, cut, task }
    }

    pub fn cut(&self) {
        let _ = self.cut.send(true);
    }
}

impl Drop for CuttableLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
