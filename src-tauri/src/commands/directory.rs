//! `search_directory`, `set_favourite`, `set_notify_when_available`, `copy_sip`.

use bridge::BridgeCommand;
use presence_core::watch_list::AlertMode;
use presence_core::Person;
use tauri::{AppHandle, Runtime, State};
use window_model::colleague::Copied;
use window_model::search::{self, Candidates, SearchResult};

use crate::app_state::AppState;
use crate::error::{CommandError, CommandResult};
use crate::events::publish_state;

/// Most hits one search returns (the UI virtualises, the directory pages).
const SEARCH_LIMIT: usize = 50;

#[tauri::command]
pub async fn search_directory(
    state: State<'_, AppState>,
    query: String,
) -> CommandResult<SearchResult> {
    let query = query.trim().to_owned();
    let (hits, complete) = directory_hits(&state, &query).await;
    state.remember(&hits);
    // Presence for the hits arrives as `colleagues` events once the bridge has polled them.
    state.watch_search_hits(&hits);
    let remembered = state.found_people();
    let favourites = state.settings().ui.favourites;
    let colleagues = search::search(
        &query,
        &state.snapshot(),
        &Candidates {
            directory_hits: &hits,
            remembered: &remembered,
            favourites: &favourites,
        },
        state.started_wall_ms(),
        SEARCH_LIMIT,
    );
    // benches/app-figures.py times "Open -> list" to the first of these after the window opened.
    tracing::debug!(found = colleagues.len(), "directory search answered");
    Ok(SearchResult {
        query,
        colleagues,
        complete,
    })
}

/// Graph's directory hits for `query` (also for its umlaut spelling), and whether every search
/// answered.
async fn directory_hits(state: &AppState, query: &str) -> (Vec<Person>, bool) {
    if query.is_empty() {
        return (Vec::new(), true);
    }
    let Some(running) = state.running() else {
        return (Vec::new(), false);
    };
    let mut hits: Vec<Person> = Vec::new();
    let mut complete = true;
    for asked in search::directory_queries(query) {
        match running
            .handle()
            .search_directory(&asked, SEARCH_LIMIT)
            .await
        {
            Ok(found) => {
                for person in found {
                    if !hits.iter().any(|hit| hit.id == person.id) {
                        hits.push(person);
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "directory search failed; searching the people known already");
                complete = false;
            }
        }
    }
    (hits, complete)
}

#[tauri::command]
pub async fn set_favourite<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    colleague_id: String,
    favourite: bool,
) -> CommandResult<()> {
    let person = state.person(&colleague_id)?;
    let address = person
        .addresses()
        .next()
        .ok_or_else(|| {
            CommandError::invalid("ui.favourites", "this colleague has no e-mail address")
        })?
        .to_lowercase();
    let favourites = state.with_store(|store| {
        if store.is_locked("ui.favourites") {
            return Err(CommandError::invalid(
                "ui.favourites",
                "favourites are locked by your administrator's policy",
            ));
        }
        let mut settings = store.settings().clone();
        let own = |f: &String| person.is_among(std::slice::from_ref(f));
        settings.ui.favourites.retain(|f| !own(f));
        if favourite {
            settings.ui.favourites.push(address.clone());
        }
        let favourites = settings.ui.favourites.clone();
        store.save(settings)?;
        Ok(favourites)
    })?;
    tracing::info!(favourite, "favourites changed");
    // Saved either way; a bridge started later reads the favourites from the settings.
    let snapshot = state.snapshot();
    let watched = snapshot
        .colleagues
        .iter()
        .find(|c| c.person.id == person.id);
    // One of the most relevant people stays watched: the tray shows them.
    let relevant = snapshot.relevant.contains(&person.id);
    let told = state
        .send(BridgeCommand::FavouritesChanged(favourites))
        .and_then(|()| match (favourite, watched) {
            (true, None) => state.send(BridgeCommand::Watch(Box::new(person))),
            (false, Some(view)) if view.alert.is_none() && !relevant => {
                state.send(BridgeCommand::Unwatch(colleague_id))
            }
            _ => Ok(()),
        });
    if let Err(error) = told {
        tracing::debug!(%error, "bridge not told about the favourite");
    }
    publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn set_notify_when_available<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    colleague_id: String,
    mode: Option<AlertMode>,
) -> CommandResult<()> {
    set_alert(&state, colleague_id, mode)?;
    publish_state(&app);
    Ok(())
}

/// Sets (`Some`) or cancels "notify me when available" on a colleague: the window's bell and
/// the tray's tick.
pub fn set_alert(
    state: &AppState,
    colleague_id: String,
    mode: Option<AlertMode>,
) -> CommandResult<()> {
    match mode {
        Some(mode) => {
            let person = state.person(&colleague_id)?;
            // The bridge can only alert on colleagues it polls.
            state.send(BridgeCommand::Watch(Box::new(person)))?;
            state.send(BridgeCommand::NotifyWhenAvailable {
                id: colleague_id,
                mode,
            })?;
        }
        None => state.send(BridgeCommand::CancelAlert(colleague_id))?,
    }
    Ok(())
}

/// Puts the colleague's SIP address (as the directory reports it, never their e-mail address)
/// on the clipboard as a `sip:` link.
#[tauri::command]
pub async fn copy_sip<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    colleague_id: String,
) -> CommandResult<Copied> {
    let person = state.person(&colleague_id)?;
    // The same checked link `open_link` builds: trimmed, encoded, refused when missing.
    let text = window_model::links::sip_of(&person)?;
    use tauri_plugin_clipboard_manager::ClipboardExt;
    app.clipboard()
        .write_text(text.clone())
        .map_err(|e| CommandError::Task(e.to_string()))?;
    Ok(Copied { copied: text })
}
