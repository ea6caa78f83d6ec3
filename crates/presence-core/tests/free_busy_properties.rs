//! Property tests of `free_busy::describe` against a slow, obvious model: the colleague's state is
//! evaluated bucket by bucket (items start and end on 5-minute marks, working hours on quarter
//! hours, so the state is constant inside each 5-minute bucket) and every claim of the line is
//! checked against it. Schedules straddle midnight and daylight-saving changes (Europe, North
//! America, Lord Howe's half hour), viewers and colleagues sit in different zones, items overlap
//! and mix busy, tentative and out-of-office.

use presence_core::free_busy::{
    describe, DayRef, FreeBusyLine, FreeBusyStatus, FreeEnds, LocalMoment, Schedule, ScheduleItem,
    WorkWeek,
};
use presence_core::jiff::civil::{time, Weekday as CivilWeekday};
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::Timestamp;
use presence_core::Weekday;
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
    "America/St_Johns",
    "Asia/Kathmandu",
];

/// Instants near daylight-saving changes (and one ordinary day), UTC seconds.
const ANCHORS: &[i64] = &[
    1_711_846_800, // 2024-03-31T01:00Z: Europe springs forward
    1_729_990_800, // 2024-10-27T01:00Z: Europe falls back
    1_710_054_000, // 2024-03-10T07:00Z: United States spring forward
    1_730_613_600, // 2024-11-03T06:00Z: United States fall back
    1_712_415_600, // 2024-04-06T15:00Z: Lord Howe goes back half an hour
    1_733_356_800, // 2024-12-05T00:00Z: nothing special
];

const BUCKET: i64 = 300;
const DAY: i64 = 86_400;
const LOOKAHEAD: i64 = 8 * DAY;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    OutOfOffice,
    Busy,
    Tentative,
    OffWork,
    Free,
}

#[derive(Debug, Clone)]
struct Case {
    schedule: Schedule,
    now: Timestamp,
    viewer: TimeZone,
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("tzdata is installed (scripts/install-deps.sh)")
}

fn ts(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap()
}

fn status() -> impl Strategy<Value = FreeBusyStatus> {
    prop_oneof![
        4 => Just(FreeBusyStatus::Busy),
        2 => Just(FreeBusyStatus::Tentative),
        1 => Just(FreeBusyStatus::OutOfOffice),
        1 => Just(FreeBusyStatus::Free),
        1 => Just(FreeBusyStatus::WorkingElsewhere),
        1 => Just(FreeBusyStatus::Unknown),
    ]
}

fn work_week() -> impl Strategy<Value = Option<WorkWeek>> {
    let days = prop::collection::vec(any::<bool>(), 7);
    prop::option::weighted(
        0.85,
        (
            days,
            24..=40i8, // 06:00 .. 10:00 in quarter hours
            60..=76i8, // 15:00 .. 19:00
            prop::sample::select(ZONES),
        )
            .prop_map(|(days, start, end, zone_name)| WorkWeek {
                days: Weekday::ALL
                    .iter()
                    .zip(days)
                    .filter(|(_, on)| *on)
                    .map(|(day, _)| *day)
                    .collect(),
                start: time(start / 4, (start % 4) * 15, 0, 0),
                end: time(end / 4, (end % 4) * 15, 0, 0),
                zone: zone(zone_name),
            }),
    )
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(ANCHORS),
        -12..12i64,
        prop::collection::vec(
            (
                0..(4 * DAY / BUCKET),
                prop_oneof![3 => 1..24i64, 1 => 1..(3 * DAY / BUCKET)],
                status(),
            ),
            0..10,
        ),
        work_week(),
        0..(2 * DAY),
        prop::sample::select(ZONES),
    )
        .prop_map(|(anchor, shift_hours, raw, work_week, into, viewer)| {
            let known_from = anchor - DAY + shift_hours * 3_600;
            let items = raw
                .into_iter()
                .map(|(start, length, status)| {
                    let start = known_from - DAY + start * BUCKET;
                    ScheduleItem {
                        start: ts(start),
                        end: ts(start + length * BUCKET),
                        status,
                    }
                })
                .collect();
            Case {
                schedule: Schedule {
                    known_from: ts(known_from),
                    known_until: ts(known_from + 2 * DAY),
                    items,
                    work_week,
                },
                now: ts(known_from + into),
                viewer: zone(viewer),
            }
        })
}

fn weekday(day: CivilWeekday) -> Weekday {
    Weekday::ALL[day.to_monday_zero_offset() as usize]
}

/// Working at `at`: by wall clock in the colleague's zone (no working edge lies near a
/// daylight-saving change in these cases, so wall-clock comparison is exact).
fn model_working(week: &Option<WorkWeek>, at: Timestamp) -> bool {
    let Some(week) = week else { return true };
    let local = week.zone.to_datetime(at);
    week.days.contains(&weekday(local.weekday()))
        && week.start <= local.time()
        && local.time() < week.end
}

fn model(case: &Case, at: Timestamp) -> Model {
    let rank = |status| match status {
        FreeBusyStatus::OutOfOffice => Some(Model::OutOfOffice),
        FreeBusyStatus::Busy => Some(Model::Busy),
        FreeBusyStatus::Tentative => Some(Model::Tentative),
        _ => None,
    };
    let blocking = case
        .schedule
        .items
        .iter()
        .filter(|item| item.start <= at && at < item.end)
        .filter_map(|item| rank(item.status))
        .min_by_key(|state| *state as u8);
    match blocking {
        Some(state) => state,
        None if !model_working(&case.schedule.work_week, at) => Model::OffWork,
        None => Model::Free,
    }
}

/// `now`, then every 5-minute mark after it up to and including `limit`.
fn marks(case: &Case, limit: Timestamp) -> impl Iterator<Item = Timestamp> + '_ {
    let origin = case.schedule.known_from.as_second();
    let now = case.now.as_second();
    let first = origin + (now - origin).div_euclid(BUCKET) * BUCKET + BUCKET;
    std::iter::once(case.now).chain(
        (0..)
            .map(move |k| ts(first + k * BUCKET))
            .take_while(move |at| *at <= limit),
    )
}

fn horizon(case: &Case) -> Timestamp {
    let latest = case
        .schedule
        .items
        .iter()
        .map(|item| item.end)
        .chain([case.schedule.known_until])
        .max()
        .unwrap();
    ts(latest.as_second() + LOOKAHEAD)
}

/// The first 5-minute mark after `now`, up to `limit`, where `wanted` holds.
fn first(case: &Case, limit: Timestamp, wanted: impl Fn(Timestamp) -> bool) -> Option<Timestamp> {
    marks(case, limit).skip(1).find(|at| wanted(*at))
}

fn check_moment(case: &Case, moment: &LocalMoment) -> Result<(), TestCaseError> {
    let local = case.viewer.to_datetime(moment.at);
    prop_assert_eq!(
        (moment.hour, moment.minute),
        (local.hour() as u8, local.minute() as u8)
    );
    let today = case.viewer.to_datetime(case.now).date();
    let days = (local.date() - today).get_days();
    let expected = match days {
        0 => DayRef::Today,
        1 => DayRef::Tomorrow,
        _ => DayRef::Later {
            weekday: weekday(local.date().weekday()),
            day: local.date().day() as u8,
            month: local.date().month() as u8,
            year: local.date().year(),
        },
    };
    prop_assert_eq!(moment.day, expected);
    Ok(())
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let line = describe(&case.schedule, case.now, &case.viewer).expect("now is inside");
    let horizon = horizon(case);
    let known_until = case.schedule.known_until;
    let state = model(case, case.now);
    match line {
        FreeBusyLine::Free { until } => {
            prop_assert_eq!(state, Model::Free);
            let change = first(case, known_until, |at| model(case, at) != Model::Free);
            prop_assert_eq!(until.map(|u| u.at.at), change);
            if let Some(until) = until {
                check_moment(case, &until.at)?;
                let then = match model(case, until.at.at) {
                    Model::OutOfOffice => FreeEnds::OutOfOffice,
                    Model::Busy => FreeEnds::Meeting { tentative: false },
                    Model::Tentative => FreeEnds::Meeting { tentative: true },
                    Model::OffWork | Model::Free => FreeEnds::WorkingHours,
                };
                prop_assert_eq!(until.then, then);
            }
        }
        FreeBusyLine::InMeeting {
            tentative,
            until,
            free_from,
        } => {
            let expected_state = if tentative {
                Model::Tentative
            } else {
                Model::Busy
            };
            prop_assert_eq!(state, expected_state);
            let status = if tentative {
                FreeBusyStatus::Tentative
            } else {
                FreeBusyStatus::Busy
            };
            let current_end = case
                .schedule
                .items
                .iter()
                .filter(|i| i.status == status && i.start <= case.now && case.now < i.end)
                .map(|i| i.end)
                .max();
            prop_assert_eq!(Some(until.at), current_end);
            check_moment(case, &until)?;
            let free = first(case, horizon, |at| model(case, at) == Model::Free);
            prop_assert_eq!(free_from.map(|f| f.at), free.filter(|f| *f > until.at));
            if let Some(free_from) = free_from {
                check_moment(case, &free_from)?;
            }
        }
        FreeBusyLine::OutOfOffice { until } => {
            prop_assert_eq!(state, Model::OutOfOffice);
            let ends = first(case, horizon, |at| model(case, at) != Model::OutOfOffice);
            let working = |at| model_working(&case.schedule.work_week, at);
            let back = ends.and_then(|ends| {
                if working(ends) {
                    Some(ends)
                } else {
                    first(case, horizon, |at| at > ends && working(at))
                }
            });
            prop_assert_eq!(until.map(|u| u.at), back);
            if let Some(until) = until {
                check_moment(case, &until)?;
            }
        }
        FreeBusyLine::OutsideWorkingHours { back } => {
            prop_assert_eq!(state, Model::OffWork);
            let start = first(case, horizon, |at| {
                model_working(&case.schedule.work_week, at)
            });
            prop_assert_eq!(back.map(|b| b.at), start);
            if let (Some(back), Some(week)) = (back, &case.schedule.work_week) {
                check_moment(case, &back)?;
                // Back at the start of the working day on the colleague's own clock, whatever
                // daylight-saving change happened in between.
                prop_assert_eq!(week.zone.to_datetime(back.at).time(), week.start);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_claim_holds_against_the_model(case in case()) {
        check(&case)?;
    }

    #[test]
    fn the_order_of_items_does_not_matter(case in case()) {
        let line = describe(&case.schedule, case.now, &case.viewer);
        let mut reversed = case.schedule.clone();
        reversed.items.reverse();
        prop_assert_eq!(describe(&reversed, case.now, &case.viewer), line);
    }

    #[test]
    fn splitting_an_item_at_a_mark_changes_nothing_but_the_meeting_end(
        case in case(),
        which in any::<prop::sample::Index>(),
        cut in 1..12i64,
    ) {
        prop_assume!(!case.schedule.items.is_empty());
        let index = which.index(case.schedule.items.len());
        let item = case.schedule.items[index];
        let middle = ts(item.start.as_second() + cut * BUCKET);
        prop_assume!(middle < item.end);
        let mut split = case.schedule.clone();
        split.items[index].end = middle;
        split.items.push(ScheduleItem { start: middle, ..item });
        let before = describe(&case.schedule, case.now, &case.viewer).unwrap();
        let after = describe(&split, case.now, &case.viewer).unwrap();
        match (before, after) {
            (
                FreeBusyLine::InMeeting { tentative: a, free_from: fa, .. },
                FreeBusyLine::InMeeting { tentative: b, free_from: fb, .. },
            ) => {
                prop_assert_eq!(a, b);
                // The first free moment is the same unless the old meeting end was it.
                if let (Some(fa), Some(fb)) = (fa, fb) {
                    prop_assert_eq!(fa.at, fb.at);
                }
            }
            (before, after) => prop_assert_eq!(before, after),
        }
    }
}
