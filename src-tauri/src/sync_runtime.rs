//! Starting the bridge the same way for the tray app and `--headless`: the demo on the built-in
//! simulators, the real sync from the user's settings, or nothing when it is not configured.

use std::sync::Arc;
use std::time::Duration;

use bridge::demo::{Demo, DemoPace};
use bridge::{BridgeHandle, BridgeSnapshot, Notifier, SyncStateView, SystemBridgeClock};
use keychain::{OsKeychain, SecretStore};
use tokio::sync::watch;

use crate::cli::Paths;

/// A running bridge.
pub enum Running {
    Demo(Demo),
    Sync(BridgeHandle),
}

impl Running {
    pub fn subscribe(&self) -> watch::Receiver<BridgeSnapshot> {
        match self {
            Running::Demo(demo) => demo.bridge().subscribe(),
            Running::Sync(handle) => handle.subscribe(),
        }
    }

    /// The bridge to send commands to.
    pub fn handle(&self) -> &BridgeHandle {
        match self {
            Running::Demo(demo) => demo.bridge(),
            Running::Sync(handle) => handle,
        }
    }

    /// Clears the Teams session, logs out of STARFACE, flushes the journal.
    pub async fn shutdown(self) {
        match self {
            Running::Demo(demo) => demo.shutdown().await,
            Running::Sync(handle) => handle.shutdown().await,
        }
    }
}

/// The snapshot shown while nothing runs.
pub fn not_configured() -> BridgeSnapshot {
    BridgeSnapshot {
        sync: bridge::SyncView {
            state: SyncStateView::NotConfigured,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Starts the demo (`demo`), or the sync from the settings. `None`: not configured (or the
/// keychain lacks a secret); the reason is logged.
pub async fn start(demo: bool, paths: &Paths, notifier: Arc<dyn Notifier>) -> Option<Running> {
    if demo {
        return match Demo::start(DemoPace::default(), notifier).await {
            Ok(demo) => Some(Running::Demo(demo)),
            Err(error) => {
                tracing::error!(%error, "cannot start the demo");
                None
            }
        };
    }
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        tracing::error!(%problem, "settings problem; the file is left untouched");
    }
    let settings = store.settings().clone();
    if let Some(missing) = bridge::setup::missing_configuration(&settings) {
        tracing::warn!("not configured: {missing}; the sync does not run");
        return None;
    }
    let options = bridge::setup::options_from_settings(&settings, Some(&paths.state_dir));
    let connectors = tokio::task::spawn_blocking(move || {
        let keychain: Arc<dyn SecretStore> =
            Arc::new(OsKeychain::new().with_deadline(Duration::from_secs(30)));
        bridge::setup::connectors_from_settings(&settings, keychain)
    })
    .await;
    let connectors = match connectors {
        Ok(Ok(connectors)) => connectors,
        Ok(Err(error)) => {
            tracing::warn!(%error, "the sync does not run");
            return None;
        }
        Err(error) => {
            tracing::error!(%error, "cannot read the keychain");
            return None;
        }
    };
    match bridge::start(
        options,
        connectors,
        Arc::new(SystemBridgeClock::new()),
        notifier,
    ) {
        Ok(handle) => {
            tracing::info!("sync started");
            Some(Running::Sync(handle))
        }
        Err(error) => {
            tracing::error!(%error, "cannot start the sync");
            None
        }
    }
}
