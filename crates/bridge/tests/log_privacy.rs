//! What the bridge logs about colleagues (issue 15, "Privacy and files"): log files are kept for
//! a week, so at the default level (`info`) no colleague's name, address, id, presence or status
//! message may reach them; at `debug` a name is written with its control characters escaped, so
//! a directory entry cannot forge log lines or drive a terminal.
//!
//! One test per binary: it installs the process-wide subscriber that captures the lines.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridge::{BridgeCommand, BridgeNotification, BridgeOptions, LogNotifier, Notifier};
use presence_core::watch_list::AlertMode;
use presence_core::Person;
use support::Harness;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

/// A log "file" in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A name a colleague (or whoever edits the directory) could give themselves.
const HOSTILE_NAME: &str = "Mallory\n2030-01-01T00:00:00Z  INFO FORGED LINE\u{1b}[2J\u{202e}";
const OUT_OF_OFFICE: &str = "Back on Monday, ask Trudy";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colleagues_reach_the_log_only_at_debug_and_escaped() {
    // The app's file layer (info, no colours) and one at debug, side by side.
    let (info, debug) = (Lines::default(), Lines::default());
    let (info_file, debug_file) = (info.clone(), debug.clone());
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || info_file.clone())
                .with_filter(LevelFilter::INFO),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || debug_file.clone())
                .with_filter(LevelFilter::DEBUG),
        );
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let h = Harness::start_with(BridgeOptions {
        people_count: 0,
        ..BridgeOptions::default()
    })
    .await;
    h.wait_running().await;
    let colleagues = h.office.colleagues().to_vec();
    let (mallory, others) = colleagues.split_first().unwrap();
    for other in others {
        h.graph().set_presence(other.id(), "Away", "Away");
    }
    h.graph().set_presence(mallory.id(), "Away", "Away");

    // The window's commands: watch a colleague found by a search, favourites, an alert.
    let mut person = Person::new(mallory.id().to_string(), HOSTILE_NAME);
    person.mail = Some(mallory.graph.mail.clone());
    h.bridge()
        .send(BridgeCommand::Watch(Box::new(person)))
        .unwrap();
    for other in others {
        let mut person = Person::new(other.id().to_string(), other.graph.display_name.clone());
        person.mail = Some(other.graph.mail.clone());
        h.bridge()
            .send(BridgeCommand::Watch(Box::new(person)))
            .unwrap();
    }
    h.bridge()
        .send(BridgeCommand::FavouritesChanged(
            others.iter().map(|o| o.graph.mail.clone()).collect(),
        ))
        .unwrap();
    h.wait("everyone watched and read", |h| {
        let snapshot = h.snapshot();
        snapshot.colleagues.len() == colleagues.len()
            && snapshot.colleagues.iter().all(|c| c.teams.is_some())
    })
    .await;
    h.bridge()
        .send(BridgeCommand::NotifyWhenAvailable {
            id: mallory.id().to_string(),
            mode: AlertMode::Once,
        })
        .unwrap();

    // Colleagues change, with status messages; Mallory becomes available.
    for (i, other) in others.iter().enumerate() {
        let (availability, activity) = [("Busy", "InACall"), ("DoNotDisturb", "Presenting")][i % 2];
        h.graph().set_presence(other.id(), availability, activity);
        h.graph().set_out_of_office(other.id(), Some(OUT_OF_OFFICE));
    }
    h.let_time_pass(Duration::from_secs(5)).await;
    h.graph()
        .set_presence(mallory.id(), "Available", "Available");
    h.wait("the alert", |h| {
        h.notifier
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|n| matches!(n, BridgeNotification::ColleagueAvailable { .. }))
    })
    .await;
    // What `--headless` does with it.
    for notification in h.notifier.0.lock().unwrap().iter() {
        LogNotifier.notify(notification);
    }
    let mut h = h;
    h.shutdown().await;

    let info = info.text();
    assert!(info.contains("command from the front end"), "{info}");
    let mut leaks = Vec::new();
    for person in &colleagues {
        let words = [
            person.graph.display_name.as_str(),
            person.graph.mail.as_str(),
            &person.id().to_string(),
        ];
        for word in words {
            if info.contains(word) {
                leaks.push(word.to_owned());
            }
        }
    }
    for word in ["Mallory", "FORGED", OUT_OF_OFFICE, "is available now"] {
        if info.contains(word) {
            leaks.push(word.to_owned());
        }
    }
    assert!(leaks.is_empty(), "colleagues at info: {leaks:?}\n{info}");

    // At debug the alert is there, the name escaped: no forged line, no raw control character.
    let debug = debug.text();
    assert!(
        debug.contains(
            "Mallory\\n2030-01-01T00:00:00Z  INFO FORGED LINE\\u{1b}[2J\\u{202e} is available now"
        ),
        "{debug}"
    );
    assert!(
        !debug.lines().any(|line| line.starts_with("2030-01-01")),
        "a forged line:\n{debug}"
    );
    assert!(
        !debug.contains(['\u{1b}', '\u{202e}']),
        "raw control characters"
    );
}
