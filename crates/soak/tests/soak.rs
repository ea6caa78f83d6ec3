//! Fault soak: a compressed working day of Teams transitions against both simulators while faults
//! are injected, with the real bridge in between (real 100 ms poll intervals, decision time from a
//! manual clock). After each fault clears, STARFACE must show the mapping's target; DND is written
//! at most once per Teams transition, never while paused; and no secret reaches the log or the
//! journal.
//!
//! Short form (CI): `cargo test -p soak --test soak`. Long form: `SOAK_ROUNDS=20 cargo test -p
//! soak --test soak -- --nocapture` (or `benches/soak-long.sh`) repeats the faulty day.

use std::sync::Mutex;
use std::time::Duration;

use bridge::{BridgeCommand, BridgeOptions, SyncStateView};
use simulators::graph::{Fault, FaultKind};
use soak::{Rig, RigOptions};

/// Generous real-time bound for convergence on a loaded 2-core machine; the behaviour asserted
/// is *how many polls* it took, not how long.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Decision-time step per look: longer than the 3 s debounce, so an observed change is applied
/// at the next tick.
const STEP: Duration = Duration::from_secs(4);
const PRESENCE: &str = "getPresencesByUserId";

/// Teams states alternating between the two DND targets of the default mapping.
const DAY: [(&str, &str, bool); 4] = [
    ("Busy", "InAMeeting", true),
    ("Available", "Available", false),
    ("DoNotDisturb", "Presenting", true),
    ("Available", "Available", false),
];

#[derive(Debug, Clone, Copy)]
enum Injected {
    None,
    Graph429,
    Graph5xx,
    GraphSlow,
    GraphTokenExpired,
    KeychainLocked,
    StarfaceRest5xx,
    StarfaceTokensExpired,
    StarfaceRestart,
    NetworkLoss,
    ClockJump,
}

const FAULTS: [Injected; 11] = [
    Injected::None,
    Injected::Graph429,
    Injected::Graph5xx,
    Injected::GraphSlow,
    Injected::GraphTokenExpired,
    Injected::KeychainLocked,
    Injected::StarfaceRest5xx,
    Injected::StarfaceTokensExpired,
    Injected::StarfaceRestart,
    Injected::NetworkLoss,
    Injected::ClockJump,
];

struct Soak {
    rig: Rig,
    transitions: usize,
    /// Graph polls after each fault cleared until STARFACE matched (the figure in
    /// docs/RELIABILITY.md).
    polls_to_converge: Vec<(String, usize)>,
}

impl Soak {
    /// One Teams transition under `fault`: inject, change Teams, let polls fail for a while,
    /// clear, then require the target within one successful poll (+1 already in flight).
    async fn transition(&mut self, fault: Injected, state: (&str, &str, bool)) {
        let (availability, activity, dnd) = state;
        let writes_before = self.rig.dnd_writes();
        let mut stopped = false;
        match fault {
            Injected::None => {}
            Injected::Graph429 => self.graph_fault(FaultKind::TooManyRequests {
                retry_after: Some("0.35".into()),
            }),
            Injected::Graph5xx => {
                self.graph_fault(FaultKind::InternalServerError);
                self.graph_fault(FaultKind::ServiceUnavailable { retry_after: None });
            }
            Injected::GraphSlow => self.graph_fault(FaultKind::Delay(Duration::from_millis(1_500))),
            Injected::GraphTokenExpired => self.rig.graph.control().expire_access_tokens(),
            Injected::KeychainLocked => {
                self.rig.store.set_locked(true);
                self.rig.graph.control().expire_access_tokens();
            }
            Injected::StarfaceRest5xx => {
                self.rig.pbx.inject_rest_failure("/rest/users", 500, 3);
                self.rig.pbx.inject_rest_failure("/rest/users", 503, 2);
            }
            Injected::StarfaceTokensExpired => {
                self.rig.pbx.expire_tokens();
                self.rig.pbx.expire_uci_sessions();
            }
            Injected::StarfaceRestart => self.rig.pbx.restart().await.expect("PBX restarts"),
            Injected::NetworkLoss => {
                self.rig.pbx.stop().await;
                stopped = true;
            }
            Injected::ClockJump => {
                // Suspend/resume: nine hours pass at once.
                if let Some(clock) = &self.rig.manual_clock {
                    clock.advance(Duration::from_secs(9 * 3600));
                }
            }
        }
        let graph_errors = self.graph_errors();
        self.rig.set_teams(availability, activity);
        // Several polls under the fault.
        self.rig
            .let_time_pass(Duration::from_secs(2), Duration::from_millis(800))
            .await;
        if stopped {
            assert_eq!(
                self.rig.dnd(),
                !dnd,
                "written while the PBX was unreachable"
            );
            self.rig.pbx.restart().await.expect("PBX back");
        }
        if matches!(fault, Injected::KeychainLocked) {
            self.rig.store.set_locked(false);
        }
        self.rig.graph.control().clear_faults();
        if matches!(fault, Injected::Graph429 | Injected::Graph5xx) {
            assert!(
                self.graph_errors() > graph_errors,
                "{fault:?} was injected but Graph never answered with an error"
            );
        }

        let polls_at_clear = self.rig.graph_requests(PRESENCE);
        let converged = self
            .rig
            .wait_for(TIMEOUT, STEP, |rig| rig.dnd() == dnd)
            .await;
        assert!(
            converged.is_some(),
            "after {fault:?}: STARFACE DND never became {dnd}; snapshot {:#?}",
            self.rig.snapshot()
        );
        let polls = self.rig.graph_requests(PRESENCE) - polls_at_clear;
        self.polls_to_converge.push((format!("{fault:?}"), polls));
        // One poll sees the state; one more may have been in flight when the fault cleared.
        assert!(
            polls <= 2,
            "after {fault:?}: {polls} presence polls before STARFACE matched the mapping"
        );
        let writes = self.rig.dnd_writes() - writes_before;
        assert!(
            writes <= 1,
            "after {fault:?}: {writes} DND writes for one Teams transition"
        );
        // Settle: several more polls must not write again.
        self.rig
            .let_time_pass(Duration::from_secs(10), Duration::from_millis(500))
            .await;
        assert_eq!(
            self.rig.dnd_writes() - writes_before,
            writes,
            "after {fault:?}: DND written again without a Teams transition"
        );
        self.transitions += 1;
    }

    /// Graph answers that were errors (throttling, server errors).
    fn graph_errors(&self) -> usize {
        self.rig
            .graph
            .control()
            .log()
            .entries()
            .iter()
            .filter(|r| r.status >= 400)
            .count()
    }

    fn graph_fault(&self, kind: FaultKind) {
        self.rig
            .graph
            .control()
            .inject_fault(Fault::new(PRESENCE, kind, 3));
    }

    /// Paused: Teams changes several times, nothing is written; after Resume the current state
    /// is applied.
    async fn pause(&mut self) {
        self.rig
            .bridge()
            .send(BridgeCommand::PauseFor(Duration::from_secs(3600)))
            .expect("bridge running");
        self.rig
            .wait_for(TIMEOUT, Duration::ZERO, |rig| {
                matches!(rig.snapshot().sync.state, SyncStateView::Paused { .. })
            })
            .await
            .expect("paused");
        let writes = self.rig.dnd_writes();
        let before = self.rig.dnd();
        for (availability, activity, _) in DAY {
            self.rig.set_teams(availability, activity);
            self.rig
                .let_time_pass(Duration::from_secs(20), Duration::from_millis(400))
                .await;
        }
        self.rig.set_teams("Busy", "InAMeeting");
        self.rig
            .let_time_pass(Duration::from_secs(20), Duration::from_millis(400))
            .await;
        assert_eq!(self.rig.dnd_writes(), writes, "DND written while paused");
        assert_eq!(self.rig.dnd(), before);
        self.rig
            .bridge()
            .send(BridgeCommand::Resume)
            .expect("bridge running");
        self.rig
            .wait_for(TIMEOUT, STEP, |rig| rig.dnd())
            .await
            .expect("the state after the pause is applied");
        assert!(self.rig.dnd_writes() - writes <= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_working_day_with_faults() {
    let rounds: usize = std::env::var("SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let dir = tempfile::tempdir().expect("log dir");
    let log_path = dir.path().join("bridge.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    // Everything the bridge and the clients log, at the most verbose level, goes to this file
    // (scanned for secrets at the end).
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(Mutex::new(log))
        .init();

    let rig = Rig::start(RigOptions {
        colleagues: 20,
        bridge: BridgeOptions {
            graph_poll_interval: Duration::from_millis(100),
            starface_poll_interval: Duration::from_millis(100),
            tick_interval: Duration::from_millis(20),
            ..BridgeOptions::default()
        },
        manual_clock: true,
    })
    .await;
    rig.wait_for(TIMEOUT, Duration::ZERO, |rig| {
        matches!(rig.snapshot().sync.state, SyncStateView::Running)
    })
    .await
    .expect("the sync runs");
    let mut soak = Soak {
        rig,
        transitions: 0,
        polls_to_converge: Vec::new(),
    };

    let mut day = DAY.iter().cycle();
    for _ in 0..rounds {
        for fault in FAULTS {
            let state = *day.next().expect("cycle");
            soak.transition(fault, state).await;
        }
        soak.pause().await;
        // Back to a known state for the next round.
        soak.transition(Injected::None, DAY[1]).await;
        day = DAY.iter().cycle();
    }

    // Revoked refresh token: the bridge must say "sign in again" and write nothing, not crash.
    let writes = soak.rig.dnd_writes();
    soak.rig.graph.control().revoke_refresh_tokens();
    soak.rig.graph.control().expire_access_tokens();
    soak.rig.set_teams("Busy", "InAMeeting");
    soak.rig
        .let_time_pass(Duration::from_secs(30), Duration::from_millis(1_500))
        .await;
    assert_eq!(
        soak.rig.dnd_writes(),
        writes,
        "DND written from a stale Teams state after the refresh token was revoked"
    );

    let secrets = soak.rig.secrets();
    assert!(
        secrets.len() >= 3,
        "too few secrets collected: {}",
        secrets.len()
    );
    soak.rig.stop_bridge().await;
    let leaks = Rig::leaked_secrets(
        &[dir.path().to_owned(), soak.rig.dir().to_owned()],
        &secrets,
    );
    assert!(
        std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0) > 0,
        "nothing was logged: the scan would prove nothing"
    );
    assert!(leaks.is_empty(), "secrets in files: {leaks:?}");
    println!(
        "soak: {rounds} round(s), {} transitions, {} secrets scanned for, polls to converge after each fault: {:?}",
        soak.transitions,
        secrets.len(),
        soak.polls_to_converge
    );
}
