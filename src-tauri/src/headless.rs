//! `--headless`: no window, no tray; runs until SIGTERM or Ctrl+C.

use std::process::ExitCode;

use crate::cli::{Cli, Paths};

pub fn run(_cli: &Cli, paths: &Paths) -> ExitCode {
    let (_store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        tracing::error!(%problem, "settings problem; the file is left untouched");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        tracing::info!("running headless; stop with Ctrl+C or SIGTERM");
        wait_for_termination().await;
        tracing::info!("stopped");
    });
    ExitCode::SUCCESS
}

async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot watch SIGTERM; only Ctrl+C stops the app");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
