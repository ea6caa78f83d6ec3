//! `open_link`: the window names an action, the backend builds and checks the URL.

use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};

use crate::backend::Backend;
use crate::error::CommandResult;
use crate::links::{self, LinkError};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    TeamsChat,
    TeamsCall,
    Email,
    Phone,
    Sip,
}

#[derive(Debug, Deserialize)]
pub struct LinkAction {
    pub kind: LinkKind,
    pub colleague_id: String,
    /// Index into the colleague's phones; absent: the STARFACE number, else the first phone.
    #[serde(default)]
    pub phone: Option<usize>,
}

#[tauri::command]
pub async fn open_link<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    action: LinkAction,
) -> CommandResult<()> {
    let url = url_for(&backend, &action)?;
    crate::opener::open_url(&app, &url)?;
    Ok(())
}

/// The URL for `action`, from what the backend knows about the colleague.
pub fn url_for(backend: &Backend, action: &LinkAction) -> CommandResult<String> {
    let id = action.colleague_id.as_str();
    let snapshot = backend.snapshot();
    let watched = snapshot.colleagues.iter().find(|c| c.id == id);
    let known = backend.known(id);
    if watched.is_none() && known.is_none() {
        return Err(crate::error::CommandError::UnknownColleague(id.to_owned()));
    }
    let upn = known
        .as_ref()
        .and_then(|u| u.user_principal_name.clone().or_else(|| u.mail.clone()))
        .or_else(|| watched.and_then(|c| c.mail.clone()));
    let mail = known
        .as_ref()
        .and_then(|u| u.mail.clone())
        .or_else(|| watched.and_then(|c| c.mail.clone()));
    let url = match action.kind {
        LinkKind::TeamsChat => links::teams_chat(upn.as_deref().unwrap_or_default())?,
        LinkKind::TeamsCall => links::teams_call(upn.as_deref().unwrap_or_default())?,
        LinkKind::Email => links::mailto(mail.as_deref().unwrap_or_default())?,
        LinkKind::Sip => links::sip(mail.as_deref().unwrap_or_default())?,
        LinkKind::Phone => {
            let view = watched.ok_or(LinkError::Missing("phone number"))?;
            let number = match action.phone {
                Some(index) => view.phones.get(index).cloned(),
                None => view
                    .internal_number
                    .clone()
                    .or_else(|| view.phones.first().cloned()),
            }
            .ok_or(LinkError::Missing("phone number"))?;
            links::tel(&number)?
        }
    };
    Ok(url)
}
