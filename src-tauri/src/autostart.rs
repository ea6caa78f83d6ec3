//! The login item (`ui.autostart`).

use tauri::{AppHandle, Runtime};

/// Registers or removes the login item as `ui.autostart` says (only when it differs).
pub fn apply<R: Runtime>(app: &AppHandle<R>, enabled: bool) {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let result = match launcher.is_enabled() {
        Ok(current) if current == enabled => Ok(()),
        _ if enabled => launcher.enable(),
        _ => launcher.disable(),
    };
    match result {
        Ok(()) => tracing::info!(enabled, "autostart applied"),
        Err(error) => tracing::warn!(%error, enabled, "cannot change autostart"),
    }
}
