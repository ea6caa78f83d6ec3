//! What goes into the engine and what comes out (the commands themselves are in
//! [`crate::command`], below the journal that explains them).

use crate::command::{CommandFailure, CommandId, ConflictDecision, IssuedCommand};
use crate::journal::JournalEntry;
use crate::mapping::Mapping;
use crate::starface::StarfaceState;
use crate::teams::TeamsPresence;
use crate::time::Timestamp;

use super::config::SyncOptions;

/// One thing that happened, fed to [`Engine::handle`](super::Engine::handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The user's own Teams presence as just read from Graph.
    TeamsObserved(TeamsPresence),
    /// The user's own STARFACE state as just read. Feed observations in the order they were taken,
    /// and an observation requested before a command's result arrived before that result: a stale
    /// reading would otherwise look like someone changed DND.
    StarfaceObserved(StarfaceState),
    /// Something the user did in the app.
    User(UserAction),
    /// Time passed. Tick at least every few seconds; [`Engine::next_wakeup`](super::Engine::next_wakeup)
    /// says when something is due.
    Tick,
    /// A command finished.
    CommandFinished {
        /// The id the command was issued with.
        id: CommandId,
        /// Whether it took effect.
        result: Result<(), CommandFailure>,
    },
}

/// A user action in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    /// Write nothing to STARFACE until the given time (the Teams session is cleared).
    PauseUntil(Timestamp),
    /// End a pause or a stop early and sync again.
    Resume,
    /// Apply the current Teams state now: skips the debounce wait, forgets manual overrides and retries
    /// failed writes at once.
    SyncNow,
    /// The mapping was edited (boxed: a mapping is large and inputs are moved around a lot).
    MappingChanged(Box<Mapping>),
    /// Timing, working hours or conflict settings were edited (rejected with a journal entry if invalid).
    OptionsChanged(SyncOptions),
    /// The user answered the "another sync seems active" warning.
    ConflictDecided(ConflictDecision),
}

/// What one call to [`Engine::handle`](super::Engine::handle) produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    /// Commands to execute, in order.
    pub commands: Vec<IssuedCommand>,
    /// Explanations of the decisions taken.
    pub journal: Vec<JournalEntry>,
}

impl Outputs {
    /// Whether nothing is to be done and nothing was decided.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty() && self.journal.is_empty()
    }
}
