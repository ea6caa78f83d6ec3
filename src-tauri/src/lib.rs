//! Presence Bridge: the desktop app. Tauri glue only: commands, the tray's rendering, the window,
//! notifications and the opener. What the window and the tray show is `crates/window-model`, the
//! running sync is `crates/bridge` (see docs/ARCHITECTURE.md).

mod account;
mod app_state;
mod autostart;
mod cli;
mod cli_docs;
mod commands;
mod desktop;
mod doctor;
mod error;
mod events;
mod headless;
mod log_files;
mod logging;
mod main_window;
mod notifications;
mod opener;
mod own_status_hooks;
mod settings_changed;
mod settings_watch;
mod sync_runtime;
mod test_hooks;
mod tray;
mod webkit_processes;
mod webview_crash;
mod webview_drawing;
mod webview_languages;

use std::process::ExitCode;

use clap::Parser;

/// Entry point of the `presence-bridge` binary.
pub fn main() -> ExitCode {
    if let Some(code) = cli_docs::run_if_asked(&std::env::args_os().collect::<Vec<_>>()) {
        return code;
    }
    // clap exits with code 2 and a clear message on unknown flags or bad values.
    let cli = cli::Cli::parse();
    let paths = match cli::Paths::resolve(&cli) {
        Ok(paths) => paths,
        Err(e) => {
            eprintln!("presence-bridge: {e}");
            return ExitCode::from(2);
        }
    };
    match &cli.command {
        Some(cli::Command::Doctor { policy }) => {
            let _log = logging::init(&paths, logging::Output::FileOnly);
            let paths = cli::Paths {
                policy_file: policy.clone().unwrap_or(paths.policy_file.clone()),
                ..paths.clone()
            };
            doctor::run(&paths)
        }
        Some(cli::Command::Login(target)) => {
            let _log = logging::init(&paths, logging::Output::FileOnly);
            account::login(&paths, target)
        }
        Some(cli::Command::Logout { service }) => {
            let _log = logging::init(&paths, logging::Output::FileOnly);
            account::logout(*service)
        }
        None if cli.headless => {
            let _log = logging::init(&paths, logging::Output::FileAndStderr);
            headless::run(&cli, &paths)
        }
        Some(cli::Command::Quit) | None => {
            let drawing = webview_drawing::choose_before_webkit_starts();
            let _log = logging::init(&paths, logging::Output::FileAndStderr);
            drawing.log();
            desktop::run(&cli, &paths)
        }
    }
}
