//! Bridge-level figures against the in-process simulators with the real clock (see
//! docs/PERFORMANCE.md): sync latency (Teams change -> STARFACE DND write, STARFACE call ->
//! Graph setPresence), request economy (Graph presence requests per hour by watched colleagues)
//! cold start (bridge start -> first sync done) and how often the state changes while idle.
//!
//! `cargo run -p soak --bin bridge-figures -- [--changes 100] [--calls 20] [--poll-ms 1000]
//! [--debounce-s 1]`

use std::time::{Duration, Instant};

use bridge::{BridgeOptions, SyncStateView};
use graph_client::graph::PollPacing;
use presence_core::EngineConfig;
use soak::{percentile, Rig, RigOptions, LOGIN};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Args {
    changes: usize,
    calls: usize,
    poll: Duration,
    debounce_s: u32,
}

fn args() -> Args {
    let mut args = Args {
        changes: 100,
        calls: 20,
        poll: Duration::from_millis(1_000),
        debounce_s: 1,
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    for pair in raw.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        match pair[0].as_str() {
            "--changes" => args.changes = value as usize,
            "--calls" => args.calls = value as usize,
            "--poll-ms" => args.poll = Duration::from_millis(value),
            "--debounce-s" => args.debounce_s = value as u32,
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    args
}

fn report(what: &str, mut samples: Vec<Duration>, budget: Option<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p95 = percentile(&samples, 95.0);
    print!(
        "{what}: n={} p50={:.0} ms p95={:.0} ms max={:.0} ms",
        samples.len(),
        ms(percentile(&samples, 50.0)),
        ms(p95),
        ms(samples.last().copied().unwrap_or_default()),
    );
    match budget {
        Some(budget) => println!(
            " (goal p95 <= {:.0} ms: {})",
            ms(budget),
            if p95 <= budget { "met" } else { "MISSED" }
        ),
        None => println!(),
    }
}

/// How often the state stream changes while nothing happens, at the app's default intervals
/// (10 s poll, 1 s tick). The app forwards every change to its window (hidden or not) and tray.
async fn idle_state_changes() {
    let rig = Rig::start(RigOptions {
        colleagues: 25,
        bridge: BridgeOptions::default(),
        manual_clock: false,
        xmpp: None,
    })
    .await;
    rig.wait_for(TIMEOUT, Duration::ZERO, |rig| {
        let s = rig.snapshot();
        matches!(s.sync.state, SyncStateView::Running)
            && !s.colleagues.is_empty()
            && s.colleagues.iter().all(|c| c.teams.is_some())
    })
    .await
    .expect("the sync runs and the colleagues are polled");
    // Which parts changed. Before issue 9 the colleagues' ages (`age_ms`) changed with every
    // publish; now only a real change (or a colleague turning stale) publishes.
    let window = Duration::from_secs(20);
    let mut states = rig.bridge().subscribe();
    let mut last = states.borrow_and_update().clone();
    let mut changes = 0;
    let mut parts = [("own", 0), ("sync", 0), ("journal", 0), ("colleagues", 0)];
    let end = tokio::time::Instant::now() + window;
    while let Ok(Ok(())) = tokio::time::timeout_at(end, states.changed()).await {
        let current = states.borrow_and_update().clone();
        changes += 1;
        for (changed, (_, count)) in [
            current.own != last.own,
            current.sync != last.sync,
            current.journal != last.journal,
            current.colleagues != last.colleagues,
        ]
        .into_iter()
        .zip(parts.iter_mut())
        {
            *count += usize::from(changed);
        }
        last = current;
    }
    let parts: Vec<String> = parts
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!(
        "idle (poll 10 s, tick 1 s, {} colleagues, nothing changes): the state changed {changes} times in {} s (changed parts: {})",
        last.colleagues.len(),
        window.as_secs(),
        parts.join(", ")
    );
    let mut rig = rig;
    rig.stop_bridge().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    idle_state_changes().await;
    let mut engine = EngineConfig::default();
    engine.sync.debounce_seconds = args.debounce_s;
    let options = BridgeOptions {
        engine,
        graph_poll_interval: args.poll,
        starface_poll_interval: args.poll,
        tick_interval: Duration::from_millis(100),
        ..BridgeOptions::default()
    };

    // Cold start: bridge start -> running with both sides read and the first sync decided.
    let started = Instant::now();
    let rig = Rig::start(RigOptions {
        colleagues: 50,
        bridge: options,
        manual_clock: false,
        xmpp: None,
    })
    .await;
    let bridge_started = started + rig.setup_time;
    rig.wait_for(TIMEOUT, Duration::ZERO, |rig| {
        let s = rig.snapshot();
        matches!(s.sync.state, SyncStateView::Running)
            && s.own.row.is_some()
            && s.own.starface_dnd.is_some()
    })
    .await
    .expect("first sync");
    println!(
        "cold start (bridge start -> first sync, 50 colleagues, poll {} ms): {:.0} ms (simulators + sign-in before it: {:.0} ms)",
        args.poll.as_millis(),
        bridge_started.elapsed().as_secs_f64() * 1e3,
        rig.setup_time.as_secs_f64() * 1e3
    );

    // Sync latency: alternate between a DND-on and a DND-off Teams state.
    let mut samples = Vec::with_capacity(args.changes);
    for _ in 0..args.changes {
        let on = !rig.dnd();
        let (availability, activity) = if on {
            ("Busy", "InAMeeting")
        } else {
            ("Available", "Available")
        };
        rig.set_teams(availability, activity);
        let took = rig
            .wait_for(TIMEOUT, Duration::ZERO, |rig| rig.dnd() == on)
            .await
            .expect("DND follows Teams");
        samples.push(took);
    }
    let budget =
        args.poll + Duration::from_secs(args.debounce_s.into()) + Duration::from_millis(300);
    report(
        &format!(
            "Teams change -> STARFACE DND (poll {} ms, debounce {} s)",
            args.poll.as_millis(),
            args.debounce_s
        ),
        samples,
        Some(budget),
    );

    // Call start -> Graph setPresence (the reverse direction).
    let control = rig.graph().control().clone();
    let mut samples = Vec::with_capacity(args.calls);
    for _ in 0..args.calls {
        let call = rig.pbx().start_call(LOGIN);
        let took = rig
            .wait_for(TIMEOUT, Duration::ZERO, |rig| {
                control.app_session(rig.me).is_some()
            })
            .await
            .expect("Teams presence session set");
        samples.push(took);
        rig.pbx().end_call(LOGIN, &call);
        rig.wait_for(TIMEOUT, Duration::ZERO, |rig| {
            control.app_session(rig.me).is_none()
        })
        .await
        .expect("session cleared");
    }
    report(
        &format!(
            "STARFACE call start -> Graph setPresence (STARFACE poll {} ms)",
            args.poll.as_millis()
        ),
        samples,
        Some(args.poll + Duration::from_millis(300)),
    );

    // Request economy: presence requests one poll costs, counted in the simulator's log, and
    // what PollPacing makes of it at the default 10 s interval. The bridge stops first so that
    // its own polls do not count.
    let mut rig = rig;
    rig.stop_bridge().await;
    let extra = control.add_users(5_000);
    let graph = rig.graph_client();
    let own = rig.me.to_string();
    println!("watched | presence requests per poll (simulator log) | poll interval | requests per hour | requests per 30 s");
    for watched in [0usize, 50, 649, 650, 5_000] {
        let ids: Vec<String> = extra
            .iter()
            .take(watched)
            .map(|id| id.to_string())
            .collect();
        let before = rig.graph_requests("getPresencesByUserId");
        let snapshot = graph.poll_presence(&own, &ids).await.expect("poll");
        let requests = rig.graph_requests("getPresencesByUserId") - before;
        assert_eq!(requests, snapshot.requests);
        let mut pacing = PollPacing::new(Duration::from_secs(10));
        pacing.set_requests_per_poll(requests);
        let interval = pacing.interval().as_secs_f64();
        println!(
            "{watched:>7} | {requests:>2} | {interval:.0} s | {:.0} | {:.1}",
            requests as f64 * 3600.0 / interval,
            pacing.requests_per_30s(requests)
        );
    }
    // The tenant budget is shared by every user of the app: with each user watching up to
    // 649 colleagues (one request per poll) at the default 10 s interval.
    let per_user_30s = PollPacing::new(Duration::from_secs(10)).requests_per_30s(1);
    println!(
        "largest organisation inside 1,500 presence requests / 30 s at 10 s (all users running the app, <= 649 watched each): {} users ({per_user_30s:.0} requests / 30 s each); at 650..1299 watched: {} users",
        (1_500.0 / per_user_30s).floor(),
        (1_500.0 / PollPacing::new(Duration::from_secs(10)).requests_per_30s(2)).floor(),
    );
}
