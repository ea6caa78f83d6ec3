//! Logs go to a daily-rotated file in the state folder (7 files kept, readable by the user only:
//! `log_files`) and, when running from a terminal or headless, to stderr. Secrets never reach a
//! log: they are `keychain::Secret`, whose formatting is redacted.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

use crate::cli::Paths;

pub enum Output {
    FileOnly,
    FileAndStderr,
}

/// Keeps logging alive; drop it last.
pub struct LogGuard;

pub fn init(paths: &Paths, output: Output) -> LogGuard {
    let filter = || {
        EnvFilter::try_from_env("PRESENCE_BRIDGE_LOG")
            .unwrap_or_else(|_| EnvFilter::new("info,tao=warn,wry=warn,zbus=warn"))
    };
    let file_layer = crate::log_files::DailyFiles::open(&paths.log_dir, 7)
        .map_err(|e| e.to_string())
        .map(|appender| {
            fmt::layer()
                .with_ansi(false)
                .with_writer(appender)
                .with_filter(filter())
        });
    let file_error = file_layer.as_ref().err().cloned();
    let stderr_layer = matches!(output, Output::FileAndStderr).then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    tracing_subscriber::registry()
        .with(file_layer.ok())
        .with(stderr_layer)
        .init();
    if let Some(error) = file_error {
        tracing::warn!(dir = %paths.log_dir.display(), %error, "cannot write log files; logging to stderr only");
    }
    LogGuard
}
