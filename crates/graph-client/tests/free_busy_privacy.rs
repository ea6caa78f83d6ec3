//! No subject or location that the simulator serves (as a mailbox sharing details does) ends
//! up in our parsed values, the cache, the readings or the log output.
//!
//! Alone in its test binary: a thread-local log subscriber misses events when other tests on
//! other threads register the same call sites at the same time.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::Harness;
use graph_client::graph::{FreeBusyCache, FreeBusyReading, ScheduleWindow};
use graph_client::ScopeRequest;
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::Timestamp;
use simulators::graph::GraphSimSetup;

/// Log output, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_subject_or_location_reaches_our_values_or_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start(GraphSimSetup {
        colleagues: 40,
        ..GraphSimSetup::default()
    })
    .await;
    let graph = h.graph(ScopeRequest::default().with_free_busy()).await;
    let wanted: Vec<String> = h
        .sim
        .control()
        .users()
        .iter()
        .skip(1)
        .map(|u| u.mail.clone())
        .collect();
    // Tuesday 3 December 2024, 10:00 UTC: two working days full of meetings.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_733_220_000);
    let berlin = || TimeZone::get("Europe/Berlin").unwrap();
    let window = ScheduleWindow::today_and_tomorrow(Timestamp::try_from(now).unwrap(), &berlin());
    let fetch = graph.get_schedules(&wanted, window).await.unwrap();
    let mut cache = FreeBusyCache::default();
    cache
        .refresh(&graph, &wanted, now, &berlin())
        .await
        .unwrap();
    let readings: Vec<FreeBusyReading> = wanted
        .iter()
        .map(|a| cache.reading(a, now, &berlin()))
        .collect();

    // What the simulator served, subjects and locations included.
    let calendars = h.sim.control().calendars();
    let mut served = Vec::new();
    for user in h.sim.control().users().iter().skip(1).take(40) {
        for event in calendars.events(user.id, window.start.into(), window.end.into()) {
            if !event.private {
                served.push(event.subject);
                if !event.location.is_empty() {
                    served.push(event.location);
                }
            }
        }
    }
    served.sort();
    served.dedup();
    assert!(
        served.len() >= 5,
        "the simulator served details: {served:?}"
    );

    let values = format!("{fetch:?}{readings:?}{cache:?}");
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("free/busy read"), "the log was captured");
    for text in &served {
        assert!(!values.contains(text.as_str()), "{text:?} in our values");
        assert!(!log.contains(text.as_str()), "{text:?} in the log");
    }
    for address in &wanted {
        assert!(
            !log.contains(address.as_str()),
            "addresses stay out of the log"
        );
    }
}
