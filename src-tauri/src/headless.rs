//! `--headless`: no window, no tray; runs the bridge (or the demo with `--demo`) until SIGTERM or
//! Ctrl+C, then shuts it down cleanly. Edits of the settings or policy file restart the sync with
//! them; a file with errors is reported and the sync keeps its last good settings. The status
//! hooks (`[hooks]`) run beside the sync and follow the same edits.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use settings::{Reload, SettingsStore, SettingsWatch};

use crate::cli::{Cli, Paths};
use crate::own_status_hooks::{self, OwnStatusHooks};
use crate::sync_runtime;

/// How often the settings files are looked at (as in the tray app).
const SETTINGS_POLL: Duration = Duration::from_secs(2);

pub fn run(cli: &Cli, paths: &Paths) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // Registered before anything else, so a SIGTERM during start-up still shuts down cleanly.
        let termination = termination_signal();
        tokio::pin!(termination);
        let notifier: Arc<dyn bridge::Notifier> = Arc::new(bridge::LogNotifier);
        // Loaded before the sync reads the files, so an edit during start-up is not missed.
        let mut watched = (!cli.demo).then(|| {
            let (store, _) = SettingsStore::load(&paths.config_file, &paths.policy_file);
            (
                store,
                SettingsWatch::new(&paths.config_file, &paths.policy_file),
            )
        });
        // Status hooks run with the settings' `[hooks]`, never in the demo.
        let hooks = Arc::new(OwnStatusHooks::new(
            Arc::new(keychain::OsKeychain::new().with_deadline(Duration::from_secs(30))),
            !cli.demo,
        ));
        if let Some((store, _)) = &watched {
            hooks.apply(store.settings()).await;
        }
        let mut running = sync_runtime::start(cli.demo_pbx(), paths, notifier.clone(), None)
            .await
            .ok();
        if running.is_none() && cli.demo {
            return ExitCode::FAILURE;
        }
        follow_with_hooks(&hooks, running.as_ref());
        tracing::info!("running headless; stop with Ctrl+C or SIGTERM");
        let mut look = tokio::time::interval(SETTINGS_POLL);
        look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut termination => break,
                _ = look.tick(), if watched.is_some() => {
                    let Some((store, watch)) = watched.as_mut() else { continue };
                    if settings_changed(watch, store) {
                        tracing::info!("the settings changed on disk; restarting the sync");
                        // What the user chose (a DND kept by hand, a pause) goes on.
                        let hand_over = match running.take() {
                            Some(old) => old.shutdown().await,
                            None => None,
                        };
                        running = sync_runtime::start(None, paths, notifier.clone(), hand_over)
                            .await
                            .ok();
                        follow_with_hooks(&hooks, running.as_ref());
                        // After the sync: stopping a hook that hangs takes seconds.
                        hooks.apply(store.settings()).await;
                    }
                }
            }
        }
        tracing::info!("termination signal received; shutting down");
        if let Some(running) = running {
            running.shutdown().await;
        }
        hooks.shutdown().await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

/// Feeds the own status of `running` to the status hooks until that sync stops.
fn follow_with_hooks(hooks: &Arc<OwnStatusHooks>, running: Option<&sync_runtime::Running>) {
    if let Some(running) = running {
        tokio::spawn(own_status_hooks::follow(hooks.clone(), running.subscribe()));
    }
}

/// Whether the files changed in a way that needs a restart; errors are logged, and the running
/// sync keeps the settings it started with.
fn settings_changed(watch: &mut SettingsWatch, store: &mut SettingsStore) -> bool {
    match watch.poll(store) {
        Reload::Unchanged => false,
        Reload::Loaded { changed, .. } => changed,
        Reload::Rejected(problems) => {
            for problem in &problems {
                tracing::error!(
                    %problem,
                    "the settings changed on disk but have errors; the sync keeps its last good settings"
                );
            }
            false
        }
    }
}

/// A future that completes on SIGTERM or SIGINT (Ctrl+C). The handlers are installed when this
/// is called, not when the future is first polled. Must be called inside the tokio runtime.
fn termination_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                (term, int) => {
                    let error = term.err().or(int.err()).map(|e| e.to_string());
                    tracing::warn!(
                        ?error,
                        "cannot watch SIGTERM/SIGINT; falling back to Ctrl+C"
                    );
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
