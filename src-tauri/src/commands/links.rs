//! `open_link`: the window names an action, the backend builds and checks the URL.

use tauri::{AppHandle, Runtime, State};
use window_model::links::{self, LinkAction};

use crate::app_state::AppState;
use crate::error::CommandResult;

#[tauri::command]
pub async fn open_link<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    action: LinkAction,
) -> CommandResult<()> {
    let person = state.person(&action.colleague_id)?;
    let url = links::url_for(&person, action.kind, action.phone)?;
    crate::opener::open_url(&app, &url)?;
    Ok(())
}
