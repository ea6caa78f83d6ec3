//! Relay <-> Graph simulator <-> desktop-side watcher over one real TLS `nats-server`.

mod support;

use std::time::Duration;

use presence_relay::{PhoneUpdate, Relay, Role};
use relay_feed::{
    FeedHealth, LeaseRecord, PhoneState, PresenceUpdate, PresenceWatcher, StaleReason, LEASE_KEY,
};
use support::nats::NatsCluster;
use support::*;
use tokio::sync::mpsc;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_colleague_change_reaches_the_watcher_with_phone_state_joiners_and_leavers() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(1_500).await;
    let (phones, phone_updates) = mpsc::channel(16);
    let mut relay = RunningRelay::start(
        Relay::new(
            app_graph(&sim),
            nats.relay_connection(),
            settings("relay-a", 1),
        )
        .with_phone_updates(phone_updates),
    );
    relay.wait_for_role(Role::Leader, LIMIT).await;
    relay.wait_for_cycles(1, LIMIT).await;
    // 1,505 people (1,500 generated + the simulator's 5 colleagues and signed-in user): 3
    // requests a cycle.
    assert_eq!(relay.status.borrow().people, 1_506);
    assert_eq!(relay.status.borrow().plan.unwrap().batches, 3);

    let colleague = sim.control().roster_id(42).to_string();
    let other = sim.control().roster_id(1_000).to_string();
    let (watcher, mut updates) = PresenceWatcher::start(
        nats.desktop_connection(),
        [colleague.to_uppercase(), other.clone()],
        watch_timing(),
    );
    // The current values at once.
    let first = wait_for_update(
        &mut updates,
        |u| matches!(u, PresenceUpdate::Changed { id, .. } if *id == colleague),
        LIMIT,
    )
    .await;
    let PresenceUpdate::Changed { value, .. } = first else {
        unreachable!()
    };
    let before = value.availability.clone();
    wait_for_health(&watcher, FeedHealth::is_live, LIMIT).await;

    // A change at Graph reaches the watcher.
    let (availability, activity) = if before.as_str() == "DoNotDisturb" {
        ("Away", "Away")
    } else {
        ("DoNotDisturb", "Presenting")
    };
    sim.control()
        .set_presence(sim.control().roster_id(42), availability, activity);
    wait_for_update(
        &mut updates,
        is_change(&colleague, availability, activity),
        LIMIT,
    )
    .await;

    // Phone state from the PBX source, matched by e-mail (any case), rides on the value.
    let mail = {
        let mut link = None;
        loop {
            let page = app_graph(&sim).users_delta(link.as_deref()).await.unwrap();
            if let Some(entry) = page.changed.iter().find(|e| e.id == colleague) {
                break entry.mail.clone().unwrap();
            }
            link = Some(page.next_link.expect("the colleague is listed"));
        }
    };
    phones
        .send(PhoneUpdate {
            email: mail.to_uppercase(),
            state: Some(PhoneState::Active),
        })
        .await
        .unwrap();
    wait_for_update(
        &mut updates,
        |u| matches!(u, PresenceUpdate::Changed { id, value, .. } if *id == colleague && value.phone == Some(PhoneState::Active) && value.availability.as_str() == availability),
        LIMIT,
    )
    .await;

    // A leaver disappears (until the next directory round Graph may report them as
    // PresenceUnknown, which is published like any change).
    assert!(sim.control().roster_leave(sim.control().roster_id(1_000)));
    wait_for_update(
        &mut updates,
        |u| matches!(u, PresenceUpdate::Removed { id } if *id == other),
        LIMIT,
    )
    .await;
    // Unchanged people are never written again.
    let published_before = relay.status.borrow().published;
    let cycles = relay.status.borrow().cycles;
    relay.wait_for_cycles(cycles + 2, LIMIT).await;
    assert_eq!(
        relay.status.borrow().published,
        published_before,
        "unchanged people are not published again"
    );

    // A joiner is polled from the next directory round on; a watcher asking for them gets a value.
    let joiner = sim.control().roster_join(1)[0].to_string();
    watcher.watch_ids([colleague.clone(), joiner.clone()]);
    wait_for_update(
        &mut updates,
        |u| matches!(u, PresenceUpdate::Changed { id, .. } if *id == joiner),
        LIMIT,
    )
    .await;
    relay.stop().await;
}

#[tokio::test]
async fn a_desktop_credential_can_watch_but_cannot_write_and_a_wrong_one_is_unreachable() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(10).await;
    let mut relay = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-a", 1),
    ));
    relay.wait_for_cycles(1, LIMIT).await;
    let id = sim.control().roster_id(3).to_string();

    let desktop = nats.desktop_connection().connect().await.unwrap();
    let js = async_nats::jetstream::new(desktop);
    let store = js.get_key_value("presence").await.unwrap();
    let before = store
        .get(&id)
        .await
        .unwrap()
        .expect("the relay published a value");
    let forged = br#"{"v":1,"availability":"Offline","activity":"Offline","updated_at":"2030-01-01T00:00:00Z"}"#;
    assert!(
        store.put(&id, forged.to_vec().into()).await.is_err(),
        "a desktop write must be refused"
    );
    assert!(
        store.delete(&id).await.is_err(),
        "a desktop delete must be refused"
    );
    assert!(
        store.put(LEASE_KEY, b"{}".to_vec().into()).await.is_err(),
        "a desktop cannot take the lease"
    );
    assert_eq!(store.get(&id).await.unwrap().unwrap(), before);

    let mut wrong = nats.desktop_connection();
    wrong.password = keychain::Secret::new("not-the-password");
    let (watcher, _updates) = PresenceWatcher::start(wrong, [id], watch_timing());
    let health = wait_for_health(
        &watcher,
        |h| matches!(h, FeedHealth::Unreachable { .. }),
        LIMIT,
    )
    .await;
    assert!(matches!(health, FeedHealth::Unreachable { .. }));
    relay.stop().await;
}

#[tokio::test]
async fn a_relay_without_the_lease_never_polls_and_takes_over_when_it_expires() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(10).await;
    // The test holds the lease itself, renewing it like a relay would.
    let client = nats.relay_connection().connect().await.unwrap();
    let store = presence_relay::feed_writer::open_bucket(&client, 1)
        .await
        .unwrap();
    let record = LeaseRecord {
        v: 1,
        holder: "the-test".into(),
        ttl_ms: 3_000,
        graph_ok: true,
        poll_interval_ms: 1_000,
    };
    let mut revision = store
        .create(LEASE_KEY, record.encode().into())
        .await
        .unwrap();

    let mut standby = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("standby", 1),
    ));
    standby.wait_for_role(Role::Standby, LIMIT).await;
    // Three lease lifetimes of renewals: the standby must not send a single Graph request.
    for _ in 0..9 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        revision = store
            .update(LEASE_KEY, record.encode().into(), revision)
            .await
            .unwrap();
        assert_eq!(standby.role(), Role::Standby);
    }
    assert_eq!(standby.status.borrow().presence_requests, 0);
    assert!(
        sim.control()
            .log()
            .entries()
            .iter()
            .all(|r| !r.path.contains("presence") && !r.path.contains("users/delta")),
        "a relay without the lease sent Graph requests"
    );

    // The holder stops renewing: the standby takes over and polls.
    standby
        .wait_for_role(Role::Leader, Duration::from_secs(15))
        .await;
    standby.wait_for_cycles(1, LIMIT).await;
    assert!(standby.status.borrow().presence_requests >= 1);
    // And the old holder's late renewal fails: the lease moved on.
    assert!(store
        .update(LEASE_KEY, record.encode().into(), revision)
        .await
        .is_err());
    standby.stop().await;
}

#[tokio::test]
async fn the_watcher_reports_stale_and_unreachable_and_recovers() {
    let mut nats = NatsCluster::start(1).await;
    let sim = graph_simulator(10).await;
    let id = sim.control().roster_id(5).to_string();
    let relay = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-a", 1),
    ));
    let (watcher, mut updates) =
        PresenceWatcher::start(nats.desktop_connection(), [id.clone()], watch_timing());
    wait_for_health(&watcher, FeedHealth::is_live, LIMIT).await;

    // The relay is gone for good (crash): the feed goes stale, so the desktop polls itself.
    relay.crash();
    let health = wait_for_health(&watcher, |h| matches!(h, FeedHealth::Stale(_)), LIMIT).await;
    assert_eq!(health, FeedHealth::Stale(StaleReason::NoRelay));

    // It comes back (after the lease expired): live again, and changes flow.
    let relay = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-b", 1),
    ));
    wait_for_health(&watcher, FeedHealth::is_live, LIMIT).await;
    sim.control()
        .set_presence(sim.control().roster_id(5), "BeRightBack", "BeRightBack");
    wait_for_update(
        &mut updates,
        is_change(&id, "BeRightBack", "BeRightBack"),
        LIMIT,
    )
    .await;

    // Graph refuses the relay: the feed is stale (the relay says so in the lease).
    sim.control().set_app_roles(&["User.Read.All"]);
    sim.control().expire_access_tokens();
    let health = wait_for_health(&watcher, |h| matches!(h, FeedHealth::Stale(_)), LIMIT).await;
    assert_eq!(
        health,
        FeedHealth::Stale(StaleReason::RelayCannotReachGraph)
    );
    sim.control()
        .set_app_roles(&["User.Read.All", "Presence.Read.All"]);
    sim.control().expire_access_tokens();
    wait_for_health(&watcher, FeedHealth::is_live, LIMIT).await;

    // NATS itself is gone: unreachable; back: live again.
    nats.kill_all();
    wait_for_health(
        &watcher,
        |h| matches!(h, FeedHealth::Unreachable { .. }),
        LIMIT,
    )
    .await;
    nats.restart_all().await;
    wait_for_health(&watcher, FeedHealth::is_live, Duration::from_secs(40)).await;
    sim.control()
        .set_presence(sim.control().roster_id(5), "Busy", "InACall");
    wait_for_update(&mut updates, is_change(&id, "Busy", "InACall"), LIMIT).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_clean_restart_hands_the_lease_over_at_once_and_publishes_nothing_twice() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(700).await;
    let mut first = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("first", 1),
    ));
    first.wait_for_cycles(1, LIMIT).await;
    let published = first.status.borrow().published;
    assert_eq!(published, 706, "everybody is published once");
    first.stop().await;

    let mut second = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("second", 1),
    ));
    // The lease was released: no wait for its TTL.
    second
        .wait_for_role(Role::Leader, Duration::from_secs(2))
        .await;
    second.wait_for_cycles(2, LIMIT).await;
    assert_eq!(
        second.status.borrow().published,
        0,
        "the new leader read what was published"
    );
    let id = sim.control().roster_id(9).to_string();
    let (_watcher, mut updates) =
        PresenceWatcher::start(nats.desktop_connection(), [id.clone()], watch_timing());
    sim.control()
        .set_presence(sim.control().roster_id(9), "Away", "Away");
    wait_for_update(&mut updates, is_change(&id, "Away", "Away"), LIMIT).await;
    second.stop().await;
}

#[tokio::test]
async fn a_429_stops_every_presence_request_for_the_retry_after_it_names() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(10).await;
    let mut relay = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-a", 1),
    ));
    relay.wait_for_cycles(2, LIMIT).await;
    sim.control().inject_fault(simulators::graph::Fault::new(
        "getPresencesByUserId",
        simulators::graph::FaultKind::TooManyRequests {
            retry_after: Some("3.5".into()),
        },
        1,
    ));
    // When each presence request was sent, as the relay counts them.
    let mut times = Vec::new();
    let mut status = relay.status.clone();
    let mut seen = status.borrow().presence_requests;
    let started = tokio::time::Instant::now();
    while times.len() < 4 && started.elapsed() < LIMIT {
        status.changed().await.unwrap();
        let now = status.borrow().presence_requests;
        if now > seen {
            seen = now;
            times.push(tokio::time::Instant::now());
        }
    }
    assert_eq!(times.len(), 4, "the relay stopped polling after the 429");
    let throttled = sim
        .control()
        .log()
        .entries()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(throttled, 1);
    // The request after the throttled one waited at least the 3.5 s Graph asked for (the
    // poll interval alone would be 1 s).
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().any(|gap| *gap >= Duration::from_millis(3_400)),
        "no pause of 3.5 s between presence requests: {gaps:?}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_holder_cut_off_from_nats_stops_polling_before_a_standby_takes_over() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(10).await;
    let link = CuttableLink::to(nats.port(0)).await;
    let mut through_link = nats.relay_connection();
    through_link.servers = vec![format!("tls://127.0.0.1:{}", link.port)];
    let mut holder = RunningRelay::start(Relay::new(
        app_graph(&sim),
        through_link,
        settings("holder", 1),
    ));
    holder.wait_for_role(Role::Leader, LIMIT).await;
    holder.wait_for_cycles(1, LIMIT).await;
    let mut standby = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("standby", 1),
    ));
    standby.wait_for_role(Role::Standby, LIMIT).await;
    let overlap = never_two_leaders(holder.status.clone(), standby.status.clone());

    // The holder loses NATS (but not Graph): it must stop polling before the standby, which
    // still sees the lease, may take it.
    link.cut();
    standby.wait_for_role(Role::Leader, LIMIT).await;
    assert_ne!(holder.role(), Role::Leader);
    let holder_requests = holder.status.borrow().presence_requests;
    let cycles = standby.status.borrow().cycles;
    standby.wait_for_cycles(cycles + 2, LIMIT).await;
    assert_eq!(
        holder.status.borrow().presence_requests,
        holder_requests,
        "the cut-off holder went on polling"
    );
    assert_eq!(
        overlap.stop().await,
        0,
        "both relays polled at the same time"
    );
    standby.stop().await;
}
