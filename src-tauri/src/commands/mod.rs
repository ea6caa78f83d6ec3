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

/// Runs `f` with what the DTOs need besides the snapshot: settings and app-side facts.
pub fn with_state_context<T>(backend: &Backend, f: impl FnOnce(&dto::StateContext) -> T) -> T {
    let settings = backend.settings();
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
    f(&ctx)
}

/// The contract's `State` for the current snapshot.
pub fn current_state(backend: &Backend) -> dto::State {
    let snapshot = backend.snapshot();
    let mut state = with_state_context(backend, |ctx| dto::state(&snapshot, ctx));
    if let Some(problem) = backend.settings_problem() {
        state.warnings.push(dto::settings_file_warning(&problem));
    }
    state
}

/// Whether the main window is on screen. The window starts hidden (tauri.conf.json), only
/// `desktop::show_window` shows it and closing it hides it. While it is hidden the window gets no
/// `state` or `colleagues` events: rendering them costs the hidden WebView CPU for nothing.
/// Without this state managed (command tests) the window counts as shown.
pub struct WindowShown(tokio::sync::watch::Sender<bool>);

impl WindowShown {
    pub fn new(shown: bool) -> Self {
        Self(tokio::sync::watch::Sender::new(shown))
    }
}

fn window_shown<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<WindowShown>()
        .is_none_or(|shown| *shown.0.borrow())
}

/// Records that the window was shown or hidden. A window that comes on screen gets the current
/// state at once (and, from [`forward_snapshots`], the presence that changed meanwhile).
pub fn set_window_shown<R: Runtime>(app: &AppHandle<R>, shown: bool) {
    let Some(flag) = app.try_state::<WindowShown>() else {
        return;
    };
    let changed = flag.0.send_if_modified(|current| {
        let changed = *current != shown;
        *current = shown;
        changed
    });
    if changed && shown {
        publish_state(app);
    }
}

/// Sends a `state` event now (after changes the bridge does not publish itself), unless the
/// window is hidden: it gets the state when it is shown.
pub fn publish_state<R: Runtime>(app: &AppHandle<R>) {
    if !window_shown(app) {
        return;
    }
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

/// Forwards bridge snapshots to the tray, and as `state` and `colleagues` events to the window
/// while it is shown, at most twice a second. The bridge publishes only real changes.
pub async fn forward_snapshots<R: Runtime>(
    app: AppHandle<R>,
    mut snapshots: tokio::sync::watch::Receiver<bridge::BridgeSnapshot>,
) {
    let mut visibility = app.try_state::<WindowShown>().map(|w| w.0.subscribe());
    // What the window has been sent; it stays behind while the window is hidden, so the window
    // gets everything that changed meanwhile when it comes back.
    let mut sent = snapshots.borrow_and_update().clone();
    publish_state(&app);
    loop {
        // `set_window_shown` already sent the state to a window that came on screen.
        let state_sent = tokio::select! {
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
                false
            }
            shown = shown_changed(&mut visibility) => {
                if !shown {
                    visibility = None;
                }
                true
            }
        };
        let current = snapshots.borrow_and_update().clone();
        crate::tray::show(&app, &current);
        if window_shown(&app) {
            let started_wall_ms = app
                .try_state::<Backend>()
                .map_or(0, |backend| backend.started_wall_ms());
            let changes = dto::presence_changes(&sent, &current, started_wall_ms);
            if !changes.is_empty() {
                let _ = app.emit("colleagues", serde_json::json!({ "presence": changes }));
            }
            if current != sent && !state_sent {
                publish_state(&app);
            }
            sent = current;
        }
        // Coalesce: whatever changes during the pause goes out with the next event.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// Waits until the window is shown or hidden; `false` when that can no longer be told.
async fn shown_changed(visibility: &mut Option<tokio::sync::watch::Receiver<bool>>) -> bool {
    match visibility {
        Some(visibility) => visibility.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
