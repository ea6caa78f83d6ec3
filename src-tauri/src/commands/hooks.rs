//! `test_hook` and `save_hook_secret`: the status hooks' "Send test" button and their secrets
//! (docs/UI-CONTRACT.md, docs/HOOKS.md).

use bridge::secrets::HookSecret;
use keychain::{Secret, SecretStore};
use settings::HookKind;
use tauri::{AppHandle, Manager, Runtime, State};
use window_model::hooks::HookTest;

use crate::app_state::AppState;
use crate::error::{CommandError, CommandResult};
use crate::events::{publish_settings, publish_state};

/// Sends the current own status through `hook` once (no retries) and answers how it went; the
/// result also shows on "My status". A hook that is off answers "this hook is off".
#[tauri::command]
pub async fn test_hook(state: State<'_, AppState>, hook: HookKind) -> CommandResult<HookTest> {
    let test = state.hooks.test(hook);
    Ok(HookTest::from(test.await))
}

/// Keeps `secret` in the keychain for the broker or URL the hook's settings name now (bound to
/// it like the sign-in secrets: `bridge::secrets`), then starts the hooks again with it.
#[tauri::command]
pub async fn save_hook_secret<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    hook: HookKind,
    secret: Secret,
) -> CommandResult<()> {
    let settings = state.settings();
    let which = hook_secret(hook, &settings)?;
    if secret.is_empty() {
        return Err(CommandError::invalid(
            which.keychain_name(),
            format!("the {} is empty", which.describe()),
        ));
    }
    let store = state.secrets();
    let for_settings = settings.clone();
    tauri::async_runtime::spawn_blocking(move || {
        bridge::secrets::bound_store(&for_settings, store.as_ref())
            .set(which.keychain_name(), &secret)
    })
    .await
    .map_err(|e| CommandError::Task(e.to_string()))??;
    tracing::info!("{} stored in the keychain", which.describe());
    // The hooks start again with it in their own task (stopping a hanging one takes seconds).
    let for_hooks = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(state) = for_hooks.try_state::<AppState>() {
            state.hooks.restart_current(|| state.settings()).await;
        }
    });
    let settings_app = app.clone();
    // The settings view reads the keychain: off the async runtime.
    let _ = tauri::async_runtime::spawn_blocking(move || publish_settings(&settings_app)).await;
    publish_state(&app);
    Ok(())
}

/// The secret `hook` keeps in the keychain, once the settings name where it goes.
fn hook_secret(hook: HookKind, settings: &settings::Settings) -> CommandResult<HookSecret> {
    let which = HookSecret::ALL
        .into_iter()
        .find(|secret| secret.hook() == hook)
        .ok_or_else(|| {
            CommandError::invalid("hooks.command", "the command hook keeps no secret")
        })?;
    if which.endpoint(settings).is_none() {
        return Err(CommandError::invalid(
            format!("hooks.{}.url", hook.id()),
            "enter the URL and save the settings first",
        ));
    }
    if which == HookSecret::MqttPassword && settings.hooks.mqtt.username.is_none() {
        return Err(CommandError::invalid(
            "hooks.mqtt.username",
            "enter the user name and save the settings first (a broker without users needs no \
             password)",
        ));
    }
    Ok(which)
}
