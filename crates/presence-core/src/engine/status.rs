//! A snapshot of the engine for front ends (tray icon, status line, warnings).

use crate::starface::ChatStatus;
use crate::status_row::StatusRow;
use crate::teams::TeamsPresence;
use crate::time::Timestamp;

use crate::command::WriteTarget;

/// The headline state, most important first when several apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncState {
    /// Another presence sync seems active; nothing is written until the user decides.
    AnotherSyncSuspected,
    /// The user let the other sync win; nothing is written until Resume.
    Stopped,
    /// Paused until the given time.
    Paused {
        /// When the pause ends.
        until: Timestamp,
    },
    /// Outside working hours.
    OutsideWorkingHours,
    /// Syncing.
    Running,
}

/// Everything a front end shows about the sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineStatus {
    /// The headline state.
    pub state: SyncState,
    /// End of the pause, if paused (also while another state takes the headline).
    pub paused_until: Option<Timestamp>,
    /// Whether it is outside working hours.
    pub outside_working_hours: bool,
    /// The Teams presence the engine acts on (after debounce).
    pub teams: Option<TeamsPresence>,
    /// Its row.
    pub row: Option<StatusRow>,
    /// STARFACE DND as far as the engine knows (observed or successfully written).
    pub starface_dnd: Option<bool>,
    /// STARFACE chat status as far as the engine knows.
    pub starface_chat: Option<ChatStatus>,
    /// The user changed DND outside the app and the engine is keeping it.
    pub dnd_kept_manual: bool,
    /// A STARFACE call is active.
    pub in_call: bool,
    /// The app's Teams presence session may be set.
    pub teams_session_active: bool,
    /// Targets whose last write failed (retried on the next tick).
    pub failing: Vec<WriteTarget>,
}
