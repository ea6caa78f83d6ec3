//! The colleague's state over time: which item or working-hours edge changes what, and when.
//!
//! The state is constant between two *edges* (an item's start or end, a working period's start
//! or end), so every question ("when is she free again?") is answered by walking the edges.

use jiff::civil::{Date, Weekday as CivilWeekday};
use jiff::{SignedDuration, Timestamp};

use super::{FreeBusyStatus, Schedule, WorkWeek};
use crate::time::Weekday;

/// What the colleague is doing at an instant, most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    OutOfOffice,
    Busy,
    Tentative,
    /// Outside the working hours, with nothing on the calendar.
    OffWork,
    Free,
}

impl State {
    fn of_item(status: FreeBusyStatus) -> Option<Self> {
        match status {
            FreeBusyStatus::OutOfOffice => Some(Self::OutOfOffice),
            FreeBusyStatus::Busy => Some(Self::Busy),
            FreeBusyStatus::Tentative => Some(Self::Tentative),
            // Working elsewhere is working: reachable, as Graph's availabilityView counts it.
            FreeBusyStatus::Free | FreeBusyStatus::WorkingElsewhere | FreeBusyStatus::Unknown => {
                None
            }
        }
    }
}

/// One calendar item that blocks time.
#[derive(Debug, Clone, Copy)]
struct Block {
    start: Timestamp,
    end: Timestamp,
    state: State,
}

pub(crate) struct Timeline {
    blocks: Vec<Block>,
    /// Working periods, sorted; `None` when the working hours are unknown (then every hour is a
    /// working hour).
    working: Option<Vec<(Timestamp, Timestamp)>>,
    /// Every instant at which the state may change, sorted and without duplicates.
    edges: Vec<Timestamp>,
}

impl Timeline {
    /// The timeline from a little before `from` up to `horizon`.
    pub fn new(schedule: &Schedule, from: Timestamp, horizon: Timestamp) -> Self {
        let blocks: Vec<Block> = schedule
            .items
            .iter()
            // Only what overlaps the walk matters.
            .filter(|item| item.start < item.end && item.end > from && item.start <= horizon)
            .filter_map(|item| {
                State::of_item(item.status).map(|state| Block {
                    start: item.start,
                    end: item.end,
                    state,
                })
            })
            .collect();
        let working = schedule
            .work_week
            .as_ref()
            .map(|week| working_periods(week, from, horizon));
        let mut edges: Vec<Timestamp> = blocks
            .iter()
            .flat_map(|b| [b.start, b.end])
            .chain(working.iter().flatten().flat_map(|&(s, e)| [s, e]))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        Self {
            blocks,
            working,
            edges,
        }
    }

    pub fn state_at(&self, at: Timestamp) -> State {
        let blocking = self
            .blocks
            .iter()
            .filter(|b| b.start <= at && at < b.end)
            .map(|b| b.state)
            .min_by_key(|state| *state as u8);
        match blocking {
            Some(state) => state,
            None if !self.working_at(at) => State::OffWork,
            None => State::Free,
        }
    }

    fn working_at(&self, at: Timestamp) -> bool {
        match &self.working {
            None => true,
            Some(periods) => periods.iter().any(|&(s, e)| s <= at && at < e),
        }
    }

    /// The first edge in `(after, limit]` at which `wanted` holds for the state from there on.
    pub fn first_edge_where(
        &self,
        after: Timestamp,
        limit: Timestamp,
        wanted: impl Fn(State) -> bool,
    ) -> Option<Timestamp> {
        self.edges
            .iter()
            .copied()
            .skip_while(|&edge| edge <= after)
            .take_while(|&edge| edge <= limit)
            .find(|&edge| wanted(self.state_at(edge)))
    }

    /// The latest end among the items of `state` that are running at `at`.
    pub fn running_until(&self, at: Timestamp, state: State) -> Option<Timestamp> {
        self.blocks
            .iter()
            .filter(|b| b.state == state && b.start <= at && at < b.end)
            .map(|b| b.end)
            .max()
    }

    /// `at` itself when it is a working hour (or the hours are unknown), else the start of the
    /// next working period up to `limit`.
    pub fn next_working_start(&self, at: Timestamp, limit: Timestamp) -> Option<Timestamp> {
        if self.working_at(at) {
            return Some(at);
        }
        self.working
            .iter()
            .flatten()
            .map(|&(start, _)| start)
            .find(|&start| start > at && start <= limit)
    }
}

/// The working periods that touch `[from, horizon]`, in the colleague's own time zone (so a
/// daylight-saving change moves them as it moves the colleague's clock).
fn working_periods(
    week: &WorkWeek,
    from: Timestamp,
    horizon: Timestamp,
) -> Vec<(Timestamp, Timestamp)> {
    let zone = &week.zone;
    // A night shift that started yesterday may still be running.
    let first = zone
        .to_datetime(
            from.checked_sub(SignedDuration::from_hours(48))
                .unwrap_or(Timestamp::MIN),
        )
        .date();
    let last = zone
        .to_datetime(
            horizon
                .checked_add(SignedDuration::from_hours(24))
                .unwrap_or(Timestamp::MAX),
        )
        .date();
    let mut periods = Vec::new();
    let mut day = first;
    while day <= last {
        if week.days.contains(&weekday(day)) {
            if let Some(period) = period_on(week, day) {
                periods.push(period);
            }
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    periods.sort_unstable();
    periods
}

fn period_on(week: &WorkWeek, day: Date) -> Option<(Timestamp, Timestamp)> {
    let zone = &week.zone;
    let start = zone.to_timestamp(day.to_datetime(week.start)).ok()?;
    // An end at or before the start is a shift that ends the next morning (equal: 24 hours).
    let end_day = if week.end > week.start {
        day
    } else {
        day.tomorrow().ok()?
    };
    let end = zone.to_timestamp(end_day.to_datetime(week.end)).ok()?;
    (start < end).then_some((start, end))
}

/// The crate's weekday for a civil date.
pub(crate) fn weekday(day: Date) -> Weekday {
    match day.weekday() {
        CivilWeekday::Monday => Weekday::Mon,
        CivilWeekday::Tuesday => Weekday::Tue,
        CivilWeekday::Wednesday => Weekday::Wed,
        CivilWeekday::Thursday => Weekday::Thu,
        CivilWeekday::Friday => Weekday::Fri,
        CivilWeekday::Saturday => Weekday::Sat,
        CivilWeekday::Sunday => Weekday::Sun,
    }
}
