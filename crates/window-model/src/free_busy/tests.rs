use bridge::{FreeBusyReading, ScheduleUnavailable};
use presence_core::free_busy::{DayRef, FreeBusyLine, FreeEnds, FreeUntil, LocalMoment};
use presence_core::jiff::Timestamp;
use presence_core::Weekday;

use super::*;

fn at(hour: u8, minute: u8, day: DayRef) -> LocalMoment {
    LocalMoment {
        at: Timestamp::from_second(1_733_396_400).unwrap(),
        hour,
        minute,
        day,
    }
}

const TODAY: DayRef = DayRef::Today;
const TOMORROW: DayRef = DayRef::Tomorrow;
/// Monday 9 December 2024.
const MON_9_DEC: DayRef = DayRef::Later {
    weekday: Weekday::Mon,
    day: 9,
    month: 12,
    year: 2024,
};

fn line(line: FreeBusyLine) -> FreeBusy {
    FreeBusy::from(&FreeBusyReading::Line(line))
}

/// Card text and short form in English and German.
fn texts(free_busy: &FreeBusy) -> [Option<String>; 4] {
    [
        card_text(Lang::En, free_busy),
        short_text(Lang::En, free_busy),
        card_text(Lang::De, free_busy),
        short_text(Lang::De, free_busy),
    ]
}

fn some(texts: [&str; 4]) -> [Option<String>; 4] {
    texts.map(|t| Some(t.to_owned()))
}

#[test]
fn every_line_kind_in_english_and_german() {
    let cases: Vec<(FreeBusy, [Option<String>; 4])> = vec![
        (
            line(FreeBusyLine::InMeeting {
                tentative: false,
                until: at(14, 30, TODAY),
                free_from: Some(at(15, 0, TODAY)),
            }),
            some([
                "In a meeting until 14:30 · free from 15:00",
                "in a meeting until 14:30",
                "In einer Besprechung bis 14:30 · frei ab 15:00",
                "in Besprechung bis 14:30",
            ]),
        ),
        (
            line(FreeBusyLine::InMeeting {
                tentative: true,
                until: at(9, 5, TODAY),
                free_from: None,
            }),
            some([
                "Tentatively in a meeting until 09:05",
                "tentative until 09:05",
                "Mit Vorbehalt in einer Besprechung bis 09:05",
                "mit Vorbehalt bis 09:05",
            ]),
        ),
        (
            line(FreeBusyLine::InMeeting {
                tentative: false,
                until: at(17, 0, TODAY),
                free_from: Some(at(8, 0, TOMORROW)),
            }),
            some([
                "In a meeting until 17:00 · free from tomorrow 08:00",
                "in a meeting until 17:00",
                "In einer Besprechung bis 17:00 · frei ab morgen 08:00",
                "in Besprechung bis 17:00",
            ]),
        ),
        (
            line(FreeBusyLine::OutOfOffice {
                until: Some(at(8, 0, MON_9_DEC)),
            }),
            some([
                "Out of office until Mon 9 Dec",
                "out until Mon 9 Dec",
                "Abwesend bis Mo., 9. Dez.",
                "abwesend bis Mo., 9. Dez.",
            ]),
        ),
        (
            line(FreeBusyLine::OutOfOffice {
                until: Some(at(8, 0, TOMORROW)),
            }),
            some([
                "Out of office until tomorrow",
                "out until tomorrow",
                "Abwesend bis morgen",
                "abwesend bis morgen",
            ]),
        ),
        (
            line(FreeBusyLine::OutOfOffice {
                until: Some(at(13, 0, TODAY)),
            }),
            some([
                "Out of office until 13:00",
                "out until 13:00",
                "Abwesend bis 13:00",
                "abwesend bis 13:00",
            ]),
        ),
        (
            line(FreeBusyLine::OutOfOffice { until: None }),
            some(["Out of office", "out of office", "Abwesend", "abwesend"]),
        ),
        (
            line(FreeBusyLine::OutsideWorkingHours {
                back: Some(at(8, 0, TODAY)),
            }),
            some([
                "Outside working hours, back 08:00",
                "back 08:00",
                "Außerhalb der Arbeitszeit, ab 08:00 wieder da",
                "ab 08:00 wieder da",
            ]),
        ),
        (
            line(FreeBusyLine::OutsideWorkingHours {
                back: Some(at(7, 30, MON_9_DEC)),
            }),
            some([
                "Outside working hours, back Mon 9 Dec, 07:30",
                "back Mon 9 Dec, 07:30",
                "Außerhalb der Arbeitszeit, ab Mo., 9. Dez., 07:30 wieder da",
                "ab Mo., 9. Dez., 07:30 wieder da",
            ]),
        ),
        (
            line(FreeBusyLine::OutsideWorkingHours { back: None }),
            some([
                "Outside working hours",
                "off work",
                "Außerhalb der Arbeitszeit",
                "Feierabend",
            ]),
        ),
        (
            line(FreeBusyLine::Free {
                until: Some(FreeUntil {
                    at: at(16, 0, TODAY),
                    then: FreeEnds::Meeting { tentative: false },
                }),
            }),
            some([
                "Free until 16:00",
                "free until 16:00",
                "Frei bis 16:00",
                "frei bis 16:00",
            ]),
        ),
        (
            line(FreeBusyLine::Free {
                until: Some(FreeUntil {
                    at: at(10, 0, TOMORROW),
                    then: FreeEnds::OutOfOffice,
                }),
            }),
            some([
                "Free until tomorrow 10:00",
                "free until tomorrow 10:00",
                "Frei bis morgen 10:00",
                "frei bis morgen 10:00",
            ]),
        ),
        (
            line(FreeBusyLine::Free { until: None }),
            some(["Free", "free", "Frei", "frei"]),
        ),
    ];
    for (free_busy, expected) in cases {
        assert_eq!(texts(&free_busy), expected, "{free_busy:?}");
    }
}

#[test]
fn the_card_says_why_there_is_no_line_and_the_short_forms_stay_empty() {
    for (reading, english, german) in [
        (
            FreeBusyReading::NotGranted,
            "Calendars.ReadBasic) was not granted",
            "Calendars.ReadBasic) wurde bei der Anmeldung nicht erteilt",
        ),
        (
            FreeBusyReading::Refused,
            "organisation does not share calendars",
            "Organisation gibt Kalender für diese App nicht frei",
        ),
        (
            FreeBusyReading::Unavailable(ScheduleUnavailable::Graph {
                response_code: "5009".into(),
            }),
            "this calendar cannot be read",
            "Dieser Kalender kann nicht gelesen werden",
        ),
    ] {
        let free_busy = FreeBusy::from(&reading);
        let [card_en, short_en, card_de, short_de] = texts(&free_busy);
        assert!(card_en.unwrap().contains(english), "{reading:?}");
        assert!(card_de.unwrap().contains(german), "{reading:?}");
        assert_eq!((short_en, short_de), (None, None), "{reading:?}");
    }
    assert_eq!(texts(&FreeBusy::Unknown), [None, None, None, None]);
    assert_eq!(short_of(Lang::En, None), None);
}

#[test]
fn the_wire_shape_is_tagged_and_carries_the_viewer_s_clock() {
    let free_busy = line(FreeBusyLine::InMeeting {
        tentative: false,
        until: at(14, 30, TODAY),
        free_from: Some(at(8, 0, MON_9_DEC)),
    });
    let json = serde_json::to_value(&free_busy).unwrap();
    assert_eq!(json["kind"], "in_meeting");
    assert_eq!(json["tentative"], false);
    assert_eq!(json["until"]["hour"], 14);
    assert_eq!(json["until"]["minute"], 30);
    assert_eq!(json["until"]["day"], "today");
    assert_eq!(json["until"]["date"], serde_json::Value::Null);
    assert_eq!(json["until"]["at"], 1_733_396_400_000u64);
    assert_eq!(json["free_from"]["day"], "later");
    assert_eq!(
        json["free_from"]["date"],
        serde_json::json!({"weekday": "mon", "day": 9, "month": 12, "year": 2024})
    );
    let free = serde_json::to_value(line(FreeBusyLine::Free {
        until: Some(FreeUntil {
            at: at(16, 0, TODAY),
            then: FreeEnds::WorkingHours,
        }),
    }))
    .unwrap();
    assert_eq!(free["kind"], "free");
    assert_eq!(free["then"], "working_hours");
    let unavailable = serde_json::to_value(FreeBusy::from(&FreeBusyReading::Unavailable(
        ScheduleUnavailable::Graph {
            response_code: "5009".into(),
        },
    )))
    .unwrap();
    assert_eq!(
        unavailable,
        serde_json::json!({"kind": "unavailable", "reason": "graph", "code": "5009"})
    );
    assert_eq!(
        serde_json::to_value(FreeBusy::NotGranted).unwrap(),
        serde_json::json!({"kind": "not_granted"})
    );
}

fn free_until_four() -> FreeBusyReading {
    FreeBusyReading::Line(FreeBusyLine::Free {
        until: Some(FreeUntil {
            at: at(16, 0, TODAY),
            then: FreeEnds::Meeting { tentative: false },
        }),
    })
}

fn favourite_anna(free_busy: Option<FreeBusyReading>) -> bridge::BridgeSnapshot {
    let mut person = presence_core::Person::new("id-anna", "Anna Berg");
    person.mail = Some("anna.berg@example.de".into());
    bridge::BridgeSnapshot {
        sync: bridge::SyncView {
            state: bridge::SyncStateView::Running,
            ..bridge::SyncView::default()
        },
        colleagues: vec![bridge::ColleagueView {
            person,
            teams: None,
            row: Some(presence_core::StatusRow::Available),
            updated_at_ms: Some(1_000),
            stale: false,
            phone: None,
            status: presence_core::person_status::PersonStatus {
                activity: presence_core::person_status::PersonActivity::Teams(
                    presence_core::StatusRow::Available,
                ),
                dot: presence_core::StatusRow::Available.dot(),
                phone_dnd: false,
                calls_forwarded: false,
                free: true,
            },
            starface_chat: None,
            alert: None,
            favourite: true,
            free_busy,
        }],
        ..bridge::BridgeSnapshot::default()
    }
}

#[test]
fn a_favourite_in_the_tray_carries_the_short_form() {
    use crate::tray::{MenuModel, MenuOptions, SectionRow};
    let item = |reading, lang| {
        let options = MenuOptions {
            lang,
            favourites_only: false,
        };
        MenuModel::of(&favourite_anna(reading), options)
            .colleagues
            .into_iter()
            .find_map(|row| match row {
                SectionRow::Colleague(c) => Some(c.text),
                SectionRow::Note(_) => None,
            })
            .unwrap()
    };
    assert_eq!(
        item(Some(free_until_four()), Lang::En),
        "Anna Berg – Available · free until 16:00"
    );
    assert_eq!(
        item(Some(free_until_four()), Lang::De),
        "Anna Berg – Verfügbar · frei bis 16:00"
    );
    // Nothing to add when there is no line.
    for reading in [None, Some(FreeBusyReading::NotGranted)] {
        assert_eq!(item(reading, Lang::En), "Anna Berg – Available");
    }
}

#[test]
fn the_window_gets_the_free_busy_with_the_colleague_and_its_changes() {
    use crate::colleague::{presence_changes, Colleague};
    let before = favourite_anna(Some(FreeBusyReading::Unknown));
    let colleague = Colleague::watched(&before.colleagues[0], 0);
    assert_eq!(colleague.free_busy, Some(FreeBusy::Unknown));
    assert!(presence_changes(&before, &before.clone(), 0).is_empty());

    let mut after = before.clone();
    after.colleagues[0].free_busy = Some(free_until_four());
    let event = serde_json::to_value(presence_changes(&before, &after, 0)).unwrap();
    assert_eq!(event["presence"], serde_json::json!([]), "{event}");
    assert_eq!(event["free_busy"][0]["id"], "id-anna");
    assert_eq!(event["free_busy"][0]["free_busy"]["kind"], "free");
    assert_eq!(event["free_busy"][0]["free_busy"]["until"]["hour"], 16);

    // Off screen: the window is told it is gone.
    let mut gone = after.clone();
    gone.colleagues[0].free_busy = None;
    let event = serde_json::to_value(presence_changes(&after, &gone, 0)).unwrap();
    assert_eq!(
        event["free_busy"],
        serde_json::json!([{"id": "id-anna", "free_busy": null}])
    );
}
