//! Status hooks: the user's own merged status (Teams presence + STARFACE phone + DND) published
//! to an MQTT broker (with Home Assistant discovery), a signed HTTPS webhook, or a local command
//! (USB busy lights).
//!
//! * [`status`]: the input ([`HookStatus`], built from presence-core readings) and the one
//!   document that leaves the computer ([`StatusDocument`]); the Teams status message only when
//!   the user ticked `hooks.include_status_message`.
//! * [`StatusHooks`]: one task per enabled hook behind a slot that keeps only the newest status;
//!   `publish` never waits, a dead hook never delays the caller or holds more than one status.
//! * [`HookResults`]: each hook's last attempt (time, occasion, `Ok` or a typed [`HookError`]).
//! * [`signature`]: the webhook's HMAC-SHA256 signature, for receivers written in Rust too.
//!
//! Nothing here knows about Tauri, the sync engine or colleagues: the caller hands in the own
//! status and reads results. docs/HOOKS.md describes payloads, topics and the environment.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use presence_core::{MessageLanguage, PhoneState, TeamsPresence, TelephonyState};
//! use settings::{HookKind, HooksSettings};
//! use status_hooks::{HookStatus, StatusHooks};
//!
//! # async fn example() {
//! let mut settings = HooksSettings::default();
//! settings.command.enabled = true;
//! settings.command.program = Some("busylight".into());
//! settings.command.args_by_dot.busy = Some(vec!["on".into(), "red".into()]);
//! let secrets = Arc::new(keychain::MemoryStore::new());
//! let hooks = StatusHooks::start(&settings, secrets, MessageLanguage::English);
//!
//! // From the sync, whenever the own readings change (returns at once):
//! let phone = PhoneState::new(TelephonyState::Active);
//! hooks.publish(&HookStatus::new(Some(TeamsPresence::new("Available", "Available")), Some(phone)));
//!
//! // The window's test button and "My status":
//! let tested = hooks.test_now(HookKind::Command).await;
//! let last = hooks.results().borrow().get(HookKind::Command).cloned();
//! hooks.shutdown().await;
//! # }
//! ```

mod command;
mod hook_task;
mod mqtt;
mod report;
mod runner;
pub mod signature;
pub mod status;
mod tls;
mod webhook;

pub use command::ENVIRONMENT;
pub use report::{Attempt, HookError, HookReport, HookResults, Occasion};
pub use runner::StatusHooks;
pub use status::{HookStatus, Published, StatusDocument, DOCUMENT_VERSION};
