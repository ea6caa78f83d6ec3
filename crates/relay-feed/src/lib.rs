//! The presence relay's feed: what it writes into NATS JetStream key-value and how a desktop
//! reads it.
//!
//! One bucket ([`BUCKET`]), one key per person (the Entra object id, lower case), one small
//! versioned JSON value ([`PresenceValue`]); history 1, so the bucket never holds a presence
//! history. Beside the people lives the relay's lease ([`LEASE_KEY`], [`LeaseRecord`]): the
//! relay that holds it is the only one polling Graph, and it renews it every few seconds, which
//! makes the lease the feed's heartbeat too.
//!
//! - [`value`]: the value schema and the lease record.
//! - [`connection`]: where the NATS servers are and how to log in (TLS always).
//! - [`watcher`]: the desktop side: watch the keys of a set of people, get the current value at
//!   once and every change after, and a typed [`FeedHealth`] that says when to fall back to
//!   polling Graph directly.
//!
//! This crate depends on neither Graph nor the bridge, so the desktop app can use the watcher
//! without the relay's code, and the relay writes exactly the types the watcher reads.

pub mod connection;
pub mod value;
pub mod watcher;

pub use connection::{ConnectionError, FeedConnection};
pub use value::{
    is_person_key, LeaseRecord, PhoneState, PresenceValue, ValueError, BUCKET, LEASE_KEY,
    SCHEMA_VERSION,
};
pub use watcher::{FeedHealth, PresenceUpdate, PresenceWatcher, StaleReason, WatchTiming};
