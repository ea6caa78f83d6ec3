//! `get_state`, `get_translations`.

use tauri::{Runtime, State};

use crate::backend::Backend;
use crate::dto;
use crate::error::{CommandError, CommandResult};

#[tauri::command]
pub fn get_state<R: Runtime>(_app: tauri::AppHandle<R>, backend: State<'_, Backend>) -> dto::State {
    super::current_state(&backend)
}

/// The UI's strings, embedded: the CSP's `connect-src` forbids fetching local files.
#[tauri::command]
pub fn get_translations(lang: String) -> CommandResult<serde_json::Value> {
    let text = crate::i18n::ui_json(&lang)
        .ok_or_else(|| CommandError::invalid("ui.language", format!("no translation `{lang}`")))?;
    serde_json::from_str(text).map_err(|e| CommandError::Task(e.to_string()))
}
