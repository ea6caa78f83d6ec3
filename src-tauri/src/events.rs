//! What the window and the tray are told, and when: the `state`, `colleagues` and `settings`
//! events, the forwarding of bridge snapshots, and restarting the sync (which must be followed
//! by forwarding the new one's snapshots). Commands, the desktop setup and the settings watch all
//! use this module; it uses none of them.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::app_state::AppState;

/// Whether the main window is on screen. There is no window until `main_window::open` builds and
/// shows it, and closing it destroys it (with the test hook `--keep-window`: hides it). While it
/// is not on screen no `state` or `colleagues` events are sent: a hidden webview would render
/// them for nothing, and a window that is built asks for the state when it loads.
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
    // A window coming on screen gets the whole state first, before the forwarder hears of it
    // and sends what changed while it was hidden.
    if shown && !*flag.0.borrow() {
        emit_state(app);
    }
    flag.0.send_if_modified(|current| {
        let changed = *current != shown;
        *current = shown;
        changed
    });
}

/// Sends a `state` event now (after changes the bridge does not publish itself), unless the
/// window is hidden: it gets the state when it is shown.
pub fn publish_state<R: Runtime>(app: &AppHandle<R>) {
    if window_shown(app) {
        emit_state(app);
    }
}

/// Sends a `state` event now.
fn emit_state<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    if let Err(error) = app.emit("state", state.current_state()) {
        tracing::debug!(%error, "cannot send the state event");
    }
}

/// Sends the `settings` event (settings changed outside the window). Reads the keychain: call it
/// off the async runtime.
pub fn publish_settings<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let view = state.settings_view(state.secrets_view());
    if let Err(error) = app.emit("settings", view) {
        tracing::debug!(%error, "cannot send the settings event");
    }
}

/// Stops the sync and starts it again from the settings (after accounts changed, a sign-in, a
/// new password, a pinned certificate), and forwards the new sync's snapshots to the window and
/// the tray. The new sync goes on from the stopped one if the accounts are the same.
pub async fn restart_sync<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    state.replace_sync().await;
    // Started with the first sync; later only `[hooks]` edits restart them (no-op otherwise).
    state.hooks.apply(&state.settings()).await;
    match state.running() {
        Some(running) => {
            let snapshots = running.subscribe();
            tauri::async_runtime::spawn(crate::own_status_hooks::follow(
                state.hooks.clone(),
                running.subscribe(),
            ));
            // The previous forwarder ends when its bridge stops.
            tauri::async_runtime::spawn(forward_snapshots(app.clone(), snapshots));
        }
        None => {
            // Not configured, or waiting for a sign-in: the window and the tray say which.
            crate::tray::show(app, &state.snapshot());
            publish_state(app);
        }
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
                .try_state::<AppState>()
                .map_or(0, |state| state.started_wall_ms());
            let changes =
                window_model::colleague::presence_changes(&sent, &current, started_wall_ms);
            if !changes.is_empty() {
                let _ = app.emit("colleagues", changes);
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

/// Sends the window a `state` event whenever a status hook reports a result ("My status" shows
/// each hook's last one). Runs as long as the app.
pub async fn forward_hook_results<R: Runtime>(app: AppHandle<R>) {
    let Some(mut results) = app
        .try_state::<AppState>()
        .map(|state| state.hooks.subscribe_results())
    else {
        return;
    };
    while results.changed().await.is_ok() {
        results.borrow_and_update();
        publish_state(&app);
        // Coalesce like the snapshots: a broker that flaps costs the window at most 2 states/s.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
