//! The running relay: stand by until it holds the lease, then read the directory and poll
//! presence inside its share of the budget, publishing only changes, until it loses the lease
//! or is told to stop.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use graph_client::app_only::AppGraphClient;
use graph_client::graph::{PresenceRecord, MAX_IDS_PER_PRESENCE_REQUEST};
use graph_client::GraphError;
use presence_core::teams::{Activity, Availability};
use relay_feed::{FeedConnection, LeaseRecord, PresenceValue, SCHEMA_VERSION};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};

use crate::directory::Directory;
use crate::error::RelayError;
use crate::feed_writer::{load_published, open_bucket, FeedWriter};
use crate::lease::{Lease, LeaseObservation, Renewal};
use crate::pacing::{CyclePlan, ThrottleBackoff};
use crate::phone::{PhoneBook, PhoneUpdate};

/// Presence failures in a row after which the relay tells desktops it cannot reach Graph.
const FAILURES_BEFORE_NOT_OK: u32 = 3;

/// The relay's settings, resolved from [`crate::config::RelayConfig`].
#[derive(Debug, Clone)]
pub struct RelaySettings {
    pub poll_interval: Duration,
    pub allowed_per_30s: u32,
    pub directory_refresh: Duration,
    pub lease_ttl: Duration,
    pub replicas: usize,
    /// This relay's name in the lease.
    pub instance: String,
}

/// Whether this relay is the one polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Starting,
    Standby,
    Leader,
    Stopped,
}

/// What the relay is doing, for `doctor`, tests and benchmarks. No presence in here.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayStatus {
    pub role: Role,
    /// Times this relay took the lease.
    pub leaderships: u64,
    /// Presence requests this relay sent to Graph.
    pub presence_requests: u64,
    /// `/users/delta` requests rounds completed.
    pub directory_rounds: u64,
    /// Complete poll cycles (every person read once).
    pub cycles: u64,
    /// Values written to the bucket.
    pub published: u64,
    pub people: usize,
    pub graph_ok: bool,
    /// The current cycle's schedule.
    pub plan: Option<CyclePlan>,
}

impl Default for RelayStatus {
    fn default() -> Self {
        Self {
            role: Role::Starting,
            leaderships: 0,
            presence_requests: 0,
            directory_rounds: 0,
            cycles: 0,
            published: 0,
            people: 0,
            graph_ok: true,
            plan: None,
        }
    }
}

pub struct Relay {
    graph: AppGraphClient,
    connection: FeedConnection,
    settings: RelaySettings,
    phone_updates: Option<mpsc::Receiver<PhoneUpdate>>,
    status: watch::Sender<RelayStatus>,
}

enum LeadEnd {
    Shutdown,
    LostLease,
}

impl Relay {
    pub fn new(graph: AppGraphClient, connection: FeedConnection, settings: RelaySettings) -> Self {
        Self {
            graph,
            connection,
            settings,
            phone_updates: None,
            status: watch::channel(RelayStatus::default()).0,
        }
    }

    /// Connects a phone-state source (e.g. STARFACE OneHub): updates keyed by e-mail, merged
    /// into people's values (see [`crate::phone`]).
    pub fn with_phone_updates(mut self, updates: mpsc::Receiver<PhoneUpdate>) -> Self {
        self.phone_updates = Some(updates);
        self
    }

    pub fn status(&self) -> watch::Receiver<RelayStatus> {
        self.status.subscribe()
    }

    fn update_status(&self, change: impl FnOnce(&mut RelayStatus)) {
        self.status.send_modify(change);
    }

    /// Runs until `shutdown` completes. A leader releases the lease on the way out.
    pub async fn run(
        mut self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), RelayError> {
        tokio::pin!(shutdown);
        let client = loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                connected = self.connection.connect() => match connected {
                    Ok(client) => break client,
                    Err(error) => {
                        tracing::warn!(%error, "cannot reach NATS; retrying");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                },
            }
        };
        let store = loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                opened = open_bucket(&client, self.settings.replicas) => match opened {
                    Ok(store) => break store,
                    Err(error) => {
                        tracing::warn!(%error, "cannot open the presence bucket; retrying");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                },
            }
        };
        let lease = Lease::new(store.clone(), self.settings.lease_ttl);
        let js = async_nats::jetstream::new(client.clone());
        let mut phones = PhoneBook::default();
        let mut phone_updates = self.phone_updates.take();
        loop {
            self.update_status(|s| s.role = Role::Standby);
            let mut observation = LeaseObservation::default();
            let check_every = (self.settings.lease_ttl / 5).min(Duration::from_secs(1));
            let (revision, acquired_at) = loop {
                let record = self.lease_record(true);
                let attempt_at = Instant::now();
                match lease.try_acquire(&mut observation, &record).await {
                    Ok(Some(revision)) => break (revision, attempt_at),
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%error, "cannot read the lease"),
                }
                let wake = Instant::now() + check_every;
                loop {
                    tokio::select! {
                        _ = &mut shutdown => {
                            self.update_status(|s| s.role = Role::Stopped);
                            return Ok(());
                        }
                        Some(update) = recv(&mut phone_updates) => { phones.apply(update); }
                        _ = sleep_until(wake) => break,
                    }
                }
            };
            tracing::info!(instance = %self.settings.instance, "this relay holds the lease and polls");
            self.update_status(|s| {
                s.role = Role::Leader;
                s.leaderships += 1;
            });
            match self
                .lead(
                    &lease,
                    revision,
                    acquired_at,
                    &js,
                    &store,
                    &mut phones,
                    &mut phone_updates,
                    &mut shutdown,
                )
                .await
            {
                LeadEnd::Shutdown => {
                    self.update_status(|s| s.role = Role::Stopped);
                    return Ok(());
                }
                LeadEnd::LostLease => {
                    tracing::warn!("lost the lease; standing by");
                }
            }
        }
    }

    fn lease_record(&self, graph_ok: bool) -> LeaseRecord {
        LeaseRecord {
            v: SCHEMA_VERSION,
            holder: self.settings.instance.clone(),
            ttl_ms: self.settings.lease_ttl.as_millis() as u64,
            graph_ok,
            poll_interval_ms: self.settings.poll_interval.as_millis() as u64,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn lead(
        &self,
        lease: &Lease,
        revision: u64,
        acquired_at: Instant,
        js: &async_nats::jetstream::Context,
        store: &async_nats::jetstream::kv::Store,
        phones: &mut PhoneBook,
        phone_updates: &mut Option<mpsc::Receiver<PhoneUpdate>>,
        shutdown: &mut std::pin::Pin<&mut (impl Future<Output = ()> + Send)>,
    ) -> LeadEnd {
        let graph_ok = Arc::new(AtomicBool::new(true));
        let current_revision = Arc::new(AtomicU64::new(revision));
        let (lost_tx, mut lost_rx) = watch::channel(false);
        // Polling must stop by this instant unless a renewal succeeds first. It counts from when
        // the renewal was *sent*: the lease's new revision is committed after that, and a standby
        // counts its TTL from when it saw that revision, so the holder always stops first.
        let (fence_tx, mut fence_rx) = watch::channel(acquired_at + lease.holder_deadline());
        let renewer = AbortOnDrop({
            let lease = lease.clone();
            let graph_ok = graph_ok.clone();
            let current_revision = current_revision.clone();
            let base = self.lease_record(true);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease.renew_every()).await;
                    let record = LeaseRecord {
                        graph_ok: graph_ok.load(Ordering::Relaxed),
                        ..base.clone()
                    };
                    let sent_at = Instant::now();
                    let renewal = tokio::time::timeout(
                        lease.renew_every(),
                        lease.renew(current_revision.load(Ordering::SeqCst), &record),
                    )
                    .await;
                    match renewal {
                        Ok(Renewal::Renewed(revision)) => {
                            current_revision.store(revision, Ordering::SeqCst);
                            let _ = fence_tx.send(sent_at + lease.holder_deadline());
                        }
                        Ok(Renewal::Lost) => {
                            let _ = lost_tx.send(true);
                            return;
                        }
                        Ok(Renewal::Unavailable(error)) => {
                            tracing::warn!(%error, "cannot renew the lease");
                        }
                        Err(_) => tracing::warn!("renewing the lease timed out"),
                    }
                }
            })
        });
        let poll = self.poll(js, store, phones, phone_updates, &graph_ok);
        tokio::pin!(poll);
        let end = loop {
            let fence = *fence_rx.borrow_and_update();
            tokio::select! {
                _ = shutdown.as_mut() => break LeadEnd::Shutdown,
                _ = lost_rx.changed() => break LeadEnd::LostLease,
                _ = fence_rx.changed() => continue,
                _ = sleep_until(fence) => {
                    // Never two pollers: stop before a standby may take over.
                    tracing::warn!("the lease could not be renewed in time; stopping polling");
                    break LeadEnd::LostLease;
                }
                () = &mut poll => break LeadEnd::LostLease,
            }
        };
        drop(renewer);
        if matches!(end, LeadEnd::Shutdown) {
            lease.release(current_revision.load(Ordering::SeqCst)).await;
        }
        end
    }

    /// The leader's work; returns only if it cannot go on (never in practice).
    async fn poll(
        &self,
        js: &async_nats::jetstream::Context,
        store: &async_nats::jetstream::kv::Store,
        phones: &mut PhoneBook,
        phone_updates: &mut Option<mpsc::Receiver<PhoneUpdate>>,
        graph_ok: &AtomicBool,
    ) {
        let published = load_published(store, Duration::from_secs(30)).await;
        let mut writer = FeedWriter::new(js.clone(), store.clone(), published);
        let mut directory = Directory::default();
        let mut directory_due = Instant::now();
        let mut backoff = ThrottleBackoff::default();
        let mut failures = 0u32;
        loop {
            if Instant::now() >= directory_due || !directory.is_complete() {
                match directory.sync(&self.graph).await {
                    Ok(changes) => {
                        for id in &changes.left {
                            phones.unlink(id);
                            if let Err(error) = writer.remove(id).await {
                                tracing::warn!(%error, "cannot remove a leaver's value");
                            }
                        }
                        for id in &changes.joined_or_changed {
                            if let Some(entry) = directory.get(id) {
                                phones.link(
                                    id,
                                    entry.mail.iter().chain(&entry.user_principal_name).cloned(),
                                );
                            }
                        }
                        directory_due = Instant::now() + self.settings.directory_refresh;
                        let people = directory.len();
                        self.update_status(|s| {
                            s.directory_rounds += 1;
                            s.people = people;
                        });
                        tracing::info!(
                            people,
                            joined_or_changed = changes.joined_or_changed.len(),
                            left = changes.left.len(),
                            "directory read"
                        );
                    }
                    Err(error) => {
                        self.note_failure(&mut failures, graph_ok, &error);
                        let wait = match error {
                            GraphError::Throttled { retry_after, .. } => {
                                backoff.on_throttled(retry_after)
                            }
                            _ => Duration::from_secs(5),
                        };
                        self.wait(wait, phones, phone_updates, &mut writer).await;
                        continue;
                    }
                }
            }
            let plan = CyclePlan::new(
                directory.len(),
                self.settings.poll_interval,
                self.settings.allowed_per_30s,
            );
            self.update_status(|s| s.plan = Some(plan));
            let ids: Vec<String> = directory.ids().cloned().collect();
            let cycle_start = Instant::now();
            if ids.is_empty() {
                self.wait(plan.cycle, phones, phone_updates, &mut writer)
                    .await;
                continue;
            }
            for (index, chunk) in ids.chunks(MAX_IDS_PER_PRESENCE_REQUEST).enumerate() {
                self.update_status(|s| s.presence_requests += 1);
                match self.graph.presence_batch(chunk).await {
                    Ok(records) => {
                        backoff.on_success();
                        failures = 0;
                        if !graph_ok.swap(true, Ordering::Relaxed) {
                            tracing::info!("Graph answers again");
                            self.update_status(|s| s.graph_ok = true);
                        }
                        let values: Vec<(String, PresenceValue)> = records
                            .iter()
                            .map(|record| {
                                let phone = phones.state_of(&record.id);
                                (record.id.clone(), presence_value(record, phone))
                            })
                            .collect();
                        let (written, error) = writer.publish_all(values).await;
                        self.update_status(|s| s.published += written as u64);
                        if let Some(error) = error {
                            tracing::warn!(%error, "cannot publish every value");
                        }
                    }
                    Err(GraphError::Throttled {
                        retry_after,
                        status,
                    }) => {
                        let wait = backoff.on_throttled(retry_after);
                        tracing::warn!(
                            status,
                            ?wait,
                            "Graph throttles the relay; waiting as asked"
                        );
                        self.wait(wait, phones, phone_updates, &mut writer).await;
                    }
                    Err(error) => self.note_failure(&mut failures, graph_ok, &error),
                }
                let next = cycle_start + plan.gap * (index as u32 + 1);
                self.wait_until(next, phones, phone_updates, &mut writer)
                    .await;
            }
            self.update_status(|s| s.cycles += 1);
        }
    }

    fn note_failure(&self, failures: &mut u32, graph_ok: &AtomicBool, error: &GraphError) {
        *failures += 1;
        tracing::warn!(%error, failures = *failures, "Graph request failed");
        if *failures >= FAILURES_BEFORE_NOT_OK {
            graph_ok.store(false, Ordering::Relaxed);
            self.update_status(|s| s.graph_ok = false);
        }
    }

    async fn write(&self, writer: &mut FeedWriter, id: &str, value: PresenceValue) {
        match writer.publish(id, value).await {
            Ok(true) => self.update_status(|s| s.published += 1),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot publish a value"),
        }
    }

    async fn wait(
        &self,
        duration: Duration,
        phones: &mut PhoneBook,
        phone_updates: &mut Option<mpsc::Receiver<PhoneUpdate>>,
        writer: &mut FeedWriter,
    ) {
        self.wait_until(Instant::now() + duration, phones, phone_updates, writer)
            .await
    }

    /// Sleeps until `deadline`, publishing phone-state changes as they come.
    async fn wait_until(
        &self,
        deadline: Instant,
        phones: &mut PhoneBook,
        phone_updates: &mut Option<mpsc::Receiver<PhoneUpdate>>,
        writer: &mut FeedWriter,
    ) {
        loop {
            tokio::select! {
                _ = sleep_until(deadline) => return,
                Some(update) = recv(phone_updates) => {
                    let state = update.state.clone();
                    let Some(id) = phones.apply(update) else { continue };
                    // Only people whose presence was read: the phone rides on their value.
                    let Some(current) = writer.published(&id).cloned() else { continue };
                    let value = PresenceValue {
                        phone: state.or_else(|| phones.state_of(&id)),
                        updated_at: time::OffsetDateTime::now_utc(),
                        ..current
                    };
                    self.write(writer, &id, value).await;
                }
            }
        }
    }
}

/// Stops the lease renewal with the leadership, also when the relay's task is aborted (a
/// renewal outliving its poller would keep standbys out forever).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Receives from an optional channel; pending forever without one (or after it closed).
async fn recv(updates: &mut Option<mpsc::Receiver<PhoneUpdate>>) -> Option<PhoneUpdate> {
    match updates {
        Some(receiver) => match receiver.recv().await {
            Some(update) => Some(update),
            None => {
                *updates = None;
                std::future::pending().await
            }
        },
        None => std::future::pending().await,
    }
}

fn presence_value(record: &PresenceRecord, phone: Option<relay_feed::PhoneState>) -> PresenceValue {
    PresenceValue {
        v: SCHEMA_VERSION,
        availability: Availability::parse(&record.availability),
        activity: Activity::parse(&record.activity),
        out_of_office: record.out_of_office,
        has_status_message: record.status_message.is_some(),
        phone,
        updated_at: time::OffsetDateTime::now_utc(),
    }
}
