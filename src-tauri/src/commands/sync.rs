//! `pause_sync`, `resume_sync`, `sync_now`, `decide_conflict`.

use std::time::Duration;

use bridge::BridgeCommand;
use presence_core::engine::ConflictDecision;
use tauri::{AppHandle, Runtime, State};
use window_model::pause::PauseLength;

use crate::app_state::AppState;
use crate::error::CommandResult;
use crate::events::publish_state;

/// How long a pause chosen now lasts (a pause until tomorrow ends at the local midnight).
pub fn pause_duration(length: PauseLength) -> Duration {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let seconds_into_day =
        u64::from(now.hour()) * 3600 + u64::from(now.minute()) * 60 + u64::from(now.second());
    length.duration(seconds_into_day)
}

#[tauri::command]
pub async fn pause_sync<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    duration: PauseLength,
) -> CommandResult<()> {
    state.send(BridgeCommand::PauseFor(pause_duration(duration)))?;
    tracing::info!(?duration, "sync paused by the user");
    publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn resume_sync<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<()> {
    state.send(BridgeCommand::Resume)?;
    publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<()> {
    state.send(BridgeCommand::SyncNow)?;
    publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn decide_conflict<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    decision: ConflictDecision,
) -> CommandResult<()> {
    state.send(BridgeCommand::ConflictDecided(decision))?;
    publish_state(&app);
    Ok(())
}
