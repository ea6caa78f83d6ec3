//! Microsoft Entra sign-in and Microsoft Graph for Presence Bridge.
//!
//! - [`auth`]: public-client sign-in (authorization code + PKCE on a loopback redirect, device
//!   code), refresh-token rotation persisted to the keychain, and errors that tell "sign in again"
//!   apart from consent and app-registration problems.
//! - [`graph`]: presence (batched `getPresencesByUserId`), directory search, `/me/people`,
//!   reverse presence (`setPresence` / `clearPresence`), throttling-aware requests and poll pacing.
//! - [`app_only`]: the relay's sign-in as the application itself (client credentials with a
//!   certificate assertion or a secret) and its two Graph calls (presence batches, `/users/delta`).
//! - [`doctor`]: structured health checks for `presence-bridge doctor`.
//!
//! The types here are boundary DTOs: availability and activity stay raw strings, so the
//! presence vocabulary lives in one place (presence-core) and new Graph values never break parsing.

pub mod app_only;
pub mod auth;
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
