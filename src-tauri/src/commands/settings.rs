//! `get_settings`, `save_settings`: dotted-key changes applied to the effective settings,
//! validated together and saved atomically, then handed to the running bridge.
//!
//! The settings hold the default chat messages in English (as the file does). The window sees
//! them in the UI language ([`view`]), and [`apply_changes`] turns what it sends back into the
//! stored form, so a default saved unchanged is not written to the file in the UI language.

use serde::{Deserialize, Serialize};
use settings::Settings;
use tauri::{AppHandle, Runtime, State};

use crate::backend::Backend;
use crate::error::{CommandError, CommandResult};
use crate::i18n::message_language;

#[derive(Debug, Clone, Serialize)]
pub struct Lock {
    pub key: String,
    pub policy: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Secrets {
    pub starface_password: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    pub values: serde_json::Value,
    pub locked: Vec<Lock>,
    pub secrets: Secrets,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub key: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// The view of the current settings; `has_password` when already known (else read from the
/// keychain, which may block: callers off the async runtime only).
pub fn view(backend: &Backend, has_password: Option<bool>) -> SettingsView {
    let mut settings = backend.settings();
    let messages = message_language(&settings);
    settings.mapping = settings.mapping.with_default_messages_in(messages);
    let (locked, policy) = backend.with_store(|store| {
        let policy = store.policy();
        (
            policy.locked.clone(),
            policy
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
        )
    });
    let starface_password = has_password.unwrap_or_else(|| {
        matches!(
            backend.secrets().get(keychain::names::STARFACE_PASSWORD),
            Ok(Some(_))
        )
    });
    SettingsView {
        values: serde_json::to_value(&settings).unwrap_or_default(),
        locked: locked
            .into_iter()
            .map(|key| Lock {
                key,
                policy: policy.clone(),
            })
            .collect(),
        secrets: Secrets { starface_password },
    }
}

async fn view_off_runtime(backend: &Backend) -> SettingsView {
    let secrets = backend.secrets();
    let has_password = tauri::async_runtime::spawn_blocking(move || {
        matches!(secrets.get(keychain::names::STARFACE_PASSWORD), Ok(Some(_)))
    })
    .await
    .unwrap_or(false);
    view(backend, Some(has_password))
}

#[tauri::command]
pub async fn get_settings<R: Runtime>(
    _app: AppHandle<R>,
    backend: State<'_, Backend>,
) -> CommandResult<SettingsView> {
    Ok(view_off_runtime(&backend).await)
}

/// `changes` applied to `current`; `null` resets a key to its default. Locked keys are refused
/// with the key, before anything is validated. Default chat messages (the window shows them in
/// the UI language) come back as `current` stores them; messages the user wrote are kept.
pub fn apply_changes(
    current: &Settings,
    changes: &[Change],
    is_locked: impl Fn(&str) -> bool,
) -> CommandResult<Settings> {
    let mut tree = serde_json::to_value(current).map_err(|e| CommandError::Task(e.to_string()))?;
    let defaults =
        serde_json::to_value(Settings::default()).map_err(|e| CommandError::Task(e.to_string()))?;
    for change in changes {
        if is_locked(&change.key) {
            return Err(CommandError::invalid(
                &change.key,
                format!(
                    "`{}` is locked by your administrator's policy and cannot be changed",
                    change.key
                ),
            ));
        }
        let value = if change.value.is_null() {
            lookup(&defaults, &change.key)
                .cloned()
                .unwrap_or(serde_json::Value::Null)
        } else {
            change.value.clone()
        };
        set(&mut tree, &change.key, value)?;
    }
    let new: Settings = serde_json::from_value(tree).map_err(|e| {
        let message = e.to_string();
        let key = changes
            .iter()
            .find(|c| message.contains(c.key.rsplit('.').next().unwrap_or(&c.key)))
            .or(changes.first())
            .map(|c| c.key.clone());
        CommandError::Invalid { key, message }
    })?;
    Ok(Settings {
        mapping: new.mapping.with_stored_default_messages(&current.mapping),
        ..new
    })
}

fn lookup<'a>(tree: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    key.split('.').try_fold(tree, |node, part| node.get(part))
}

fn set(tree: &mut serde_json::Value, key: &str, value: serde_json::Value) -> CommandResult<()> {
    let unknown = || CommandError::invalid(key, format!("unknown setting `{key}`"));
    let parts: Vec<&str> = key.split('.').collect();
    let (last, parents) = parts.split_last().ok_or_else(unknown)?;
    let mut node = tree;
    for part in parents {
        let object = node.as_object_mut().ok_or_else(unknown)?;
        node = object
            .entry(part.to_string())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
    }
    node.as_object_mut()
        .ok_or_else(unknown)?
        .insert(last.to_string(), value);
    Ok(())
}

#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    changes: Vec<Change>,
) -> CommandResult<SettingsView> {
    let before = backend.settings();
    backend.with_store(|store| -> CommandResult<()> {
        let new = apply_changes(store.settings(), &changes, |key| store.is_locked(key))?;
        store.save(new)?;
        Ok(())
    })?;
    let after = backend.settings();
    tracing::info!(
        keys = ?changes.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        "settings saved"
    );
    apply_to_running_app(&app, &backend, &before, &after).await;
    Ok(view_off_runtime(&backend).await)
}

/// Tells the bridge, the tray and the autostart entry what changed (after a save here or an edit
/// of the file, see `settings_watch`), then publishes the state.
pub async fn apply_to_running_app<R: Runtime>(
    app: &AppHandle<R>,
    backend: &Backend,
    before: &Settings,
    after: &Settings,
) {
    let accounts_changed = before.microsoft != after.microsoft || before.starface != after.starface;
    if accounts_changed {
        tracing::info!("accounts changed; restarting the sync");
        backend.restart_bridge().await;
        crate::desktop::follow_bridge(app);
    } else {
        // A new UI language changes the default messages: that reaches the sync as a mapping
        // change.
        let (old, new) = (
            before.engine_config(message_language(before)),
            after.engine_config(message_language(after)),
        );
        if old.mapping != new.mapping {
            let _ = backend.send(bridge::BridgeCommand::MappingChanged(Box::new(new.mapping)));
        }
        if old.sync != new.sync {
            let _ = backend.send(bridge::BridgeCommand::OptionsChanged(new.sync));
        }
    }
    if before.ui.autostart != after.ui.autostart && !backend.demo {
        crate::desktop::apply_autostart(app, after.ui.autostart);
    }
    if before.ui.language != after.ui.language {
        crate::tray::set_language(app, crate::i18n::Lang::choose(after.ui.language));
    }
    super::publish_state(app);
}
