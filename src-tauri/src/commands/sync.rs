//! `pause_sync`, `resume_sync`, `sync_now`, `decide_conflict`.

use std::time::Duration;

use bridge::BridgeCommand;
use presence_core::engine::ConflictDecision;
use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};

use crate::backend::Backend;
use crate::error::CommandResult;

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum PauseLength {
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "tomorrow")]
    UntilTomorrow,
}

impl PauseLength {
    /// How long the pause lasts from now; "tomorrow" ends at the next local midnight.
    pub fn duration(self) -> Duration {
        match self {
            Self::FifteenMinutes => Duration::from_secs(15 * 60),
            Self::OneHour => Duration::from_secs(60 * 60),
            Self::UntilTomorrow => until_local_midnight(),
        }
    }
}

fn until_local_midnight() -> Duration {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let seconds_today =
        u64::from(now.hour()) * 3600 + u64::from(now.minute()) * 60 + u64::from(now.second());
    Duration::from_secs((24 * 3600 - seconds_today).max(60))
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    KeepSyncing,
    StopSyncing,
}

#[tauri::command]
pub async fn pause_sync<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    duration: PauseLength,
) -> CommandResult<()> {
    backend.send(BridgeCommand::PauseFor(duration.duration()))?;
    tracing::info!(?duration, "sync paused by the user");
    super::publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn resume_sync<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
) -> CommandResult<()> {
    backend.send(BridgeCommand::Resume)?;
    super::publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
) -> CommandResult<()> {
    backend.send(BridgeCommand::SyncNow)?;
    super::publish_state(&app);
    Ok(())
}

#[tauri::command]
pub async fn decide_conflict<R: Runtime>(
    app: AppHandle<R>,
    backend: State<'_, Backend>,
    decision: Decision,
) -> CommandResult<()> {
    let decision = match decision {
        Decision::KeepSyncing => ConflictDecision::KeepSyncing,
        Decision::StopSyncing => ConflictDecision::StopSyncing,
    };
    backend.send(BridgeCommand::ConflictDecided(decision))?;
    super::publish_state(&app);
    Ok(())
}
