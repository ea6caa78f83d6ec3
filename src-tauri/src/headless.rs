//! `--headless`: no window, no tray; runs the bridge (or the demo with `--demo`) until SIGTERM or
//! Ctrl+C, then shuts it down cleanly.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Paths};
use crate::sync_runtime;

pub fn run(cli: &Cli, paths: &Paths) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let running = sync_runtime::start(cli.demo, paths, Arc::new(bridge::LogNotifier)).await;
        if running.is_none() && cli.demo {
            return ExitCode::FAILURE;
        }
        tracing::info!("running headless; stop with Ctrl+C or SIGTERM");
        wait_for_termination().await;
        tracing::info!("termination signal received; shutting down");
        if let Some(running) = running {
            running.shutdown().await;
        }
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
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
