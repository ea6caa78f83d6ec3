//! `sign_in_microsoft`, `sign_out_microsoft`, `save_starface_password`, `trust_certificate`.

use std::time::Duration;

use graph_client::auth::{self, PkceOptions};
use graph_client::Timing;
use keychain::{names, Secret};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::backend::{Backend, SignInProgress};
use crate::error::{CommandError, CommandResult};

fn set_progress(backend: &Backend, progress: SignInProgress) {
    *backend.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = progress;
}

/// Starts the browser sign-in (PKCE) and returns; progress arrives in `state.accounts`.
#[tauri::command]
pub async fn sign_in_microsoft<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
) -> CommandResult<()> {
    if backend.demo {
        return Err(CommandError::Invalid {
            key: None,
            message: "the demo is signed in to its simulator already".into(),
        });
    }
    let settings = backend.settings();
    let config = bridge::setup::microsoft_config(&settings)?;
    let scopes = bridge::setup::scope_request(&settings);
    let pending = auth::begin_pkce_sign_in(&config, scopes, PkceOptions::default())
        .await
        .map_err(|e| CommandError::Task(e.to_string()))?;
    crate::opener::open_sign_in_page(&app, pending.authorize_url(), &settings.microsoft.authority)?;
    set_progress(&backend, SignInProgress::SigningIn);
    super::publish_state(&app);
    let store = backend.secrets();
    let app_for_task = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = pending.complete(store, Timing::real()).await;
        let Some(backend) = app_for_task.try_state::<Backend>() else {
            return;
        };
        set_progress(&backend, SignInProgress::Idle);
        match result {
            Ok(_) => {
                tracing::info!("signed in to Microsoft 365; restarting the sync");
                backend.restart_bridge().await;
                crate::desktop::follow_bridge(&app_for_task);
            }
            Err(error) => tracing::warn!(%error, "Microsoft sign-in did not complete"),
        }
        super::publish_state(&app_for_task);
    });
    Ok(())
}

#[tauri::command]
pub async fn sign_out_microsoft<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
) -> CommandResult<()> {
    backend.stop_bridge().await;
    let store = backend.secrets();
    tauri::async_runtime::spawn_blocking(move || store.delete(names::MICROSOFT_REFRESH_TOKEN))
        .await
        .map_err(|e| CommandError::Task(e.to_string()))??;
    tracing::info!("signed out of Microsoft 365");
    super::publish_state(&app);
    Ok(())
}

/// Stores the password in the keychain (never logged, never returned) and reconnects.
#[tauri::command]
pub async fn save_starface_password<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    password: String,
) -> CommandResult<()> {
    if password.is_empty() {
        return Err(CommandError::invalid(
            "starface.password",
            "the password is empty",
        ));
    }
    let secret = Secret::new(password);
    let store = backend.secrets();
    tauri::async_runtime::spawn_blocking(move || store.set(names::STARFACE_PASSWORD, &secret))
        .await
        .map_err(|e| CommandError::Task(e.to_string()))??;
    tracing::info!("STARFACE password stored in the keychain");
    backend.restart_bridge().await;
    crate::desktop::follow_bridge(&app);
    super::publish_state(&app);
    Ok(())
}

/// Pins `fingerprint`, but only if the PBX presents exactly that certificate right now: a stale
/// dialog (or a swapped certificate) must not pin something the user never saw.
#[tauri::command]
pub async fn trust_certificate<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    fingerprint: String,
) -> CommandResult<()> {
    const KEY: &str = "starface.certificate_pin";
    let wanted: starface_client::CertificatePin = fingerprint
        .parse()
        .map_err(|e: starface_client::TlsError| CommandError::invalid(KEY, e.to_string()))?;
    let settings = backend.settings();
    let endpoint = bridge::setup::pbx_endpoint(&settings)?;
    let host = endpoint
        .host()
        .ok_or_else(|| CommandError::invalid("starface.url", "the STARFACE URL has no host"))?;
    let port = endpoint.port();
    let presented = starface_client::tls::fetch_presented_certificate(
        &host,
        port,
        &endpoint.trust,
        Duration::from_secs(10),
    )
    .await
    .map_err(|e| CommandError::invalid(KEY, e.to_string()))?;
    *backend
        .presented_fingerprint
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(presented.sha256.to_string());
    if presented.sha256 != wanted {
        return Err(CommandError::invalid(
            KEY,
            format!(
                "the server now presents a different certificate ({}); check it and try again",
                presented.sha256
            ),
        ));
    }
    backend.with_store(|store| -> CommandResult<()> {
        if store.is_locked(KEY) {
            return Err(CommandError::invalid(
                KEY,
                "the certificate pin is locked by your administrator's policy",
            ));
        }
        let mut new = store.settings().clone();
        new.starface.certificate_pin = Some(presented.sha256.to_string());
        Ok(store.save(new)?)
    })?;
    tracing::info!(fingerprint = %presented.sha256, "STARFACE certificate pinned");
    backend.restart_bridge().await;
    crate::desktop::follow_bridge(&app);
    super::publish_settings(&app);
    super::publish_state(&app);
    Ok(())
}
