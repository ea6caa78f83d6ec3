//! `show_card`: which colleague's contact card is on screen, so the bridge reads their
//! free/busy while it is (and nobody's once the window is hidden).

use bridge::BridgeCommand;
use tauri::State;

use crate::app_state::AppState;
use crate::error::CommandResult;

/// `colleague_id`: the colleague on the card, `None` when no card is on screen. Never fails for
/// a sync that does not run or a colleague it cannot find: the card shows what it has.
#[tauri::command]
pub async fn show_card(
    state: State<'_, AppState>,
    colleague_id: Option<String>,
) -> CommandResult<()> {
    let id = colleague_id.map(|id| id.to_ascii_lowercase());
    if state.running().is_none() {
        return Ok(());
    }
    if let Some(id) = &id {
        let watched = state
            .snapshot()
            .colleagues
            .iter()
            .any(|c| &c.person.id == id);
        if !watched {
            // An earlier search hit shown again: the bridge reads only colleagues it watches.
            match state.person(id) {
                Ok(person) => state.watch_until_next_search(person)?,
                Err(error) => tracing::debug!(%error, "no free/busy for the card"),
            }
        }
    }
    state.send(BridgeCommand::CardShown(id))
}
