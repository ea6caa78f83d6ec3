//! The tray app: Tauri setup, window behaviour, single instance, quitting cleanly.

use std::process::ExitCode;

use clap::Parser;
use tauri::{AppHandle, Manager, RunEvent, Runtime, WindowEvent};

use crate::cli::{Cli, Command, Paths};
use crate::i18n::Lang;
use crate::{sync_runtime, tray};

pub fn run(cli: &Cli, paths: &Paths) -> ExitCode {
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        tracing::error!(%problem, "settings problem; running with defaults for what is broken, the file is left untouched");
    }
    let lang = Lang::choose(store.settings().ui.language);
    let asked_to_quit = cli.command == Some(Command::Quit);
    let demo = cli.demo;
    let paths_for_sync = paths.clone();

    let app = tauri::Builder::default()
        // Must be the first plugin: a second launch hands its arguments to us and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            on_second_launch(app, &argv)
        }))
        .setup(move |app| {
            if asked_to_quit {
                eprintln!("Presence Bridge is not running.");
                std::process::exit(1);
            }
            let handle = app.handle().clone();
            if let Err(error) = tray::build(&handle, lang, on_tray_item) {
                tracing::error!(%error, "cannot create the tray icon; the app keeps running");
            }
            if !tray::host_present() {
                tracing::warn!(
                    "no tray host found on this desktop (no StatusNotifierWatcher): the tray icon \
                     is not visible; run `presence-bridge` again to open the window"
                );
            }
            watch_termination_signals(handle.clone());
            start_sync(handle, demo, paths_for_sync.clone());
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                "Presence Bridge started in the tray"
            );
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window only hides it: the app lives in the tray.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                if let Err(error) = window.hide() {
                    tracing::warn!(%error, "cannot hide the window");
                }
            }
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "cannot start the desktop app");
            eprintln!("presence-bridge: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|_app, event| match event {
        // No window open is not a reason to quit; only Quit or a signal (which carry a code) are.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            stop_sync(_app);
            tracing::info!("Presence Bridge stopped")
        }
        _ => {}
    });
    ExitCode::SUCCESS
}

/// The running bridge, kept so quitting can shut it down cleanly.
struct SyncSlot(std::sync::Mutex<Option<sync_runtime::Running>>);

fn start_sync<R: Runtime>(app: AppHandle<R>, demo: bool, paths: Paths) {
    app.manage(SyncSlot(std::sync::Mutex::new(None)));
    tauri::async_runtime::spawn(async move {
        let notifier = std::sync::Arc::new(bridge::LogNotifier);
        let Some(running) = sync_runtime::start(demo, &paths, notifier).await else {
            tray::show(&app, &sync_runtime::not_configured());
            return;
        };
        let mut snapshots = running.subscribe();
        if let Some(slot) = app.try_state::<SyncSlot>() {
            *slot.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(running);
        }
        loop {
            let snapshot = snapshots.borrow_and_update().clone();
            tray::show(&app, &snapshot);
            if snapshots.changed().await.is_err() {
                break;
            }
        }
    });
}

fn stop_sync<R: Runtime>(app: &AppHandle<R>) {
    let running = app
        .try_state::<SyncSlot>()
        .and_then(|slot| slot.0.lock().unwrap_or_else(|p| p.into_inner()).take());
    if let Some(running) = running {
        tauri::async_runtime::block_on(running.shutdown());
    }
}

fn on_tray_item<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        tray::item::OPEN => show_window(app),
        tray::item::QUIT => quit(app),
        other => tracing::debug!(item = other, "tray item without an action"),
    }
}

fn on_second_launch<R: Runtime>(app: &AppHandle<R>, argv: &[String]) {
    match Cli::try_parse_from(argv) {
        Ok(cli) if cli.command == Some(Command::Quit) => {
            tracing::info!("asked to quit by `presence-bridge quit`");
            quit(app)
        }
        _ => show_window(app),
    }
}

fn show_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        tracing::error!("the main window is missing");
        return;
    };
    let shown = window
        .show()
        .and_then(|()| window.unminimize())
        .and_then(|()| window.set_focus());
    match shown {
        Ok(()) => tracing::info!("window shown"),
        Err(error) => tracing::warn!(%error, "cannot show the window"),
    }
}

/// The one way out: the tray's Quit, `presence-bridge quit`, SIGTERM and SIGINT all end here.
fn quit<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("quitting");
    app.exit(0);
}

#[cfg(unix)]
fn watch_termination_signals<R: Runtime>(app: AppHandle<R>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    let mut signals = match Signals::new([SIGTERM, SIGINT]) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(%error, "cannot watch for SIGTERM/SIGINT");
            return;
        }
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                tracing::info!(signal, "termination signal received");
                quit(&app);
            }
        })
        .map(drop)
        .unwrap_or_else(|error| tracing::warn!(%error, "cannot start the signal thread"));
}

#[cfg(not(unix))]
fn watch_termination_signals<R: Runtime>(_app: AppHandle<R>) {}
