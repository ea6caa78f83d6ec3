use presence_core::jiff::civil::{date, time};

use super::*;

/// Graph's own example answer (`calendar-getschedule.md`), with subjects and locations.
const DOC_EXAMPLE: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
    "value": [
        {
            "scheduleId": "adelev@contoso.onmicrosoft.com",
            "availabilityView": "000220000",
            "scheduleItems": [
                {
                    "isPrivate": false,
                    "status": "busy",
                    "subject": "Let's go for lunch",
                    "location": "Harry's Bar",
                    "start": {"dateTime": "2019-03-15T12:00:00.0000000", "timeZone": "Pacific Standard Time"},
                    "end": {"dateTime": "2019-03-15T14:00:00.0000000", "timeZone": "Pacific Standard Time"}
                }
            ],
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": "Pacific Standard Time"}
            }
        },
        {
            "scheduleId": "meganb@contoso.onmicrosoft.com",
            "availabilityView": "200220010",
            "scheduleItems": [
                {
                    "status": "tentative",
                    "start": {"dateTime": "2019-03-15T12:00:00.0000000", "timeZone": "Pacific Standard Time"},
                    "end": {"dateTime": "2019-03-15T13:00:00.0000000", "timeZone": "Pacific Standard Time"}
                }
            ],
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {
                    "@odata.type": "#microsoft.graph.customTimeZone",
                    "bias": 480,
                    "name": "Customized Time Zone",
                    "standardOffset": {"time": "02:00:00.0000000", "dayOccurrence": 1, "dayOfWeek": "sunday", "month": 11, "year": 0},
                    "daylightOffset": {"daylightBias": -60, "time": "02:00:00.0000000", "dayOccurrence": 2, "dayOfWeek": "sunday", "month": 3, "year": 0}
                }
            }
        },
        {
            "scheduleId": "nobody@contoso.onmicrosoft.com",
            "error": {"message": "Unable to resolve e-mail address nobody@contoso.onmicrosoft.com to an Active Directory object.", "responseCode": "5009"}
        }
    ]
}"##;

fn pacific() -> TimeZone {
    TimeZone::get("America/Los_Angeles").unwrap()
}

fn doc_window() -> ScheduleWindow {
    let zone = pacific();
    ScheduleWindow {
        start: zone.to_timestamp(date(2019, 3, 15).at(9, 0, 0, 0)).unwrap(),
        end: zone
            .to_timestamp(date(2019, 3, 15).at(18, 0, 0, 0))
            .unwrap(),
    }
}

#[test]
fn parses_the_documented_answer_without_subjects_or_locations() {
    let answers = parse_schedules(DOC_EXAMPLE.as_bytes(), doc_window()).unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(
        answers[0].schedule_id.as_deref(),
        Some("adelev@contoso.onmicrosoft.com")
    );
    let adele = answers[0].result.as_ref().unwrap();
    let zone = pacific();
    assert_eq!(
        adele.items,
        vec![ScheduleItem {
            start: zone
                .to_timestamp(date(2019, 3, 15).at(12, 0, 0, 0))
                .unwrap(),
            end: zone
                .to_timestamp(date(2019, 3, 15).at(14, 0, 0, 0))
                .unwrap(),
            status: FreeBusyStatus::Busy,
        }]
    );
    let week = adele.work_week.as_ref().unwrap();
    assert_eq!(week.days.len(), 5);
    assert_eq!(
        (week.start, week.end),
        (time(8, 0, 0, 0), time(17, 0, 0, 0))
    );
    assert_eq!(week.zone, zone);

    // The custom zone has the same rules as Los Angeles.
    let megan = answers[1].result.as_ref().unwrap();
    let custom = &megan.work_week.as_ref().unwrap().zone;
    let summer = Timestamp::from_second(1_561_000_000).unwrap();
    let winter = Timestamp::from_second(1_576_000_000).unwrap();
    assert_eq!(custom.to_offset(summer), zone.to_offset(summer));
    assert_eq!(custom.to_offset(winter), zone.to_offset(winter));
    assert_eq!(megan.items[0].status, FreeBusyStatus::Tentative);

    assert_eq!(
        answers[2].result,
        Err(ScheduleUnavailable::Graph {
            response_code: "5009".into()
        })
    );

    // What was parsed holds no subject, location or error message.
    let everything = format!("{answers:?}");
    for secret in ["lunch", "Harry", "Unable to resolve", "Active Directory"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
}

#[test]
fn an_unreadable_time_makes_that_schedule_unreadable_only() {
    let body = r#"{"value":[
        {"scheduleId":"a@x.com","scheduleItems":[{"status":"busy",
            "start":{"dateTime":"yesterday","timeZone":"UTC"},
            "end":{"dateTime":"2019-03-15T14:00:00","timeZone":"UTC"}}]},
        {"scheduleId":"b@x.com","scheduleItems":[{"status":"busy",
            "start":{"dateTime":"2019-03-15T12:00:00","timeZone":"Mars Standard Time"},
            "end":{"dateTime":"2019-03-15T14:00:00","timeZone":"UTC"}}]},
        {"scheduleId":"c@x.com","scheduleItems":[{"status":"oof",
            "start":{"dateTime":"2019-03-15T12:00:00Z","timeZone":"UTC"},
            "end":{"dateTime":"2019-03-15T14:00:00","timeZone":"tzone://Microsoft/Utc"}}]}
    ]}"#;
    let answers = parse_schedules(body.as_bytes(), doc_window()).unwrap();
    assert_eq!(answers[0].result, Err(ScheduleUnavailable::Unreadable));
    assert_eq!(answers[1].result, Err(ScheduleUnavailable::Unreadable));
    let c = answers[2].result.as_ref().unwrap();
    assert_eq!(c.items[0].status, FreeBusyStatus::OutOfOffice);
    assert_eq!(c.items[0].start.as_second(), 1_552_651_200);
    assert!(c.work_week.is_none());
}

#[test]
fn the_availability_view_stands_in_for_missing_items() {
    let window = ScheduleWindow {
        start: Timestamp::from_second(0).unwrap(),
        end: Timestamp::from_second(2 * 3600 + 900).unwrap(),
    };
    let body = r#"{"value":[{"scheduleId":"a@x.com","availabilityView":"02x31"}]}"#;
    let answers = parse_schedules(body.as_bytes(), window).unwrap();
    let items = &answers[0].result.as_ref().unwrap().items;
    let statuses: Vec<_> = items
        .iter()
        .map(|i| (i.start.as_second(), i.end.as_second(), i.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (0, 1800, FreeBusyStatus::Free),
            (1800, 3600, FreeBusyStatus::Busy),
            (5400, 7200, FreeBusyStatus::OutOfOffice),
            (7200, 8100, FreeBusyStatus::Tentative),
        ]
    );
}

#[test]
fn zones_resolve_by_windows_or_iana_name_only() {
    assert_eq!(resolve_zone("UTC"), Some(TimeZone::UTC));
    assert_eq!(
        resolve_zone("W. Europe Standard Time"),
        Some(TimeZone::get("Europe/Berlin").unwrap())
    );
    assert_eq!(
        resolve_zone("Europe/Vienna"),
        Some(TimeZone::get("Europe/Vienna").unwrap())
    );
    for bad in [
        "",
        "Mars Standard Time",
        "../../etc/passwd",
        "Europe/Berlin\0",
    ] {
        assert_eq!(resolve_zone(bad), None, "{bad:?}");
    }
}

#[test]
fn the_window_is_today_and_tomorrow_on_the_viewers_calendar() {
    let berlin = TimeZone::get("Europe/Berlin").unwrap();
    // Saturday 26 October 2024, 22:00 in Berlin; the clocks go back in the night after.
    let now = berlin
        .to_timestamp(date(2024, 10, 26).at(22, 0, 0, 0))
        .unwrap();
    let window = ScheduleWindow::today_and_tomorrow(now, &berlin);
    assert_eq!(
        berlin.to_datetime(window.start),
        date(2024, 10, 26).at(0, 0, 0, 0)
    );
    assert_eq!(
        berlin.to_datetime(window.end),
        date(2024, 10, 28).at(0, 0, 0, 0)
    );
    assert_eq!(window.end.duration_since(window.start).as_hours(), 49);
    assert!(window.contains(now));
    assert!(window.check().is_ok());
    let too_long = ScheduleWindow {
        end: window.start.checked_add(MAX_SCHEDULE_PERIOD).unwrap(),
        ..window
    };
    assert!(too_long.check().is_err());
    assert!(ScheduleWindow {
        end: window.start,
        ..window
    }
    .check()
    .is_err());
}

#[test]
fn addresses_are_checked_before_sending() {
    assert!(is_address("anna.mueller@contoso.com"));
    for bad in [
        "",
        "anna",
        "@contoso.com",
        "anna@",
        "a@b@c",
        "anna mueller@contoso.com",
    ] {
        assert!(!is_address(bad), "{bad:?}");
    }
}

#[test]
fn request_times_are_utc_without_offset() {
    let at = Timestamp::from_second(1_733_439_600).unwrap();
    assert_eq!(
        date_time_time_zone(at),
        json!({"dateTime": "2024-12-05T23:00:00", "timeZone": "UTC"})
    );
}

#[test]
fn a_flood_of_items_is_unreadable_not_slow() {
    let item = r#"{"status":"busy","start":{"dateTime":"2019-03-15T12:00:00","timeZone":"UTC"},"end":{"dateTime":"2019-03-15T13:00:00","timeZone":"UTC"}}"#;
    let many = vec![item; MAX_ITEMS_PER_SCHEDULE + 1].join(",");
    let body = format!(r#"{{"value":[{{"scheduleId":"a@x.com","scheduleItems":[{many}]}}]}}"#);
    let answers = parse_schedules(body.as_bytes(), doc_window()).unwrap();
    assert_eq!(answers[0].result, Err(ScheduleUnavailable::Unreadable));
}
