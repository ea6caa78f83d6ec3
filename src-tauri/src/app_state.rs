//! The app's state, kept in Tauri's managed state (one per process): the settings, the keychain,
//! the running sync, the people found by searches, and the account facts the bridge does not
//! track. Commands stay thin; the steps they share live here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bridge::{BridgeCommand, BridgeSnapshot, Notifier};
use keychain::SecretStore;
use presence_core::Person;
use settings::{Settings, SettingsStore};
use window_model::settings_view::{Secrets, SettingsView};
use window_model::sign_in::Certificate;
use window_model::state::{State, StateContext};

use crate::cli::Paths;
use crate::error::{CommandError, CommandResult};
use crate::own_status_hooks::OwnStatusHooks;
use crate::sync_runtime::{self, NotRunning, Running, SyncHandOver};

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

/// The sync that runs, and what the one before left.
struct SyncSlot {
    running: Option<Arc<Running>>,
    /// Why none runs, while none does.
    not_running: NotRunning,
    /// What the stopped sync left for the next start (a DND kept by hand, a pause, ...), so a
    /// restart does not undo the user's choices. Memory only.
    hand_over: Option<SyncHandOver>,
    /// Wall clock when the bridge's clock started: the snapshot's engine milliseconds count from
    /// there.
    started_wall_ms: u64,
}

/// People the window found by searching, beyond the ones the bridge watches.
#[derive(Default)]
struct Found {
    /// Every search hit so far, by id: actions and later searches can use them.
    people: HashMap<String, Person>,
    /// Hits watched only because they were hits (unwatched at the next search).
    watched_for_search: Vec<String>,
}

/// What the app holds while it runs.
pub struct AppState {
    settings: Mutex<SettingsStore>,
    secrets: Arc<dyn SecretStore>,
    /// `--demo`: the settings file is a temporary copy and the keychain is in memory, so nothing
    /// the user does in the demo reaches their real configuration.
    pub demo: bool,
    /// The demo's PBX (`--demo-classic`: the classic login, no OneHub).
    demo_pbx: bridge::demo::DemoPbx,
    paths: Option<Paths>,
    notifier: Arc<dyn Notifier>,
    sync: Mutex<SyncSlot>,
    found: Mutex<Found>,
    sign_in: Mutex<SignInProgress>,
    /// The certificate the PBX presented when the window last looked or the user pinned one,
    /// and the STARFACE settings it was seen with (it is forgotten when they change).
    certificate: Mutex<Option<(settings::StarfaceSettings, Certificate)>>,
    /// Why the settings file on disk is not in use (its errors, or the policy's when both are
    /// broken), if it is not. A broken policy alone is the store's ([`settings::Policy::broken`]).
    settings_problem: Mutex<Option<String>>,
    /// The demo's first favourites were put into its settings (once: the user may unpin them).
    demo_favourites_set: std::sync::atomic::AtomicBool,
    _demo_dir: Option<tempfile::TempDir>,
    /// The status hooks (`[hooks]`); they never run in the demo.
    pub hooks: Arc<OwnStatusHooks>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Which STARFACE secrets `store` holds for the PBX `settings` name. May block on the keychain.
fn secrets_view(settings: &Settings, store: &dyn SecretStore) -> Secrets {
    use bridge::secrets::{starface_secret_need, SecretNeed, StarfaceSecret};
    let look = |secret| match starface_secret_need(settings, store, secret) {
        Ok(None) => (true, None),
        Ok(Some(SecretNeed::StoredForAnotherServer { stored_for })) => (false, Some(stored_for)),
        Ok(Some(_)) => (false, None),
        Err(error) => {
            tracing::warn!(%error, "cannot read the keychain");
            (false, None)
        }
    };
    let (starface_password, starface_password_stored_for) = look(StarfaceSecret::Password);
    let (starface_client_secret, starface_client_secret_stored_for) =
        look(StarfaceSecret::OAuthClientSecret);
    let hook = |secret| {
        matches!(
            bridge::secrets::hook_secret_need(settings, store, secret),
            Ok(None)
        )
    };
    Secrets {
        starface_password,
        starface_client_secret,
        starface_password_stored_for,
        starface_client_secret_stored_for,
        hook_mqtt_password: hook(bridge::secrets::HookSecret::MqttPassword),
        hook_webhook_secret: hook(bridge::secrets::HookSecret::WebhookSecret),
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

impl AppState {
    /// For a normal run: the user's settings file and the OS keychain. Without `paths` the sync
    /// runs on the built-in simulators (the demo's).
    pub fn new(
        store: SettingsStore,
        secrets: Arc<dyn SecretStore>,
        paths: Option<Paths>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            settings: Mutex::new(store),
            hooks: Arc::new(OwnStatusHooks::new(secrets.clone(), true)),
            secrets,
            demo: false,
            demo_pbx: bridge::demo::DemoPbx::default(),
            paths,
            notifier,
            sync: Mutex::new(SyncSlot {
                running: None,
                not_running: NotRunning::default(),
                hand_over: None,
                started_wall_ms: now_ms(),
            }),
            found: Mutex::default(),
            sign_in: Mutex::default(),
            certificate: Mutex::default(),
            settings_problem: Mutex::default(),
            demo_favourites_set: std::sync::atomic::AtomicBool::new(false),
            _demo_dir: None,
        }
    }

    /// For `--demo`: settings start from `policy_file` and defaults, changes go to a temporary
    /// file that disappears on exit; secrets stay in memory.
    pub fn demo(
        policy_file: &std::path::Path,
        pbx: bridge::demo::DemoPbx,
        notifier: Arc<dyn Notifier>,
    ) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let (store, _) = SettingsStore::load(&dir.path().join("config.toml"), policy_file);
        let mut state = Self::new(
            store,
            Arc::new(keychain::MemoryStore::new()),
            None,
            notifier,
        );
        state.demo = true;
        state.hooks = Arc::new(OwnStatusHooks::new(state.secrets(), false));
        state.demo_pbx = pbx;
        state._demo_dir = Some(dir);
        Ok(state)
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).settings().clone()
    }

    /// Runs `f` on the settings store (locks, save).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut SettingsStore) -> T) -> T {
        f(&mut lock(&self.settings))
    }

    /// Records why the settings on disk are not in use (`None`: they are); returns the previous.
    pub fn set_settings_problem(&self, problem: Option<String>) -> Option<String> {
        std::mem::replace(&mut *lock(&self.settings_problem), problem)
    }

    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    /// Which STARFACE secrets the keychain holds for the PBX the settings name (a keychain that
    /// cannot be read holds none). May block on the keychain.
    pub fn secrets_view(&self) -> Secrets {
        secrets_view(&self.settings(), self.secrets.as_ref())
    }

    /// [`Self::secrets_view`] off the async runtime.
    pub async fn read_secrets_view(&self) -> Secrets {
        let (settings, store) = (self.settings(), self.secrets());
        tauri::async_runtime::spawn_blocking(move || secrets_view(&settings, store.as_ref()))
            .await
            .unwrap_or_default()
    }

    /// The settings screen; `secrets` from [`Self::secrets_view`].
    pub fn settings_view(&self, secrets: Secrets) -> SettingsView {
        let view = self.with_store(|store| window_model::settings_view::view(store, secrets));
        if self.demo {
            view.in_demo(self.demo_pbx_view())
        } else {
            view
        }
    }

    /// The demo's simulated PBX for the settings screen (read-only there).
    fn demo_pbx_view(&self) -> window_model::settings_view::DemoPbxView {
        use window_model::settings_view::{DemoPbxView, DemoSignIn};
        let url = match self.running().as_deref() {
            Some(Running::Demo(demo)) => Some(demo.pbx_url()),
            _ => None,
        };
        let oauth = self.demo_pbx == bridge::demo::DemoPbx::OAuthOnly;
        DemoPbxView {
            url,
            login: bridge::demo::DEMO_LOGIN.to_owned(),
            sign_in: if oauth {
                DemoSignIn::OAuth
            } else {
                DemoSignIn::Classic
            },
            phone_state: oauth,
        }
    }

    pub fn running(&self) -> Option<Arc<Running>> {
        lock(&self.sync).running.clone()
    }

    /// The latest snapshot, or "not configured" (with the sign-ins it waits for) while nothing
    /// runs.
    pub fn snapshot(&self) -> BridgeSnapshot {
        let sync = lock(&self.sync);
        match &sync.running {
            Some(running) => running.handle().snapshot(),
            None => sync.not_running.snapshot(),
        }
    }

    pub fn send(&self, command: BridgeCommand) -> CommandResult<()> {
        let running = self.running().ok_or(CommandError::NotRunning)?;
        Ok(running.handle().send(command)?)
    }

    pub fn started_wall_ms(&self) -> u64 {
        lock(&self.sync).started_wall_ms
    }

    /// The window's `State` now.
    pub fn current_state(&self) -> State {
        window_model::state::state(&self.snapshot(), &self.state_context())
    }

    /// What the window's state needs besides the snapshot.
    pub fn state_context(&self) -> StateContext {
        let settings = self.settings();
        StateContext {
            started_wall_ms: self.started_wall_ms(),
            sync_enabled: settings.sync.enabled,
            microsoft_configured: settings.microsoft.client_id.is_some() || self.demo,
            starface_configured: (settings.starface.url.is_some()
                && settings.starface.login.is_some())
                || self.demo,
            signing_in: self.signing_in(),
            microsoft_saved: self.microsoft_saved(),
            certificate: self.certificate(),
            settings_problem: lock(&self.settings_problem).clone(),
            policy_problem: self.with_store(|store| store.policy().broken.clone()),
            hooks: window_model::hooks::hook_results(&self.hooks.results()),
        }
    }

    /// Records the certificate the PBX presents (for the trust dialog), seen with the current
    /// STARFACE settings.
    pub fn set_certificate(&self, certificate: Certificate) {
        let seen_with = self.settings().starface;
        *lock(&self.certificate) = Some((seen_with, certificate));
    }

    /// The certificate last seen, if the STARFACE settings are still those it was seen with.
    fn certificate(&self) -> Option<Certificate> {
        let now = self.settings().starface;
        lock(&self.certificate)
            .as_ref()
            .filter(|(seen_with, _)| *seen_with == now)
            .map(|(_, certificate)| certificate.clone())
    }

    /// Remembers search hits, so the window can act on them and later searches find them.
    pub fn remember(&self, people: &[Person]) {
        let mut found = lock(&self.found);
        for person in people {
            found.people.insert(person.id.clone(), person.clone());
        }
    }

    /// Everyone earlier searches found.
    pub fn found_people(&self) -> Vec<Person> {
        lock(&self.found).people.values().cloned().collect()
    }

    /// The person with `id`: the watched colleague (the bridge knows most about them), else an
    /// earlier search hit.
    pub fn person(&self, id: &str) -> CommandResult<Person> {
        let snapshot = self.snapshot();
        snapshot
            .colleagues
            .into_iter()
            .find(|c| c.person.id == id)
            .map(|c| c.person)
            .or_else(|| lock(&self.found).people.get(id).cloned())
            .ok_or_else(|| CommandError::UnknownColleague(id.to_owned()))
    }

    /// Polls presence for search hits: watches the new hits the bridge does not watch yet and
    /// stops watching the previous search's hits that are neither favourites nor alerted.
    pub fn watch_search_hits(&self, hits: &[Person]) {
        let snapshot = self.snapshot();
        let mut found = lock(&self.found);
        for id in std::mem::take(&mut found.watched_for_search) {
            let keep = hits.iter().any(|hit| hit.id == id)
                || snapshot
                    .colleagues
                    .iter()
                    .any(|c| c.person.id == id && (c.favourite || c.alert.is_some()));
            if !keep {
                let _ = self.send(BridgeCommand::Unwatch(id));
            }
        }
        for hit in hits {
            let watched = snapshot.colleagues.iter().any(|c| c.person.id == hit.id);
            if !watched
                && self
                    .send(BridgeCommand::Watch(Box::new(hit.clone())))
                    .is_ok()
            {
                found.watched_for_search.push(hit.id.clone());
            }
        }
    }

    /// Watches `person` (an earlier search hit the window shows again) until the next search
    /// replaces it, as the hits of a search are.
    pub fn watch_until_next_search(&self, person: Person) -> CommandResult<()> {
        let id = person.id.clone();
        self.send(BridgeCommand::Watch(Box::new(person)))?;
        lock(&self.found).watched_for_search.push(id);
        Ok(())
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
        if !saved && lock(&self.sync).hand_over.take().is_some() {
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

    /// Reads from the keychain whether a Microsoft sign-in is saved for the Microsoft settings
    /// (one made for other settings does not count). A keychain that cannot be read counts as
    /// "not saved"; the sync start reports the keychain problem itself.
    pub async fn check_microsoft_saved(&self) {
        let store = self.secrets();
        let settings = self.settings();
        let read = tauri::async_runtime::spawn_blocking(move || {
            bridge::secrets::microsoft_sign_in(&settings, store.as_ref())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|read| read.map_err(|e| e.to_string()));
        let saved = read.unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot check the keychain for a Microsoft sign-in");
            Some(bridge::secrets::SecretNeed::Missing)
        });
        self.set_microsoft_saved(saved.is_none());
    }

    /// The keychain as the Microsoft sign-in uses it now (bound to the Microsoft settings).
    pub fn microsoft_secrets(&self) -> Arc<dyn SecretStore> {
        bridge::setup::microsoft_store(&self.settings(), self.secrets())
    }

    /// Stops the sync and starts it again from the settings, going on from the stopped one if
    /// the accounts are the same. Only `events::restart_sync` calls this: the new sync's
    /// snapshots must also be forwarded to the window and the tray.
    pub(crate) async fn replace_sync(&self) {
        self.stop_sync().await;
        if !self.demo {
            self.check_microsoft_saved().await;
        }
        let hand_over = lock(&self.sync).hand_over.take();
        let started = match &self.paths {
            Some(paths) if !self.demo => {
                sync_runtime::start(None, paths, self.notifier.clone(), hand_over).await
            }
            _ => {
                // The demo runs the window's mapping, default messages in the UI language.
                let settings = self.settings();
                let messages = window_model::i18n::message_language(&settings);
                let mapping = settings.mapping.with_default_messages_in(messages);
                sync_runtime::start_demo(self.notifier.clone(), mapping, self.demo_pbx).await
            }
        };
        let (started, not_running) = match started {
            Ok(running) => (Some(running), NotRunning::default()),
            Err(not_running) => (None, not_running),
        };
        if let Some(Running::Demo(demo)) = &started {
            self.set_demo_favourites(demo);
        }
        if let Some(running) = &started {
            // The demo's bridge does not read the settings: tell every new bridge.
            let favourites = self.settings().ui.favourites;
            let _ = running
                .handle()
                .send(BridgeCommand::FavouritesChanged(favourites));
        }
        let mut sync = lock(&self.sync);
        sync.started_wall_ms = started
            .as_ref()
            .and_then(Running::clock_started_wall_ms)
            .unwrap_or_else(now_ms);
        sync.running = started.map(Arc::new);
        sync.not_running = not_running;
    }

    /// The demo starts with a few favourites, so its first look at the tray and the window
    /// shows favourites and, below them, the most relevant people. Only in `--demo` (its
    /// settings are a temporary copy), only once, and only where the policy leaves favourites
    /// open and none are set.
    fn set_demo_favourites(&self, demo: &bridge::demo::Demo) {
        use std::sync::atomic::Ordering;
        if !self.demo || self.demo_favourites_set.swap(true, Ordering::SeqCst) {
            return;
        }
        self.with_store(|store| {
            if store.is_locked("ui.favourites") || !store.settings().ui.favourites.is_empty() {
                return;
            }
            let mut settings = store.settings().clone();
            settings.ui.favourites = demo.starting_favourites();
            if let Err(error) = store.save(settings) {
                tracing::warn!(%error, "the demo starts without favourites");
            }
        });
    }

    /// Shuts the sync down cleanly (clearing the Teams session), if it runs and no command still
    /// holds it, and keeps what it hands over for the next start.
    pub async fn stop_sync(&self) {
        let Some(running) = lock(&self.sync).running.take() else {
            return;
        };
        match Arc::try_unwrap(running) {
            Ok(running) => {
                let hand_over = running.shutdown().await;
                lock(&self.sync).hand_over = hand_over;
            }
            // A command still uses it; it stops when that command drops its reference.
            Err(_) => tracing::warn!("the sync is busy; it stops after the current command"),
        }
    }
}
