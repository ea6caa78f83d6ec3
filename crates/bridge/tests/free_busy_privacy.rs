//! Free/busy is status and times only: the subjects and locations the simulated mailbox shares
//! (as Exchange does when a mailbox allows it) never reach the bridge's snapshot, its journal
//! (in memory and on disk) or its logs, and nothing about calendars is written to disk.
//!
//! A test binary of its own: it installs the process-wide tracing subscriber that captures every
//! log line of the bridge and the connectors.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridge::{
    BridgeClock, BridgeCommand, BridgeOptions, FreeBusyOptions, FreeBusyReading, FreeBusyTiming,
    ManualBridgeClock,
};
use presence_core::jiff::tz::TimeZone;
use simulators::graph::{SimEvent, SimFreeBusy, SimWorkingHours, SimZone};
use simulators::office::Office;
use support::Harness;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;

const SUBJECT: &str = "Übernahme Projekt Falkenstein";
const LOCATION: &str = "Vorstandsetage Raum 7";
const ATTENDEE: &str = "geheim.gast@fabrikam.example";

/// Every log line, as text.
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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn capture_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone()),
        )
        // Everything of ours and of the HTTP stack, at every level; the simulator's own lines
        // are the server's, not the app's.
        .with(
            Targets::new()
                .with_default(LevelFilter::TRACE)
                .with_target("simulators", LevelFilter::OFF),
        );
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    captured
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_subject_location_or_attendee_reaches_snapshot_journal_logs_or_disk() {
    let logs = capture_logs();
    let office = Office::builder()
        .colleagues(4)
        .start()
        .await
        .expect("the office opens");
    let people = office.colleagues().to_vec();
    let state_dir = tempfile::tempdir().unwrap();
    let journal = state_dir.path().join("journal.log");
    let options = BridgeOptions {
        favourites: vec![people[0].graph.mail.clone()],
        journal_file: Some(journal.clone()),
        free_busy: Some(FreeBusyOptions {
            timing: FreeBusyTiming::default(),
            check_every: Duration::from_millis(20),
            settle: Duration::from_millis(10),
            zone: TimeZone::get("Europe/Berlin").unwrap(),
        }),
        ..BridgeOptions::default()
    };
    // The calendars are set before the bridge reads any of them.
    let calendars = office.graph().control().calendars();
    // The harness's clock starts where every manual clock starts.
    let wall = ManualBridgeClock::new().wall();
    let hour = Duration::from_secs(3600);
    for person in &people[..2] {
        calendars.set_working_hours(
            person.id(),
            SimWorkingHours {
                days: [true; 7],
                start: (0, 0),
                end: (0, 0),
                zone: SimZone::Windows("W. Europe Standard Time"),
            },
        );
        calendars.set_events(
            person.id(),
            vec![SimEvent {
                start: wall - hour,
                end: wall + hour,
                status: SimFreeBusy::Busy,
                subject: format!("{SUBJECT} mit {ATTENDEE}"),
                location: LOCATION.into(),
                private: false,
            }],
        );
    }
    let h = Harness::start_in(office, None, options).await;
    h.bridge()
        .send(BridgeCommand::CardShown(Some(people[1].id().to_string())))
        .unwrap();
    h.wait("both lines", |h| {
        let lines = h
            .snapshot()
            .colleagues
            .iter()
            .filter(|c| matches!(c.free_busy, Some(FreeBusyReading::Line(_))))
            .count();
        lines == 2
    })
    .await;
    // The mailbox did share them: they were on the wire.
    let token = h.account().credentials().access_token().await.unwrap();
    let served = reqwest::Client::new()
        .post(format!(
            "{}/me/calendar/getSchedule",
            h.office.graph().graph_url()
        ))
        .bearer_auth(token.expose())
        .json(&serde_json::json!({
            "schedules": [people[0].graph.mail],
            "startTime": {"dateTime": "2025-11-24T00:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2025-11-25T00:00:00", "timeZone": "UTC"},
        }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        served.contains(SUBJECT) && served.contains(LOCATION),
        "{served}"
    );
    // Let the sync run a while: presence polls, journal entries, more free/busy checks.
    h.set_teams("Busy", "InAMeeting");
    h.let_time_pass(Duration::from_secs(60)).await;
    h.wait("the meeting in the journal", |h| {
        !h.snapshot().journal.is_empty()
    })
    .await;
    let snapshot = format!("{:?}", h.snapshot());
    let mut h = h;
    h.shutdown().await;

    let logs = logs.text();
    assert!(
        logs.contains("free/busy read"),
        "the capture sees the free/busy worker"
    );
    let journal_text = std::fs::read_to_string(&journal).unwrap();
    assert!(!journal_text.is_empty(), "the journal was written");
    for secret in [SUBJECT, LOCATION, ATTENDEE, "Falkenstein", "Vorstand"] {
        assert!(!snapshot.contains(secret), "snapshot holds {secret:?}");
        assert!(!journal_text.contains(secret), "journal holds {secret:?}");
        assert!(!logs.contains(secret), "logs hold {secret:?}");
    }
    // Logs name no colleague's address either (counts only).
    for person in &people[..2] {
        assert!(
            !logs.contains(&person.graph.mail),
            "logs hold {}",
            person.graph.mail
        );
    }
    // Nothing but the journal of the own sync is on disk, and it says nothing about calendars.
    let files: Vec<String> = std::fs::read_dir(state_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["journal.log"]);
    for word in ["free/busy", "schedule", "calendar", "tentative"] {
        assert!(
            !journal_text.to_lowercase().contains(word),
            "journal mentions {word}: {journal_text}"
        );
    }
}
