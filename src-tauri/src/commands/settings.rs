//! `get_settings`, `save_settings`: the window model computes the view and applies the dotted-key
//! changes (validated together, with the settings crate's key editing); the save is atomic, then
//! the running app follows (`settings_changed`).

use tauri::{AppHandle, Runtime, State};
use window_model::settings_view::{apply_changes, Change, SettingsView};

use crate::app_state::AppState;
use crate::error::{CommandError, CommandResult};

/// The settings view, reading the keychain off the async runtime.
async fn view(state: &AppState) -> SettingsView {
    let secrets = state.read_secrets_view().await;
    state.settings_view(secrets)
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<SettingsView> {
    Ok(view(&state).await)
}

#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    changes: Vec<Change>,
) -> CommandResult<SettingsView> {
    let before = state.settings();
    state.with_store(|store| -> CommandResult<()> {
        let new = apply_changes(store, &changes)?;
        store.save(new).map_err(CommandError::from)
    })?;
    let after = state.settings();
    tracing::info!(
        keys = ?changes.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        "settings saved"
    );
    crate::settings_changed::apply(&app, &before, &after).await;
    Ok(view(&state).await)
}
