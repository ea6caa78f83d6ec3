//! The running bridge against both simulators over loopback, with a manual clock.

mod support;

use std::time::Duration;

use bridge::{
    AnotherSyncView, BridgeClock, BridgeCommand, BridgeNotification, BridgeOptions, Service,
    SyncStateView,
};
use presence_core::engine::{Command, ConflictDecision};
use presence_core::journal::JournalEvent;
use presence_core::{MessageLanguage, StatusRow};
use support::{Harness, LOGIN};

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_meeting_sets_dnd_and_chat_then_available_clears_dnd() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    assert!(!h.dnd());
    let writes_before = h.dnd_writes();

    h.set_teams("Busy", "InAMeeting");
    // The clock stands still: the debounce holds the change through several polls.
    let polls = h.graph_calls("getPresencesByUserId");
    h.wait("more polls", |h| {
        h.graph_calls("getPresencesByUserId") >= polls + 3
    })
    .await;
    assert_eq!(
        h.dnd_writes(),
        writes_before,
        "written before the debounce ended"
    );
    assert!(!h.dnd());

    h.wait_advancing(SECOND, "DND on", |h| h.dnd()).await;
    h.wait("the chat message", |h| {
        h.pbx()
            .chat_presence_message(LOGIN)
            .contains("In a meeting")
    })
    .await;
    assert!(h.uci_calls("setChatPresenceMessage") >= 1);
    h.wait("the chat write reported", |h| {
        h.snapshot()
            .own
            .starface_chat
            .is_some_and(|chat| chat.message.contains("In a meeting"))
    })
    .await;
    let snapshot = h.snapshot();
    assert_eq!(snapshot.own.starface_dnd, Some(true));
    assert!(
        snapshot.journal.iter().any(|l| l.text.contains("DND on")),
        "{:#?}",
        snapshot.journal
    );
    // The journal keeps the structured decision next to its English text.
    let decision = snapshot
        .journal
        .iter()
        .find(|l| {
            matches!(
                l.event,
                JournalEvent::TeamsChanged {
                    row: StatusRow::BusyMeeting,
                    ..
                }
            )
        })
        .unwrap_or_else(|| panic!("no Busy-Meeting decision: {:#?}", snapshot.journal));
    assert_eq!(decision.text, decision.event.to_string());
    // What "My status" shows is what was written, message included.
    let chat = snapshot.own.starface_chat.clone().unwrap();
    assert_eq!(chat.message, h.pbx().chat_presence_message(LOGIN));
    assert!(
        snapshot.journal.iter().any(
            |l| l.event == JournalEvent::CommandSucceeded(Command::SetChatStatus(chat.clone()))
        ),
        "{:#?}",
        snapshot.journal
    );

    h.set_teams("Available", "Available");
    h.wait_advancing(SECOND, "DND off", |h| !h.dnd()).await;
    h.wait("the chat message to be cleared", |h| {
        h.pbx().chat_presence_message(LOGIN).is_empty()
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn german_sends_the_german_default_messages_and_the_users_own_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = "[mapping.busy]\ndnd = \"unchanged\"\nchat_status = \"away\"\nchat_message = \"Only chat, please\"\n";
    std::fs::write(&config, text).unwrap();
    let (store, report) = settings::SettingsStore::load(&config, &dir.path().join("policy.toml"));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let options = BridgeOptions {
        engine: bridge::setup::options_from_settings(
            store.settings(),
            MessageLanguage::German,
            None,
        )
        .engine,
        ..BridgeOptions::default()
    };
    let mut h = Harness::start_with(options).await;
    h.wait_running().await;

    h.set_teams("Busy", "InAMeeting");
    let german = "In einer Besprechung (Teams)";
    h.wait_advancing(SECOND, "the German meeting message on STARFACE", |h| {
        h.pbx().chat_presence_message(LOGIN) == german
    })
    .await;
    // "My status" and the journal show the message as it was sent.
    h.wait("the chat write reported", |h| {
        h.snapshot()
            .own
            .starface_chat
            .is_some_and(|chat| chat.message == german)
    })
    .await;
    let sent = h.snapshot().own.starface_chat.unwrap();
    assert!(
        h.snapshot().journal.iter().any(
            |l| l.event == JournalEvent::CommandSucceeded(Command::SetChatStatus(sent.clone()))
        ),
        "{:#?}",
        h.snapshot().journal
    );

    // The user switches the UI to English: the front end hands the new mapping over, and the
    // meeting's message follows at once.
    let english = store.settings().engine_config(MessageLanguage::English);
    h.bridge()
        .send(BridgeCommand::MappingChanged(Box::new(english.mapping)))
        .unwrap();
    h.wait_advancing(SECOND, "the English meeting message on STARFACE", |h| {
        h.pbx().chat_presence_message(LOGIN) == "In a meeting (Teams)"
    })
    .await;

    // The user's own message is sent as written, whatever the language.
    h.set_teams("Busy", "Busy");
    h.wait_advancing(SECOND, "the user's own message on STARFACE", |h| {
        h.pbx().chat_presence_message(LOGIN) == "Only chat, please"
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_sync_warning_carries_the_reverts_it_counted() {
    let mut options = BridgeOptions::default();
    options.engine.sync.conflict.reverts = 2;
    let mut h = Harness::start_with(options).await;
    h.wait_running().await;
    // Two Teams transitions that switch DND on, each undone on the phone right after the write.
    for (availability, activity) in [("Busy", "InAMeeting"), ("DoNotDisturb", "Presenting")] {
        h.set_teams(availability, activity);
        h.wait_advancing(SECOND, "DND on", |h| h.dnd()).await;
        h.pbx().press_dnd_on_phone(LOGIN, false);
        h.wait("the revert to be noticed", |h| {
            h.snapshot().own.starface_dnd == Some(false)
        })
        .await;
    }
    h.wait("the warning", |h| {
        h.snapshot().sync.state == SyncStateView::AnotherSyncSuspected
    })
    .await;
    assert_eq!(
        h.snapshot().sync.another_sync,
        Some(AnotherSyncView {
            reverts: 2,
            period_minutes: 30
        })
    );

    h.bridge()
        .send(BridgeCommand::ConflictDecided(
            ConflictDecision::KeepSyncing,
        ))
        .unwrap();
    h.wait("the warning to clear", |h| {
        h.snapshot().sync.state != SyncStateView::AnotherSyncSuspected
    })
    .await;
    assert_eq!(h.snapshot().sync.another_sync, None);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dnd_pressed_on_the_phone_is_kept_until_the_next_teams_transition() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    h.set_teams("Busy", "InAMeeting");
    h.wait_advancing(SECOND, "DND on", |h| h.dnd()).await;

    // The user switches DND off on the phone during the meeting.
    h.pbx().press_dnd_on_phone(LOGIN, false);
    h.wait("the manual change to be noticed", |h| {
        h.snapshot().own.starface_dnd == Some(false)
    })
    .await;
    let writes = h.dnd_writes();
    h.let_time_pass(Duration::from_secs(120)).await;
    assert!(!h.dnd(), "the manual DND change was overwritten");
    assert_eq!(h.dnd_writes(), writes);
    assert!(h.snapshot().own.dnd_kept_manual);

    // The next Teams transition applies the mapping again.
    h.set_teams("DoNotDisturb", "Presenting");
    h.wait_advancing(SECOND, "DND on after the next transition", |h| h.dnd())
        .await;
    assert!(h.dnd_writes() > writes);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starface_call_sets_refreshes_and_clears_the_teams_session() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    let control = h.graph().clone();
    assert!(control.app_session(h.me).is_none());

    let call = h.pbx().start_call(LOGIN);
    h.wait_advancing(SECOND, "the Teams session", |h| {
        h.graph().app_session(h.me).is_some()
    })
    .await;
    let session = control.app_session(h.me).unwrap();
    assert_eq!(
        (session.availability.as_str(), session.activity.as_str()),
        ("Busy", "InACall")
    );
    assert!(h.snapshot().own.in_call);
    let sets = h.graph_calls("/presence/setPresence");
    assert_eq!(sets, 1);

    // Default session: 5 minutes, refreshed 60 s before it ends.
    h.wait_advancing(Duration::from_secs(10), "the session refresh", |h| {
        h.graph_calls("/presence/setPresence") > sets
    })
    .await;

    h.pbx().end_call(LOGIN, &call);
    h.wait_advancing(SECOND, "the session to be cleared", |h| {
        h.graph().app_session(h.me).is_none()
    })
    .await;
    assert!(h.graph_calls("/presence/clearPresence") >= 1);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_sync_writes_nothing() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    h.bridge()
        .send(BridgeCommand::PauseFor(Duration::from_secs(3600)))
        .unwrap();
    h.wait("the pause", |h| {
        matches!(h.snapshot().sync.state, SyncStateView::Paused { .. })
    })
    .await;
    h.pbx().request_log().clear();
    h.graph().log().clear();

    h.set_teams("Busy", "InAMeeting");
    let call = h.pbx().start_call(LOGIN);
    h.let_time_pass(Duration::from_secs(600)).await;
    h.pbx().end_call(LOGIN, &call);
    h.let_time_pass(Duration::from_secs(60)).await;

    assert!(!h.dnd());
    assert_eq!(h.dnd_writes(), 0);
    assert_eq!(h.uci_calls("setChatPresenceMessage"), 0);
    assert_eq!(h.graph_calls("/presence/setPresence"), 0);
    assert!(h.graph().app_session(h.me).is_none());
    // Reads went on during the pause, so the test did observe a running system.
    assert!(h
        .pbx()
        .request_log()
        .entries()
        .iter()
        .any(|r| r.method == "GET"));
    assert!(h.graph_calls("getPresencesByUserId") > 0);

    // Resume applies the current Teams state.
    h.bridge().send(BridgeCommand::Resume).unwrap();
    h.wait_advancing(SECOND, "DND on after resume", |h| h.dnd())
        .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sign_in_asks_to_sign_in_again_and_keeps_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let text = "[sync]\ndebounce_secs = 5\n[mapping.busy]\ndnd = \"activate\"\n";
    std::fs::write(&config, text).unwrap();
    let (store, report) = settings::SettingsStore::load(&config, &dir.path().join("policy.toml"));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let options = BridgeOptions {
        engine: store
            .settings()
            .engine_config(presence_core::MessageLanguage::English),
        ..BridgeOptions::default()
    };
    let mut h = Harness::start_with(options).await;
    h.wait_running().await;

    let control = h.graph().clone();
    control.revoke_refresh_tokens();
    control.expire_access_tokens();
    h.wait("sign in again", |h| {
        h.snapshot().sync.sign_in_needed(Service::Microsoft)
    })
    .await;
    let told = h.notifier.0.lock().unwrap().clone();
    assert_eq!(
        told.iter()
            .filter(|n| **n == BridgeNotification::SignInNeeded(Service::Microsoft))
            .count(),
        1,
        "{told:?}"
    );
    // Settings untouched, and the STARFACE side keeps working.
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    h.pbx().press_dnd_on_phone(LOGIN, true);
    h.wait("STARFACE still read", |h| {
        h.snapshot().own.starface_dnd == Some(true)
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_clears_the_session_and_logs_out() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    let _call = h.pbx().start_call(LOGIN);
    h.wait_advancing(SECOND, "the Teams session", |h| {
        h.graph().app_session(h.me).is_some()
    })
    .await;
    h.shutdown().await;
    assert!(h.graph().app_session(h.me).is_none());
    assert!(!h.pbx().uci_session_active(LOGIN));
    assert!(h
        .pbx()
        .request_log()
        .entries()
        .iter()
        .any(|r| r.method == "DELETE" && r.path == "/rest/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colleagues_merge_with_the_starface_directory_and_go_stale() {
    let mut h = Harness::start().await;
    h.wait("colleagues with presence", |h| {
        let s = h.snapshot();
        !s.colleagues.is_empty() && s.colleagues.iter().all(|c| c.teams.is_some())
    })
    .await;
    let snapshot = h.snapshot();
    assert!(snapshot.colleagues.iter().all(|c| c
        .person
        .starface
        .as_ref()
        .is_some_and(|account| account.internal_number.is_some())));
    assert!(snapshot.colleagues.iter().all(|c| !c.stale));
    // Graph stops answering: presence ages and turns stale (3 poll intervals).
    h.graph().reject_access_tokens(true);
    h.graph().revoke_refresh_tokens();
    h.wait_advancing(SECOND, "stale colleagues", |h| {
        h.snapshot().colleagues.iter().all(|c| c.stale)
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relevant_people_are_listed_in_graphs_ranking_without_the_user() {
    let mut h = Harness::start_with(BridgeOptions {
        people_count: 4,
        ..BridgeOptions::default()
    })
    .await;
    h.wait("the relevant people", |h| !h.snapshot().relevant.is_empty())
        .await;
    // The simulator ranks by relevance, as Graph does; the user is never among them.
    let mut ranked = h.graph().users();
    ranked.retain(|u| u.id != h.me);
    ranked.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
    let expected: Vec<String> = ranked
        .iter()
        .take(4)
        .map(|u| u.id.to_string().to_ascii_lowercase())
        .collect();
    let snapshot = h.snapshot();
    assert_eq!(snapshot.relevant, expected);
    assert!(snapshot
        .relevant
        .iter()
        .all(|id| snapshot.colleagues.iter().any(|c| c.person.id == *id)));

    // A relevant colleague no longer watched leaves the list; the others keep their order.
    h.bridge()
        .send(BridgeCommand::Unwatch(expected[1].clone()))
        .unwrap();
    h.wait("the unwatched colleague gone", |h| {
        h.snapshot().relevant.len() == 3
    })
    .await;
    let rest: Vec<String> = expected
        .iter()
        .filter(|id| **id != expected[1])
        .cloned()
        .collect();
    assert_eq!(h.snapshot().relevant, rest);
    h.shutdown().await;
}

/// Whether `snapshots` saw a new snapshot; shows what changed when it did.
fn assert_unchanged(
    snapshots: &mut tokio::sync::watch::Receiver<bridge::BridgeSnapshot>,
    before: &bridge::BridgeSnapshot,
    what: &str,
) {
    assert!(
        !snapshots.has_changed().unwrap(),
        "{what}: a snapshot was published while nothing happened:\nbefore {before:#?}\nafter {:#?}",
        snapshots.borrow()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_bridge_publishes_nothing_and_a_presence_change_is_published() {
    // Staleness far away (1000 polls of 100 ms = 100 s of engine time), so only the ages that an
    // idle bridge used to publish could change the snapshot while the clock moves 10 s.
    let options = BridgeOptions {
        stale_after_polls: 1_000,
        ..BridgeOptions::default()
    };
    let mut h = Harness::start_with(options).await;
    h.wait("running, colleagues read and matched", |h| {
        let s = h.snapshot();
        s.sync.state == SyncStateView::Running
            && !s.colleagues.is_empty()
            && s.colleagues
                .iter()
                .all(|c| c.teams.is_some() && c.person.starface.is_some())
    })
    .await;
    let started = h.snapshot();
    assert!(started
        .colleagues
        .iter()
        .all(|c| c.updated_at_ms.is_some() && !c.stale));

    let mut snapshots = h.bridge().subscribe();
    let before = snapshots.borrow_and_update().clone();
    let polls = h.graph_calls("getPresencesByUserId");
    // 10 s of engine time, ticks every 20 ms and polls every 100 ms of real time meanwhile.
    for _ in 0..10 {
        h.clock.advance(SECOND);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        h.graph_calls("getPresencesByUserId") >= polls + 3,
        "the bridge did not poll while idle"
    );
    assert_unchanged(&mut snapshots, &before, "running");
    // The time of the last sync moved with the polls, without waking anyone.
    let last_sync = h.snapshot().sync.last_sync_ms;
    assert!(
        last_sync > before.sync.last_sync_ms,
        "{last_sync:?} after {:?}",
        before.sync.last_sync_ms
    );

    // A pause carries its end, not the time left.
    h.bridge()
        .send(BridgeCommand::PauseFor(Duration::from_secs(3600)))
        .unwrap();
    let paused_at = h.clock.now().mono.as_millis();
    h.wait("the pause", |h| {
        matches!(h.snapshot().sync.state, SyncStateView::Paused { .. })
    })
    .await;
    let before = snapshots.borrow_and_update().clone();
    assert_eq!(
        before.sync.state,
        SyncStateView::Paused {
            until_ms: paused_at + 3_600_000
        }
    );
    for _ in 0..10 {
        h.clock.advance(SECOND);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_unchanged(&mut snapshots, &before, "paused");

    // A colleague's presence changes: published, with the time of the read that saw it.
    let colleague = before.colleagues[0].clone();
    let id: uuid::Uuid = colleague.person.id.parse().unwrap();
    let (availability, activity) = match colleague.teams.as_ref().map(|t| t.availability.as_str()) {
        Some("Busy") => ("Away", "Away"),
        _ => ("Busy", "InAMeeting"),
    };
    let changed_from = h.clock.now().mono.as_millis();
    h.graph().set_presence(id, availability, activity);
    tokio::time::timeout(support::TIMEOUT, snapshots.changed())
        .await
        .expect("the presence change is published")
        .unwrap();
    let after = snapshots.borrow_and_update().clone();
    let seen = after
        .colleagues
        .iter()
        .find(|c| c.person.id == colleague.person.id)
        .unwrap();
    assert_eq!(
        seen.teams.as_ref().map(|t| t.availability.as_str()),
        Some(availability)
    );
    assert!(
        seen.updated_at_ms >= Some(changed_from) && seen.updated_at_ms > colleague.updated_at_ms,
        "updated_at_ms {:?}, before {:?}, change at {changed_from}",
        seen.updated_at_ms,
        colleague.updated_at_ms
    );
    // The others kept the time their presence was first read.
    for other in after
        .colleagues
        .iter()
        .filter(|c| c.person.id != colleague.person.id)
    {
        let old = before
            .colleagues
            .iter()
            .find(|c| c.person.id == other.person.id)
            .unwrap();
        assert_eq!(
            other.updated_at_ms, old.updated_at_ms,
            "{}",
            other.person.id
        );
    }
    h.shutdown().await;
}
