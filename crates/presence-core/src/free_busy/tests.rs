use jiff::civil::{date, time, Date};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::*;

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("tzdata is installed (scripts/install-deps.sh)")
}

fn at(zone: &TimeZone, day: Date, hour: i8, minute: i8) -> Timestamp {
    zone.to_timestamp(day.at(hour, minute, 0, 0)).unwrap()
}

fn item(start: Timestamp, end: Timestamp, status: FreeBusyStatus) -> ScheduleItem {
    ScheduleItem { start, end, status }
}

fn office_week(zone: TimeZone) -> WorkWeek {
    WorkWeek {
        days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        start: time(8, 0, 0, 0),
        end: time(17, 0, 0, 0),
        zone,
    }
}

/// Today and tomorrow around `day` in `zone`, read as the bridge would read them.
fn two_days(zone: &TimeZone, day: Date, items: Vec<ScheduleItem>) -> Schedule {
    Schedule {
        known_from: at(zone, day, 0, 0),
        known_until: at(zone, day.tomorrow().unwrap().tomorrow().unwrap(), 0, 0),
        items,
        work_week: Some(office_week(zone.clone())),
    }
}

fn hm(moment: &LocalMoment) -> (u8, u8) {
    (moment.hour, moment.minute)
}

#[test]
fn in_a_meeting_until_then_free_from() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let schedule = two_days(
        &z,
        thu,
        vec![
            item(
                at(&z, thu, 13, 0),
                at(&z, thu, 14, 30),
                FreeBusyStatus::Busy,
            ),
            item(
                at(&z, thu, 14, 30),
                at(&z, thu, 15, 0),
                FreeBusyStatus::Tentative,
            ),
            item(at(&z, thu, 16, 0), at(&z, thu, 17, 0), FreeBusyStatus::Busy),
        ],
    );
    let line = describe(&schedule, at(&z, thu, 13, 40), &z).unwrap();
    let FreeBusyLine::InMeeting {
        tentative: false,
        until,
        free_from: Some(free),
    } = line
    else {
        panic!("{line:?}")
    };
    assert_eq!((hm(&until), until.day), ((14, 30), DayRef::Today));
    assert_eq!(hm(&free), (15, 0));

    // Between the meetings: free until the next one.
    let line = describe(&schedule, at(&z, thu, 15, 10), &z).unwrap();
    let FreeBusyLine::Free {
        until: Some(FreeUntil { at: ends, then }),
    } = line
    else {
        panic!("{line:?}")
    };
    assert_eq!(hm(&ends), (16, 0));
    assert_eq!(then, FreeEnds::Meeting { tentative: false });

    // Last meeting of the day runs to the end of the working hours: free tomorrow morning.
    let line = describe(&schedule, at(&z, thu, 16, 30), &z).unwrap();
    let FreeBusyLine::InMeeting {
        until,
        free_from: Some(free),
        ..
    } = line
    else {
        panic!("{line:?}")
    };
    assert_eq!(hm(&until), (17, 0));
    assert_eq!((hm(&free), free.day), ((8, 0), DayRef::Tomorrow));
}

#[test]
fn back_to_back_meetings_end_one_by_one_but_free_only_after_the_last() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let schedule = two_days(
        &z,
        thu,
        vec![
            item(at(&z, thu, 9, 0), at(&z, thu, 10, 0), FreeBusyStatus::Busy),
            item(at(&z, thu, 10, 0), at(&z, thu, 11, 0), FreeBusyStatus::Busy),
        ],
    );
    let Some(FreeBusyLine::InMeeting {
        until,
        free_from: Some(free),
        ..
    }) = describe(&schedule, at(&z, thu, 9, 15), &z)
    else {
        panic!()
    };
    assert_eq!((hm(&until), hm(&free)), ((10, 0), (11, 0)));
}

#[test]
fn busy_wins_over_tentative_and_out_of_office_over_both() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let overlapping = two_days(
        &z,
        thu,
        vec![
            item(
                at(&z, thu, 9, 0),
                at(&z, thu, 12, 0),
                FreeBusyStatus::Tentative,
            ),
            item(at(&z, thu, 10, 0), at(&z, thu, 11, 0), FreeBusyStatus::Busy),
        ],
    );
    let line = describe(&overlapping, at(&z, thu, 10, 30), &z).unwrap();
    assert!(
        matches!(line, FreeBusyLine::InMeeting { tentative: false, until, free_from: Some(free) }
            if hm(&until) == (11, 0) && hm(&free) == (12, 0)),
        "{line:?}"
    );
    let line = describe(&overlapping, at(&z, thu, 9, 30), &z).unwrap();
    assert!(
        matches!(line, FreeBusyLine::InMeeting { tentative: true, until, .. } if hm(&until) == (12, 0)),
        "{line:?}"
    );
}

#[test]
fn out_of_office_until_the_next_working_day() {
    let z = berlin();
    let wed = date(2024, 12, 4);
    let sat = date(2024, 12, 7);
    let schedule = two_days(
        &z,
        wed,
        vec![item(
            at(&z, wed, 0, 0),
            at(&z, sat, 0, 0),
            FreeBusyStatus::OutOfOffice,
        )],
    );
    let line = describe(&schedule, at(&z, wed, 10, 0), &z).unwrap();
    let FreeBusyLine::OutOfOffice { until: Some(back) } = line else {
        panic!("{line:?}")
    };
    assert_eq!(hm(&back), (8, 0));
    assert_eq!(
        back.day,
        DayRef::Later {
            weekday: Weekday::Mon,
            day: 9,
            month: 12,
            year: 2024
        }
    );
}

#[test]
fn outside_working_hours_back_at_the_start_across_a_dst_change() {
    let z = berlin();
    // Clocks go back in the night to Sunday 27 October 2024.
    let fri = date(2024, 10, 25);
    let mut schedule = two_days(&z, fri, Vec::new());
    schedule.known_until = at(&z, date(2024, 10, 29), 0, 0);
    let line = describe(&schedule, at(&z, fri, 19, 0), &z).unwrap();
    let FreeBusyLine::OutsideWorkingHours { back: Some(back) } = line else {
        panic!("{line:?}")
    };
    assert_eq!(
        hm(&back),
        (8, 0),
        "08:00 on the colleague's clock after the change"
    );
    assert_eq!(
        back.day,
        DayRef::Later {
            weekday: Weekday::Mon,
            day: 28,
            month: 10,
            year: 2024
        }
    );
    // A viewer in UTC sees the same instant as 07:00 (CET = UTC+1), not 06:00 (CEST).
    let utc = describe(&schedule, at(&z, fri, 19, 0), &TimeZone::UTC).unwrap();
    let FreeBusyLine::OutsideWorkingHours { back: Some(back) } = utc else {
        panic!()
    };
    assert_eq!(hm(&back), (7, 0));
}

#[test]
fn working_hours_in_another_zone_than_the_viewer() {
    let berlin = berlin();
    let new_york = TimeZone::get("America/New_York").unwrap();
    let thu = date(2024, 12, 5);
    let mut schedule = two_days(&berlin, thu, Vec::new());
    schedule.work_week = Some(office_week(new_york.clone()));
    // 10:00 in Berlin is 04:00 in New York: not yet at work, back 08:00 New York = 14:00 Berlin.
    let line = describe(&schedule, at(&berlin, thu, 10, 0), &berlin).unwrap();
    assert!(
        matches!(line, FreeBusyLine::OutsideWorkingHours { back: Some(back) }
            if hm(&back) == (14, 0) && back.day == DayRef::Today),
        "{line:?}"
    );
    // 16:00 in Berlin is 10:00 there: free until 17:00 New York = 23:00 Berlin.
    let line = describe(&schedule, at(&berlin, thu, 16, 0), &berlin).unwrap();
    assert!(
        matches!(line, FreeBusyLine::Free { until: Some(FreeUntil { at: ends, then: FreeEnds::WorkingHours }) }
            if hm(&ends) == (23, 0)),
        "{line:?}"
    );
}

#[test]
fn a_meeting_outside_working_hours_is_still_a_meeting() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let schedule = two_days(
        &z,
        thu,
        vec![item(
            at(&z, thu, 18, 0),
            at(&z, thu, 19, 0),
            FreeBusyStatus::Busy,
        )],
    );
    let line = describe(&schedule, at(&z, thu, 18, 30), &z).unwrap();
    assert!(
        matches!(line, FreeBusyLine::InMeeting { until, free_from: Some(free), .. }
            if hm(&until) == (19, 0) && hm(&free) == (8, 0) && free.day == DayRef::Tomorrow),
        "{line:?}"
    );
}

#[test]
fn nothing_is_said_outside_the_period_that_was_read() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let schedule = two_days(&z, thu, Vec::new());
    assert!(describe(&schedule, at(&z, date(2024, 12, 4), 23, 59), &z).is_none());
    assert!(describe(&schedule, schedule.known_until, &z).is_none());
    assert!(describe(&schedule, at(&z, thu, 10, 0), &z).is_some());
}

#[test]
fn unknown_working_hours_mean_always_working() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let mut schedule = two_days(&z, thu, Vec::new());
    schedule.work_week = None;
    assert_eq!(
        describe(&schedule, at(&z, thu, 3, 0), &z),
        Some(FreeBusyLine::Free { until: None })
    );
}

#[test]
fn night_shift_ends_the_next_morning() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let mut schedule = two_days(&z, thu, Vec::new());
    schedule.work_week = Some(WorkWeek {
        start: time(22, 0, 0, 0),
        end: time(6, 0, 0, 0),
        ..office_week(z.clone())
    });
    // Wednesday's shift is still running at 05:00 on Thursday.
    let line = describe(&schedule, at(&z, thu, 5, 0), &z).unwrap();
    assert!(
        matches!(line, FreeBusyLine::Free { until: Some(FreeUntil { at: ends, then: FreeEnds::WorkingHours }) }
            if hm(&ends) == (6, 0)),
        "{line:?}"
    );
    let line = describe(&schedule, at(&z, thu, 12, 0), &z).unwrap();
    assert!(
        matches!(line, FreeBusyLine::OutsideWorkingHours { back: Some(back) } if hm(&back) == (22, 0)),
        "{line:?}"
    );
}

#[test]
fn statuses_from_graph() {
    assert_eq!(FreeBusyStatus::from_graph("Busy"), FreeBusyStatus::Busy);
    assert_eq!(
        FreeBusyStatus::from_graph("oof"),
        FreeBusyStatus::OutOfOffice
    );
    assert_eq!(
        FreeBusyStatus::from_graph("WORKINGELSEWHERE"),
        FreeBusyStatus::WorkingElsewhere
    );
    assert_eq!(
        FreeBusyStatus::from_graph("somethingNew"),
        FreeBusyStatus::Unknown
    );
    assert_eq!(
        FreeBusyStatus::from_availability_digit('3'),
        Some(FreeBusyStatus::OutOfOffice)
    );
    assert_eq!(FreeBusyStatus::from_availability_digit('9'), None);
}

#[test]
fn an_absence_without_end_is_out_of_office_without_a_date() {
    let z = berlin();
    let thu = date(2024, 12, 5);
    let schedule = two_days(
        &z,
        thu,
        vec![item(
            at(&z, thu, 0, 0),
            Timestamp::MAX,
            FreeBusyStatus::OutOfOffice,
        )],
    );
    assert_eq!(
        describe(&schedule, at(&z, thu, 10, 0), &z),
        Some(FreeBusyLine::OutOfOffice { until: None })
    );
}
