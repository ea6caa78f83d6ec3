//! Keeps colleagues' phone state live: one OneHub connection, one event stream, subscriptions
//! that follow the watched accounts, and reconnects with backoff.
//!
//! Each session: connect, `GetServerVersion`, start `SubscribePresenceEvents` without waiting
//! for its headers (the PBX sends them only with the first event), look the new accounts up
//! (`BatchGetUserIdentifiers`, both id kinds), subscribe their ids in chunks with
//! `return_presence_states = true` and publish that snapshot, then apply events as they come
//! and follow changes of the watched set (unsubscribing what is gone). When the session ends
//! (stream cut, dead link found by the keep-alive pings, PBX restart, refused call) the phones
//! are cleared, since nobody can say what they are now, and a new session starts after the
//! delay the failure calls for.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use onehub_proto::presence::PresenceEventResponse;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tonic::codec::Streaming;

use super::bearer::BearerSource;
use super::client::{OneHubClient, OpeningEvents};
use super::error::OneHubError;
use super::phone::{apply, interpret, AccountId, PhoneBook, Update};
use super::target::{ChannelSettings, OneHubTarget, TargetSource};
use crate::config::PbxEndpoint;

/// Where to connect: a known target, or the PBX's login config (cloud gateway or port 9092),
/// asked again before every session.
#[derive(Debug, Clone)]
pub enum OneHubLocation {
    Fixed(OneHubTarget),
    FromPbx(PbxEndpoint),
}

#[derive(Debug, Clone)]
pub struct OneHubWatchSettings {
    pub channel: ChannelSettings,
    /// First delay after a failure; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// A session that stayed up this long resets the backoff.
    pub stable_after: Duration,
    /// Delay after `PermissionDenied`: an admin must act first.
    pub permission_retry: Duration,
    /// Delay after `Unimplemented` (a PBX before STARFACE 10).
    pub not_supported_retry: Duration,
    /// Ids (or accounts) per subscribe, unsubscribe and lookup call.
    pub ids_per_call: usize,
}

impl Default for OneHubWatchSettings {
    fn default() -> Self {
        Self {
            channel: ChannelSettings::default(),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            stable_after: Duration::from_secs(60),
            permission_retry: Duration::from_secs(300),
            not_supported_retry: Duration::from_secs(1800),
            ids_per_call: 100,
        }
    }
}

/// How the OneHub connection is doing (for `doctor` and the window).
#[derive(Debug, Clone)]
pub enum OneHubStatus {
    /// Connecting (first time or again).
    Connecting,
    /// Connected and subscribed; phone states are live.
    Connected {
        /// `https://host:port`.
        target: String,
        source: TargetSource,
        server_version: String,
        /// Watched accounts with OneHub ids.
        watched: usize,
        /// Watched accounts OneHub does not know (no phone state for them).
        unresolved: Vec<AccountId>,
    },
    /// Not connected; the next attempt is in `retry_in`. `error` says why (unreachable,
    /// permission missing, token refused, rate limited, not supported, sign-in needed).
    Waiting {
        error: OneHubError,
        retry_in: Duration,
    },
    Stopped,
}

/// A running watch. Dropping it stops the task (without unsubscribing; use [`Self::stop`]).
pub struct OneHubWatch {
    watched: watch::Sender<BTreeSet<AccountId>>,
    phones: watch::Receiver<PhoneBook>,
    status: watch::Receiver<OneHubStatus>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl OneHubWatch {
    /// Starts watching (nobody yet: see [`Self::set_watched`]).
    pub fn spawn(
        location: OneHubLocation,
        bearer: Arc<dyn BearerSource>,
        settings: OneHubWatchSettings,
    ) -> Self {
        let (watched, watched_rx) = watch::channel(BTreeSet::new());
        let (phones_tx, phones) = watch::channel(PhoneBook::new());
        let (status_tx, status) = watch::channel(OneHubStatus::Connecting);
        let (stop, stop_rx) = oneshot::channel();
        let task = tokio::spawn(run(
            Context {
                location,
                bearer,
                settings,
                phones: phones_tx,
                status: status_tx,
            },
            watched_rx,
            stop_rx,
        ));
        Self {
            watched,
            phones,
            status,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The accounts to watch from now on (subscriptions follow; the rest are unsubscribed).
    pub fn set_watched(&self, accounts: impl IntoIterator<Item = AccountId>) {
        let accounts: BTreeSet<AccountId> = accounts.into_iter().collect();
        self.watched.send_if_modified(|current| {
            if *current == accounts {
                false
            } else {
                *current = accounts;
                true
            }
        });
    }

    /// Phone states of the watched accounts, pushed as they change.
    pub fn phones(&self) -> watch::Receiver<PhoneBook> {
        self.phones.clone()
    }

    pub fn status(&self) -> watch::Receiver<OneHubStatus> {
        self.status.clone()
    }

    /// Unsubscribes everything (best effort) and ends the task.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for OneHubWatch {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Context {
    location: OneHubLocation,
    bearer: Arc<dyn BearerSource>,
    settings: OneHubWatchSettings,
    phones: watch::Sender<PhoneBook>,
    status: watch::Sender<OneHubStatus>,
}

impl Context {
    fn publish(&self, book: &PhoneBook) {
        self.phones.send_if_modified(|current| {
            if current == book {
                false
            } else {
                current.clone_from(book);
                true
            }
        });
    }
}

/// How a session ended without an error.
enum Ended {
    Stopped,
}

async fn run(
    context: Context,
    mut watched: watch::Receiver<BTreeSet<AccountId>>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut backoff = Backoff::new(context.settings.backoff_min, context.settings.backoff_max);
    loop {
        if !matches!(*context.status.borrow(), OneHubStatus::Waiting { .. }) {
            context.status.send_replace(OneHubStatus::Connecting);
        }
        let mut connected_at = None;
        let outcome = session(&context, &mut watched, &mut stop, &mut connected_at).await;
        context.publish(&PhoneBook::new());
        let error = match outcome {
            Ok(Ended::Stopped) => break,
            Err(error) => error,
        };
        if connected_at.is_some_and(|at: Instant| at.elapsed() >= context.settings.stable_after) {
            backoff.reset();
        }
        let retry_in = match &error {
            OneHubError::RateLimited { retry_after, .. } => *retry_after,
            OneHubError::PermissionDenied { .. } => context.settings.permission_retry,
            OneHubError::NotSupported { .. } => context.settings.not_supported_retry,
            _ => backoff.next(),
        };
        match &error {
            OneHubError::PermissionDenied { .. } | OneHubError::NotSupported { .. } => {
                tracing::info!(%error, ?retry_in, "OneHub presence is not available")
            }
            _ => tracing::warn!(%error, ?retry_in, "OneHub presence interrupted"),
        }
        context
            .status
            .send_replace(OneHubStatus::Waiting { error, retry_in });
        tokio::select! {
            _ = tokio::time::sleep(retry_in) => {}
            _ = &mut stop => break,
        }
    }
    context.status.send_replace(OneHubStatus::Stopped);
}

/// The event stream: first the task waiting for its headers, then the stream itself.
enum Events {
    Opening(JoinHandle<Result<Streaming<PresenceEventResponse>, OneHubError>>),
    Open(Box<Streaming<PresenceEventResponse>>),
}

impl Events {
    /// The next event (cancel-safe: the state is kept in `self`).
    async fn next(
        &mut self,
        client: &OneHubClient,
    ) -> Result<Option<PresenceEventResponse>, OneHubError> {
        loop {
            match self {
                Events::Opening(task) => {
                    let stream = task.await.map_err(|e| OneHubError::Unreachable {
                        target: "event stream task".to_owned(),
                        reason: e.to_string(),
                    })??;
                    *self = Events::Open(Box::new(stream));
                }
                Events::Open(stream) => return client.next_event(stream).await,
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        if let Events::Opening(task) = self {
            task.abort();
        }
    }
}

async fn session(
    context: &Context,
    watched: &mut watch::Receiver<BTreeSet<AccountId>>,
    stop: &mut oneshot::Receiver<()>,
    connected_at: &mut Option<Instant>,
) -> Result<Ended, OneHubError> {
    let target = match &context.location {
        OneHubLocation::Fixed(target) => target.clone(),
        OneHubLocation::FromPbx(pbx) => OneHubTarget::discover(pbx).await?,
    };
    let settings = &context.settings;
    let client =
        OneHubClient::connect(&target, settings.channel.clone(), context.bearer.clone()).await?;
    let server_version = client.server_version().await?;

    let OpeningEvents { sent, stream } = client.open_events().await?;
    let mut events = Events::Opening(stream);
    // Not the stream's headers (they may never come before a change): only that the request
    // is queued on the connection ahead of the subscribe.
    let sent = tokio::time::timeout(settings.channel.request_timeout, sent).await;
    if !matches!(sent, Ok(Ok(()))) {
        // The request never left; its task says why.
        return match tokio::time::timeout(settings.channel.request_timeout, events.next(&client))
            .await
        {
            Ok(Err(error)) => Err(error),
            _ => Err(OneHubError::Unreachable {
                target: target.url(),
                reason: "the event stream request could not be sent".to_owned(),
            }),
        };
    }

    let mut subscriptions = Subscriptions::default();
    let mut book = PhoneBook::new();
    let wanted = watched.borrow_and_update().clone();
    subscriptions
        .follow(&client, &wanted, &mut book, settings.ids_per_call)
        .await?;
    context.publish(&book);
    *connected_at = Some(Instant::now());
    let connected = |subscriptions: &Subscriptions| OneHubStatus::Connected {
        target: target.url(),
        source: target.source,
        server_version: server_version.clone(),
        watched: subscriptions.ids_of.len(),
        unresolved: subscriptions.unresolved.iter().copied().collect(),
    };
    context.status.send_replace(connected(&subscriptions));
    tracing::info!(
        target = %target.url(),
        %server_version,
        watched = subscriptions.ids_of.len(),
        "OneHub presence connected"
    );

    loop {
        tokio::select! {
            _ = &mut *stop => {
                subscriptions.leave(&client, settings.ids_per_call).await;
                return Ok(Ended::Stopped);
            }
            changed = watched.changed() => {
                if changed.is_err() {
                    subscriptions.leave(&client, settings.ids_per_call).await;
                    return Ok(Ended::Stopped);
                }
                let wanted = watched.borrow_and_update().clone();
                subscriptions
                    .follow(&client, &wanted, &mut book, settings.ids_per_call)
                    .await?;
                context.publish(&book);
                context.status.send_replace(connected(&subscriptions));
            }
            event = events.next(&client) => {
                let Some(event) = event? else {
                    return Err(OneHubError::Unreachable {
                        target: target.url(),
                        reason: "the PBX ended the presence event stream".to_owned(),
                    });
                };
                if let Some((id, update)) = interpret(event) {
                    match subscriptions.account_of.get(&id) {
                        Some(account) => {
                            if apply(&mut book, *account, update) {
                                context.publish(&book);
                            }
                        }
                        None => tracing::debug!("OneHub event for an id not watched; ignored"),
                    }
                }
            }
        }
    }
}

/// What this session subscribed.
#[derive(Default)]
struct Subscriptions {
    /// Resolved accounts and the ids subscribed for them.
    ids_of: BTreeMap<AccountId, Vec<String>>,
    account_of: HashMap<String, AccountId>,
    /// Watched accounts the id lookup did not know (looked up again next session).
    unresolved: BTreeSet<AccountId>,
}

impl Subscriptions {
    /// Makes the subscriptions match `wanted`: unsubscribes accounts no longer wanted (and
    /// drops their phones), looks up and subscribes new ones, applying their snapshot.
    async fn follow(
        &mut self,
        client: &OneHubClient,
        wanted: &BTreeSet<AccountId>,
        book: &mut PhoneBook,
        per_call: usize,
    ) -> Result<(), OneHubError> {
        let per_call = per_call.max(1);
        let gone: Vec<AccountId> = self
            .ids_of
            .keys()
            .filter(|account| !wanted.contains(account))
            .copied()
            .collect();
        let gone_ids: Vec<String> = gone
            .iter()
            .flat_map(|account| self.ids_of[account].iter().cloned())
            .collect();
        for chunk in gone_ids.chunks(per_call) {
            client.unsubscribe(chunk).await?;
        }
        for account in &gone {
            for id in self.ids_of.remove(account).unwrap_or_default() {
                self.account_of.remove(&id);
            }
            book.remove(account);
        }
        self.unresolved.retain(|account| wanted.contains(account));

        let new: Vec<AccountId> = wanted
            .iter()
            .filter(|account| {
                !self.ids_of.contains_key(account) && !self.unresolved.contains(account)
            })
            .copied()
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let mut found = Vec::new();
        for chunk in new.chunks(per_call) {
            found.extend(client.lookup(chunk).await?);
        }
        let mut new_ids = Vec::new();
        for identifiers in found {
            let ids = identifiers.ids();
            if ids.is_empty() || new.binary_search(&identifiers.account).is_err() {
                continue;
            }
            for id in &ids {
                self.account_of.insert(id.clone(), identifiers.account);
            }
            new_ids.extend(ids.iter().cloned());
            self.ids_of.insert(identifiers.account, ids);
        }
        for account in &new {
            if !self.ids_of.contains_key(account) {
                self.unresolved.insert(*account);
            }
        }
        for chunk in new_ids.chunks(per_call) {
            for (id, state) in client.subscribe(chunk).await? {
                if let Some(account) = self.account_of.get(&id) {
                    apply(book, *account, Update::Replace(state));
                }
            }
        }
        Ok(())
    }

    /// Unsubscribes everything, best effort (the watch is stopping).
    async fn leave(&mut self, client: &OneHubClient, per_call: usize) {
        let ids: Vec<String> = self.ids_of.values().flatten().cloned().collect();
        for chunk in ids.chunks(per_call.max(1)) {
            if let Err(error) = client.unsubscribe(chunk).await {
                tracing::debug!(%error, "OneHub unsubscribe on stop failed");
                return;
            }
        }
    }
}

/// Exponential backoff with ±20 % jitter, so a whole office does not reconnect in step after a
/// PBX restart.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            next: min,
        }
    }

    fn next(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let spread = RandomState::new().build_hasher().finish() % 401; // 0..=400
        base.mul_f64(0.8 + spread as f64 / 1000.0)
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_and_resets() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        let delays: Vec<Duration> = (0..8).map(|_| backoff.next()).collect();
        let bases = [1, 2, 4, 8, 16, 30, 30, 30];
        for (delay, base) in delays.iter().zip(bases) {
            let base = Duration::from_secs(base);
            assert!(
                *delay >= base.mul_f64(0.8) && *delay <= base.mul_f64(1.2),
                "{delay:?}"
            );
        }
        backoff.reset();
        assert!(backoff.next() <= Duration::from_millis(1200));
    }
}
