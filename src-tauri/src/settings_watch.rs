//! Applies edits of the settings file or the admin policy made outside the window (an editor,
//! a policy rollout) to the running app, as a save from the window would.

use std::path::PathBuf;
use std::time::Duration;

use settings::{Reload, SettingsError, SettingsWatch};
use tauri::{AppHandle, Manager, Runtime};

use crate::app_state::AppState;
use crate::events;

/// How often the files are looked at.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Watches the settings file and `policy_file` for as long as the app runs.
pub fn start<R: Runtime>(app: AppHandle<R>, policy_file: PathBuf) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let config = state.with_store(|store| store.file().to_owned());
    let mut watch = SettingsWatch::new(&config, &policy_file);
    tauri::async_runtime::spawn(async move {
        let mut interval = tokio::time::interval(POLL_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            poll(&app, &mut watch).await;
        }
    });
}

/// The text of the settings warning for `problems`.
pub fn describe<'a>(problems: impl IntoIterator<Item = &'a SettingsError>) -> String {
    problems
        .into_iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One look at the files: reload, apply and tell the window when they changed.
pub async fn poll<R: Runtime>(app: &AppHandle<R>, watch: &mut SettingsWatch) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match state.with_store(|store| watch.poll(store)) {
        Reload::Unchanged => {}
        Reload::Rejected(problems) => {
            for problem in &problems {
                tracing::error!(
                    %problem,
                    "the settings changed on disk but have errors; keeping the last good settings, \
                     saving is refused until the file is fixed"
                );
            }
            state.set_settings_problem(Some(describe(&problems)));
            events::publish_state(app);
        }
        Reload::Loaded { previous, changed } => {
            let had_problem = state.set_settings_problem(None).is_some();
            if changed {
                tracing::info!("the settings changed on disk; applying them");
                if let Some(broken) = state.with_store(|store| store.policy().broken.clone()) {
                    tracing::error!("{broken}");
                }
                let after = state.settings();
                // Publishes the state, so the cleared warning goes out with it.
                crate::settings_changed::apply(app, &previous, &after).await;
                publish_settings(app).await;
            } else if had_problem {
                events::publish_state(app);
            }
        }
    }
}

/// The `settings` event; off the async runtime because the view asks the keychain.
async fn publish_settings<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let sent = tauri::async_runtime::spawn_blocking(move || events::publish_settings(&app)).await;
    if let Err(error) = sent {
        tracing::warn!(%error, "cannot send the settings event");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
    use tauri::{App, Listener};

    use super::*;

    struct Rig {
        app: App<MockRuntime>,
        dir: tempfile::TempDir,
        watch: SettingsWatch,
        settings_events: Arc<Mutex<Vec<Value>>>,
    }

    impl Rig {
        fn start(config: &str) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let (config_file, policy_file) = (
                dir.path().join("config.toml"),
                dir.path().join("policy.toml"),
            );
            std::fs::write(&config_file, config).unwrap();
            let (store, report) = settings::SettingsStore::load(&config_file, &policy_file);
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            // No bridge runs: what reaches it is covered by the commands' tests; here the point
            // is the store, the warning and the event.
            let state = AppState::new(
                store,
                Arc::new(keychain::MemoryStore::new()),
                None,
                Arc::new(bridge::LogNotifier),
            );
            let app = mock_builder()
                .manage(state)
                .build(mock_context(noop_assets()))
                .unwrap();
            let settings_events = Arc::new(Mutex::new(Vec::new()));
            let events = settings_events.clone();
            app.listen_any("settings", move |event| {
                events
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str(event.payload()).unwrap());
            });
            let watch = SettingsWatch::new(&config_file, &policy_file);
            Self {
                app,
                dir,
                watch,
                settings_events,
            }
        }

        fn write(&self, text: &str) {
            std::fs::write(self.dir.path().join("config.toml"), text).unwrap();
        }

        fn poll(&mut self) {
            tauri::async_runtime::block_on(poll(self.app.handle(), &mut self.watch));
        }

        fn app_state(&self) -> tauri::State<'_, AppState> {
            self.app.state::<AppState>()
        }

        fn state(&self) -> Value {
            serde_json::to_value(self.app_state().current_state()).unwrap()
        }

        fn warnings(&self) -> Vec<String> {
            self.state()["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["kind"].as_str().unwrap().to_owned())
                .collect()
        }

        /// Events are delivered on the listener's side; wait for the one expected.
        fn settings_events(&self, count: usize) -> Vec<Value> {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let events = self.settings_events.lock().unwrap().clone();
                if events.len() >= count || std::time::Instant::now() > deadline {
                    return events;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    #[test]
    fn an_edited_file_is_applied_and_sent_to_the_window() {
        let mut rig = Rig::start("[sync]\npoll_interval_secs = 30\n");
        rig.poll();
        assert!(rig.settings_events.lock().unwrap().is_empty());

        rig.write("[sync]\npoll_interval_secs = 45\n");
        rig.poll();
        assert_eq!(rig.app_state().settings().sync.poll_interval_secs, 45);
        let events = rig.settings_events(1);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["values"]["sync"]["poll_interval_secs"], 45);
    }

    #[test]
    fn a_broken_file_keeps_the_last_good_settings_and_warns_until_fixed() {
        let mut rig = Rig::start("[sync]\npoll_interval_secs = 30\n");
        rig.write("[sync\npoll_interval_secs = 45\n");
        rig.poll();
        assert_eq!(rig.app_state().settings().sync.poll_interval_secs, 30);
        assert!(!rig.app_state().with_store(|s| s.is_writable()));
        assert_eq!(rig.warnings(), ["settings_file_invalid"]);
        let state = rig.state();
        let message = state["warnings"][0]["params"]["message"].as_str().unwrap();
        assert!(message.contains("config.toml"), "{message}");

        rig.write("[sync]\npoll_interval_secs = 50\n");
        rig.poll();
        assert_eq!(rig.app_state().settings().sync.poll_interval_secs, 50);
        assert!(rig.app_state().with_store(|s| s.is_writable()));
        assert!(rig.warnings().is_empty());
        assert_eq!(
            rig.settings_events(1)[0]["values"]["sync"]["poll_interval_secs"],
            50
        );
    }
}
