//! Time as the engine sees it: a monotonic timestamp and the local wall clock, both passed in.
//!
//! The crate never reads a clock. The caller passes a [`Now`] with every input so tests can replay
//! any schedule exactly and the engine stays deterministic.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A point on a monotonic clock, in milliseconds since an arbitrary origin chosen by the caller.
///
/// Only differences between timestamps mean anything; use the same origin for the engine's whole life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Timestamp(u64);

impl Timestamp {
    /// A timestamp `millis` milliseconds after the caller's origin.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the caller's origin.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This timestamp plus `duration`, saturating at the far future.
    pub fn saturating_add(self, duration: Duration) -> Self {
        let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(millis))
    }

    /// Time elapsed since `earlier`; zero if `earlier` is later than `self`.
    pub fn saturating_since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

/// Day of the week in the user's local time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday (`"mon"`).
    Mon,
    /// Tuesday (`"tue"`).
    Tue,
    /// Wednesday (`"wed"`).
    Wed,
    /// Thursday (`"thu"`).
    Thu,
    /// Friday (`"fri"`).
    Fri,
    /// Saturday (`"sat"`).
    Sat,
    /// Sunday (`"sun"`).
    Sun,
}

impl Weekday {
    /// Monday to Sunday.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// The day before this one (Sunday before Monday).
    pub fn previous(self) -> Weekday {
        let index = Self::ALL.iter().position(|day| *day == self).unwrap_or(0);
        Self::ALL[(index + 6) % 7]
    }
}

/// Minutes in a day; `minute_of_day` is always below this.
pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// The local wall-clock time, reduced to what working hours need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalTime {
    /// Local day of the week.
    pub weekday: Weekday,
    /// Minutes since local midnight, `0..1440`.
    pub minute_of_day: u16,
}

impl LocalTime {
    /// Local time from hour and minute; out-of-range values are clamped to 23:59.
    pub fn new(weekday: Weekday, hour: u8, minute: u8) -> Self {
        let minute_of_day = (u16::from(hour) * 60 + u16::from(minute)).min(MINUTES_PER_DAY - 1);
        Self {
            weekday,
            minute_of_day,
        }
    }
}

/// Both clocks at the moment an input is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Now {
    /// Monotonic time: debounce, pause, session refresh and conflict windows use this.
    pub mono: Timestamp,
    /// Local wall-clock time: only working hours use this.
    pub local: LocalTime,
}

impl Now {
    /// Bundles the two clocks.
    pub fn new(mono: Timestamp, local: LocalTime) -> Self {
        Self { mono, local }
    }
}
