//! What the Tauri commands work on: the settings, the keychain and the running bridge, kept in
//! Tauri's managed state. Commands stay thin; the shared steps live here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bridge::{BridgeCommand, BridgeSnapshot, Notifier};
use graph_client::graph::DirectoryUser;
use keychain::SecretStore;
use presence_core::watch_list::AlertMode;
use settings::{Settings, SettingsStore};

use crate::cli::Paths;
use crate::error::{CommandError, CommandResult};
use crate::sync_runtime::{self, Running, SyncHandOver};

/// Microsoft account state the bridge does not track: the interactive sign-in under way, and
/// whether a sign-in is saved. The latter matters while the sync cannot run (a first-time user
/// signs in to Microsoft before the STARFACE password is stored): the bridge then reports
/// nothing, yet the account is signed in.
#[derive(Debug, Default)]
struct SignInProgress {
    /// The browser sign-in waiting to finish: its number and how to cancel it.
    current: Option<(u64, tokio::task::AbortHandle)>,
    attempts: u64,
    /// A refresh token is in the keychain, as last checked.
    saved: bool,
}

/// Managed state of the app (one per process).
pub struct Backend {
    settings: Mutex<SettingsStore>,
    secrets: Arc<dyn SecretStore>,
    /// `--demo`: the settings file is a temporary copy and the keychain is in memory, so nothing
    /// the user does in the demo reaches their real configuration.
    pub demo: bool,
    paths: Option<Paths>,
    notifier: Arc<dyn Notifier>,
    running: Mutex<Option<Arc<Running>>>,
    /// What the stopped sync left for the next start (a DND kept by hand, a pause, ...), so a
    /// restart does not undo the user's choices. Memory only.
    hand_over: Mutex<Option<SyncHandOver>>,
    /// Wall clock when the bridge's clock started: the journal's engine milliseconds count from
    /// there.
    started_wall_ms: Mutex<u64>,
    /// Directory users seen in searches, so favourites and alerts can be watched by id.
    known: Mutex<HashMap<String, DirectoryUser>>,
    /// The alert mode per colleague (the snapshot only says whether there is one).
    alerts: Mutex<HashMap<String, AlertMode>>,
    /// Colleagues watched only because they were search hits (unwatched at the next search).
    search_watched: Mutex<Vec<String>>,
    sign_in: Mutex<SignInProgress>,
    /// SHA-256 of the certificate the PBX presented last time we looked (for the pin dialog).
    pub presented_fingerprint: Mutex<Option<String>>,
    /// Why the settings on disk are not in use (errors in the file or the policy), if they are not.
    settings_problem: Mutex<Option<String>>,
    _demo_dir: Option<tempfile::TempDir>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

impl Backend {
    /// For a normal run: the user's settings file and the OS keychain.
    pub fn new(
        store: SettingsStore,
        secrets: Arc<dyn SecretStore>,
        paths: Option<Paths>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            settings: Mutex::new(store),
            secrets,
            demo: false,
            paths,
            notifier,
            running: Mutex::new(None),
            hand_over: Mutex::default(),
            started_wall_ms: Mutex::new(now_ms()),
            known: Mutex::default(),
            alerts: Mutex::default(),
            search_watched: Mutex::default(),
            sign_in: Mutex::default(),
            presented_fingerprint: Mutex::default(),
            settings_problem: Mutex::default(),
            _demo_dir: None,
        }
    }

    /// For `--demo`: settings start from `policy_file` and defaults, changes go to a temporary
    /// file that disappears on exit; secrets stay in memory.
    pub fn demo(
        policy_file: &std::path::Path,
        notifier: Arc<dyn Notifier>,
    ) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let (store, _) = SettingsStore::load(&dir.path().join("config.toml"), policy_file);
        let mut backend = Self::new(
            store,
            Arc::new(keychain::MemoryStore::new()),
            None,
            notifier,
        );
        backend.demo = true;
        backend._demo_dir = Some(dir);
        Ok(backend)
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).settings().clone()
    }

    /// Records why the settings on disk are not in use (`None`: they are); returns the previous.
    pub fn set_settings_problem(&self, problem: Option<String>) -> Option<String> {
        std::mem::replace(&mut *lock(&self.settings_problem), problem)
    }

    pub fn settings_problem(&self) -> Option<String> {
        lock(&self.settings_problem).clone()
    }

    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    /// Runs `f` on the settings store (locks, save).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut SettingsStore) -> T) -> T {
        f(&mut lock(&self.settings))
    }

    pub fn running(&self) -> Option<Arc<Running>> {
        lock(&self.running).clone()
    }

    pub fn set_running(&self, running: Option<Running>) -> Option<Arc<Running>> {
        *lock(&self.started_wall_ms) = running
            .as_ref()
            .and_then(Running::clock_started_wall_ms)
            .unwrap_or_else(now_ms);
        std::mem::replace(&mut *lock(&self.running), running.map(Arc::new))
    }

    pub fn started_wall_ms(&self) -> u64 {
        *lock(&self.started_wall_ms)
    }

    pub fn snapshot(&self) -> BridgeSnapshot {
        self.running()
            .map(|r| r.handle().snapshot())
            .unwrap_or_else(sync_runtime::not_configured)
    }

    pub fn send(&self, command: BridgeCommand) -> CommandResult<()> {
        let running = self.running().ok_or(CommandError::NotRunning)?;
        Ok(running.handle().send(command)?)
    }

    pub fn remember(&self, users: &[DirectoryUser]) {
        let mut known = lock(&self.known);
        for user in users {
            known.insert(user.id.clone(), user.clone());
        }
    }

    pub fn known(&self, id: &str) -> Option<DirectoryUser> {
        lock(&self.known).get(id).cloned()
    }

    /// Polls presence for search hits: watches the new hits the bridge does not watch yet and
    /// stops watching the previous search's hits that are neither favourites nor alerted.
    pub fn watch_search_hits(&self, users: &[DirectoryUser]) {
        let snapshot = self.snapshot();
        let favourites = self.settings().ui.favourites;
        let mut watched_for_search = lock(&self.search_watched);
        for id in watched_for_search.drain(..) {
            let keep = users.iter().any(|u| u.id == id)
                || self.alert_mode(&id).is_some()
                || snapshot.colleagues.iter().any(|c| {
                    c.id == id
                        && (c.alert || crate::dto::is_favourite(&favourites, c.mail.as_deref()))
                });
            if !keep {
                let _ = self.send(BridgeCommand::Unwatch(id));
            }
        }
        for user in users {
            let already = snapshot.colleagues.iter().any(|c| c.id == user.id);
            if !already && self.send(BridgeCommand::Watch(user.clone())).is_ok() {
                watched_for_search.push(user.id.clone());
            }
        }
    }

    pub fn alert_mode(&self, id: &str) -> Option<AlertMode> {
        lock(&self.alerts).get(id).copied()
    }

    pub fn set_alert_mode(&self, id: &str, mode: Option<AlertMode>) {
        let mut alerts = lock(&self.alerts);
        match mode {
            Some(mode) => alerts.insert(id.to_owned(), mode),
            None => alerts.remove(id),
        };
    }

    /// Whether a browser sign-in is waiting to finish.
    pub fn signing_in(&self) -> bool {
        lock(&self.sign_in).current.is_some()
    }

    /// Whether a Microsoft sign-in is saved in the keychain (as last checked).
    pub fn microsoft_saved(&self) -> bool {
        lock(&self.sign_in).saved
    }

    pub fn set_microsoft_saved(&self, saved: bool) {
        lock(&self.sign_in).saved = saved;
        if !saved && lock(&self.hand_over).take().is_some() {
            // The settings do not say who signs in next; after a sign-out it may be someone else.
            tracing::info!("signed out of Microsoft; the next sync starts afresh");
        }
    }

    /// Records a new browser sign-in (`task` waits for its redirect) and cancels the one still
    /// waiting, if any: the user asked again, e.g. after closing the browser tab. Returns the
    /// attempt's number for [`Self::end_sign_in`].
    pub fn begin_sign_in(&self, task: tokio::task::AbortHandle) -> u64 {
        let mut progress = lock(&self.sign_in);
        progress.attempts += 1;
        let attempt = progress.attempts;
        if let Some((replaced, previous)) = progress.current.replace((attempt, task)) {
            tracing::info!(
                attempt = replaced,
                "a new Microsoft sign-in replaces the one still waiting"
            );
            previous.abort();
        }
        attempt
    }

    /// Ends `attempt` unless a newer one replaced it; false if it was replaced.
    pub fn end_sign_in(&self, attempt: u64) -> bool {
        let mut progress = lock(&self.sign_in);
        match progress.current {
            Some((current, _)) if current == attempt => {
                progress.current = None;
                true
            }
            _ => false,
        }
    }

    /// Reads from the keychain whether a Microsoft sign-in is saved. A keychain that cannot be
    /// read counts as "not saved"; the sync start reports the keychain problem itself.
    pub async fn check_microsoft_saved(&self) {
        let store = self.secrets();
        let read = tauri::async_runtime::spawn_blocking(move || {
            store.get(keychain::names::MICROSOFT_REFRESH_TOKEN)
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|read| read.map_err(|e| e.to_string()));
        let saved = read.unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot check the keychain for a Microsoft sign-in");
            None
        });
        self.set_microsoft_saved(saved.is_some());
    }

    /// Stops the bridge (clearing the Teams session) and starts it again from the settings:
    /// after accounts changed, a sign-in or a new password. The new sync goes on from the stopped
    /// one if the accounts are the same.
    pub async fn restart_bridge(&self) {
        self.stop_bridge().await;
        if !self.demo {
            self.check_microsoft_saved().await;
        }
        let hand_over = lock(&self.hand_over).take();
        let started = match &self.paths {
            Some(paths) if !self.demo => {
                sync_runtime::start(false, paths, self.notifier.clone(), hand_over).await
            }
            _ => {
                // The demo runs the window's mapping, default messages in the UI language.
                let settings = self.settings();
                let messages = crate::i18n::message_language(&settings);
                let mapping = settings.mapping.with_default_messages_in(messages);
                sync_runtime::start_demo(self.notifier.clone(), mapping).await
            }
        };
        self.set_running(started);
    }

    /// Shuts the bridge down cleanly, if it runs and no command still holds it, and keeps what
    /// it hands over for the next start.
    pub async fn stop_bridge(&self) {
        let Some(running) = self.set_running(None) else {
            return;
        };
        match Arc::try_unwrap(running) {
            Ok(running) => *lock(&self.hand_over) = running.shutdown().await,
            // A command still uses it; it stops when that command drops its reference.
            Err(_) => tracing::warn!("the bridge is busy; it stops after the current command"),
        }
    }
}
