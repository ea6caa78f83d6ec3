//! What the engine asks its caller to do, and the words its journal uses for it: commands with
//! their ids and results, write targets, notifications, the answer to the "another sync" warning.
//!
//! It sits below both `engine` (which issues commands) and `journal` (which explains them): the
//! journal names commands without knowing the engine, and the engine writes the journal.

use crate::mapping::SessionPresence;
use crate::starface::ChatStatus;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The user's answer to the "another presence sync seems active" warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictDecision {
    /// "I switched the other sync off": clear the warning and sync again.
    KeepSyncing,
    /// "Let the other sync do it": stop writing until the user resumes.
    StopSyncing,
}

/// Identifies an issued command so its result can be fed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommandId(pub u64);

/// Why a command failed (the connector's error text, shown in the journal).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommandFailure {
    /// Human-readable reason.
    pub reason: String,
}

impl CommandFailure {
    /// A failure with a reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// Something the caller must do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Command {
    /// Set STARFACE DND (REST `phoneconfig.doNotDisturb`).
    SetDnd(bool),
    /// Set the STARFACE chat presence and message.
    SetChatStatus(ChatStatus),
    /// Set (or refresh) the app's Graph presence session (`setPresence`, `sessionId` = client id).
    SetTeamsSession {
        /// Availability/activity pair.
        presence: SessionPresence,
        /// `expirationDuration`.
        expiration: Duration,
    },
    /// Clear the app's Graph presence session (`clearPresence`). A 404 ("no such session") counts as
    /// success.
    ClearTeamsSession,
    /// Show a desktop notification. No result needs to be fed back.
    Notify(Notification),
}

impl Command {
    /// Which piece of state the command writes, if any.
    pub fn target(&self) -> Option<WriteTarget> {
        match self {
            Command::SetDnd(_) => Some(WriteTarget::Dnd),
            Command::SetChatStatus(_) => Some(WriteTarget::ChatStatus),
            Command::SetTeamsSession { .. } | Command::ClearTeamsSession => {
                Some(WriteTarget::TeamsSession)
            }
            Command::Notify(_) => None,
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::SetDnd(on) => write!(f, "STARFACE DND {}", on_off(*on)),
            Command::SetChatStatus(chat) => write!(f, "STARFACE chat status {chat}"),
            Command::SetTeamsSession {
                presence,
                expiration,
            } => write!(
                f,
                "Teams presence {presence} for {} min",
                expiration.as_secs() / 60
            ),
            Command::ClearTeamsSession => f.write_str("Teams presence session cleared"),
            Command::Notify(notification) => write!(f, "notification: {notification}"),
        }
    }
}

pub(crate) fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// Which piece of state a write targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteTarget {
    /// STARFACE DND.
    Dnd,
    /// STARFACE chat status.
    ChatStatus,
    /// The Teams presence session.
    TeamsSession,
}

impl fmt::Display for WriteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteTarget::Dnd => "STARFACE DND",
            WriteTarget::ChatStatus => "STARFACE chat status",
            WriteTarget::TeamsSession => "Teams presence",
        })
    }
}

/// A desktop notification the engine asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Notification {
    /// Another presence sync seems to write STARFACE DND; the engine stopped writing.
    AnotherSyncActive,
    /// A timed pause ended; syncing again.
    PauseEnded,
    /// Writes to a target keep failing (sent once, after the third failure in a row).
    WritesFailing {
        /// What cannot be written.
        target: WriteTarget,
    },
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notification::AnotherSyncActive => f.write_str(
                "Another presence sync seems active on the PBX (only one may be active). Presence Bridge stopped writing until you decide.",
            ),
            Notification::PauseEnded => f.write_str("Pause ended; presence sync is running again."),
            Notification::WritesFailing { target } => {
                write!(f, "{target} cannot be set; retrying.")
            }
        }
    }
}

/// A command with the id its result must be fed back with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IssuedCommand {
    /// Feed this back in `Input::CommandFinished`.
    pub id: CommandId,
    /// What to do.
    pub command: Command,
}
