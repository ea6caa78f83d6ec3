//! Microsoft Entra sign-in and Microsoft Graph for Presence Bridge.
//!
//! - [`auth`]: public-client sign-in (authorization code + PKCE on a loopback redirect, device
//!   code), refresh-token rotation persisted to the keychain, and errors that tell "sign in again"
//!   apart from consent and app-registration problems.
//! - [`graph`]: presence (batched `getPresencesByUserId`), directory search, `/me/people`,
//!   reverse presence (`setPresence` / `clearPresence`), colleagues' free/busy (`getSchedule`,
//!   [`graph::FreeBusyCache`]), throttling-aware requests and poll pacing.
//! - [`body`]: the ceilings every response body is read with.
//! - [`app_only`]: the relay's sign-in as the application itself (client credentials with a
//!   certificate assertion or a secret) and its two Graph calls (presence batches, `/users/delta`).
//! - [`doctor`]: structured health checks for `presence-bridge doctor`.
//!
//! The types here are boundary DTOs: availability and activity stay raw strings, so the
//! presence vocabulary lives in one place (presence-core) and new Graph values never break parsing.
//! Free/busy is different: its vocabulary is documented and closed, so answers are parsed
//! straight into presence-core's `free_busy` types, which the pure computation takes.

pub mod app_only;
pub mod auth;
pub mod body;
pub mod config;
pub mod doctor;
pub mod graph;
pub mod timing;

pub use auth::{AuthError, Credentials};
pub use config::{MicrosoftConfig, ScopeRequest};
pub use graph::{GraphClient, GraphError};
pub use timing::{
    Clock, ManualClock, RecordingSleeper, Sleeper, SystemClock, Timing, TokioSleeper,
};
