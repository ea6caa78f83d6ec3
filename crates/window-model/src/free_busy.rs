//! A colleague's free/busy as the window gets it (`FreeBusy` in docs/UI-CONTRACT.md), and as
//! the contact card, the list, the tray and the notifications say it in English and German:
//! "In a meeting until 14:30 · free from 15:00", "Out of office until Mon 9 Dec", "Outside
//! working hours, back 08:00", "Free until 16:00".
//!
//! The bridge's reading already has its times on the viewer's clock and calendar (hour, minute,
//! today / tomorrow / a date), so nothing here needs a time zone or a clock. The window formats
//! the same structure with the same strings (`ui/js/freebusy.js`); [`card_text`] and
//! [`short_text`] are the Rust side of it.

use bridge::{FreeBusyReading, ScheduleUnavailable};
use presence_core::free_busy::{DayRef, FreeBusyLine, FreeEnds, LocalMoment};
use presence_core::Weekday;
use serde::Serialize;

use crate::i18n::{tr, tr_with, Lang};

/// One colleague's free/busy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FreeBusy {
    /// Not read yet, or read too long ago to show.
    Unknown,
    /// The sign-in has no calendar permission (`Calendars.ReadBasic`).
    NotGranted,
    /// The organisation refuses free/busy to this app (Graph answered 403).
    Refused,
    /// This colleague's calendar could not be read.
    Unavailable {
        reason: UnavailableReason,
        /// Graph's `responseCode` (e.g. `5009`) when `reason` is `graph`.
        code: Option<String>,
    },
    /// Free; `until` is `None` when nothing ends it in the period read.
    Free {
        until: Option<Moment>,
        /// What begins at `until`.
        then: Option<FreeEnd>,
    },
    InMeeting {
        /// Only tentative meetings run.
        tentative: bool,
        /// When the current meeting ends.
        until: Moment,
        /// The first free moment after it, when that is later (another meeting follows, or
        /// the working day is over).
        free_from: Option<Moment>,
    },
    OutOfOffice {
        /// When they are back at work.
        until: Option<Moment>,
    },
    OutsideWorkingHours {
        /// When their next working hours begin.
        back: Option<Moment>,
    },
}

/// Why a calendar could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnavailableReason {
    /// Graph said why (`code`).
    Graph,
    /// The colleague has no e-mail address to ask for.
    NotAnAddress,
    /// Graph did not answer for this address.
    NotAnswered,
    /// The answer could not be read.
    Unreadable,
}

/// What ends a free period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeEnd {
    Meeting,
    Tentative,
    OutOfOffice,
    /// The working day ends.
    WorkingHours,
}

/// An instant as the viewer's clock and calendar show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Moment {
    /// Wall clock (ms since the Unix epoch).
    pub at: u64,
    pub hour: u8,
    pub minute: u8,
    pub day: Day,
    /// The date, for a day later than tomorrow.
    pub date: Option<CalendarDate>,
}

/// Which day a moment falls on, for the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Today,
    Tomorrow,
    /// Later than tomorrow: see [`Moment::date`].
    Later,
}

/// A date on the viewer's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CalendarDate {
    pub weekday: Weekday,
    pub day: u8,
    /// 1 to 12.
    pub month: u8,
    pub year: i16,
}

impl From<&LocalMoment> for Moment {
    fn from(moment: &LocalMoment) -> Self {
        let (day, date) = match moment.day {
            DayRef::Today => (Day::Today, None),
            DayRef::Tomorrow => (Day::Tomorrow, None),
            DayRef::Later {
                weekday,
                day,
                month,
                year,
            } => (
                Day::Later,
                Some(CalendarDate {
                    weekday,
                    day,
                    month,
                    year,
                }),
            ),
        };
        Self {
            at: u64::try_from(moment.at.as_millisecond()).unwrap_or_default(),
            hour: moment.hour,
            minute: moment.minute,
            day,
            date,
        }
    }
}

impl From<&FreeBusyLine> for FreeBusy {
    fn from(line: &FreeBusyLine) -> Self {
        let moment = |m: &LocalMoment| Moment::from(m);
        match line {
            FreeBusyLine::Free { until } => FreeBusy::Free {
                until: until.as_ref().map(|until| moment(&until.at)),
                then: until.map(|until| match until.then {
                    FreeEnds::Meeting { tentative: false } => FreeEnd::Meeting,
                    FreeEnds::Meeting { tentative: true } => FreeEnd::Tentative,
                    FreeEnds::OutOfOffice => FreeEnd::OutOfOffice,
                    FreeEnds::WorkingHours => FreeEnd::WorkingHours,
                }),
            },
            FreeBusyLine::InMeeting {
                tentative,
                until,
                free_from,
            } => FreeBusy::InMeeting {
                tentative: *tentative,
                until: moment(until),
                free_from: free_from.as_ref().map(moment),
            },
            FreeBusyLine::OutOfOffice { until } => FreeBusy::OutOfOffice {
                until: until.as_ref().map(moment),
            },
            FreeBusyLine::OutsideWorkingHours { back } => FreeBusy::OutsideWorkingHours {
                back: back.as_ref().map(moment),
            },
        }
    }
}

impl From<&FreeBusyReading> for FreeBusy {
    fn from(reading: &FreeBusyReading) -> Self {
        match reading {
            FreeBusyReading::Unknown => FreeBusy::Unknown,
            FreeBusyReading::NotGranted => FreeBusy::NotGranted,
            FreeBusyReading::Refused => FreeBusy::Refused,
            FreeBusyReading::Unavailable(why) => {
                let (reason, code) = match why {
                    ScheduleUnavailable::Graph { response_code } => {
                        (UnavailableReason::Graph, Some(response_code.clone()))
                    }
                    ScheduleUnavailable::NotAnAddress => (UnavailableReason::NotAnAddress, None),
                    ScheduleUnavailable::NotAnswered => (UnavailableReason::NotAnswered, None),
                    ScheduleUnavailable::Unreadable => (UnavailableReason::Unreadable, None),
                };
                FreeBusy::Unavailable { reason, code }
            }
            FreeBusyReading::Line(line) => FreeBusy::from(line),
        }
    }
}

fn weekday_key(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "freebusy.weekday.mon",
        Weekday::Tue => "freebusy.weekday.tue",
        Weekday::Wed => "freebusy.weekday.wed",
        Weekday::Thu => "freebusy.weekday.thu",
        Weekday::Fri => "freebusy.weekday.fri",
        Weekday::Sat => "freebusy.weekday.sat",
        Weekday::Sun => "freebusy.weekday.sun",
    }
}

/// "Mon 9 Dec" / "Mo., 9. Dez."
fn date_text(lang: Lang, date: &CalendarDate) -> String {
    tr_with(
        lang,
        "freebusy.date",
        &[
            ("weekday", &tr(lang, weekday_key(date.weekday))),
            ("day", &date.day.to_string()),
            (
                "month",
                &tr(lang, &format!("freebusy.month.{}", date.month)),
            ),
        ],
    )
}

/// "14:30", "tomorrow 08:00", "Mon 9 Dec, 08:00".
fn time_text(lang: Lang, moment: &Moment) -> String {
    let time = format!("{:02}:{:02}", moment.hour, moment.minute);
    match (moment.day, &moment.date) {
        (Day::Tomorrow, _) => tr_with(lang, "freebusy.tomorrow_at", &[("time", &time)]),
        (Day::Later, Some(date)) => tr_with(
            lang,
            "freebusy.date_at",
            &[("date", &date_text(lang, date)), ("time", &time)],
        ),
        _ => time,
    }
}

/// The day only, except today: "13:00", "tomorrow", "Mon 9 Dec" (when an absence ends).
fn day_text(lang: Lang, moment: &Moment) -> String {
    match (moment.day, &moment.date) {
        (Day::Tomorrow, _) => tr(lang, "freebusy.tomorrow"),
        (Day::Later, Some(date)) => date_text(lang, date),
        _ => time_text(lang, moment),
    }
}

/// What the contact card says, in full; `None` while nothing is known.
pub fn card_text(lang: Lang, free_busy: &FreeBusy) -> Option<String> {
    let at = |key: &str, moment: &Moment| tr_with(lang, key, &[("time", &time_text(lang, moment))]);
    Some(match free_busy {
        FreeBusy::Unknown => return None,
        FreeBusy::NotGranted => tr(lang, "freebusy.not_granted"),
        FreeBusy::Refused => tr(lang, "freebusy.refused"),
        FreeBusy::Unavailable { .. } => tr(lang, "freebusy.unavailable"),
        FreeBusy::Free { until: None, .. } => tr(lang, "freebusy.free"),
        FreeBusy::Free {
            until: Some(until), ..
        } => at("freebusy.free_until", until),
        FreeBusy::InMeeting {
            tentative,
            until,
            free_from,
        } => {
            let key = if *tentative {
                "freebusy.tentative"
            } else {
                "freebusy.in_meeting"
            };
            let line = at(key, until);
            match free_from {
                Some(free) => tr_with(
                    lang,
                    "freebusy.then_free",
                    &[("line", &line), ("time", &time_text(lang, free))],
                ),
                None => line,
            }
        }
        FreeBusy::OutOfOffice { until: None } => tr(lang, "freebusy.out_of_office"),
        FreeBusy::OutOfOffice { until: Some(until) } => tr_with(
            lang,
            "freebusy.out_of_office_until",
            &[("day", &day_text(lang, until))],
        ),
        FreeBusy::OutsideWorkingHours { back: None } => tr(lang, "freebusy.outside_hours"),
        FreeBusy::OutsideWorkingHours { back: Some(back) } => {
            at("freebusy.outside_hours_back", back)
        }
    })
}

/// The short form beside a status in the colleague list and the tray ("free until 16:00",
/// "in a meeting until 14:30"); `None` when there is no line to show (not read, not allowed).
pub fn short_text(lang: Lang, free_busy: &FreeBusy) -> Option<String> {
    let at = |key: &str, moment: &Moment| tr_with(lang, key, &[("time", &time_text(lang, moment))]);
    Some(match free_busy {
        FreeBusy::Unknown
        | FreeBusy::NotGranted
        | FreeBusy::Refused
        | FreeBusy::Unavailable { .. } => return None,
        FreeBusy::Free { until: None, .. } => tr(lang, "freebusy.short.free"),
        FreeBusy::Free {
            until: Some(until), ..
        } => at("freebusy.short.free_until", until),
        FreeBusy::InMeeting {
            tentative: false,
            until,
            ..
        } => at("freebusy.short.in_meeting", until),
        FreeBusy::InMeeting {
            tentative: true,
            until,
            ..
        } => at("freebusy.short.tentative", until),
        FreeBusy::OutOfOffice { until: None } => tr(lang, "freebusy.short.out_of_office"),
        FreeBusy::OutOfOffice { until: Some(until) } => tr_with(
            lang,
            "freebusy.short.out_of_office_until",
            &[("day", &day_text(lang, until))],
        ),
        FreeBusy::OutsideWorkingHours { back: None } => tr(lang, "freebusy.short.outside_hours"),
        FreeBusy::OutsideWorkingHours { back: Some(back) } => {
            at("freebusy.short.outside_hours_back", back)
        }
    })
}

/// Why a sign-in left the calendar permission out: its first try failed because Entra wanted a
/// consent for `Calendars.ReadBasic` that nobody gave, and the second try asked without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeBusyLeftOut {
    /// The organisation lets only an administrator approve the permission.
    NeedsAdmin,
    /// The consent prompt was declined.
    Declined,
}

/// What `sign_in_microsoft` resolves to when the sign-in went without free/busy (otherwise
/// `null`): `{free_busy_left_out: "needs_admin" | "declined"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SignedInWithoutFreeBusy {
    pub free_busy_left_out: FreeBusyLeftOut,
}

/// [`short_text`] of a colleague's reading in the bridge snapshot (the tray's favourites).
pub fn short_of(lang: Lang, reading: Option<&FreeBusyReading>) -> Option<String> {
    short_text(lang, &FreeBusy::from(reading?))
}

#[cfg(test)]
mod tests;
