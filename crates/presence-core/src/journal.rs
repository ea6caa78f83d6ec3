//! Journal entries: why the engine did (or did not do) something.
//!
//! Entries are structured (an event kind with parameters) so a front end can translate them; the
//! `Display` impls give the English wording, e.g.
//! `Teams: Busy / In a meeting -> DND on, chat Do not disturb "In a meeting (Teams)" (row Busy-Meeting)`.
//! Decisions say what the engine *intends*; whether a write took effect is reported separately by
//! [`JournalEvent::CommandSucceeded`] / [`JournalEvent::CommandFailed`], so a failed write is never shown
//! as done.

use crate::command::{on_off, Command, ConflictDecision, WriteTarget};
use crate::starface::{ChatPresence, ChatStatus};
use crate::status_row::StatusRow;
use crate::teams::{Activity, Availability};
use crate::time::Timestamp;
use crate::working_hours::OutsideHours;
use std::collections::VecDeque;
use std::fmt;

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// When it happened (the `now` of the input that caused it).
    pub at: Timestamp,
    /// What happened.
    pub event: JournalEvent,
}

impl fmt::Display for JournalEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.event.fmt(f)
    }
}

/// The decision about DND for one transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DndDecision {
    /// The row asks for this value and the PBX does not have it yet.
    Set(bool),
    /// The state that changed DND ended; the value from before is put back.
    Restore(bool),
    /// The PBX already has the value the row asks for; nothing is written.
    AlreadySet(bool),
    /// The row leaves DND alone.
    Unchanged,
    /// The user changed DND after this Teams change started; their choice stands.
    KeptManual,
}

impl fmt::Display for DndDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DndDecision::Set(on) => write!(f, "DND {}", on_off(*on)),
            DndDecision::Restore(on) => write!(f, "DND back {} (as before)", on_off(*on)),
            DndDecision::AlreadySet(on) => write!(f, "DND already {}", on_off(*on)),
            DndDecision::Unchanged => f.write_str("DND unchanged"),
            DndDecision::KeptManual => f.write_str("DND kept as you set it"),
        }
    }
}

/// The decision about the chat status for one transition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChatDecision {
    /// The chat status will be set.
    Set(ChatStatus),
    /// The PBX already shows it.
    AlreadySet(ChatStatus),
    /// The row leaves the chat status alone.
    Unchanged,
    /// The chat status was changed outside the app after this Teams change started; it stands.
    KeptManual,
}

impl fmt::Display for ChatDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatDecision::Set(chat) => write!(f, "chat {chat}"),
            ChatDecision::AlreadySet(chat) => write!(f, "chat already {chat}"),
            ChatDecision::Unchanged => f.write_str("chat unchanged"),
            ChatDecision::KeptManual => f.write_str("chat kept as set"),
        }
    }
}

/// Why a decision is not written right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldReason {
    /// Sync is paused.
    Paused,
    /// Outside working hours (STARFACE is left as is).
    OutsideWorkingHours,
    /// Waiting for the user to decide about another sync.
    AnotherSyncActive,
    /// The user stopped syncing.
    Stopped,
    /// The STARFACE state has not been read yet.
    StarfaceNotRead,
}

impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HoldReason::Paused => "paused",
            HoldReason::OutsideWorkingHours => "outside working hours",
            HoldReason::AnotherSyncActive => "waiting for your decision about another sync",
            HoldReason::Stopped => "sync stopped",
            HoldReason::StarfaceNotRead => "STARFACE not read yet",
        })
    }
}

/// Why the current state was applied again without a Teams change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReapplyCause {
    /// The user pressed "Sync now".
    SyncNow,
    /// The mapping of the current row changed.
    MappingChanged,
    /// Working hours began.
    WorkingHoursStarted,
    /// The user chose to keep syncing despite another sync.
    KeepSyncing,
    /// The user resumed after stopping.
    Resumed,
}

impl fmt::Display for ReapplyCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReapplyCause::SyncNow => "Sync now",
            ReapplyCause::MappingChanged => "Mapping changed",
            ReapplyCause::WorkingHoursStarted => "Working hours began",
            ReapplyCause::KeepSyncing => "Syncing again",
            ReapplyCause::Resumed => "Resumed",
        })
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalEvent {
    /// A Teams state held long enough and was acted on.
    TeamsChanged {
        /// Teams availability.
        availability: Availability,
        /// Teams activity.
        activity: Activity,
        /// Teams out-of-office flag.
        out_of_office: bool,
        /// The row it maps to.
        row: StatusRow,
        /// The previous row (`None` at start-up).
        previous_row: Option<StatusRow>,
        /// DND decision.
        dnd: DndDecision,
        /// Chat decision.
        chat: ChatDecision,
        /// Why the decision waits, if it does.
        held: Option<HoldReason>,
    },
    /// The current row was applied again.
    Reapplied {
        /// Why.
        cause: ReapplyCause,
        /// The current row, if Teams has been read.
        row: Option<StatusRow>,
        /// DND decision.
        dnd: DndDecision,
        /// Chat decision.
        chat: ChatDecision,
        /// Why the decision waits, if it does.
        held: Option<HoldReason>,
    },
    /// A Teams state changed back before the debounce time; nothing was done.
    FlickerIgnored {
        /// The short-lived row.
        row: StatusRow,
        /// How long it lasted, in milliseconds.
        lasted_ms: u64,
    },
    /// Teams shows the presence the app set for a STARFACE call; it does not change the mapping.
    OwnSessionIgnored {
        /// Teams availability.
        availability: Availability,
        /// Teams activity.
        activity: Activity,
    },
    /// DND changed on STARFACE without the app; respected until the next Teams change.
    ManualDnd {
        /// The new value.
        dnd: bool,
    },
    /// The chat status changed on STARFACE without the app; respected until the next Teams change.
    ManualChat {
        /// The new presence.
        presence: ChatPresence,
    },
    /// The "another sync" warning was raised; writes stopped.
    AnotherSyncSuspected {
        /// Reverts counted.
        reverts: u32,
        /// Within this many minutes.
        period_minutes: u32,
    },
    /// The user answered the warning.
    ConflictDecided(ConflictDecision),
    /// Sync paused.
    Paused {
        /// Until when.
        until: Timestamp,
    },
    /// The pause ended by itself.
    PauseEnded,
    /// The user resumed.
    Resumed,
    /// Working hours ended.
    WorkingHoursEnded {
        /// What happens outside them.
        outside: OutsideHours,
        /// DND decision.
        dnd: DndDecision,
    },
    /// A STARFACE call started.
    CallStarted {
        /// What Teams will show (`None`: reverse direction off or held).
        session: Option<crate::mapping::SessionPresence>,
    },
    /// The STARFACE call ended.
    CallEnded,
    /// A write took effect.
    CommandSucceeded(Command),
    /// A write failed; it is retried on the next tick.
    CommandFailed {
        /// What failed.
        command: Command,
        /// The connector's reason.
        reason: String,
    },
    /// Writes to a target failed three times in a row.
    WritesFailing {
        /// Which target.
        target: WriteTarget,
    },
    /// New options were rejected.
    OptionsRejected {
        /// Why.
        reason: String,
    },
    /// New options were applied.
    OptionsChanged,
}

fn write_held(f: &mut fmt::Formatter<'_>, held: &Option<HoldReason>) -> fmt::Result {
    match held {
        Some(reason) => write!(f, " [held: {reason}]"),
        None => Ok(()),
    }
}

impl fmt::Display for JournalEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalEvent::TeamsChanged {
                availability,
                activity,
                out_of_office,
                row,
                dnd,
                chat,
                held,
                ..
            } => {
                let oof = if *out_of_office { " (out of office)" } else { "" };
                write!(
                    f,
                    "Teams: {} / {}{oof} -> {dnd}, {chat} (row {row})",
                    availability.label(),
                    activity.label()
                )?;
                write_held(f, held)
            }
            JournalEvent::Reapplied {
                cause,
                row,
                dnd,
                chat,
                held,
            } => {
                write!(f, "{cause}: {dnd}, {chat}")?;
                if let Some(row) = row {
                    write!(f, " (row {row})")?;
                }
                write_held(f, held)
            }
            JournalEvent::FlickerIgnored { row, lasted_ms } => write!(
                f,
                "Teams showed {row} for only {:.1} s; ignored as flicker",
                *lasted_ms as f64 / 1000.0
            ),
            JournalEvent::OwnSessionIgnored {
                availability,
                activity,
            } => write!(
                f,
                "Teams: {} / {} comes from the STARFACE call; DND not changed",
                availability.label(),
                activity.label()
            ),
            JournalEvent::ManualDnd { dnd } => write!(
                f,
                "STARFACE DND switched {} outside Presence Bridge; kept until the next Teams change",
                on_off(*dnd)
            ),
            JournalEvent::ManualChat { presence } => write!(
                f,
                "STARFACE chat status changed to {presence} outside Presence Bridge; kept until the next Teams change"
            ),
            JournalEvent::AnotherSyncSuspected {
                reverts,
                period_minutes,
            } => write!(
                f,
                "Another presence sync seems active on the PBX (only one may be active): DND was undone {reverts} times within {period_minutes} min. Writing stopped until you decide"
            ),
            JournalEvent::ConflictDecided(ConflictDecision::KeepSyncing) => {
                f.write_str("You chose to keep syncing")
            }
            JournalEvent::ConflictDecided(ConflictDecision::StopSyncing) => {
                f.write_str("You chose to let the other sync work; Presence Bridge stopped writing")
            }
            JournalEvent::Paused { until } => {
                write!(f, "Sync paused (until t={} ms)", until.as_millis())
            }
            JournalEvent::PauseEnded => f.write_str("Pause ended"),
            JournalEvent::Resumed => f.write_str("Sync resumed"),
            JournalEvent::WorkingHoursEnded { outside, dnd } => match outside {
                OutsideHours::LeaveAsIs => {
                    f.write_str("Working hours ended; STARFACE is left as is")
                }
                _ => write!(f, "Working hours ended -> {dnd}"),
            },
            JournalEvent::CallStarted { session: Some(s) } => {
                write!(f, "STARFACE call started -> Teams {s}")
            }
            JournalEvent::CallStarted { session: None } => {
                f.write_str("STARFACE call started (Teams not changed)")
            }
            JournalEvent::CallEnded => f.write_str("STARFACE call ended"),
            JournalEvent::CommandSucceeded(command) => write!(f, "Done: {command}"),
            JournalEvent::CommandFailed { command, reason } => {
                write!(f, "Failed: {command}: {reason}; retrying")
            }
            JournalEvent::WritesFailing { target } => {
                write!(f, "{target} keeps failing; still retrying")
            }
            JournalEvent::OptionsRejected { reason } => {
                write!(f, "Settings not applied: {reason}")
            }
            JournalEvent::OptionsChanged => f.write_str("Settings applied"),
        }
    }
}

/// A bounded in-memory journal (newest last) for the "why did this happen" view.
#[derive(Debug, Clone)]
pub struct Journal {
    capacity: usize,
    entries: VecDeque<JournalEntry>,
}

impl Journal {
    /// A journal keeping at most `capacity` entries (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            entries: VecDeque::with_capacity(capacity),
        }
    }

    /// Appends entries, dropping the oldest beyond capacity.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = JournalEntry>) {
        for entry in entries {
            if self.entries.len() == self.capacity {
                self.entries.pop_front();
            }
            self.entries.push_back(entry);
        }
    }

    /// Entries, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &JournalEntry> {
        self.entries.iter()
    }

    /// Number of entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the journal is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_change_reads_like_the_issue_example() {
        let event = JournalEvent::TeamsChanged {
            availability: Availability::Busy,
            activity: Activity::InAMeeting,
            out_of_office: false,
            row: StatusRow::BusyMeeting,
            previous_row: Some(StatusRow::Available),
            dnd: DndDecision::Set(true),
            chat: ChatDecision::Unchanged,
            held: None,
        };
        assert_eq!(
            event.to_string(),
            "Teams: Busy / In a meeting -> DND on, chat unchanged (row Busy-Meeting)"
        );
    }

    #[test]
    fn journal_is_bounded() {
        let mut journal = Journal::with_capacity(2);
        journal.extend((0..5).map(|i| JournalEntry {
            at: Timestamp::from_millis(i),
            event: JournalEvent::Resumed,
        }));
        assert_eq!(journal.len(), 2);
        assert_eq!(
            journal.entries().next().unwrap().at,
            Timestamp::from_millis(3)
        );
    }
}
