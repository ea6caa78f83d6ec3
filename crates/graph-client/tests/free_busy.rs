//! Free/busy against the strict simulator: batching at Graph's limit, the permission missing or
//! refused, throttling with `Retry-After`, and the slow clock. The privacy check is in
//! `free_busy_privacy.rs`.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::Harness;
use graph_client::auth::FreeBusyAccess;
use graph_client::graph::{
    FreeBusyCache, FreeBusyReading, FreeBusyTiming, ScheduleUnavailable, ScheduleWindow,
    MAX_SCHEDULES_PER_REQUEST,
};
use graph_client::{Credentials, GraphClient, GraphError, ScopeRequest};
use presence_core::free_busy::{DayRef, FreeBusyLine};
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::Timestamp;
use simulators::graph::{Fault, FaultKind, GraphSimSetup, SimEvent, SimFreeBusy};

const SCHEDULE_PATH: &str = "/v1.0/me/calendar/getSchedule";
const TOKEN_PATH: &str = "/organizations/oauth2/v2.0/token";

fn free_busy() -> ScopeRequest {
    ScopeRequest::default().with_free_busy()
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap()
}

fn mails(h: &Harness, count: usize) -> Vec<String> {
    h.sim
        .control()
        .users()
        .iter()
        .skip(1)
        .take(count)
        .map(|u| u.mail.clone())
        .collect()
}

/// Tuesday 3 December 2024, 10:00 UTC: a working day followed by one (the simulator's calendars
/// do not depend on its clock, so free/busy tests choose their own `now`).
fn tuesday() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_733_220_000)
}

fn window_at(now: SystemTime) -> ScheduleWindow {
    ScheduleWindow::today_and_tomorrow(Timestamp::try_from(now).unwrap(), &berlin())
}

#[tokio::test]
async fn schedules_are_read_in_batches_of_twenty() {
    let h = Harness::start(GraphSimSetup {
        colleagues: 50,
        ..GraphSimSetup::default()
    })
    .await;
    let graph = h.graph(free_busy()).await;
    let mut addresses = mails(&h, 45);
    addresses.push(addresses[0].to_uppercase()); // the same person twice
    addresses.push("not an address".into());
    addresses.push("ghost@contoso.com".into());
    let fetch = graph
        .get_schedules(&addresses, window_at(tuesday()))
        .await
        .unwrap();
    assert_eq!(fetch.access, FreeBusyAccess::Granted);
    assert_eq!(fetch.requests, 3);
    let sent = h.sim.control().log().matching("POST", SCHEDULE_PATH);
    let sizes: Vec<usize> = sent
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["schedules"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(
        sizes,
        vec![MAX_SCHEDULES_PER_REQUEST, MAX_SCHEDULES_PER_REQUEST, 6]
    );
    assert!(sent
        .iter()
        .all(|r| r.header("prefer") == Some("outlook.timezone=\"UTC\"") && r.status == 200));
    for address in mails(&h, 45) {
        let schedule = fetch.schedules[&address].as_ref().unwrap();
        assert!(schedule.work_week.is_some(), "{address} has working hours");
    }
    assert_eq!(
        fetch.schedules["not an address"],
        Err(ScheduleUnavailable::NotAnAddress)
    );
    assert_eq!(
        fetch.schedules["ghost@contoso.com"],
        Err(ScheduleUnavailable::Graph {
            response_code: "5009".into()
        })
    );
    assert_eq!(fetch.schedules.len(), 47);
}

#[tokio::test]
async fn without_the_permission_nothing_is_asked_and_presence_keeps_working() {
    let h = Harness::start(GraphSimSetup::default()).await;
    // Signed in before free/busy existed: no calendar permission consented.
    let old_sign_in = h.sign_in(ScopeRequest::default()).await;
    let tokens_before = h.sim.control().log().matching("POST", TOKEN_PATH).len();
    // The app now asks for free/busy as well; Entra refuses the refresh for the new
    // permission, the client refreshes without it.
    let graph = GraphClient::new(Arc::new(Credentials::from_store(
        old_sign_in.config().clone(),
        free_busy(),
        h.store_dyn(),
        h.timing(),
    )));
    let presence = graph.poll_presence(&h.me(), &[]).await.unwrap();
    assert!(presence.own.is_some(), "presence works");
    let refreshes = h.sim.control().log().matching("POST", TOKEN_PATH);
    assert_eq!(refreshes.len() - tokens_before, 2);
    assert_eq!(refreshes[refreshes.len() - 2].status, 400);
    let fetch = graph
        .get_schedules(&mails(&h, 3), window_at(tuesday()))
        .await
        .unwrap();
    assert_eq!(fetch.access, FreeBusyAccess::NotGranted);
    assert!(fetch.schedules.is_empty());
    assert!(h
        .sim
        .control()
        .log()
        .matching("POST", SCHEDULE_PATH)
        .is_empty());

    // The next refresh goes straight to what was consented.
    h.clock.advance(Duration::from_secs(3600));
    graph.my_presence().await.unwrap();
    let refreshes = h.sim.control().log().matching("POST", TOKEN_PATH);
    assert_eq!(refreshes.len() - tokens_before, 3);
    assert_eq!(refreshes.last().unwrap().status, 200);

    let mut cache = FreeBusyCache::default();
    cache
        .refresh(&graph, &mails(&h, 3), tuesday(), &berlin())
        .await
        .unwrap();
    assert_eq!(
        cache.reading(&mails(&h, 1)[0], tuesday(), &berlin()),
        FreeBusyReading::NotGranted
    );
}

#[tokio::test]
async fn a_refusing_organisation_is_a_typed_outcome_and_asked_again_much_later() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(free_busy()).await;
    h.sim.control().calendars().refuse_access(true);
    let mut cache = FreeBusyCache::default();
    let wanted = mails(&h, 3);
    let now = tuesday();
    let report = cache
        .refresh(&graph, &wanted, now, &berlin())
        .await
        .unwrap();
    assert_eq!(report.access, Some(FreeBusyAccess::Refused));
    assert_eq!(report.requests, 1);
    assert_eq!(
        cache.reading(&wanted[0], now, &berlin()),
        FreeBusyReading::Refused
    );
    let later = now + Duration::from_secs(30 * 60);
    assert!(cache.due(&wanted, later, &berlin()).is_empty());
    assert!(cache.next_refresh().unwrap() >= now + FreeBusyTiming::default().after_refusal);
    // Presence is untouched.
    graph.my_presence().await.unwrap();
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after_or_handed_to_the_slow_clock() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(free_busy()).await;
    let wanted = mails(&h, 2);
    h.sim.control().inject_fault(Fault::new(
        "getSchedule",
        FaultKind::TooManyRequests {
            retry_after: Some("2.5".into()),
        },
        1,
    ));
    let fetch = graph
        .get_schedules(&wanted, window_at(tuesday()))
        .await
        .unwrap();
    assert_eq!(fetch.schedules.len(), 2);
    assert!(h.sleeper.waits().contains(&Duration::from_millis(2500)));
    let statuses: Vec<u16> = h
        .sim
        .control()
        .log()
        .matching("POST", SCHEDULE_PATH)
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 200]);

    // Longer than the client waits inside a call: the cache's slow clock waits instead.
    h.sim.control().inject_fault(Fault::new(
        "getSchedule",
        FaultKind::TooManyRequests {
            retry_after: Some("120".into()),
        },
        1,
    ));
    let mut cache = FreeBusyCache::default();
    let now = tuesday();
    let error = cache
        .refresh(&graph, &wanted, now, &berlin())
        .await
        .unwrap_err();
    assert!(
        matches!(error, GraphError::Throttled { status: 429, retry_after: Some(wait) } if wait == Duration::from_secs(120)),
        "{error:?}"
    );
    assert!(cache.next_refresh().unwrap() >= now + Duration::from_secs(120));
    assert!(cache
        .due(&wanted, now + Duration::from_secs(119), &berlin())
        .is_empty());
    let later = cache.next_refresh().unwrap();
    let report = cache
        .refresh(&graph, &wanted, later, &berlin())
        .await
        .unwrap();
    assert_eq!(report.requests, 1);
    assert!(matches!(
        cache.reading(&wanted[0], later, &berlin()),
        FreeBusyReading::Line(_)
    ));
}

#[tokio::test]
async fn the_cache_reads_new_people_at_once_and_everyone_on_its_slow_clock() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(free_busy()).await;
    let users = h.sim.control().users();
    let anna = &users[1];
    let zone = berlin();
    let now = tuesday();
    // Anna is in a meeting from 10 minutes ago until 20 minutes from now, then in another
    // one for half an hour.
    let meeting = |from: i64, to: i64, status| SimEvent {
        start: shift(now, from),
        end: shift(now, to),
        status,
        subject: "Quarterly numbers".into(),
        location: "Room Main".into(),
        private: false,
    };
    h.sim.control().calendars().set_events(
        anna.id,
        vec![
            meeting(-600, 1200, SimFreeBusy::Busy),
            meeting(1200, 3000, SimFreeBusy::Tentative),
        ],
    );
    let mut cache = FreeBusyCache::new(FreeBusyTiming::default());
    let report = cache
        .refresh(&graph, std::slice::from_ref(&anna.mail), now, &zone)
        .await
        .unwrap();
    assert_eq!((report.requests, report.asked), (1, 1));
    let FreeBusyReading::Line(FreeBusyLine::InMeeting {
        tentative: false,
        until,
        free_from: Some(free_from),
    }) = cache.reading(&anna.mail, now, &zone)
    else {
        panic!("{:?}", cache.reading(&anna.mail, now, &zone))
    };
    assert_eq!(SystemTime::from(until.at), shift(now, 1200));
    assert_eq!(SystemTime::from(free_from.at), shift(now, 3000));
    let local = zone.to_datetime(until.at);
    assert_eq!(
        (until.hour, until.minute),
        (local.hour() as u8, local.minute() as u8)
    );
    assert!(matches!(until.day, DayRef::Today | DayRef::Tomorrow));

    // A minute later: nothing due for Anna, a new colleague is read at once, alone.
    let ben = users[2].mail.clone();
    let soon = now + Duration::from_secs(60);
    let report = cache
        .refresh(&graph, &[anna.mail.clone(), ben.clone()], soon, &zone)
        .await
        .unwrap();
    assert_eq!((report.requests, report.asked), (1, 1));
    let last: serde_json::Value = serde_json::from_str(
        &h.sim
            .control()
            .log()
            .matching("POST", SCHEDULE_PATH)
            .last()
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(last["schedules"], serde_json::json!([ben]));

    // On the slow clock (5 min ± 20 %) both are read again, in one request.
    let round = cache.next_refresh().unwrap();
    assert!(round >= now + Duration::from_secs(240) && round <= now + Duration::from_secs(360));
    let report = cache
        .refresh(&graph, &[anna.mail.clone(), ben.clone()], round, &zone)
        .await
        .unwrap();
    assert_eq!((report.requests, report.asked), (1, 2));

    // Off screen: forgotten.
    cache
        .refresh(&graph, std::slice::from_ref(&ben), round, &zone)
        .await
        .unwrap();
    assert_eq!(
        cache.reading(&anna.mail, round, &zone),
        FreeBusyReading::Unknown
    );
}

fn shift(at: SystemTime, seconds: i64) -> SystemTime {
    if seconds >= 0 {
        at + Duration::from_secs(seconds as u64)
    } else {
        at - Duration::from_secs(seconds.unsigned_abs())
    }
}
