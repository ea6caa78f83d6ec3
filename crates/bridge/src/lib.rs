//! The running Presence Bridge, without Tauri: the tray app, `--headless` and `--demo` all run
//! this code. See `README.md` in this crate for the tasks, the data flow and the invariants.
//!
//! ```no_run
//! # async fn run(connectors: bridge::Connectors) -> Result<(), bridge::BridgeError> {
//! use std::sync::Arc;
//! use bridge::{BridgeCommand, BridgeOptions, LogNotifier, SystemBridgeClock};
//!
//! let handle = bridge::start(
//!     BridgeOptions::default(),
//!     connectors,
//!     Arc::new(SystemBridgeClock::new()),
//!     Arc::new(LogNotifier),
//! )?;
//! let mut snapshots = handle.subscribe();
//! handle.send(BridgeCommand::SyncNow)?;
//! snapshots.changed().await.ok();
//! println!("{:?}", snapshots.borrow().own.row);
//! // Clears the Teams session and logs out of STARFACE; what the user chose (a DND kept by hand,
//! // a pause) goes on in the next bridge for the same accounts.
//! let carry_over = handle.shutdown().await;
//! let _next = BridgeOptions { carry_over, ..BridgeOptions::default() };
//! # Ok(()) }
//! ```

pub mod clock;
pub mod demo;
mod error;
mod free_busy;
pub mod journal_file;
mod log_text;
mod notifier;
mod people;
mod phones;
mod presence_source;
pub mod relay_doctor;
mod relay_watch;
mod runtime;
pub mod secrets;
pub mod setup;
mod snapshot;
mod workers;

pub use clock::{BridgeClock, ManualBridgeClock, SharedClock, SystemBridgeClock};
pub use error::BridgeError;
pub use free_busy::FreeBusyOptions;
/// A colleague's free/busy as the snapshot carries it (see [`ColleagueView::free_busy`]).
pub use graph_client::graph::{FreeBusyReading, FreeBusyTiming, ScheduleUnavailable};
pub use notifier::{BridgeNotification, LogNotifier, Notifier};
pub use phones::OneHubLink;
pub use presence_source::{PresenceSource, RelayDown};
pub use relay_watch::RelayLink;
pub use runtime::{start, BridgeCarryOver, BridgeCommand, BridgeHandle, BridgeOptions, Connectors};
pub use snapshot::{
    AnotherSyncView, BridgeSnapshot, BridgeWarning, CertificateDetails, ColleagueView, JournalLine,
    OwnStatus, Service, SyncStateView, SyncView,
};
