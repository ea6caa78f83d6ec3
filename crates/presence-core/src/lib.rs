//! Presence vocabulary, per-status mapping, the pure sync engine and the watch list.
//!
//! No I/O, no async, no clock reads: time is passed in with every input, so everything here is
//! deterministic and testable.
//!
//! * [`teams`]: Teams presence as Graph reports it ([`TeamsPresence`], open enums that never fail).
//! * [`starface`]: STARFACE DND, chat presence and telephony state ([`StarfaceState`]).
//! * [`status_row`]: the rows of the mapping table and how every Teams pair lands in one.
//! * [`mapping`]: what each row does on STARFACE, and the reverse direction ([`Mapping`]); the
//!   default chat messages in English and German ([`MessageLanguage`]).
//! * [`working_hours`]: when the sync may write.
//! * [`engine`]: the state machine ([`Engine`]) turning observations into commands and journal entries.
//! * [`journal`]: structured explanations of every decision.
//! * [`directory_search`]: local directory search as the user types (umlaut folding, favourites first).
//! * [`person_status`]: one person's status merged from Teams and the STARFACE phone
//!   ([`PersonStatus`]: "on the phone", "ringing", DND and forwarding marks, "free").
//! * [`watch_list`]: colleagues' presence in, changes and "notify me when available" alerts out.
//! * [`time`]: the monotonic timestamp and local wall clock the caller passes in.
//!
//! # Example
//!
//! ```
//! use presence_core::engine::{Engine, EngineConfig, Input, Command};
//! use presence_core::{Now, LocalTime, Timestamp, Weekday, StarfaceState, TeamsPresence};
//!
//! let mut engine = Engine::new(EngineConfig::default()).unwrap();
//! let at = |ms| Now::new(Timestamp::from_millis(ms), LocalTime::new(Weekday::Tue, 10, 0));
//! engine.handle(Input::StarfaceObserved(StarfaceState::with_dnd(false)), at(0));
//! // The first Teams reading is decided at once (STARFACE has been read): DND stays off.
//! let out = engine.handle(Input::TeamsObserved(TeamsPresence::new("Available", "Available")), at(0));
//! assert!(!out.commands.iter().any(|c| matches!(c.command, Command::SetDnd(_))));
//! engine.handle(Input::TeamsObserved(TeamsPresence::new("Busy", "InAMeeting")), at(1_000));
//! let out = engine.handle(Input::Tick, at(4_000)); // a change is held for the 3 s debounce
//! assert_eq!(out.commands[0].command, Command::SetDnd(true));
//! println!("{}", out.journal[0]); // Teams: Busy / In a meeting -> DND on, chat ... (row Busy-Meeting)
//! ```

#[macro_use]
mod open_enum;

pub mod directory_search;
pub mod engine;
pub mod journal;
pub mod mapping;
pub mod person_status;
pub mod starface;
pub mod status_row;
pub mod teams;
pub mod time;
pub mod watch_list;
pub mod working_hours;

pub use engine::{Engine, EngineCarryOver, EngineConfig};
pub use mapping::{Mapping, MessageLanguage};
pub use person_status::{Dot, PersonActivity, PersonStatus, PhoneState};
pub use starface::{ChatPresence, ChatStatus, StarfaceState, TelephonyState};
pub use status_row::StatusRow;
pub use teams::{Activity, Availability, TeamsPresence};
pub use time::{LocalTime, Now, Timestamp, Weekday};
