//! Exactly one relay polls: the one holding the lease key, taken and renewed with revision
//! checks.
//!
//! - Nobody holds it (no key, or deleted by a relay that stopped cleanly): `create`, which only
//!   one of several relays can win.
//! - Somebody holds it: a standby remembers its revision and *when it saw that revision first*,
//!   on its own monotonic clock. When the revision has not moved for the lease's TTL, the
//!   standby takes it with `update(expected revision)`; a late renewal by the old holder or a
//!   second standby makes that update fail.
//! - The holder renews every TTL/3 with `update(its revision)`. A failed renewal because the
//!   revision moved means somebody else holds it now: stop polling at once. A renewal that
//!   cannot reach NATS is retried, but the holder stops polling before a standby could take over
//!   (TTL minus a margin after its last successful renewal), so two relays never poll at once.
//!
//! No wall clocks are compared between machines: every duration is measured locally. NATS 2.9
//! (Debian 12) has no per-key TTL, which is why the TTL is enforced this way instead of by
//! the server.

use std::time::Duration;

use async_nats::jetstream::kv::{CreateErrorKind, Operation, Store, UpdateErrorKind};
use relay_feed::{LeaseRecord, LEASE_KEY};
use tokio::time::Instant;

use crate::error::RelayError;

/// What a standby has seen of the lease.
#[derive(Debug, Default, Clone)]
pub struct LeaseObservation {
    revision: Option<u64>,
    since: Option<Instant>,
    holder: Option<String>,
}

impl LeaseObservation {
    /// Who holds the lease, as last seen.
    pub fn holder(&self) -> Option<&str> {
        self.holder.as_deref()
    }
}

/// The outcome of a renewal.
#[derive(Debug)]
pub enum Renewal {
    Renewed(u64),
    /// Someone else holds the lease now.
    Lost,
    /// NATS did not answer; the lease may still be ours.
    Unavailable(RelayError),
}

#[derive(Clone)]
pub struct Lease {
    store: Store,
    ttl: Duration,
}

impl Lease {
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self { store, ttl }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How often the holder renews.
    pub fn renew_every(&self) -> Duration {
        self.ttl / 3
    }

    /// How long after its last successful renewal the holder may go on polling.
    pub fn holder_deadline(&self) -> Duration {
        self.ttl.mul_f64(0.7)
    }

    /// One standby step: looks at the lease and takes it when it is free or expired. Returns
    /// the revision when this relay holds the lease now.
    pub async fn try_acquire(
        &self,
        observation: &mut LeaseObservation,
        record: &LeaseRecord,
    ) -> Result<Option<u64>, RelayError> {
        let entry = self
            .store
            .entry(LEASE_KEY)
            .await
            .map_err(RelayError::nats)?;
        // Read after the answer: a read that waited (a NATS node lost, a reconnect) may return a
        // revision committed while it waited, and its TTL must not count from before that, or a
        // standby takes over while the holder still polls.
        let now = Instant::now();
        let free = match &entry {
            None => true,
            Some(entry) => matches!(entry.operation, Operation::Delete | Operation::Purge),
        };
        if free {
            return match self.store.create(LEASE_KEY, record.encode().into()).await {
                Ok(revision) => Ok(Some(revision)),
                Err(error) if error.kind() == CreateErrorKind::AlreadyExists => Ok(None),
                Err(error) => Err(RelayError::nats(error)),
            };
        }
        let entry = entry.expect("checked above");
        if observation.revision != Some(entry.revision) {
            observation.revision = Some(entry.revision);
            observation.since = Some(now);
            observation.holder = LeaseRecord::decode(&entry.value).ok().map(|r| r.holder);
            return Ok(None);
        }
        let unchanged_for = now - observation.since.unwrap_or(now);
        if unchanged_for < self.ttl {
            return Ok(None);
        }
        tracing::warn!(
            holder = observation.holder.as_deref().unwrap_or("?"),
            ?unchanged_for,
            "the lease was not renewed; taking over"
        );
        match self
            .store
            .update(LEASE_KEY, record.encode().into(), entry.revision)
            .await
        {
            Ok(revision) => Ok(Some(revision)),
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Ok(None),
            Err(error) => Err(RelayError::nats(error)),
        }
    }

    pub async fn renew(&self, revision: u64, record: &LeaseRecord) -> Renewal {
        match self
            .store
            .update(LEASE_KEY, record.encode().into(), revision)
            .await
        {
            Ok(revision) => Renewal::Renewed(revision),
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Renewal::Lost,
            Err(error) => Renewal::Unavailable(RelayError::nats(error)),
        }
    }

    /// Gives the lease up (clean stop), so a standby takes over without waiting for the TTL.
    pub async fn release(&self, revision: u64) {
        if let Err(error) = self
            .store
            .delete_expect_revision(LEASE_KEY, Some(revision))
            .await
        {
            tracing::info!(%error, "could not release the lease; a standby takes over after its TTL");
        }
    }
}
