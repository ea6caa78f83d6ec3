//! Tauri commands of docs/UI-CONTRACT.md, one module per domain. Each command is thin: it
//! parses the contract's arguments, calls the backend or the bridge, and maps to DTOs.

pub mod accounts;
pub mod directory;
pub mod links;
pub mod settings;
pub mod state;
pub mod sync;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::backend::{now_ms, Backend};
use crate::dto;

include!("../../command_names.rs");

/// Every command name of the contract (shared with the build script's app manifest).
#[cfg_attr(not(test), allow(dead_code))]
pub const NAMES: &[&str] = COMMAND_NAMES;

/// The invoke handler with all contract commands, for runtime `R` (Wry in the app, the mock
/// runtime in tests).
pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        state::get_state,
        state::get_translations,
        directory::search_directory,
        directory::set_favourite,
        directory::set_notify_when_available,
        directory::copy_sip,
        links::open_link,
        sync::pause_sync,
        sync::resume_sync,
        sync::sync_now,
        sync::decide_conflict,
        settings::get_settings,
        settings::save_settings,
        accounts::sign_in_microsoft,
        accounts::sign_out_microsoft,
        accounts::save_starface_password,
        accounts::trust_certificate,
    ]
}

/// The contract's `State` for the current snapshot.
pub fn current_state(backend: &Backend) -> dto::State {
    let settings = backend.settings();
    let snapshot = backend.snapshot();
    let alert_mode = |id: &str| backend.alert_mode(id);
    let ctx = dto::StateContext {
        now_ms: now_ms(),
        started_wall_ms: backend.started_wall_ms(),
        favourites: &settings.ui.favourites,
        alert_mode: &alert_mode,
        sync_enabled: settings.sync.enabled,
        microsoft_configured: settings.microsoft.client_id.is_some() || backend.demo,
        starface_configured: (settings.starface.url.is_some() && settings.starface.login.is_some())
            || backend.demo,
        signing_in: backend.signing_in(),
        microsoft_saved: backend.microsoft_saved(),
        presented_fingerprint: backend
            .presented_fingerprint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
    };
    let mut state = dto::state(&snapshot, &ctx);
    if let Some(problem) = backend.settings_problem() {
        state.warnings.push(dto::settings_file_warning(&problem));
    }
    state
}

/// Sends a `state` event now (after changes the bridge does not publish itself).
pub fn publish_state<R: Runtime>(app: &AppHandle<R>) {
    let Some(backend) = app.try_state::<Backend>() else {
        return;
    };
    if let Err(error) = app.emit("state", current_state(&backend)) {
        tracing::debug!(%error, "cannot send the state event");
    }
}

/// Sends the `settings` event (settings changed outside the window).
pub fn publish_settings<R: Runtime>(app: &AppHandle<R>) {
    let Some(backend) = app.try_state::<Backend>() else {
        return;
    };
    let view = settings::view(&backend, None);
    if let Err(error) = app.emit("settings", view) {
        tracing::debug!(%error, "cannot send the settings event");
    }
}

/// Forwards bridge snapshots as `state` and `colleagues` events, at most twice a second.
pub async fn forward_snapshots<R: Runtime>(
    app: AppHandle<R>,
    mut snapshots: tokio::sync::watch::Receiver<bridge::BridgeSnapshot>,
) {
    let mut previous = snapshots.borrow_and_update().clone();
    publish_state(&app);
    while snapshots.changed().await.is_ok() {
        let current = snapshots.borrow_and_update().clone();
        let changes = dto::presence_changes(&previous, &current, now_ms());
        if !changes.is_empty() {
            let _ = app.emit("colleagues", serde_json::json!({ "presence": changes }));
        }
        publish_state(&app);
        crate::tray::show(&app, &current);
        previous = current;
        // Coalesce: whatever changes during the pause goes out with the next event.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

#[cfg(test)]
mod tests;
