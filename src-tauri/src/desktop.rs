//! The tray app: Tauri setup, window behaviour, single instance, quitting cleanly.

use std::process::ExitCode;

use clap::Parser;
use tauri::{AppHandle, Manager, RunEvent, Runtime};

use window_model::navigate::{Navigate, Screen};
use window_model::tray::{ColleagueAction, MenuOptions, TrayAction};

use crate::app_state::AppState;
use crate::cli::{Cli, Command, Paths};
use crate::main_window::{self, WindowLife};
use crate::notifications::DesktopNotifier;
use crate::{commands, events, tray};

pub fn run(cli: &Cli, paths: &Paths) -> ExitCode {
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        tracing::error!(%problem, "settings problem; running with defaults for what is broken, the file is left untouched");
    }
    if let Some(broken) = &store.policy().broken {
        tracing::error!("{broken}");
    }
    let menu_options = MenuOptions::of(store.settings());
    let asked_to_quit = cli.command == Some(Command::Quit);
    let demo = cli.demo;
    let demo_pbx = cli.demo_pbx().unwrap_or_default();
    let window_at_start = cli.window;
    let window_life = WindowLife::of(cli);
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
            // No window at start (or a hidden one): no window events until it is shown.
            app.manage(events::WindowShown::new(false));
            main_window::at_start(&handle, window_life);
            if let Err(error) = tray::build(&handle, menu_options, on_tray_item) {
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
            let state = match store.take() {
                Some(_) if demo => AppState::demo(&paths_for_sync.policy_file, demo_pbx, notifier)?,
                Some(store) => {
                    let keychain = std::sync::Arc::new(
                        keychain::OsKeychain::new()
                            .with_deadline(std::time::Duration::from_secs(30)),
                    );
                    AppState::new(store, keychain, Some(paths_for_sync.clone()), notifier)
                }
                None => return Err("setup ran twice".into()),
            };
            // A broken policy is the store's own warning (it failed closed); this one is the
            // settings file's.
            let in_settings_file: Vec<_> = report
                .problems
                .iter()
                .filter(|problem| problem.file() != Some(paths_for_sync.policy_file.as_path()))
                .collect();
            if !in_settings_file.is_empty() && !demo {
                state.set_settings_problem(Some(crate::settings_watch::describe(in_settings_file)));
            }
            let autostart = state.settings().ui.autostart;
            app.manage(state);
            crate::settings_watch::start(handle.clone(), paths_for_sync.policy_file.clone());
            if !demo {
                crate::autostart::apply(&handle, autostart);
            }
            if window_at_start {
                main_window::open(&handle, None);
            }
            tauri::async_runtime::spawn(events::forward_hook_results(handle.clone()));
            tauri::async_runtime::spawn(async move { events::restart_sync(&handle).await });
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                "Presence Bridge started in the tray"
            );
            Ok(())
        })
        // Closing the window destroys it; the app lives on in the tray.
        .on_window_event(main_window::on_event)
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

fn stop_sync<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        tauri::async_runtime::block_on(state.stop_sync());
        // A clean goodbye (MQTT "offline"), a few seconds at most.
        tauri::async_runtime::block_on(state.hooks.shutdown());
    }
}

fn on_tray_item<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(action) = TrayAction::of_item(id) else {
        tracing::debug!(item = id, "tray item without an action");
        return;
    };
    let send = |command: bridge::BridgeCommand| {
        if let Some(state) = app.try_state::<AppState>() {
            if let Err(error) = state.send(command) {
                tracing::warn!(%error, "tray action not applied");
            }
            events::publish_state(app);
        }
    };
    match action {
        TrayAction::Open => main_window::open(app, Some(Navigate::to(Screen::Colleagues))),
        TrayAction::Settings => main_window::open(app, Some(Navigate::to(Screen::Settings))),
        TrayAction::Quit => quit(app),
        TrayAction::Pause(length) => send(bridge::BridgeCommand::PauseFor(
            commands::sync::pause_duration(length),
        )),
        TrayAction::Resume => send(bridge::BridgeCommand::Resume),
        TrayAction::SyncNow => send(bridge::BridgeCommand::SyncNow),
        TrayAction::Colleague {
            action,
            colleague_id,
        } => on_colleague_item(app, id, action, colleague_id),
    }
}

/// An item of a colleague's submenu: a link (the one the menu built, checked again by the
/// opener), the alert's tick, or the contact card.
fn on_colleague_item<R: Runtime>(
    app: &AppHandle<R>,
    id: &str,
    action: ColleagueAction,
    colleague_id: String,
) {
    match action {
        ColleagueAction::Link(_) => {
            let Some(url) = tray::link_of(app, id) else {
                tracing::warn!(item = id, "the tray item is gone; nothing opened");
                return;
            };
            if let Err(error) = crate::opener::open_url(app, &url) {
                tracing::warn!(%error, "cannot open the link from the tray");
            }
        }
        ColleagueAction::NotifyWhenAvailable => {
            let Some(state) = app.try_state::<AppState>() else {
                return;
            };
            // What the menu showed before the click (the click has already toggled the tick).
            let mode = match tray::alert_shown(app, id) {
                Some(false) => Some(presence_core::watch_list::AlertMode::Once),
                _ => None,
            };
            match commands::directory::set_alert(&state, colleague_id, mode) {
                Ok(()) => events::publish_state(app),
                Err(error) => {
                    tracing::warn!(%error, "cannot change the alert from the tray");
                    tray::retick(app, id);
                }
            }
        }
        ColleagueAction::OpenCard => main_window::open(app, Some(Navigate::to_card(&colleague_id))),
    }
}

fn on_second_launch<R: Runtime>(app: &AppHandle<R>, argv: &[String]) {
    match Cli::try_parse_from(argv) {
        #[cfg(feature = "test-hooks")]
        Ok(Cli {
            tray_item: Some(id),
            ..
        }) => on_tray_item(app, &id),
        #[cfg(feature = "test-hooks")]
        Ok(Cli {
            close_window: true, ..
        }) => main_window::close(app),
        Ok(cli) if cli.command == Some(Command::Quit) => {
            tracing::info!("asked to quit by `presence-bridge quit`");
            quit(app)
        }
        _ => main_window::open(app, None),
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
