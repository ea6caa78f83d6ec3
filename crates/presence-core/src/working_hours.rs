//! Working hours: when the sync may write to STARFACE.
//!
//! ```toml
//! [working_hours]
//! days = ["mon", "tue", "wed", "thu", "fri"]
//! start = "08:00"
//! end = "17:30"
//! outside = "leave_as_is"   # leave_as_is | dnd_on | dnd_off
//! ```
//!
//! `start == end` means the whole day. `start > end` is a night shift that starts on a listed day and
//! ends the next morning.

use crate::time::{LocalTime, Weekday, MINUTES_PER_DAY};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A time of day written as `"HH:MM"` (`"24:00"` allowed as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime {
    minute_of_day: u16,
}

/// A `"HH:MM"` text that is not a time of day.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("expected a time of day as \"HH:MM\" between 00:00 and 24:00, got {0:?}")]
pub struct ClockTimeError(pub String);

impl ClockTime {
    /// A time of day; `None` if out of range.
    pub fn new(hour: u8, minute: u8) -> Option<Self> {
        let minute_of_day = u16::from(hour) * 60 + u16::from(minute);
        (minute < 60 && minute_of_day <= MINUTES_PER_DAY).then_some(Self { minute_of_day })
    }

    /// Minutes since midnight (`0..=1440`).
    pub fn minute_of_day(self) -> u16 {
        self.minute_of_day
    }
}

impl TryFrom<String> for ClockTime {
    type Error = ClockTimeError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let parsed = text.split_once(':').and_then(|(hour, minute)| {
            let valid = |part: &str| {
                !part.is_empty() && part.len() <= 2 && part.chars().all(|c| c.is_ascii_digit())
            };
            if !valid(hour) || minute.len() != 2 || !valid(minute) {
                return None;
            }
            ClockTime::new(hour.parse().ok()?, minute.parse().ok()?)
        });
        parsed.ok_or(ClockTimeError(text))
    }
}

impl From<ClockTime> for String {
    fn from(time: ClockTime) -> Self {
        time.to_string()
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}",
            self.minute_of_day / 60,
            self.minute_of_day % 60
        )
    }
}

/// What happens to STARFACE DND outside working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideHours {
    /// Write nothing to STARFACE.
    #[default]
    LeaveAsIs,
    /// Switch DND on once when working hours end (nothing else is written).
    DndOn,
    /// Switch DND off once when working hours end (nothing else is written).
    DndOff,
}

impl OutsideHours {
    /// The DND value to set when working hours end, if any.
    pub fn dnd(self) -> Option<bool> {
        match self {
            OutsideHours::LeaveAsIs => None,
            OutsideHours::DndOn => Some(true),
            OutsideHours::DndOff => Some(false),
        }
    }
}

/// The working-hours window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// Days on which the window starts.
    pub days: Vec<Weekday>,
    /// Start of the window (inclusive).
    pub start: ClockTime,
    /// End of the window (exclusive).
    pub end: ClockTime,
    /// What to do with DND outside the window.
    #[serde(default)]
    pub outside: OutsideHours,
}

impl WorkingHours {
    /// Whether `time` is inside the window.
    pub fn contains(&self, time: LocalTime) -> bool {
        let minute = time.minute_of_day;
        let (start, end) = (self.start.minute_of_day, self.end.minute_of_day);
        let listed = |day: Weekday| self.days.contains(&day);
        if start == end {
            listed(time.weekday)
        } else if start < end {
            listed(time.weekday) && (start..end).contains(&minute)
        } else {
            (listed(time.weekday) && minute >= start)
                || (listed(time.weekday.previous()) && minute < end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(start: &str, end: &str) -> WorkingHours {
        WorkingHours {
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            start: ClockTime::try_from(start.to_owned()).unwrap(),
            end: ClockTime::try_from(end.to_owned()).unwrap(),
            outside: OutsideHours::LeaveAsIs,
        }
    }

    #[test]
    fn office_day_window() {
        let h = hours("08:00", "17:30");
        assert!(!h.contains(LocalTime::new(Weekday::Mon, 7, 59)));
        assert!(h.contains(LocalTime::new(Weekday::Mon, 8, 0)));
        assert!(h.contains(LocalTime::new(Weekday::Fri, 17, 29)));
        assert!(!h.contains(LocalTime::new(Weekday::Fri, 17, 30)));
        assert!(!h.contains(LocalTime::new(Weekday::Sat, 10, 0)));
    }

    #[test]
    fn night_shift_wraps_past_midnight() {
        let h = hours("22:00", "06:00");
        assert!(h.contains(LocalTime::new(Weekday::Fri, 23, 0)));
        assert!(h.contains(LocalTime::new(Weekday::Sat, 5, 59)));
        assert!(!h.contains(LocalTime::new(Weekday::Sat, 23, 0)));
        assert!(!h.contains(LocalTime::new(Weekday::Mon, 5, 0)));
    }

    #[test]
    fn equal_start_and_end_is_the_whole_day() {
        let h = hours("00:00", "00:00");
        assert!(h.contains(LocalTime::new(Weekday::Mon, 0, 0)));
        assert!(h.contains(LocalTime::new(Weekday::Mon, 23, 59)));
        assert!(!h.contains(LocalTime::new(Weekday::Sun, 12, 0)));
    }

    #[test]
    fn clock_time_parsing() {
        assert_eq!(
            ClockTime::try_from("8:05".to_owned())
                .unwrap()
                .minute_of_day(),
            485
        );
        assert_eq!(
            ClockTime::try_from("24:00".to_owned()).unwrap().to_string(),
            "24:00"
        );
        for bad in ["24:01", "8", "08:5", "ab:cd", "-1:00", "08:60", ""] {
            assert!(ClockTime::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn toml_format() {
        let h: WorkingHours = toml::from_str(
            "days = [\"mon\", \"fri\"]\nstart = \"08:00\"\nend = \"17:30\"\noutside = \"dnd_on\"",
        )
        .unwrap();
        assert_eq!(h.outside, OutsideHours::DndOn);
        assert_eq!(h.days, vec![Weekday::Mon, Weekday::Fri]);
        assert!(toml::from_str::<WorkingHours>(
            "days = []\nstart = \"08:00\"\nend = \"9:00\"\nextra = 1"
        )
        .is_err());
    }
}
