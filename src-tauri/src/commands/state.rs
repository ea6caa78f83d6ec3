//! `get_state`, `get_translations`.

use tauri::State;
use window_model::state::State as WindowState;

use crate::app_state::AppState;
use crate::error::{CommandError, CommandResult};

#[tauri::command]
pub fn get_state(state: State<'_, AppState>) -> WindowState {
    state.current_state()
}

/// The UI's strings, embedded: the CSP's `connect-src` forbids fetching local files.
#[tauri::command]
pub fn get_translations(lang: String) -> CommandResult<serde_json::Value> {
    let text = window_model::i18n::ui_json(&lang)
        .ok_or_else(|| CommandError::invalid("ui.language", format!("no translation `{lang}`")))?;
    serde_json::from_str(text).map_err(|e| CommandError::Task(e.to_string()))
}
