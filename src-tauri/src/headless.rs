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
        // Registered before anything else, so a SIGTERM during start-up still shuts down cleanly.
        let termination = termination_signal();
        let running = sync_runtime::start(cli.demo, paths, Arc::new(bridge::LogNotifier)).await;
        if running.is_none() && cli.demo {
            return ExitCode::FAILURE;
        }
        tracing::info!("running headless; stop with Ctrl+C or SIGTERM");
        termination.await;
        tracing::info!("termination signal received; shutting down");
        if let Some(running) = running {
            running.shutdown().await;
        }
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
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
