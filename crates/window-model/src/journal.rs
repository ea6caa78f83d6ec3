//! Journal entries as the window gets them (docs/UI-CONTRACT.md "Journal entries"): the engine's
//! structured event as `{kind, params}`, one variant per kind, with engine times turned into
//! wall-clock milliseconds, and the English text for kinds a window does not know.

use bridge::JournalLine;
use presence_core::engine::{Command, ConflictDecision, WriteTarget};
use presence_core::journal::{ChatDecision, DndDecision, HoldReason, JournalEvent, ReapplyCause};
use presence_core::mapping::SessionPresence;
use presence_core::working_hours::OutsideHours;
use presence_core::{Activity, Availability, ChatPresence, StatusRow, Timestamp};
use serde::Serialize;

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// Wall clock (ms).
    pub at: u64,
    #[serde(flatten)]
    pub event: Event,
    /// The English explanation.
    pub text: String,
}

/// What happened. Each engine event has its kind here (the mapping is exhaustive, so a new
/// engine event does not compile until it has one, and a template in ui/js/journal.js).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case")]
pub enum Event {
    TeamsChanged {
        availability: Availability,
        activity: Activity,
        out_of_office: bool,
        row: StatusRow,
        previous_row: Option<StatusRow>,
        dnd: Dnd,
        chat: Chat,
        held: Option<Hold>,
    },
    Reapplied {
        cause: Cause,
        row: Option<StatusRow>,
        dnd: Dnd,
        chat: Chat,
        held: Option<Hold>,
    },
    FlickerIgnored {
        row: StatusRow,
        lasted_ms: u64,
    },
    OwnSessionIgnored {
        availability: Availability,
        activity: Activity,
    },
    ManualDnd {
        dnd: bool,
    },
    ManualChat {
        presence: ChatPresence,
    },
    AnotherSyncSuspected {
        reverts: u32,
        period_minutes: u32,
    },
    ConflictDecided {
        decision: ConflictDecision,
    },
    Paused {
        /// Wall clock (ms).
        until: u64,
    },
    PauseEnded {},
    Resumed {},
    WorkingHoursEnded {
        outside: OutsideHours,
        dnd: Dnd,
    },
    CallStarted {
        session: Option<SessionPresence>,
    },
    CallEnded {},
    CommandSucceeded {
        command: CommandParams,
    },
    CommandFailed {
        command: CommandParams,
        reason: String,
    },
    WritesFailing {
        target: WriteTarget,
    },
    OptionsRejected {
        reason: String,
    },
    OptionsChanged {},
}

/// The DND decision of a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Dnd {
    Set { on: bool },
    Restore { on: bool },
    AlreadySet { on: bool },
    Unchanged,
    KeptManual,
}

/// The chat decision of a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Chat {
    Set {
        presence: ChatPresence,
        message: String,
    },
    AlreadySet {
        presence: ChatPresence,
        message: String,
    },
    Unchanged,
    KeptManual,
}

/// Why a decision waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    Paused,
    OutsideWorkingHours,
    AnotherSyncActive,
    Stopped,
    StarfaceNotRead,
}

/// Why the current row was applied again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    SyncNow,
    MappingChanged,
    WorkingHoursStarted,
    KeepSyncing,
    Resumed,
}

/// A command the engine issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandParams {
    SetDnd {
        on: bool,
    },
    SetChatStatus {
        presence: ChatPresence,
        message: String,
    },
    SetTeamsSession {
        presence: SessionPresence,
        /// Rounded up.
        minutes: u32,
    },
    ClearTeamsSession,
    Notify,
}

/// The entry for one bridge journal line. Engine times count from the bridge's start, so
/// `started_wall_ms` (the wall clock then) turns them into wall-clock milliseconds.
pub fn journal_entry(line: &JournalLine, started_wall_ms: u64) -> JournalEntry {
    let wall = |at: Timestamp| started_wall_ms + at.as_millis();
    JournalEntry {
        at: started_wall_ms + line.at_ms,
        event: event(&line.event, wall),
        text: line.text.clone(),
    }
}

fn event(event: &JournalEvent, wall: impl Fn(Timestamp) -> u64) -> Event {
    match event {
        JournalEvent::TeamsChanged {
            availability,
            activity,
            out_of_office,
            row,
            previous_row,
            dnd,
            chat,
            held,
        } => Event::TeamsChanged {
            availability: availability.clone(),
            activity: activity.clone(),
            out_of_office: *out_of_office,
            row: *row,
            previous_row: *previous_row,
            dnd: (*dnd).into(),
            chat: chat.into(),
            held: held.map(Hold::from),
        },
        JournalEvent::Reapplied {
            cause,
            row,
            dnd,
            chat,
            held,
        } => Event::Reapplied {
            cause: (*cause).into(),
            row: *row,
            dnd: (*dnd).into(),
            chat: chat.into(),
            held: held.map(Hold::from),
        },
        JournalEvent::FlickerIgnored { row, lasted_ms } => Event::FlickerIgnored {
            row: *row,
            lasted_ms: *lasted_ms,
        },
        JournalEvent::OwnSessionIgnored {
            availability,
            activity,
        } => Event::OwnSessionIgnored {
            availability: availability.clone(),
            activity: activity.clone(),
        },
        JournalEvent::ManualDnd { dnd } => Event::ManualDnd { dnd: *dnd },
        JournalEvent::ManualChat { presence } => Event::ManualChat {
            presence: *presence,
        },
        JournalEvent::AnotherSyncSuspected {
            reverts,
            period_minutes,
        } => Event::AnotherSyncSuspected {
            reverts: *reverts,
            period_minutes: *period_minutes,
        },
        JournalEvent::ConflictDecided(decision) => Event::ConflictDecided {
            decision: *decision,
        },
        JournalEvent::Paused { until } => Event::Paused {
            until: wall(*until),
        },
        JournalEvent::PauseEnded => Event::PauseEnded {},
        JournalEvent::Resumed => Event::Resumed {},
        JournalEvent::WorkingHoursEnded { outside, dnd } => Event::WorkingHoursEnded {
            outside: *outside,
            dnd: (*dnd).into(),
        },
        JournalEvent::CallStarted { session } => Event::CallStarted { session: *session },
        JournalEvent::CallEnded => Event::CallEnded {},
        JournalEvent::CommandSucceeded(command) => Event::CommandSucceeded {
            command: command.into(),
        },
        JournalEvent::CommandFailed { command, reason } => Event::CommandFailed {
            command: command.into(),
            reason: reason.clone(),
        },
        JournalEvent::WritesFailing { target } => Event::WritesFailing { target: *target },
        JournalEvent::OptionsRejected { reason } => Event::OptionsRejected {
            reason: reason.clone(),
        },
        JournalEvent::OptionsChanged => Event::OptionsChanged {},
    }
}

impl From<DndDecision> for Dnd {
    fn from(decision: DndDecision) -> Self {
        match decision {
            DndDecision::Set(on) => Dnd::Set { on },
            DndDecision::Restore(on) => Dnd::Restore { on },
            DndDecision::AlreadySet(on) => Dnd::AlreadySet { on },
            DndDecision::Unchanged => Dnd::Unchanged,
            DndDecision::KeptManual => Dnd::KeptManual,
        }
    }
}

impl From<&ChatDecision> for Chat {
    fn from(decision: &ChatDecision) -> Self {
        match decision {
            ChatDecision::Set(chat) => Chat::Set {
                presence: chat.presence,
                message: chat.message.clone(),
            },
            ChatDecision::AlreadySet(chat) => Chat::AlreadySet {
                presence: chat.presence,
                message: chat.message.clone(),
            },
            ChatDecision::Unchanged => Chat::Unchanged,
            ChatDecision::KeptManual => Chat::KeptManual,
        }
    }
}

impl From<HoldReason> for Hold {
    fn from(reason: HoldReason) -> Self {
        match reason {
            HoldReason::Paused => Hold::Paused,
            HoldReason::OutsideWorkingHours => Hold::OutsideWorkingHours,
            HoldReason::AnotherSyncActive => Hold::AnotherSyncActive,
            HoldReason::Stopped => Hold::Stopped,
            HoldReason::StarfaceNotRead => Hold::StarfaceNotRead,
        }
    }
}

impl From<ReapplyCause> for Cause {
    fn from(cause: ReapplyCause) -> Self {
        match cause {
            ReapplyCause::SyncNow => Cause::SyncNow,
            ReapplyCause::MappingChanged => Cause::MappingChanged,
            ReapplyCause::WorkingHoursStarted => Cause::WorkingHoursStarted,
            ReapplyCause::KeepSyncing => Cause::KeepSyncing,
            ReapplyCause::Resumed => Cause::Resumed,
        }
    }
}

impl From<&Command> for CommandParams {
    fn from(command: &Command) -> Self {
        match command {
            Command::SetDnd(on) => CommandParams::SetDnd { on: *on },
            Command::SetChatStatus(chat) => CommandParams::SetChatStatus {
                presence: chat.presence,
                message: chat.message.clone(),
            },
            Command::SetTeamsSession {
                presence,
                expiration,
            } => CommandParams::SetTeamsSession {
                presence: *presence,
                minutes: u32::try_from(expiration.as_secs().div_ceil(60)).unwrap_or(u32::MAX),
            },
            Command::ClearTeamsSession => CommandParams::ClearTeamsSession,
            Command::Notify(_) => CommandParams::Notify,
        }
    }
}

#[cfg(test)]
mod tests;
