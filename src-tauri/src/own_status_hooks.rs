//! The status hooks (`crates/status-hooks`, docs/HOOKS.md) in the running app, the same for the
//! tray app and `--headless`: started from the settings' `[hooks]` (never in the demo), fed the
//! own status from whichever sync runs, started again when `[hooks]`, the UI language or a hook
//! secret change, stopped on quit.
//!
//! The hooks run in their own tasks behind a slot that keeps only the newest status
//! (`StatusHooks::publish` never waits): a dead broker or a hanging busy-light tool never delays
//! the sync or the window. Secrets reach the hooks through `bridge::secrets::bound_store`, so a
//! hook whose URL changed does not get the secret stored for the old one.

use std::sync::{Arc, Mutex, MutexGuard};

use bridge::{BridgeSnapshot, OwnStatus};
use keychain::SecretStore;
use presence_core::{MessageLanguage, PhoneState};
use settings::{HookKind, HooksSettings, Settings};
use status_hooks::{HookError, HookResults, HookStatus, StatusHooks};
use tokio::sync::watch;

/// What the running hooks were started with; another value starts them again.
#[derive(Debug, Clone, PartialEq)]
struct StartedWith {
    hooks: HooksSettings,
    language: MessageLanguage,
    /// Counts stored hook secrets: a new one starts the hooks again (the secret endpoints are
    /// part of `hooks` already).
    generation: u64,
}

#[derive(Default)]
struct Current {
    hooks: Option<Arc<StatusHooks>>,
    /// The newest own status, handed to hooks started later (after a settings change).
    latest: Option<HookStatus>,
}

/// The app's status hooks.
pub struct OwnStatusHooks {
    keychain: Arc<dyn SecretStore>,
    /// The demo never runs hooks: its status is made up.
    allowed: bool,
    current: Mutex<Current>,
    /// Serialises (re)starts; what the running hooks were started with.
    started_with: tokio::sync::Mutex<Option<StartedWith>>,
    generation: std::sync::atomic::AtomicU64,
    /// The running hooks' results, carried over restarts (empty while none run).
    results: watch::Sender<HookResults>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The own status as the hooks publish it, from the bridge's own readings; `None` while neither
/// Teams nor the phone has been read (a sync that just (re)started), so a restart does not flash
/// a busy light to "unknown". The phone counts as known once its line state is; the app does not
/// read the own call forwarding, so `calls_forwarded` is `false`.
pub fn hook_status(own: &OwnStatus) -> Option<HookStatus> {
    let phone = own.telephony.clone().map(|telephony| PhoneState {
        telephony,
        dnd: own.starface_dnd.unwrap_or(false),
        calls_forwarded: false,
        // The STARFACE chat status never leaves the computer.
        chat: None,
    });
    if own.teams.is_none() && phone.is_none() {
        return None;
    }
    Some(HookStatus::new(own.teams.clone(), phone))
}

impl OwnStatusHooks {
    /// Hooks that read their secrets from `keychain`; `allowed: false` (the demo) never starts
    /// any.
    pub fn new(keychain: Arc<dyn SecretStore>, allowed: bool) -> Self {
        Self {
            keychain,
            allowed,
            current: Mutex::default(),
            started_with: tokio::sync::Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
            results: watch::Sender::new(HookResults::default()),
        }
    }

    /// Starts, restarts or stops the hooks for `settings`; nothing happens when `[hooks]` and the
    /// UI language are what the running hooks started with. Stopping the old hooks takes at most
    /// a few seconds (`StatusHooks::shutdown`). Must run inside the Tokio runtime.
    pub async fn apply(&self, settings: &Settings) {
        self.apply_current(|| settings.clone()).await;
    }

    /// [`Self::apply`] with the settings `current` returns once earlier (re)starts are done: for
    /// callers that do not wait, so the newest settings win whatever order they run in.
    pub async fn apply_current(&self, current: impl FnOnce() -> Settings) {
        if !self.allowed {
            return;
        }
        let mut started_with = self.started_with.lock().await;
        let settings = &current();
        let wanted = StartedWith {
            hooks: settings.hooks.clone(),
            language: window_model::i18n::message_language(settings),
            generation: self.generation.load(std::sync::atomic::Ordering::SeqCst),
        };
        if started_with.as_ref() == Some(&wanted) {
            return;
        }
        let old = lock(&self.current).hooks.take();
        if let Some(old) = old {
            stop(old).await;
        }
        let any = HookKind::ALL
            .into_iter()
            .any(|k| wanted.hooks.is_enabled(k));
        let started = any.then(|| {
            let secrets: Arc<dyn SecretStore> = Arc::new(bridge::secrets::bound_store(
                settings,
                self.keychain.clone(),
            ));
            Arc::new(StatusHooks::start(&wanted.hooks, secrets, wanted.language))
        });
        match &started {
            Some(hooks) => {
                let enabled: Vec<&str> = HookKind::ALL
                    .into_iter()
                    .filter(|k| wanted.hooks.is_enabled(*k))
                    .map(HookKind::id)
                    .collect();
                tracing::info!(hooks = ?enabled, "status hooks started");
                self.forward_results(hooks.results());
            }
            None => {
                self.results.send_replace(HookResults::default());
            }
        }
        {
            let mut current = lock(&self.current);
            if let (Some(hooks), Some(latest)) = (&started, &current.latest) {
                hooks.publish(latest);
            }
            current.hooks = started;
        }
        *started_with = Some(wanted);
    }

    /// Starts the hooks again with the settings `current` returns even if they did not change: a
    /// hook secret was stored (the MQTT hook reads its password when it connects).
    pub async fn restart_current(&self, current: impl FnOnce() -> Settings) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.apply_current(current).await;
    }

    /// Hands the own status of `snapshot` to the hooks if it changed; returns at once.
    pub fn feed(&self, snapshot: &BridgeSnapshot) {
        let Some(status) = hook_status(&snapshot.own) else {
            return;
        };
        let mut current = lock(&self.current);
        if current.latest.as_ref() == Some(&status) {
            return;
        }
        if let Some(hooks) = &current.hooks {
            hooks.publish(&status);
        }
        current.latest = Some(status);
    }

    /// Sends the current status through `kind` once and waits for the result (the window's
    /// "Send test"). The hooks' lock is not held while it waits.
    pub fn test(
        &self,
        kind: HookKind,
    ) -> impl std::future::Future<Output = Result<(), HookError>> + Send + 'static {
        let hooks = lock(&self.current).hooks.clone();
        let test = hooks.map(|hooks| hooks.test_now(kind));
        async move {
            match test {
                Some(test) => test.await,
                None => Err(HookError::Off),
            }
        }
    }

    /// The running hooks' last results (none while no hook runs).
    pub fn results(&self) -> HookResults {
        self.results.borrow().clone()
    }

    /// Changes whenever a hook reports a result or the hooks are started again.
    pub fn subscribe_results(&self) -> watch::Receiver<HookResults> {
        self.results.subscribe()
    }

    /// Stops the hooks cleanly (MQTT publishes "offline"); bounded by `StatusHooks::shutdown`.
    pub async fn shutdown(&self) {
        let mut started_with = self.started_with.lock().await;
        let old = lock(&self.current).hooks.take();
        if let Some(old) = old {
            stop(old).await;
            tracing::info!("status hooks stopped");
        }
        self.results.send_replace(HookResults::default());
        *started_with = None;
    }

    /// Copies `results` of the hooks just started into [`Self::results`] until they stop.
    fn forward_results(&self, mut results: watch::Receiver<HookResults>) {
        let sender = self.results.clone();
        sender.send_replace(results.borrow_and_update().clone());
        tokio::spawn(async move {
            while results.changed().await.is_ok() {
                sender.send_replace(results.borrow_and_update().clone());
            }
        });
    }
}

/// Stops `hooks` cleanly; a test still holding them (a few seconds at most) lets go first.
async fn stop(hooks: Arc<StatusHooks>) {
    let mut hooks = hooks;
    for _ in 0..50 {
        match Arc::try_unwrap(hooks) {
            Ok(owned) => return owned.shutdown().await,
            Err(shared) => hooks = shared,
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Dropping the last reference aborts the tasks (MQTT: the broker sends the last will).
    tracing::warn!("the status hooks are busy; they stop when the current test ends");
}

/// Feeds the own status of every snapshot of one sync to `hooks`, until that sync stops.
pub async fn follow(hooks: Arc<OwnStatusHooks>, mut snapshots: watch::Receiver<BridgeSnapshot>) {
    hooks.feed(&snapshots.borrow_and_update());
    while snapshots.changed().await.is_ok() {
        let snapshot = snapshots.borrow_and_update().clone();
        hooks.feed(&snapshot);
    }
}

#[cfg(test)]
mod tests {
    use presence_core::{TeamsPresence, TelephonyState};

    use super::*;

    /// Settings with the command hook writing `$PRESENCE_BRIDGE_EVENT $PRESENCE_BRIDGE_ACTIVITY`
    /// lines to `log`.
    fn command_hook(log: &std::path::Path) -> Settings {
        let mut settings = Settings::default();
        settings.hooks.command.enabled = true;
        settings.hooks.command.program = Some("/bin/sh".into());
        settings.hooks.command.args = vec![
            "-c".into(),
            format!(
                "echo \"$PRESENCE_BRIDGE_EVENT $PRESENCE_BRIDGE_ACTIVITY\" >> '{}'",
                log.display()
            ),
        ];
        settings
    }

    fn snapshot(telephony: TelephonyState) -> BridgeSnapshot {
        BridgeSnapshot {
            own: OwnStatus {
                teams: Some(TeamsPresence::new("Available", "Available")),
                telephony: Some(telephony),
                ..OwnStatus::default()
            },
            ..BridgeSnapshot::default()
        }
    }

    async fn lines_in(log: &std::path::Path, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if text.lines().count() >= count {
                return text.lines().map(str::to_owned).collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} lines in {}", log.display());
    }

    #[tokio::test]
    async fn changes_go_out_once_a_test_sends_the_current_status_and_new_settings_restart() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("hook.log");
        let hooks = OwnStatusHooks::new(Arc::new(keychain::MemoryStore::new()), true);
        hooks.apply(&Settings::default()).await;
        assert_eq!(
            hooks.test(HookKind::Command).await,
            Err(HookError::Off),
            "no hook runs with the defaults"
        );
        let settings = command_hook(&log);
        hooks.apply(&settings).await;
        assert_eq!(
            hooks.test(HookKind::Command).await,
            Err(HookError::NoStatusYet)
        );
        hooks.feed(&snapshot(TelephonyState::Available));
        assert_eq!(lines_in(&log, 1).await, ["status available"]);
        // The same status again sends nothing (a hook that is busy keeps only the newest, so the
        // change waits for the first delivery to end).
        hooks.feed(&snapshot(TelephonyState::Available));
        hooks.feed(&snapshot(TelephonyState::Active));
        assert_eq!(
            lines_in(&log, 2).await,
            ["status available", "status on_the_phone"]
        );
        assert_eq!(hooks.test(HookKind::Command).await, Ok(()));
        assert_eq!(lines_in(&log, 3).await[2], "test on_the_phone");
        let report = hooks.results().get(HookKind::Command).cloned().unwrap();
        assert_eq!(report.last.unwrap().occasion, status_hooks::Occasion::Test);

        // The same settings again change nothing; other settings start the hooks again, and
        // the new ones get the current status at once.
        hooks.apply(&settings).await;
        let mut longer = settings.clone();
        longer.hooks.command.timeout_secs = 20;
        hooks.apply(&longer).await;
        assert_eq!(lines_in(&log, 4).await[3], "status on_the_phone");

        hooks.shutdown().await;
        assert_eq!(hooks.test(HookKind::Command).await, Err(HookError::Off));
        assert!(hooks.results().iter().next().is_none());
    }

    #[tokio::test]
    async fn the_demo_runs_no_hooks() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("hook.log");
        let hooks = OwnStatusHooks::new(Arc::new(keychain::MemoryStore::new()), false);
        hooks.apply(&command_hook(&log)).await;
        hooks.feed(&snapshot(TelephonyState::Active));
        assert_eq!(hooks.test(HookKind::Command).await, Err(HookError::Off));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!log.exists());
    }

    #[test]
    fn nothing_is_published_before_a_reading_and_the_phone_needs_its_line_state() {
        assert_eq!(hook_status(&OwnStatus::default()), None);
        let dnd_only = OwnStatus {
            starface_dnd: Some(true),
            ..OwnStatus::default()
        };
        assert_eq!(hook_status(&dnd_only), None);
        let on_the_phone = OwnStatus {
            teams: Some(TeamsPresence::new("Available", "Available")),
            telephony: Some(TelephonyState::Active),
            starface_dnd: Some(true),
            starface_chat: Some(presence_core::ChatStatus::new(
                presence_core::ChatPresence::Away,
                "private",
            )),
            ..OwnStatus::default()
        };
        let status = hook_status(&on_the_phone).unwrap();
        let document = status.document(true);
        assert_eq!((document.activity, document.dot), ("on_the_phone", "busy"));
        let phone = document.phone.unwrap();
        assert!(phone.in_call && phone.dnd);
        assert!(status.phone().unwrap().chat.is_none());
    }
}
