//! The relay worker: with `[relay]` configured, presence comes from the organisation's relay
//! (NATS JetStream key-value, `relay_feed::PresenceWatcher`) instead of every desktop polling
//! Microsoft Graph.
//!
//! It watches the keys of the watched colleagues and of the user, follows the watch list, and
//! turns the feed's health into a [`PresenceSource`] the bridge hands to the Graph worker:
//! while the feed is live the Graph worker reads no presence at all; when the feed is
//! unreachable or stale it polls as before, and stops again once the feed is live.
//!
//! Values are forwarded only while the feed is live. Meanwhile the latest value per person is
//! kept, and all of them are forwarded when the feed becomes live (again): the watcher delivers
//! each key's current value first and every change after, so what is kept is current then.
//!
//! The relay publishes whether a status message is set, not its text. The user's own text is
//! what the sync's chat templates use, so when the own presence changes and has a message, the
//! own presence is read once from Graph (one request per change, never per poll).

use std::collections::HashMap;

use graph_client::GraphClient;
use presence_core::{Activity, Availability, TeamsPresence};
use relay_feed::{
    FeedConnection, FeedHealth, PresenceUpdate, PresenceValue, PresenceWatcher, StaleReason,
    WatchTiming,
};
use tokio::sync::watch;

use crate::presence_source::{PresenceSource, RelayDown, RelayReading};
use crate::workers::{Events, WorkerEvent};

/// How to reach the relay's feed (from `[relay]`, the credential from the admin policy).
#[derive(Debug, Clone)]
pub struct RelayLink {
    connection: Result<FeedConnection, String>,
    timing: WatchTiming,
}

impl RelayLink {
    /// The feed at `connection` (TLS is always on), judged with the default timing.
    pub fn new(connection: FeedConnection) -> Self {
        Self {
            connection: Ok(connection),
            timing: WatchTiming::default(),
        }
    }

    /// A relay is configured but its settings cannot be used (`reason` names the key): the app
    /// polls Graph and says why.
    pub fn unusable(reason: impl Into<String>) -> Self {
        Self {
            connection: Err(reason.into()),
            timing: WatchTiming::default(),
        }
    }

    /// Other staleness and retry timing (tests use seconds, not the default 15 s).
    pub fn with_timing(mut self, timing: WatchTiming) -> Self {
        self.timing = timing;
        self
    }

    /// The connection, or why there is none.
    pub fn connection(&self) -> Result<&FeedConnection, &str> {
        self.connection.as_ref().map_err(String::as_str)
    }
}

/// Whose keys to watch: the user's own id (once signed in) and the watched colleagues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RelayKeys {
    pub own: Option<String>,
    pub colleagues: Vec<String>,
}

impl RelayKeys {
    fn ids(&self) -> Vec<String> {
        self.own
            .iter()
            .chain(&self.colleagues)
            .map(|id| id.to_ascii_lowercase())
            .collect()
    }
}

/// What the feed's health means for the desktop.
pub(crate) fn source_of(health: &FeedHealth) -> PresenceSource {
    match health {
        FeedHealth::Connecting => PresenceSource::RelayStarting,
        FeedHealth::Live => PresenceSource::Relay,
        FeedHealth::Stale(reason) => PresenceSource::Direct {
            why: match reason {
                StaleReason::NoRelay => RelayDown::NoRelay,
                StaleReason::RelayCannotReachGraph => RelayDown::RelayCannotReachGraph,
                StaleReason::UnsupportedSchema { found } => {
                    RelayDown::UnsupportedSchema { found: *found }
                }
            },
        },
        FeedHealth::Unreachable { reason } => PresenceSource::Direct {
            why: RelayDown::Unreachable {
                reason: reason.clone(),
            },
        },
    }
}

fn teams_presence(value: &PresenceValue) -> TeamsPresence {
    TeamsPresence::new(
        Availability::from(value.availability.as_str()),
        Activity::from(value.activity.as_str()),
    )
    .with_out_of_office(value.out_of_office)
}

/// Runs until `stop`: reports [`WorkerEvent::PresenceSource`] on every change of the feed's
/// health and [`WorkerEvent::RelayPresence`] with values while it is live.
pub(crate) async fn relay_worker(
    link: RelayLink,
    graph: GraphClient,
    events: Events,
    mut keys: watch::Receiver<RelayKeys>,
    mut stop: watch::Receiver<bool>,
) {
    let connection = match link
        .connection
        .and_then(|c| c.validate().map(|()| c).map_err(|e| format!("relay: {e}")))
    {
        Ok(connection) => connection,
        Err(reason) => {
            tracing::warn!(%reason, "the relay settings cannot be used; polling Graph");
            let _ = events.send(WorkerEvent::PresenceSource(PresenceSource::Direct {
                why: RelayDown::Misconfigured { reason },
            }));
            let _ = stop.changed().await;
            return;
        }
    };
    let (watcher, mut updates) =
        PresenceWatcher::start(connection, keys.borrow_and_update().ids(), link.timing);
    let mut health = watcher.health();
    let mut live = false;
    let mut latest: HashMap<String, PresenceValue> = HashMap::new();
    // The own value whose status message text was last read, and what the read brought.
    let mut own_message_for: Option<(PresenceValue, Option<String>)> = None;
    let _ = events.send(WorkerEvent::PresenceSource(source_of(
        &health.borrow_and_update(),
    )));
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            changed = keys.changed() => {
                if changed.is_err() {
                    break;
                }
                watcher.watch_ids(keys.borrow_and_update().ids());
            }
            changed = health.changed() => {
                if changed.is_err() {
                    break;
                }
                let source = source_of(&health.borrow_and_update());
                let now_live = source == PresenceSource::Relay;
                let _ = events.send(WorkerEvent::PresenceSource(source));
                if now_live && !live {
                    // Everything known is current now: hand it over at once.
                    let own = keys.borrow().own.clone();
                    let mut readings = Vec::new();
                    for (id, value) in &latest {
                        readings.push(reading(&graph, own.as_deref(), id, value, &mut own_message_for).await);
                    }
                    if !readings.is_empty() {
                        let _ = events.send(WorkerEvent::RelayPresence(readings));
                    }
                }
                live = now_live;
            }
            update = updates.recv() => {
                let Some(update) = update else { break };
                match update {
                    PresenceUpdate::Changed { id, value, .. } => {
                        if live {
                            let own = keys.borrow().own.clone();
                            let reading = reading(&graph, own.as_deref(), &id, &value, &mut own_message_for).await;
                            let _ = events.send(WorkerEvent::RelayPresence(vec![reading]));
                        }
                        latest.insert(id, value);
                    }
                    PresenceUpdate::Removed { id } => {
                        // Left the tenant: what was shown stays until the watch list drops them.
                        latest.remove(&id);
                    }
                    PresenceUpdate::Unreadable { error, .. } => {
                        // A newer schema also turns the health stale; the value itself is skipped.
                        tracing::warn!(%error, "a relay value cannot be read");
                    }
                }
            }
        }
    }
}

/// A reading from the relay's value; the user's own gets its status message text from Graph when
/// the relay says there is one and the presence changed since it was last read (the presence
/// itself stays the relay's: one source for the sync).
async fn reading(
    graph: &GraphClient,
    own: Option<&str>,
    id: &str,
    value: &PresenceValue,
    own_message_for: &mut Option<(PresenceValue, Option<String>)>,
) -> RelayReading {
    let mut teams = teams_presence(value);
    if own.is_some_and(|own| own.eq_ignore_ascii_case(id)) && value.has_status_message {
        let message = match own_message_for {
            Some((read, message)) if read.same_presence(value) => message.clone(),
            _ => match graph.poll_presence(id, &[]).await {
                Ok(snapshot) => {
                    let message = snapshot.own.and_then(|own| own.status_message);
                    *own_message_for = Some((value.clone(), message.clone()));
                    message
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot read the own status message");
                    None
                }
            },
        };
        if let Some(message) = message {
            teams = teams.with_status_message(message);
        }
    }
    RelayReading {
        id: id.to_owned(),
        teams,
        phone: value.phone.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_key_is_watched_with_the_colleagues_in_lower_case() {
        let keys = RelayKeys {
            own: Some("FA8BF3DC-ECA7-46B7-BAD1-DB199B62AFC3".into()),
            colleagues: vec!["0b7e6a8c-3f0d-4d5e-9b1c-2a4f6e8d0c11".into()],
        };
        assert_eq!(
            keys.ids(),
            [
                "fa8bf3dc-eca7-46b7-bad1-db199b62afc3",
                "0b7e6a8c-3f0d-4d5e-9b1c-2a4f6e8d0c11"
            ]
        );
        assert!(RelayKeys::default().ids().is_empty());
    }

    #[test]
    fn only_a_live_feed_stops_the_graph_poll() {
        let polls = |health: FeedHealth| source_of(&health).polls_graph();
        assert!(!polls(FeedHealth::Live));
        assert!(!polls(FeedHealth::Connecting));
        assert!(polls(FeedHealth::Stale(StaleReason::NoRelay)));
        assert!(polls(FeedHealth::Stale(StaleReason::RelayCannotReachGraph)));
        assert_eq!(
            source_of(&FeedHealth::Stale(StaleReason::UnsupportedSchema {
                found: 2
            })),
            PresenceSource::Direct {
                why: RelayDown::UnsupportedSchema { found: 2 }
            }
        );
        assert!(polls(FeedHealth::Unreachable {
            reason: "connection refused".into()
        }));
    }
}
