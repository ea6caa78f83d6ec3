//! `search_directory`, `set_favourite`, `set_notify_when_available`, `copy_sip`.

use bridge::BridgeCommand;
use graph_client::graph::DirectoryUser;
use presence_core::watch_list::AlertMode;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::backend::Backend;
use crate::dto;
use crate::error::{CommandError, CommandResult};

/// Most hits one search returns (the UI virtualises, the directory pages).
const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Serialize)]
pub struct SearchResult {
    pub query: String,
    pub colleagues: Vec<dto::Colleague>,
    pub complete: bool,
}

#[tauri::command]
pub async fn search_directory<R: Runtime>(
    _app: AppHandle<R>,
    backend: State<'_, Backend>,
    query: String,
) -> CommandResult<SearchResult> {
    let query = query.trim().to_owned();
    let snapshot = backend.snapshot();
    let (users, complete) = if query.is_empty() {
        (Vec::new(), true)
    } else {
        match backend.running() {
            Some(running) => match running
                .handle()
                .search_directory(&query, SEARCH_LIMIT)
                .await
            {
                Ok(users) => (users, true),
                Err(error) => {
                    tracing::warn!(%error, "directory search failed; showing watched colleagues only");
                    (Vec::new(), false)
                }
            },
            None => (Vec::new(), false),
        }
    };
    backend.remember(&users);
    // Presence for the hits arrives as `colleagues` events once the bridge has polled them.
    backend.watch_search_hits(&users);
    let colleagues = super::with_state_context(&backend, |ctx| {
        let watched = |id: &str| snapshot.colleagues.iter().find(|c| c.id == id);
        let mut colleagues: Vec<dto::Colleague> = users
            .iter()
            .map(|user| dto::directory_colleague(user, watched(&user.id), ctx))
            .collect();
        // Watched colleagues (favourites, people, alerts) that match but the directory missed.
        let needle = query.to_lowercase();
        for view in &snapshot.colleagues {
            let matches = needle.is_empty()
                || view.display_name.to_lowercase().contains(&needle)
                || view.mail.as_deref().is_some_and(|m| m.contains(&needle));
            if matches && !colleagues.iter().any(|c| c.id == view.id) {
                colleagues.push(dto::colleague(view, ctx));
            }
        }
        colleagues
    });
    Ok(SearchResult {
        query,
        colleagues,
        complete,
    })
}

/// A directory user for `id`, from earlier searches or the watched colleagues.
fn directory_user(backend: &Backend, id: &str) -> CommandResult<DirectoryUser> {
    if let Some(user) = backend.known(id) {
        return Ok(user);
    }
    let snapshot = backend.snapshot();
    let view = snapshot
        .colleagues
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| CommandError::UnknownColleague(id.to_owned()))?;
    Ok(DirectoryUser {
        id: view.id.clone(),
        display_name: view.display_name.clone(),
        given_name: None,
        surname: None,
        mail: view.mail.clone(),
        user_principal_name: view.mail.clone(),
    })
}

#[tauri::command]
pub async fn set_favourite<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    colleague_id: String,
    favourite: bool,
) -> CommandResult<()> {
    let user = directory_user(&backend, &colleague_id)?;
    let mail = user
        .mail
        .clone()
        .or_else(|| user.user_principal_name.clone())
        .ok_or_else(|| {
            CommandError::invalid("ui.favourites", "this colleague has no e-mail address")
        })?
        .to_lowercase();
    backend.with_store(|store| {
        if store.is_locked("ui.favourites") {
            return Err(CommandError::invalid(
                "ui.favourites",
                "favourites are locked by your administrator's policy",
            ));
        }
        let mut settings = store.settings().clone();
        settings
            .ui
            .favourites
            .retain(|f| !f.eq_ignore_ascii_case(&mail));
        if favourite {
            settings.ui.favourites.push(mail.clone());
        }
        Ok(store.save(settings)?)
    })?;
    tracing::info!(favourite, "favourites changed");
    let command = if favourite {
        Some(BridgeCommand::Watch(user))
    } else if backend.alert_mode(&colleague_id).is_none() {
        Some(BridgeCommand::Unwatch(colleague_id))
    } else {
        None
    };
    if let Some(command) = command {
        // Persisted either way; the bridge picks favourites up at its next start if not running.
        if let Err(error) = backend.send(command) {
            tracing::debug!(%error, "bridge not told about the favourite");
        }
    }
    super::publish_state(&app);
    crate::tray::refresh_favourites(&app);
    Ok(())
}

#[tauri::command]
pub async fn set_notify_when_available<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    colleague_id: String,
    mode: Option<AlertMode>,
) -> CommandResult<()> {
    match mode {
        Some(mode) => {
            let user = directory_user(&backend, &colleague_id)?;
            // The bridge can only alert on colleagues it polls.
            backend.send(BridgeCommand::Watch(user))?;
            backend.send(BridgeCommand::NotifyWhenAvailable {
                id: colleague_id.clone(),
                mode,
            })?;
        }
        None => backend.send(BridgeCommand::CancelAlert(colleague_id.clone()))?,
    }
    backend.set_alert_mode(&colleague_id, mode);
    super::publish_state(&app);
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct Copied {
    pub copied: String,
}

#[tauri::command]
pub async fn copy_sip<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    colleague_id: String,
) -> CommandResult<Copied> {
    let user = directory_user(&backend, &colleague_id)?;
    let address = user.mail.or(user.user_principal_name).unwrap_or_default();
    // The same checked link `open_link` builds: trimmed, encoded, refused when blank.
    let text = crate::links::sip(&address)?;
    use tauri_plugin_clipboard_manager::ClipboardExt;
    app.clipboard()
        .write_text(text.clone())
        .map_err(|e| CommandError::Task(e.to_string()))?;
    Ok(Copied { copied: text })
}
