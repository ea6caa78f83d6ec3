//! Colleagues' free/busy on a slow clock of its own, apart from the presence poll: calendars
//! change far less often than presence, and `getSchedule` is an Outlook call with its own
//! throttling.
//!
//! The bridge task says who is on screen (the open contact card, favourites, alert targets) in a
//! `watch` slot; this worker reads their calendars through `graph_client`'s [`FreeBusyCache`]
//! (batches of 20, `Retry-After`, a round every few minutes, new people at once) and reports
//! each one's [`FreeBusyReading`] whenever one changes. It looks at the clock every
//! [`FreeBusyOptions::check_every`] to move the lines on ("free until 16:00" becomes "in a
//! meeting until 17:00" at four o'clock, "tomorrow" becomes "today" at midnight); that costs no
//! request. Times come from the bridge clock's wall time and the viewer's zone from the options:
//! nothing here reads a clock of its own.
//!
//! Only status and times reach this worker (the parser drops subjects, locations and attendees);
//! readings live in memory only, and logs carry counts, never addresses.

use std::time::Duration;

use graph_client::graph::{FreeBusyCache, FreeBusyReading, FreeBusyTiming};
use graph_client::GraphClient;
use presence_core::jiff::tz::TimeZone;
use tokio::sync::watch;

use crate::clock::SharedClock;
use crate::workers::{Events, WorkerEvent};

/// How the free/busy worker runs.
#[derive(Debug, Clone)]
pub struct FreeBusyOptions {
    /// The slow clock: how often calendars are read again, backoff, how long a reading is shown.
    pub timing: FreeBusyTiming,
    /// How often the lines are worked out again from what was read (no request unless a
    /// calendar is due).
    pub check_every: Duration,
    /// How long the people on screen must stay the same before a new one's calendar is read, so
    /// arrowing through the list does not send a request per colleague passed.
    pub settle: Duration,
    /// The viewer's time zone: the lines' times and days are on this clock and calendar.
    pub zone: TimeZone,
}

impl Default for FreeBusyOptions {
    /// The real app: the system's time zone, a look every 30 s.
    fn default() -> Self {
        Self {
            timing: FreeBusyTiming::default(),
            check_every: Duration::from_secs(30),
            settle: Duration::from_millis(400),
            zone: TimeZone::system(),
        }
    }
}

/// A colleague whose calendar is wanted: their id (the snapshot's key) and the address Graph
/// knows their mailbox by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub id: String,
    pub address: String,
}

/// Reads the calendars of the people in `wanted` until `stop`, reporting
/// [`WorkerEvent::FreeBusy`] whenever a reading changed.
pub(crate) async fn free_busy_worker(
    graph: GraphClient,
    events: Events,
    mut wanted: watch::Receiver<Vec<Wanted>>,
    options: FreeBusyOptions,
    clock: SharedClock,
    mut stop: watch::Receiver<bool>,
) {
    let mut cache = FreeBusyCache::new(options.timing);
    let mut reported: Option<Vec<(String, FreeBusyReading)>> = None;
    loop {
        let people = wanted.borrow_and_update().clone();
        let addresses: Vec<String> = people.iter().map(|w| w.address.clone()).collect();
        let refreshed = tokio::select! {
            biased;
            _ = stop.changed() => break,
            refreshed = cache.refresh(&graph, &addresses, clock.wall(), &options.zone) => refreshed,
        };
        match refreshed {
            Ok(report) if report.requests > 0 => tracing::debug!(
                requests = report.requests,
                calendars = report.asked,
                access = ?report.access,
                "free/busy read"
            ),
            Ok(_) => {}
            // The cache has backed off already (and logged the wait).
            Err(error) => tracing::info!(%error, "free/busy not read"),
        }
        let now = clock.wall();
        let readings: Vec<(String, FreeBusyReading)> = people
            .iter()
            .map(|w| (w.id.clone(), cache.reading(&w.address, now, &options.zone)))
            .collect();
        if reported.as_ref() != Some(&readings) {
            if events
                .send(WorkerEvent::FreeBusy(readings.clone()))
                .is_err()
            {
                break;
            }
            reported = Some(readings);
        }
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            changed = wanted.changed() => {
                if changed.is_err() {
                    break;
                }
                tokio::time::sleep(options.settle).await;
            }
            _ = tokio::time::sleep(options.check_every) => {}
        }
    }
}
