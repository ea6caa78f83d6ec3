//! The desktop side of the feed: watch a set of people's keys and report the feed's health.
//!
//! [`PresenceWatcher::start`] runs one task that connects (retrying), watches each person's key
//! (the current value first, then every change) and the relay's lease, and keeps
//! [`FeedHealth`] up to date:
//!
//! - `Live`: connected, and a relay renewed its lease recently and last reached Graph.
//! - `Stale`: connected, but no relay renews the lease (all relays stopped), or the polling
//!   relay cannot reach Graph. Values may be old: poll Graph directly.
//! - `Unreachable`: no NATS server answers (or none accepts our credentials). Poll directly.
//!
//! The caller decides what to do with the health; the intended use is "prefer the feed while it
//! is `Live`, poll Graph yourself otherwise, and stop again when it is `Live` once more".

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream::kv::{Operation, Store};
use futures::stream::{BoxStream, SelectAll};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::connection::FeedConnection;
use crate::value::{LeaseRecord, PresenceValue, ValueError, BUCKET, LEASE_KEY};

/// How the watcher judges health and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchTiming {
    /// No lease renewal seen for this long: the feed is stale (no relay is polling).
    pub stale_after: Duration,
    /// Disconnected for this long: the feed is unreachable (short blips during a server
    /// failover do not count).
    pub unreachable_after: Duration,
    /// Wait between connection attempts while no server answers.
    pub retry_every: Duration,
}

impl Default for WatchTiming {
    fn default() -> Self {
        Self {
            stale_after: Duration::from_secs(15),
            unreachable_after: Duration::from_secs(5),
            retry_every: Duration::from_secs(2),
        }
    }
}

/// Why the feed cannot be trusted although NATS answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// No relay holds the lease (or it stopped renewing it).
    NoRelay,
    /// The polling relay cannot read presence from Graph right now.
    RelayCannotReachGraph,
    /// The relay writes a newer value schema than this version reads.
    UnsupportedSchema { found: u32 },
}

/// Whether the desktop may rely on the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedHealth {
    /// Starting: not yet connected, or connected and waiting for the first lease.
    Connecting,
    Live,
    Stale(StaleReason),
    /// No server answered or the credentials were refused; `reason` is for logs and `doctor`.
    Unreachable {
        reason: String,
    },
}

impl FeedHealth {
    /// Whether the desktop should stop its own presence reads.
    pub fn is_live(&self) -> bool {
        matches!(self, FeedHealth::Live)
    }
}

/// A change to one watched person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresenceUpdate {
    /// The current value (first delivery) or a new one. `revision` grows with every write.
    Changed {
        id: String,
        value: PresenceValue,
        revision: u64,
    },
    /// The person left the tenant (the relay deleted the key).
    Removed { id: String },
    /// The stored value cannot be read by this version.
    Unreadable { id: String, error: ValueError },
}

/// A running watcher. Dropping it stops the task.
pub struct PresenceWatcher {
    ids: watch::Sender<BTreeSet<String>>,
    health: watch::Receiver<FeedHealth>,
    task: JoinHandle<()>,
}

impl Drop for PresenceWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PresenceWatcher {
    /// Starts watching `ids` (Entra object ids; upper case is folded). Updates arrive on the
    /// returned channel; health on [`Self::health`].
    pub fn start(
        connection: FeedConnection,
        ids: impl IntoIterator<Item = String>,
        timing: WatchTiming,
    ) -> (Self, mpsc::Receiver<PresenceUpdate>) {
        let (ids_tx, ids_rx) = watch::channel(normalise(ids));
        let (health_tx, health_rx) = watch::channel(FeedHealth::Connecting);
        let (updates_tx, updates_rx) = mpsc::channel(1024);
        let task = tokio::spawn(run(connection, ids_rx, health_tx, updates_tx, timing));
        (
            Self {
                ids: ids_tx,
                health: health_rx,
                task,
            },
            updates_rx,
        )
    }

    /// Replaces the watched set (e.g. the window now shows other colleagues). People newly in
    /// the set get their current value at once.
    pub fn watch_ids(&self, ids: impl IntoIterator<Item = String>) {
        let ids = normalise(ids);
        self.ids.send_if_modified(|current| {
            let changed = *current != ids;
            *current = ids;
            changed
        });
    }

    /// The feed's health, updated as it changes.
    pub fn health(&self) -> watch::Receiver<FeedHealth> {
        self.health.clone()
    }
}

fn normalise(ids: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    ids.into_iter()
        .map(|id| id.trim().to_ascii_lowercase())
        .filter(|id| crate::value::is_person_key(id))
        .collect()
}

fn set_health(health: &watch::Sender<FeedHealth>, value: FeedHealth) {
    health.send_if_modified(|current| {
        if *current == value {
            return false;
        }
        tracing::info!(from = ?current, to = ?value, "presence feed health changed");
        *current = value;
        true
    });
}

async fn run(
    connection: FeedConnection,
    mut ids: watch::Receiver<BTreeSet<String>>,
    health: watch::Sender<FeedHealth>,
    updates: mpsc::Sender<PresenceUpdate>,
    timing: WatchTiming,
) {
    loop {
        let client = match connection.connect().await {
            Ok(client) => client,
            Err(error) => {
                set_health(
                    &health,
                    FeedHealth::Unreachable {
                        reason: error.to_string(),
                    },
                );
                tokio::time::sleep(timing.retry_every).await;
                continue;
            }
        };
        let js = async_nats::jetstream::new(client.clone());
        let store = match js.get_key_value(BUCKET).await {
            Ok(store) => store,
            Err(error) => {
                // Reachable, but the relay never created the bucket (or we may not see it).
                tracing::warn!(%error, "presence bucket not available");
                set_health(&health, FeedHealth::Stale(StaleReason::NoRelay));
                drop(client);
                tokio::time::sleep(timing.retry_every).await;
                continue;
            }
        };
        // The same connection serves every watched set; only a failure reconnects.
        loop {
            match watch_session(&client, &store, &mut ids, &health, &updates, timing).await {
                SessionEnd::Stopped => return,
                SessionEnd::IdsChanged | SessionEnd::Reread => continue,
                SessionEnd::Restart(reason) => {
                    tracing::info!(%reason, "reconnecting the presence watch");
                    break;
                }
            }
        }
    }
}

enum SessionEnd {
    Stopped,
    /// The caller changed the watched set: watch again on the same connection.
    IdsChanged,
    /// Connected again after an outage: watch again on the same connection, so every watched
    /// value is delivered once more (a watch that survived the reconnect only brings changes,
    /// and the desktop read presence itself meanwhile).
    Reread,
    Restart(String),
}

type EntryStream = BoxStream<'static, (String, Result<async_nats::jetstream::kv::Entry, String>)>;

async fn watch_key(store: &Store, key: &str) -> Result<EntryStream, String> {
    let key_owned = key.to_owned();
    let stream = store
        .watch_with_history(key)
        .await
        .map_err(|e| format!("cannot watch {key}: {e}"))?;
    Ok(stream
        .map(move |item| (key_owned.clone(), item.map_err(|e| e.to_string())))
        .boxed())
}

async fn watch_session(
    client: &async_nats::Client,
    store: &Store,
    ids: &mut watch::Receiver<BTreeSet<String>>,
    health: &watch::Sender<FeedHealth>,
    updates: &mpsc::Sender<PresenceUpdate>,
    timing: WatchTiming,
) -> SessionEnd {
    let watched = ids.borrow_and_update().clone();
    let mut people: SelectAll<EntryStream> = SelectAll::new();
    for id in &watched {
        match watch_key(store, id).await {
            Ok(stream) => people.push(stream),
            Err(reason) => return SessionEnd::Restart(reason),
        }
    }
    let mut lease = match watch_key(store, LEASE_KEY).await {
        Ok(stream) => stream,
        Err(reason) => return SessionEnd::Restart(reason),
    };
    let started = Instant::now();
    // When the lease last moved, and what it said.
    let mut last_lease: Option<(Instant, Option<LeaseRecord>)> = None;
    let mut disconnected_since: Option<Instant> = None;
    let mut schema_problem: Option<u32> = None;
    let mut was_unreachable = false;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            item = people.next(), if !people.is_empty() => {
                let Some((id, entry)) = item else {
                    return SessionEnd::Restart("all watches ended".into());
                };
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(reason) => return SessionEnd::Restart(reason),
                };
                let update = match entry.operation {
                    Operation::Put => match PresenceValue::decode(&entry.value) {
                        Ok(value) => PresenceUpdate::Changed { id, value, revision: entry.revision },
                        Err(error) => {
                            if let ValueError::UnsupportedSchema { found } = error {
                                schema_problem = Some(found);
                            }
                            PresenceUpdate::Unreadable { id, error }
                        }
                    },
                    Operation::Delete | Operation::Purge => PresenceUpdate::Removed { id },
                };
                if updates.send(update).await.is_err() {
                    return SessionEnd::Stopped;
                }
            }
            item = lease.next() => {
                let Some((_, entry)) = item else {
                    return SessionEnd::Restart("the lease watch ended".into());
                };
                match entry {
                    Ok(entry) => {
                        let record = match entry.operation {
                            Operation::Put => LeaseRecord::decode(&entry.value).ok(),
                            Operation::Delete | Operation::Purge => None,
                        };
                        last_lease = Some((Instant::now(), record));
                    }
                    Err(reason) => return SessionEnd::Restart(reason),
                }
            }
            changed = ids.changed() => {
                if changed.is_err() {
                    return SessionEnd::Stopped;
                }
                return SessionEnd::IdsChanged;
            }
            _ = tick.tick() => {}
        }
        if updates.is_closed() {
            return SessionEnd::Stopped;
        }
        let now = Instant::now();
        let connected = client.connection_state() == async_nats::connection::State::Connected;
        if connected {
            if was_unreachable {
                tracing::info!("NATS reachable again; reading the watched values again");
                return SessionEnd::Reread;
            }
            disconnected_since = None;
        } else {
            disconnected_since.get_or_insert(now);
        }
        let verdict = if let Some(since) = disconnected_since {
            if now - since >= timing.unreachable_after {
                was_unreachable = true;
                Some(FeedHealth::Unreachable {
                    reason: "disconnected from every NATS server".into(),
                })
            } else {
                None // a blip: keep the last verdict
            }
        } else if let Some(found) = schema_problem {
            Some(FeedHealth::Stale(StaleReason::UnsupportedSchema { found }))
        } else {
            match &last_lease {
                Some((at, Some(record))) if now - *at < timing.stale_after => {
                    if record.graph_ok {
                        Some(FeedHealth::Live)
                    } else {
                        Some(FeedHealth::Stale(StaleReason::RelayCannotReachGraph))
                    }
                }
                Some(_) => Some(FeedHealth::Stale(StaleReason::NoRelay)),
                None if now - started >= timing.stale_after => {
                    Some(FeedHealth::Stale(StaleReason::NoRelay))
                }
                None => None,
            }
        };
        if let Some(verdict) = verdict {
            set_health(health, verdict);
        }
    }
}
