//! A restart of the sync (accounts edited, a sign-in, a new password): the stopped bridge hands
//! its carry-over to the next one, so what the user chose goes on. Both simulators over loopback,
//! one manual clock for both bridges (as one clock serves a whole app process).

mod support;

use std::time::Duration;

use bridge::{BridgeCommand, SyncStateView};
use presence_core::journal::{DndDecision, JournalEvent};
use support::{Harness, LOGIN};

const SECOND: Duration = Duration::from_secs(1);

/// Teams says Available (the harness's start) and the user switches DND on on the phone; the
/// running bridge keeps it.
async fn dnd_on_by_hand_while_available() -> Harness {
    let h = Harness::start().await;
    h.wait_running().await;
    assert!(!h.dnd());
    h.pbx().press_dnd_on_phone(LOGIN, true);
    h.wait("the manual change to be noticed", |h| {
        h.snapshot().own.dnd_kept_manual
    })
    .await;
    let writes = h.dnd_writes();
    h.let_time_pass(Duration::from_secs(60)).await;
    assert!(h.dnd(), "the running bridge overwrote the manual DND");
    assert_eq!(h.dnd_writes(), writes);
    h
}

/// Lets both sides be polled a few times by the restarted bridge while its clock moves on by
/// far more than the debounce time.
async fn several_polls(h: &Harness) {
    h.wait_running().await;
    let graph_polls = h.graph_calls("getPresencesByUserId");
    let reads = starface_reads(h);
    h.let_time_pass(Duration::from_secs(30)).await;
    h.wait("more polls of both sides", |h| {
        h.graph_calls("getPresencesByUserId") >= graph_polls + 3 && starface_reads(h) >= reads + 3
    })
    .await;
}

fn starface_reads(h: &Harness) -> usize {
    h.pbx()
        .request_log()
        .entries()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/phoneconfig"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dnd_kept_by_hand_survives_a_restart_with_the_carry_over() {
    let mut h = dnd_on_by_hand_while_available().await;
    let carry_over = h.shutdown().await.expect("the bridge hands over");
    assert!(carry_over.engine().keeps_manual_dnd());
    let writes = h.dnd_writes();

    h.start_bridge(Some(carry_over));
    several_polls(&h).await;
    assert!(h.dnd(), "the restart switched the manual DND off");
    assert_eq!(h.dnd_writes(), writes, "DND was written after the restart");
    let snapshot = h.snapshot();
    assert!(snapshot.own.dnd_kept_manual);
    assert_eq!(snapshot.own.starface_dnd, Some(true));

    // The next Teams change applies the mapping again (the meeting finds DND on already).
    h.set_teams("Busy", "InAMeeting");
    h.wait_advancing(SECOND, "the meeting decided", |h| {
        h.snapshot().journal.iter().any(|line| {
            matches!(
                line.event,
                JournalEvent::TeamsChanged {
                    dnd: DndDecision::AlreadySet(true),
                    ..
                }
            )
        })
    })
    .await;
    h.set_teams("Available", "Available");
    h.wait_advancing(SECOND, "DND off after the next transition", |h| !h.dnd())
        .await;
    assert!(h.dnd_writes() > writes);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_carry_over_the_first_reading_applies_to_the_dnd_found() {
    let mut h = dnd_on_by_hand_while_available().await;
    h.shutdown().await;
    let writes = h.dnd_writes();

    // The documented start-up: the DND found is the starting point, Available switches it off.
    h.start_bridge(None);
    h.wait_advancing(SECOND, "DND off", |h| !h.dnd()).await;
    assert_eq!(h.dnd_writes(), writes + 1);
    h.wait("the decision in the journal", |h| {
        h.snapshot().journal.iter().any(|line| {
            matches!(
                line.event,
                JournalEvent::TeamsChanged {
                    previous_row: None,
                    dnd: DndDecision::Set(false),
                    ..
                }
            )
        })
    })
    .await;
    assert!(!h.snapshot().own.dnd_kept_manual);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_survives_a_restart() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    h.bridge()
        .send(BridgeCommand::PauseFor(Duration::from_secs(600)))
        .unwrap();
    h.wait("the pause", |h| {
        matches!(h.snapshot().sync.state, SyncStateView::Paused { .. })
    })
    .await;
    let paused = h.snapshot().sync.state;
    let carry_over = h.shutdown().await.expect("the bridge hands over");
    let writes = h.dnd_writes();

    h.start_bridge(Some(carry_over));
    h.wait_running_or_paused().await;
    assert_eq!(h.snapshot().sync.state, paused, "the same pause, same end");
    h.set_teams("Busy", "InAMeeting");
    h.let_time_pass(Duration::from_secs(300)).await;
    assert!(!h.dnd());
    assert_eq!(h.dnd_writes(), writes, "DND written during the pause");
    h.wait_advancing(
        Duration::from_secs(10),
        "DND on at the end of the pause",
        |h| h.dnd(),
    )
    .await;
    h.shutdown().await;
}
