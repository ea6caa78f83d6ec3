//! The login item (`ui.autostart`).

use tauri::{AppHandle, Runtime};

/// Registers or removes the login item as `ui.autostart` says. The login item starts this
/// binary without arguments, so in the tray without the window.
pub fn apply<R: Runtime>(app: &AppHandle<R>, enabled: bool) {
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
