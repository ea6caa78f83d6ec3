//! Test hooks: files named by environment variables that receive what the app would otherwise
//! only hand to the desktop (the links it opens, the tray menu it shows), so the end-to-end tests
//! can see them. Only builds with the cargo feature `test-hooks` read the variables; ordinary
//! builds compile the reading out, so a user's environment never changes what the app does.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file named by `variable`, in builds with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
pub fn hook_file(variable: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map(Into::into)
}

/// Without the `test-hooks` feature no variable names a file.
#[cfg(not(feature = "test-hooks"))]
pub fn hook_file(_variable: &str) -> Option<PathBuf> {
    None
}

/// Appends `line` and a newline to `file`.
pub fn append_line(file: &Path, line: &str) -> std::io::Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    writeln!(out, "{line}")
}
