//! The presence relay: reads the whole tenant's Teams presence once, with the app's own
//! identity, and fans it out to every desktop over NATS JetStream key-value.
//!
//! Graph's presence budget is per app per tenant (1,500 requests / 30 s). Desktops that each
//! poll their colleagues exhaust it at about 500 running apps; the relay reads everybody in
//! batches of 650 inside a configured share of that budget (default 20 %), and desktops watch
//! the keys of the people they show instead (`relay-feed`'s watcher).
//!
//! - [`config`]: the TOML file; [`secrets`]: secrets from 0600 files or the keychain.
//! - [`directory`]: the tenant's users via `/users/delta` (joiners, leavers).
//! - [`pacing`]: the cycle schedule inside the budget, `Retry-After`.
//! - [`lease`]: exactly one relay polls (a lease key taken with revision checks).
//! - [`feed_writer`]: the bucket (history 1) and writing only changes.
//! - [`phone`]: phone state from a PBX source, merged by e-mail.
//! - [`relay`]: the running relay; [`doctor`]: checks for `presence-relay doctor`.

pub mod config;
pub mod directory;
pub mod doctor;
pub mod error;
pub mod feed_writer;
pub mod lease;
pub mod pacing;
pub mod phone;
pub mod relay;
pub mod secrets;
pub mod setup;

pub use config::RelayConfig;
pub use error::RelayError;
pub use phone::PhoneUpdate;
pub use relay::{Relay, RelaySettings, RelayStatus, Role};
