//! Free/busy from a colleague's calendar: "in a meeting until 14:30 · free from 15:00", "out of
//! office until Mon 9 Dec", "outside working hours, back 08:00", "free until 16:00".
//!
//! The input is what Graph's `getSchedule` says about one colleague ([`Schedule`]: blocked
//! periods with a [`FreeBusyStatus`], the working week in the colleague's own time zone, and the
//! period the calendar was read for). [`describe`] turns it, for an instant `now` and the viewer's
//! time zone, into a [`FreeBusyLine`] whose times are already placed on the viewer's clock and
//! calendar ([`LocalMoment`]). There is no text here: the window, the tray and the notifications
//! translate.
//!
//! Only status and times come in. Subjects, locations and attendees have no field in these types,
//! so they cannot travel further even when a mailbox shares them.
//!
//! Times are zone rules (`jiff::tz::TimeZone`), not fixed offsets, so "back 08:00" stays right
//! across a daylight-saving change on either side. Looking a zone name up in the tz database
//! reads files and is the caller's job; [`zones`] maps Windows names and turns Graph's custom
//! zones into rules without I/O.
//!
//! ```
//! use presence_core::free_busy::{describe, FreeBusyLine, FreeBusyStatus, Schedule, ScheduleItem};
//! use presence_core::jiff::{civil::date, tz::TimeZone};
//!
//! let berlin = TimeZone::fixed(presence_core::jiff::tz::offset(1));
//! let at = |h, m| berlin.to_timestamp(date(2024, 12, 5).at(h, m, 0, 0)).unwrap();
//! let meeting = |from, to, status| ScheduleItem { start: from, end: to, status };
//! let schedule = Schedule {
//!     known_from: at(0, 0),
//!     known_until: at(23, 59),
//!     items: vec![
//!         meeting(at(13, 0), at(14, 30), FreeBusyStatus::Busy),
//!         meeting(at(14, 30), at(15, 0), FreeBusyStatus::Tentative),
//!     ],
//!     work_week: None,
//! };
//! let Some(FreeBusyLine::InMeeting { until, free_from: Some(free), .. }) =
//!     describe(&schedule, at(13, 40), &berlin)
//! else {
//!     panic!("in a meeting")
//! };
//! assert_eq!((until.hour, until.minute), (14, 30)); // "In a meeting until 14:30
//! assert_eq!((free.hour, free.minute), (15, 0)); //  · free from 15:00"
//! ```

mod timeline;
pub mod zones;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::time::Weekday;
use timeline::{State, Timeline};

/// How far past the known period "back at" and "free from" are looked for: past a long absence
/// that ends on a Friday to the first working day after a long weekend.
const LOOKAHEAD: SignedDuration = SignedDuration::from_hours(8 * 24);
/// The furthest ahead an item's end is followed (Graph reads at most 62 days anyway).
const MAX_REACH: SignedDuration = SignedDuration::from_hours(62 * 24);

/// Graph's `freeBusyStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeBusyStatus {
    Free,
    Tentative,
    Busy,
    /// `oof`.
    OutOfOffice,
    WorkingElsewhere,
    Unknown,
}

impl FreeBusyStatus {
    /// `free`, `tentative`, `busy`, `oof`, `workingElsewhere`, `unknown` in any case (Graph's own
    /// examples write `Busy` as well as `busy`); anything else is [`Self::Unknown`].
    pub fn from_graph(value: &str) -> Self {
        const NAMES: [(&str, FreeBusyStatus); 5] = [
            ("free", FreeBusyStatus::Free),
            ("tentative", FreeBusyStatus::Tentative),
            ("busy", FreeBusyStatus::Busy),
            ("oof", FreeBusyStatus::OutOfOffice),
            ("workingElsewhere", FreeBusyStatus::WorkingElsewhere),
        ];
        let value = value.trim();
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value))
            .map_or(Self::Unknown, |(_, status)| *status)
    }

    /// One digit of Graph's `availabilityView` (`0` free, `1` tentative, `2` busy, `3` out of
    /// office, `4` working elsewhere).
    pub fn from_availability_digit(digit: char) -> Option<Self> {
        match digit {
            '0' => Some(Self::Free),
            '1' => Some(Self::Tentative),
            '2' => Some(Self::Busy),
            '3' => Some(Self::OutOfOffice),
            '4' => Some(Self::WorkingElsewhere),
            _ => None,
        }
    }
}

/// A period on the colleague's calendar and how it blocks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleItem {
    pub start: Timestamp,
    pub end: Timestamp,
    pub status: FreeBusyStatus,
}

/// The colleague's working hours: the same hours on each listed day, in their own time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkWeek {
    pub days: Vec<Weekday>,
    pub start: Time,
    /// At or before `start`: the period ends the next day.
    pub end: Time,
    pub zone: TimeZone,
}

/// One colleague's calendar as far as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The calendar was read for `[known_from, known_until)`; nothing is known outside it except
    /// the working week and items reaching beyond it.
    pub known_from: Timestamp,
    pub known_until: Timestamp,
    pub items: Vec<ScheduleItem>,
    /// `None` when the mailbox does not say or its time zone is unknown: every hour counts as a
    /// working hour then.
    pub work_week: Option<WorkWeek>,
}

/// Which day a moment falls on, for the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayRef {
    Today,
    Tomorrow,
    /// Later than tomorrow ("Mon 9 Dec").
    Later {
        weekday: Weekday,
        day: u8,
        month: u8,
        year: i16,
    },
}

/// An instant and how it reads on the viewer's clock (hour and minute, cut to the minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalMoment {
    pub at: Timestamp,
    pub hour: u8,
    pub minute: u8,
    pub day: DayRef,
}

impl LocalMoment {
    /// `at` on `viewer`'s clock, with the day relative to `now`'s day there.
    pub fn new(at: Timestamp, now: Timestamp, viewer: &TimeZone) -> Self {
        let local = viewer.to_datetime(at);
        let today = viewer.to_datetime(now).date();
        let date = local.date();
        let day = if date == today {
            DayRef::Today
        } else if today.tomorrow().ok() == Some(date) {
            DayRef::Tomorrow
        } else {
            DayRef::Later {
                weekday: timeline::weekday(date),
                day: date.day().unsigned_abs(),
                month: date.month().unsigned_abs(),
                year: date.year(),
            }
        };
        Self {
            at,
            hour: local.hour().unsigned_abs(),
            minute: local.minute().unsigned_abs(),
            day,
        }
    }
}

/// What ends a free period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeEnds {
    Meeting {
        tentative: bool,
    },
    OutOfOffice,
    /// The working day ends.
    WorkingHours,
}

/// When a free period ends, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FreeUntil {
    pub at: LocalMoment,
    pub then: FreeEnds,
}

/// The colleague's free/busy now, as the card, the list and the notification say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeBusyLine {
    /// Free ("free until 16:00"); `until` is `None` when nothing is planned for the rest of the
    /// period the calendar was read for.
    Free { until: Option<FreeUntil> },
    /// In a meeting ("in a meeting until 14:30 · free from 15:00"). `until` is when the current
    /// meeting ends; `free_from` is the first free moment after it when that is later (another
    /// meeting follows, or the working day is over). `tentative` when only tentative items run.
    InMeeting {
        tentative: bool,
        until: LocalMoment,
        free_from: Option<LocalMoment>,
    },
    /// Out of office ("out of office until Mon 9 Dec"); `until` is when they are back at work:
    /// the end of the absence moved to the start of their next working hours.
    OutOfOffice { until: Option<LocalMoment> },
    /// Outside their working hours with nothing planned ("outside working hours, back 08:00").
    OutsideWorkingHours { back: Option<LocalMoment> },
}

/// The colleague's line at `now`, in `viewer`'s time zone; `None` when `now` lies outside the
/// period the calendar was read for (read it again).
///
/// The line only changes at the start or end of an item or working period and at the viewer's
/// midnight, so calling this once a minute is enough.
pub fn describe(schedule: &Schedule, now: Timestamp, viewer: &TimeZone) -> Option<FreeBusyLine> {
    if now < schedule.known_from || now >= schedule.known_until {
        return None;
    }
    let latest_end = schedule
        .items
        .iter()
        .map(|item| item.end)
        .max()
        .unwrap_or(schedule.known_until)
        .max(schedule.known_until);
    // An absence "until 9999" must not make this walk millennia of working days.
    let reach = now.checked_add(MAX_REACH).unwrap_or(Timestamp::MAX);
    let horizon = latest_end
        .min(reach)
        .checked_add(LOOKAHEAD)
        .unwrap_or(Timestamp::MAX);
    let known_until = schedule.known_until.min(horizon);
    let timeline = Timeline::new(schedule, now, horizon);
    let local = |at: Timestamp| LocalMoment::new(at, now, viewer);
    let line = match timeline.state_at(now) {
        State::Free => FreeBusyLine::Free {
            until: timeline
                .first_edge_where(now, known_until, |state| state != State::Free)
                .map(|at| FreeUntil {
                    at: local(at),
                    then: match timeline.state_at(at) {
                        State::OutOfOffice => FreeEnds::OutOfOffice,
                        State::Busy => FreeEnds::Meeting { tentative: false },
                        State::Tentative => FreeEnds::Meeting { tentative: true },
                        State::OffWork | State::Free => FreeEnds::WorkingHours,
                    },
                }),
        },
        state @ (State::Busy | State::Tentative) => {
            let until = timeline.running_until(now, state).unwrap_or(now);
            let free_from = timeline
                .first_edge_where(now, horizon, |state| state == State::Free)
                .filter(|free| *free > until);
            FreeBusyLine::InMeeting {
                tentative: state == State::Tentative,
                until: local(until),
                free_from: free_from.map(local),
            }
        }
        State::OutOfOffice => FreeBusyLine::OutOfOffice {
            until: timeline
                .first_edge_where(now, horizon, |state| state != State::OutOfOffice)
                .and_then(|back| timeline.next_working_start(back, horizon))
                .map(local),
        },
        State::OffWork => FreeBusyLine::OutsideWorkingHours {
            back: timeline.next_working_start(now, horizon).map(local),
        },
    };
    Some(line)
}

#[cfg(test)]
mod tests;
