//! Writing the feed: the bucket, and only values that changed.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::jetstream::kv::{Operation, Store};
use async_nats::jetstream::stream::{self, DiscardPolicy, StorageType};
use futures::StreamExt;
use relay_feed::{is_person_key, PresenceValue, BUCKET};

use crate::error::RelayError;

/// Opens the bucket, creating it when it does not exist yet: history 1 (no presence history),
/// file storage, `replicas` copies, small values.
pub async fn open_bucket(
    client: &async_nats::Client,
    replicas: usize,
) -> Result<Store, RelayError> {
    let js = async_nats::jetstream::new(client.clone());
    match js.get_key_value(BUCKET).await {
        Ok(store) => Ok(store),
        Err(error) => {
            tracing::info!(%error, replicas, "creating the presence bucket");
            // The stream a key-value bucket is, spelled out: async-nats' `create_key_value` first
            // asks for account details in a shape nats-server 2.9 (Debian 12) does not send.
            js.create_stream(stream::Config {
                name: format!("KV_{BUCKET}"),
                description: Some(
                    "Presence Bridge relay: one key per person, the current value only".into(),
                ),
                subjects: vec![format!("$KV.{BUCKET}.>")],
                max_messages_per_subject: 1,
                max_message_size: 1024,
                storage: StorageType::File,
                num_replicas: replicas,
                allow_rollup: true,
                deny_delete: true,
                allow_direct: true,
                discard: DiscardPolicy::New,
                ..stream::Config::default()
            })
            .await
            .map_err(|e| RelayError::nats(format!("cannot create the bucket `{BUCKET}`: {e}")))?;
            js.get_key_value(BUCKET)
                .await
                .map_err(|e| RelayError::nats(format!("cannot open the bucket `{BUCKET}`: {e}")))
        }
    }
}

/// What is in the bucket now, per person (so a relay that takes over does not rewrite
/// everybody). Bounded in time: a bucket that cannot be read in `limit` is treated as empty
/// and values are simply written again.
pub async fn load_published(store: &Store, limit: Duration) -> HashMap<String, PresenceValue> {
    let mut values = HashMap::new();
    let read = async {
        // Fresh stream info: `Store::status` returns what was cached when the store was opened.
        let info = store.stream.get_info().await.map_err(RelayError::nats)?;
        if info.state.messages == 0 {
            return Ok::<_, RelayError>(());
        }
        let mut entries = store
            .watch_with_history(">")
            .await
            .map_err(RelayError::nats)?;
        while let Some(entry) = entries.next().await {
            let entry = entry.map_err(RelayError::nats)?;
            if entry.operation == Operation::Put && is_person_key(&entry.key) {
                if let Ok(value) = PresenceValue::decode(&entry.value) {
                    values.insert(entry.key.clone(), value);
                }
            }
            if entry.delta == 0 {
                break;
            }
        }
        Ok(())
    };
    match tokio::time::timeout(limit, read).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "cannot read the published values; rewriting them")
        }
        Err(_) => tracing::warn!(
            ?limit,
            "reading the published values took too long; rewriting them"
        ),
    }
    values
}

/// Writes people's values, each only when it differs from what is published.
pub struct FeedWriter {
    js: async_nats::jetstream::Context,
    store: Store,
    published: HashMap<String, PresenceValue>,
}

impl FeedWriter {
    pub fn new(
        js: async_nats::jetstream::Context,
        store: Store,
        published: HashMap<String, PresenceValue>,
    ) -> Self {
        Self {
            js,
            store,
            published,
        }
    }

    /// Writes the values that changed, all sent before the first acknowledgement is awaited (a
    /// replicated write waits for a quorum; one at a time, a first cycle of 50,000 people would
    /// take minutes). Returns how many were written and the first error, if any.
    pub async fn publish_all(
        &mut self,
        values: impl IntoIterator<Item = (String, PresenceValue)>,
    ) -> (usize, Option<RelayError>) {
        let prefix = self
            .store
            .put_prefix
            .clone()
            .unwrap_or_else(|| self.store.prefix.clone());
        let mut first_error = None;
        let mut pending = Vec::new();
        for (id, value) in values {
            if self
                .published
                .get(&id)
                .is_some_and(|old| old.same_presence(&value))
            {
                continue;
            }
            match self
                .js
                .publish(format!("{prefix}{id}"), value.encode().into())
                .await
            {
                Ok(ack) => pending.push((id, value, ack)),
                Err(e) => {
                    first_error
                        .get_or_insert_with(|| RelayError::nats(format!("cannot write {id}: {e}")));
                }
            }
        }
        let mut written = 0;
        for (id, value, ack) in pending {
            match ack.await {
                Ok(_) => {
                    self.published.insert(id, value);
                    written += 1;
                }
                Err(e) => {
                    first_error
                        .get_or_insert_with(|| RelayError::nats(format!("cannot write {id}: {e}")));
                }
            }
        }
        (written, first_error)
    }

    pub fn published(&self, id: &str) -> Option<&PresenceValue> {
        self.published.get(id)
    }

    /// Writes `value` unless the published one says the same; `true` when written.
    pub async fn publish(&mut self, id: &str, value: PresenceValue) -> Result<bool, RelayError> {
        if self
            .published
            .get(id)
            .is_some_and(|old| old.same_presence(&value))
        {
            return Ok(false);
        }
        self.store
            .put(id, value.encode().into())
            .await
            .map_err(|e| RelayError::nats(format!("cannot write {id}: {e}")))?;
        self.published.insert(id.to_owned(), value);
        Ok(true)
    }

    /// Deletes a leaver's key (watchers see the deletion; history 1 keeps nothing of them).
    pub async fn remove(&mut self, id: &str) -> Result<(), RelayError> {
        self.store
            .purge(id)
            .await
            .map_err(|e| RelayError::nats(format!("cannot remove {id}: {e}")))?;
        self.published.remove(id);
        Ok(())
    }
}
