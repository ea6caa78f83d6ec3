//! Colleagues' free/busy through the running bridge against the office on loopback: whose
//! calendars are read (the open card, favourites, alert targets), in batches of Graph's
//! documented 20, on the free/busy worker's slow clock; a sign-in without the calendar
//! permission, an organisation that refuses it, and throttling with `Retry-After`.

mod support;

use std::time::{Duration, SystemTime};

use bridge::{
    BridgeClock, BridgeCommand, BridgeNotification, BridgeOptions, FreeBusyOptions,
    FreeBusyReading, FreeBusyTiming,
};
use graph_client::ScopeRequest;
use presence_core::free_busy::{DayRef, FreeBusyLine, FreeEnds};
use presence_core::jiff::tz::TimeZone;
use presence_core::watch_list::AlertMode;
use simulators::graph::{Fault, FaultKind, SimEvent, SimFreeBusy, SimWorkingHours, SimZone};
use simulators::office::{Office, Person};
use support::Harness;

const GET_SCHEDULE: &str = "/v1.0/me/calendar/getSchedule";
const MINUTE: Duration = Duration::from_secs(60);

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("tz database")
}

/// Looks every 20 ms (real time); the slow clock runs on the manual clock's wall time.
fn free_busy() -> FreeBusyOptions {
    FreeBusyOptions {
        timing: FreeBusyTiming::default(),
        check_every: Duration::from_millis(20),
        settle: Duration::from_millis(10),
        zone: berlin(),
    }
}

async fn office(colleagues: usize) -> Office {
    Office::builder()
        .colleagues(colleagues)
        .start()
        .await
        .expect("the office opens")
}

fn id(person: &Person) -> String {
    person.id().to_string()
}

/// A working day around the clock, so only the meetings decide the line.
fn always_working() -> SimWorkingHours {
    SimWorkingHours {
        days: [true; 7],
        start: (0, 0),
        end: (0, 0),
        zone: SimZone::Windows("W. Europe Standard Time"),
    }
}

fn meeting(from: SystemTime, to: SystemTime, status: SimFreeBusy) -> SimEvent {
    SimEvent {
        start: from,
        end: to,
        status,
        subject: "Quarterly planning".into(),
        location: "Room Rhein 2.14".into(),
        private: false,
    }
}

/// Gives `person` exactly these meetings and a working day around the clock.
fn set_calendar(h: &Harness, person: &Person, events: Vec<SimEvent>) {
    let calendars = h.graph().calendars();
    calendars.set_working_hours(person.id(), always_working());
    calendars.set_events(person.id(), events);
}

/// The `schedules` of every `getSchedule` request so far, in order.
fn schedule_requests(h: &Harness) -> Vec<Vec<String>> {
    h.graph()
        .log()
        .matching("POST", GET_SCHEDULE)
        .iter()
        .map(|request| {
            let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON body");
            body["schedules"]
                .as_array()
                .expect("schedules")
                .iter()
                .map(|s| s.as_str().expect("address").to_owned())
                .collect()
        })
        .collect()
}

fn reading(h: &Harness, person: &Person) -> Option<FreeBusyReading> {
    let id = id(person);
    h.snapshot()
        .colleagues
        .into_iter()
        .find(|c| c.person.id == id)
        .and_then(|c| c.free_busy)
}

fn has_line(h: &Harness, person: &Person) -> bool {
    matches!(reading(h, person), Some(FreeBusyReading::Line(_)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendars_on_screen_are_read_in_batches_of_twenty_on_a_slow_clock() {
    let office = office(24).await;
    let people = office.colleagues().to_vec();
    let favourites: Vec<String> = people[..21].iter().map(|p| p.graph.mail.clone()).collect();
    let options = BridgeOptions {
        favourites: favourites.clone(),
        people_count: 30,
        free_busy: Some(free_busy()),
        ..BridgeOptions::default()
    };
    let h = Harness::start_in(office, None, options).await;
    h.wait("the favourites' lines", |h| {
        people[..21].iter().all(|p| has_line(h, p))
    })
    .await;
    // 21 favourites: one full batch and one of one, nobody else.
    let mut sizes: Vec<usize> = schedule_requests(&h).iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [1, 20]);
    let asked: Vec<String> = schedule_requests(&h).concat();
    for mail in &favourites {
        assert!(asked.contains(&mail.to_lowercase()), "{mail} not asked");
    }
    // Colleagues on screen nowhere have no free/busy (and nothing was read for them).
    assert_eq!(reading(&h, &people[21]), None);

    // The card: its colleague is read at once, alone, and shows the meeting on the viewer's clock.
    let wall = h.clock.wall();
    let card = &people[21];
    set_calendar(
        &h,
        card,
        vec![
            meeting(wall - 10 * MINUTE, wall + 50 * MINUTE, SimFreeBusy::Busy),
            meeting(
                wall + 50 * MINUTE,
                wall + 80 * MINUTE,
                SimFreeBusy::Tentative,
            ),
        ],
    );
    h.bridge()
        .send(BridgeCommand::CardShown(Some(id(card))))
        .unwrap();
    h.wait("the card's line", |h| has_line(h, card)).await;
    assert_eq!(
        schedule_requests(&h).last().unwrap(),
        &[card.graph.mail.to_lowercase()]
    );
    // The manual clock starts at 10:00 UTC, 11:00 in Berlin.
    let Some(FreeBusyReading::Line(FreeBusyLine::InMeeting {
        tentative: false,
        until,
        free_from: Some(free_from),
    })) = reading(&h, card)
    else {
        panic!("in a meeting: {:?}", reading(&h, card));
    };
    assert_eq!(
        (until.hour, until.minute, until.day),
        (11, 50, DayRef::Today)
    );
    assert_eq!((free_from.hour, free_from.minute), (12, 20));

    // Another card: the first one is off screen and forgotten.
    let other = &people[22];
    h.bridge()
        .send(BridgeCommand::CardShown(Some(id(other))))
        .unwrap();
    h.wait("the other card's line", |h| {
        has_line(h, other) && reading(h, card).is_none()
    })
    .await;
    let requests = schedule_requests(&h).len();
    assert_eq!(requests, 4);

    // Real time passes, the lines are worked out again and again: no request until the slow
    // clock (5 minutes ± 20 % on the bridge clock) is due.
    tokio::time::sleep(Duration::from_millis(600)).await;
    h.clock.advance(3 * MINUTE);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        schedule_requests(&h).len(),
        requests,
        "read before it was due"
    );
    h.wait_advancing(MINUTE, "the next round", |h| {
        schedule_requests(h).len() >= requests + 2
    })
    .await;
    // Everyone on screen again, in as few requests as allowed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let round: Vec<usize> = schedule_requests(&h)[requests..]
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(round.iter().sum::<usize>(), 22, "{round:?}");
    assert_eq!(round.len(), 2, "{round:?}");
    assert!(round.iter().all(|size| *size <= 20), "{round:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_without_the_calendar_permission_shows_why_and_presence_goes_on() {
    let office = office(3).await;
    let favourite = office.colleagues()[0].clone();
    let options = BridgeOptions {
        favourites: vec![favourite.graph.mail.clone()],
        free_busy: Some(free_busy()),
        ..BridgeOptions::default()
    };
    // Signed in before free/busy was switched on: the refresh asks for Calendars.ReadBasic,
    // Entra says it was never consented, and the sign-in goes on without it.
    let consented = ScopeRequest::default().with_reverse_sync();
    let h = Harness::start_in(office, Some(consented), options).await;
    h.wait("not granted", |h| {
        reading(h, &favourite) == Some(FreeBusyReading::NotGranted)
    })
    .await;
    h.wait("the favourite's presence", |h| {
        h.snapshot()
            .colleagues
            .iter()
            .any(|c| c.person.id == id(&favourite) && c.teams.is_some())
    })
    .await;
    h.wait_running().await;
    assert!(
        schedule_requests(&h).is_empty(),
        "no getSchedule without the permission"
    );
    assert!(
        h.snapshot().sync.warnings.is_empty(),
        "{:?}",
        h.snapshot().sync
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_that_refuses_free_busy_is_asked_again_an_hour_later() {
    let office = office(3).await;
    let favourite = office.colleagues()[0].clone();
    office.graph().control().calendars().refuse_access(true);
    let options = BridgeOptions {
        favourites: vec![favourite.graph.mail.clone()],
        free_busy: Some(free_busy()),
        ..BridgeOptions::default()
    };
    let h = Harness::start_in(office, None, options).await;
    h.wait("refused", |h| {
        reading(h, &favourite) == Some(FreeBusyReading::Refused)
    })
    .await;
    h.wait_running().await;
    assert!(
        h.snapshot().sync.warnings.is_empty(),
        "{:?}",
        h.snapshot().sync
    );
    let refused = schedule_requests(&h).len();
    assert_eq!(refused, 1);
    h.let_time_pass(30 * MINUTE).await;
    assert_eq!(schedule_requests(&h).len(), refused, "asked again too soon");
    h.graph().calendars().refuse_access(false);
    h.wait_advancing(5 * MINUTE, "the line after the refusal", |h| {
        has_line(h, &favourite)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_waits_for_retry_after_on_the_slow_clock() {
    let office = office(3).await;
    let favourite = office.colleagues()[0].clone();
    office.graph().control().inject_fault(Fault::new(
        "getSchedule",
        FaultKind::TooManyRequests {
            retry_after: Some("120".into()),
        },
        1,
    ));
    let options = BridgeOptions {
        favourites: vec![favourite.graph.mail.clone()],
        free_busy: Some(free_busy()),
        ..BridgeOptions::default()
    };
    let h = Harness::start_in(office, None, options).await;
    h.wait("the throttled request", |h| {
        h.graph()
            .log()
            .matching("POST", GET_SCHEDULE)
            .iter()
            .any(|r| r.status == 429)
    })
    .await;
    // Longer than one call may wait: no retry inside the call, none before Retry-After passed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.let_time_pass(100 * Duration::from_secs(1)).await;
    assert_eq!(schedule_requests(&h).len(), 1);
    assert_eq!(reading(&h, &favourite), Some(FreeBusyReading::Unknown));
    // Presence is not held up by it.
    h.wait_running().await;
    h.wait_advancing(MINUTE, "the line after the wait", |h| {
        has_line(h, &favourite)
    })
    .await;
    assert_eq!(schedule_requests(&h).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_when_available_says_how_long_the_colleague_is_free() {
    let office = office(3).await;
    let colleague = office.colleagues()[1].clone();
    let control = office.graph().control().clone();
    control.set_presence(colleague.id(), "Away", "Away");
    let options = BridgeOptions {
        people_count: 5,
        free_busy: Some(free_busy()),
        ..BridgeOptions::default()
    };
    let h = Harness::start_in(office, None, options).await;
    let wall = h.clock.wall();
    set_calendar(
        &h,
        &colleague,
        vec![meeting(
            wall + 2 * 60 * MINUTE,
            wall + 3 * 60 * MINUTE,
            SimFreeBusy::Busy,
        )],
    );
    h.wait("the colleague watched", |h| {
        h.snapshot()
            .colleagues
            .iter()
            .any(|c| c.person.id == id(&colleague) && c.teams.is_some())
    })
    .await;
    h.bridge()
        .send(BridgeCommand::NotifyWhenAvailable {
            id: id(&colleague),
            mode: AlertMode::Once,
        })
        .unwrap();
    // An alert target is on screen: their calendar is read.
    h.wait("the alert target's line", |h| has_line(h, &colleague))
        .await;
    control.set_presence(colleague.id(), "Available", "Available");
    h.wait("the notification", |h| {
        h.notifier
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|n| matches!(n, BridgeNotification::ColleagueAvailable { .. }))
    })
    .await;
    let notifications = h.notifier.0.lock().unwrap().clone();
    let free_busy = notifications.iter().find_map(|n| match n {
        BridgeNotification::ColleagueAvailable { free_busy, .. } => Some(*free_busy),
        _ => None,
    });
    let Some(Some(FreeBusyLine::Free {
        until: Some(until), ..
    })) = free_busy
    else {
        panic!("free until the meeting: {notifications:?}");
    };
    // Two hours after 11:00 in Berlin.
    assert_eq!((until.at.hour, until.at.minute), (13, 0));
    assert_eq!(until.then, FreeEnds::Meeting { tentative: false });
}
