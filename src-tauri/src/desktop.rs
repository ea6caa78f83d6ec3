//! The tray app: Tauri setup, window behaviour, single instance, quitting cleanly.

use std::process::ExitCode;

use clap::Parser;
use tauri::{AppHandle, Manager, RunEvent, Runtime, WindowEvent};

use crate::backend::Backend;
use crate::cli::{Cli, Command, Paths};
use crate::i18n::Lang;
use crate::notifications::DesktopNotifier;
use crate::{commands, tray};

pub fn run(cli: &Cli, paths: &Paths) -> ExitCode {
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        tracing::error!(%problem, "settings problem; running with defaults for what is broken, the file is left untouched");
    }
    let lang = Lang::choose(store.settings().ui.language);
    let asked_to_quit = cli.command == Some(Command::Quit);
    let demo = cli.demo;
    let window_at_start = cli.window;
    let paths_for_sync = paths.clone();
    let mut store = Some(store);

    let app = tauri::Builder::default()
        // Must be the first plugin: a second launch hands its arguments to us and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            on_second_launch(app, &argv)
        }))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .invoke_handler(commands::handler::<tauri::Wry>())
        .setup(move |app| {
            if asked_to_quit {
                eprintln!("Presence Bridge is not running.");
                std::process::exit(1);
            }
            let handle = app.handle().clone();
            // Hidden at start (tauri.conf.json): no window events until it is shown.
            app.manage(commands::WindowShown::new(false));
            if let Some(window) = app.get_webview_window("main") {
                crate::i18n::share_languages_with_window(&window);
            }
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
            let notifier = std::sync::Arc::new(DesktopNotifier::new(handle.clone()));
            let backend = match store.take() {
                Some(_) if demo => Backend::demo(&paths_for_sync.policy_file, notifier)?,
                Some(store) => {
                    let keychain = std::sync::Arc::new(
                        keychain::OsKeychain::new()
                            .with_deadline(std::time::Duration::from_secs(30)),
                    );
                    Backend::new(store, keychain, Some(paths_for_sync.clone()), notifier)
                }
                None => return Err("setup ran twice".into()),
            };
            if !report.problems.is_empty() && !demo {
                backend
                    .set_settings_problem(Some(crate::settings_watch::describe(&report.problems)));
            }
            let autostart = backend.settings().ui.autostart;
            app.manage(backend);
            crate::settings_watch::start(handle.clone(), paths_for_sync.policy_file.clone());
            if !demo {
                apply_autostart(&handle, autostart);
            }
            if window_at_start {
                show_window(&handle);
            }
            start_sync(handle);
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                "Presence Bridge started in the tray"
            );
            Ok(())
        })
        .on_window_event(|window, event| match event {
            // Closing the window only hides it: the app lives in the tray.
            WindowEvent::CloseRequested { api, .. } => {
                api.prevent_close();
                match window.hide() {
                    Ok(()) => commands::set_window_shown(window.app_handle(), false),
                    Err(error) => tracing::warn!(%error, "cannot hide the window"),
                }
            }
            // A focused window is on screen, however it got there.
            WindowEvent::Focused(true) => commands::set_window_shown(window.app_handle(), true),
            _ => {}
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

fn start_sync<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let Some(backend) = app.try_state::<Backend>() else {
            return;
        };
        backend.restart_bridge().await;
        follow_bridge(&app);
    });
}

/// Forwards the (new) bridge's snapshots to the window and the tray; shows "not configured"
/// when nothing runs. The previous forwarder ends when its bridge stops.
pub fn follow_bridge<R: Runtime>(app: &AppHandle<R>) {
    let Some(backend) = app.try_state::<Backend>() else {
        return;
    };
    match backend.running() {
        Some(running) => {
            let snapshots = running.subscribe();
            tauri::async_runtime::spawn(commands::forward_snapshots(app.clone(), snapshots));
        }
        None => {
            tray::show(app, &crate::sync_runtime::not_configured());
            commands::publish_state(app);
        }
    }
}

fn stop_sync<R: Runtime>(app: &AppHandle<R>) {
    if let Some(backend) = app.try_state::<Backend>() {
        tauri::async_runtime::block_on(backend.stop_bridge());
    }
}

/// Registers or removes the login item as `ui.autostart` says. The login item starts this
/// binary without arguments, so in the tray without the window.
pub fn apply_autostart<R: Runtime>(app: &AppHandle<R>, enabled: bool) {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let result = if enabled {
        // Written again even when present: an entry from an earlier build or install location
        // would start that binary at login, not the installed one that runs now.
        launcher.enable()
    } else {
        match launcher.is_enabled() {
            Ok(false) => Ok(()),
            _ => launcher.disable(),
        }
    };
    match result {
        Ok(()) => tracing::info!(enabled, "autostart applied"),
        Err(error) => tracing::warn!(%error, enabled, "cannot change autostart"),
    }
}

fn on_tray_item<R: Runtime>(app: &AppHandle<R>, id: &str) {
    use bridge::BridgeCommand;
    use commands::sync::PauseLength;
    let send = |command: BridgeCommand| {
        if let Some(backend) = app.try_state::<Backend>() {
            if let Err(error) = backend.send(command) {
                tracing::warn!(%error, "tray action not applied");
            }
            commands::publish_state(app);
        }
    };
    match id {
        tray::item::OPEN => {
            show_window(app);
            navigate(app, serde_json::json!({"screen": "colleagues"}));
        }
        tray::item::SETTINGS => {
            show_window(app);
            navigate(app, serde_json::json!({"screen": "settings"}));
        }
        tray::item::QUIT => quit(app),
        tray::item::PAUSE_15M => send(BridgeCommand::PauseFor(
            PauseLength::FifteenMinutes.duration(),
        )),
        tray::item::PAUSE_1H => send(BridgeCommand::PauseFor(PauseLength::OneHour.duration())),
        tray::item::PAUSE_TOMORROW => send(BridgeCommand::PauseFor(
            PauseLength::UntilTomorrow.duration(),
        )),
        tray::item::RESUME => send(BridgeCommand::Resume),
        tray::item::SYNC_NOW => send(BridgeCommand::SyncNow),
        other => match other.strip_prefix(tray::item::FAVOURITE_PREFIX) {
            Some(colleague_id) => open_chat(app, colleague_id),
            None => tracing::debug!(item = other, "tray item without an action"),
        },
    }
}

fn navigate<R: Runtime>(app: &AppHandle<R>, payload: serde_json::Value) {
    use tauri::Emitter;
    if let Err(error) = app.emit("navigate", payload) {
        tracing::debug!(%error, "cannot send the navigate event");
    }
}

fn open_chat<R: Runtime>(app: &AppHandle<R>, colleague_id: &str) {
    let Some(backend) = app.try_state::<Backend>() else {
        return;
    };
    let action = commands::links::LinkAction {
        kind: commands::links::LinkKind::TeamsChat,
        colleague_id: colleague_id.to_owned(),
        phone: None,
    };
    let opened = commands::links::url_for(&backend, &action)
        .and_then(|url| Ok(crate::opener::open_url(app, &url)?));
    if let Err(error) = opened {
        tracing::warn!(%error, "cannot open the Teams chat from the tray");
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
    if let Err(error) = window.show() {
        tracing::warn!(%error, "cannot show the window");
        return;
    }
    commands::set_window_shown(app, true);
    match window.unminimize().and_then(|()| window.set_focus()) {
        Ok(()) => tracing::info!("window shown"),
        Err(error) => tracing::warn!(%error, "window shown, but cannot raise it"),
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
