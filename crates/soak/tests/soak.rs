//! Fault soak: a compressed working day of Teams transitions against both simulators while faults
//! are injected, with the real bridge in between (real 100 ms poll intervals, decision time from a
//! manual clock). After each fault clears, STARFACE must show the mapping's target; DND is written
//! at most once per Teams transition, never while paused; and no secret reaches the log or the
//! journal.
//!
//! The chat status also goes over XMPP to a real Prosody (started by the test; needs the Debian
//! package `prosody` and root, as the other Prosody tests do), watched by a second XMPP client.
//!
//! Short form (CI): `cargo test -p soak --test soak`. Long form: `SOAK_ROUNDS=20 cargo test -p
//! soak --test soak -- --nocapture` (or `benches/soak-long.sh`) repeats the faulty day.

use std::sync::Mutex;
use std::time::Duration;

use bridge::{BridgeCommand, BridgeOptions, SyncStateView};
use presence_core::{Mapping, StatusRow, TeamsPresence};
use simulators::graph::{Fault, FaultKind};
use soak::{Rig, RigOptions, LOGIN, PBX_PASSWORD};
use starface_client::xmpp::{ChatStatus, XmppSettings};
use starface_client::{ChatPresence, TlsTrust};
use test_session::xmpp_peer::{PeerView, XmppPeer};
use test_session::ProsodyServer;
use tokio_xmpp::jid::BareJid;

/// Generous real-time bound for convergence on a loaded 2-core machine; the behaviour asserted
/// is *how many polls* it took, not how long.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Decision-time step per look: longer than the 3 s debounce, so an observed change is applied
/// at the next tick.
const STEP: Duration = Duration::from_secs(4);
const PRESENCE: &str = "getPresencesByUserId";
/// Real-time bound for the XMPP link to reconnect after Prosody restarts: tokio-xmpp's backoff
/// starts at 1 s and doubles, and Prosody takes a second or two to start on a loaded machine.
const XMPP_TIMEOUT: Duration = Duration::from_secs(60);
/// The second XMPP client that watches the user's chat status.
const PEER: (&str, &str) = ("watcher", "watcher-pw-5bE2");
/// The link's resource (`XmppSettings::new` default).
const LINK_RESOURCE: &str = "presence-bridge";

/// Extra seconds Prosody stays down after the DND converged (`SOAK_XMPP_OUTAGE_S`, default 8:
/// down for about 9 s, longer than the bridge's 5 s chat status command timeout and past
/// tokio-xmpp's third reconnect attempt; outages over 5 s used to stop the link publishing, see
/// docs/RELIABILITY.md).
fn xmpp_outage() -> Duration {
    let seconds = std::env::var("SOAK_XMPP_OUTAGE_S")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    Duration::from_secs(seconds)
}

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
    /// The Graph front end closes connections without answering.
    GraphReset,
    GraphTokenExpired,
    KeychainLocked,
    StarfaceRest5xx,
    StarfaceTokensExpired,
    StarfaceRestart,
    /// The XMPP server goes down during the transition and comes back with no presence.
    XmppRestart,
    NetworkLoss,
    ClockJump,
}

const FAULTS: [Injected; 13] = [
    Injected::None,
    Injected::Graph429,
    Injected::Graph5xx,
    Injected::GraphSlow,
    Injected::GraphReset,
    Injected::GraphTokenExpired,
    Injected::KeychainLocked,
    Injected::StarfaceRest5xx,
    Injected::StarfaceTokensExpired,
    Injected::StarfaceRestart,
    Injected::XmppRestart,
    Injected::NetworkLoss,
    Injected::ClockJump,
];

struct Soak {
    rig: Rig,
    prosody: ProsodyServer,
    /// A second XMPP client subscribed to the user: what a colleague's chat client shows.
    watcher: XmppPeer,
    /// Real time from each Prosody restart until the watcher saw the chat status again.
    xmpp_recoveries: Vec<Duration>,
    transitions: usize,
    /// Successful Graph presence polls after each fault cleared until STARFACE matched (the figure in
    /// docs/RELIABILITY.md).
    polls_to_converge: Vec<(String, usize)>,
}

impl Soak {
    /// One Teams transition under `fault`: inject, change Teams, let polls fail for a while,
    /// clear, then require the target within one successful poll (+1 already in flight).
    async fn transition(&mut self, fault: Injected, state: (&str, &str, bool)) {
        let (availability, activity, dnd) = state;
        let writes_before = self.rig.dnd_writes();
        let hang_ups_before = self.rig.graph_hang_ups();
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
            Injected::GraphReset => self.graph_fault(FaultKind::ConnectionReset),
            Injected::GraphTokenExpired => self.rig.graph().control().expire_access_tokens(),
            Injected::KeychainLocked => {
                self.rig.store.set_locked(true);
                self.rig.graph().control().expire_access_tokens();
            }
            Injected::StarfaceRest5xx => {
                self.rig.pbx().inject_rest_failure("/rest/users", 500, 3);
                self.rig.pbx().inject_rest_failure("/rest/users", 503, 2);
            }
            Injected::StarfaceTokensExpired => {
                self.rig.pbx().expire_tokens();
                self.rig.pbx().expire_uci_sessions();
            }
            Injected::StarfaceRestart => self.rig.pbx().restart().await.expect("PBX restarts"),
            Injected::XmppRestart => {
                // The status before the fault was on the server, so what the watcher sees
                // afterwards can only come from the link publishing again.
                self.expect_chat_status(state_before(state), "before the restart")
                    .await;
                self.prosody.stop();
            }
            Injected::NetworkLoss => {
                self.rig.pbx().stop().await;
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
            self.rig.pbx().restart().await.expect("PBX back");
        }
        if matches!(fault, Injected::KeychainLocked) {
            self.rig.store.set_locked(false);
        }
        self.rig.graph().control().clear_faults();
        if matches!(fault, Injected::Graph429 | Injected::Graph5xx) {
            assert!(
                self.graph_errors() > graph_errors,
                "{fault:?} was injected but Graph never answered with an error"
            );
        }
        if matches!(fault, Injected::GraphReset) {
            assert!(
                self.rig.graph_hang_ups() > hang_ups_before,
                "resets were injected but Graph never hung up"
            );
        }

        let polls_at_clear = self.rig.graph_successes(PRESENCE);
        let converged = self
            .rig
            .wait_for(TIMEOUT, STEP, |rig| rig.dnd() == dnd)
            .await;
        assert!(
            converged.is_some(),
            "after {fault:?}: STARFACE DND never became {dnd}; snapshot {:#?}",
            self.rig.snapshot()
        );
        let polls = self.rig.graph_successes(PRESENCE) - polls_at_clear;
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
        if matches!(fault, Injected::XmppRestart) {
            // DND went through while the XMPP server was down, and so did the chat status
            // command (the link keeps it); the server comes back without any presence.
            tokio::time::sleep(xmpp_outage()).await;
            tokio::task::block_in_place(|| self.prosody.restart());
            let restarted = tokio::time::Instant::now();
            self.expect_chat_status((availability, activity), "after the restart")
                .await;
            self.xmpp_recoveries.push(restarted.elapsed());
        }
        // Settle: several more polls must not write again.
        self.rig
            .let_time_pass(Duration::from_secs(10), Duration::from_millis(500))
            .await;
        assert_eq!(
            self.rig.dnd_writes() - writes_before,
            writes,
            "after {fault:?}: DND written again without a Teams transition"
        );
        if matches!(fault, Injected::XmppRestart) {
            // Restarted again without a Teams change: the same status is published again.
            let sessions = self.watcher.view().sessions;
            tokio::task::block_in_place(|| self.prosody.restart());
            let restarted = tokio::time::Instant::now();
            self.watcher
                .wait_for("the watcher back online", XMPP_TIMEOUT, |v| {
                    v.sessions > sessions
                })
                .await;
            self.expect_chat_status((availability, activity), "after a second restart")
                .await;
            self.xmpp_recoveries.push(restarted.elapsed());
            assert_eq!(
                self.rig.dnd_writes() - writes_before,
                writes,
                "an XMPP restart made the bridge write DND again"
            );
        }
        self.transitions += 1;
    }

    /// Waits until the watcher sees the link's chat status as the mapping says for this Teams
    /// state.
    async fn expect_chat_status(&self, teams: (&str, &str), when: &str) {
        let wanted = mapped_chat_status(teams);
        let jid = format!("{LOGIN}@{}/{LINK_RESOURCE}", self.prosody.domain());
        self.watcher
            .wait_for(
                &format!("the chat status {wanted:?} for Teams {teams:?} {when}"),
                XMPP_TIMEOUT,
                |view: &PeerView| view.presences.get(&jid) == Some(&wanted),
            )
            .await;
    }

    /// Graph answers that were errors (throttling, server errors).
    fn graph_errors(&self) -> usize {
        self.rig
            .graph()
            .control()
            .log()
            .entries()
            .iter()
            .filter(|r| r.status >= 400)
            .count()
    }

    fn graph_fault(&self, kind: FaultKind) {
        self.rig
            .graph()
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

/// The Teams state of the day before `state` (the transitions alternate through `DAY`).
fn state_before(state: (&str, &str, bool)) -> (&'static str, &'static str) {
    let index = DAY
        .iter()
        .position(|d| (d.0, d.1) == (state.0, state.1))
        .expect("a state of the day");
    let (availability, activity, _) = DAY[(index + DAY.len() - 1) % DAY.len()];
    (availability, activity)
}

/// What the default mapping publishes over XMPP for a Teams state.
fn mapped_chat_status((availability, activity): (&str, &str)) -> ChatStatus {
    let teams = TeamsPresence::new(availability, activity);
    let target = Mapping::default()
        .row(StatusRow::from_presence(&teams))
        .chat
        .target(&teams)
        .expect("every state of the day sets a chat status");
    let presence = ChatPresence::from_uci_name(target.presence.as_starface_str())
        .expect("a STARFACE chat presence");
    ChatStatus::new(presence, Some(target.message.as_str()))
}

/// Prosody with the user (XMPP login = STARFACE login and password, as on a STARFACE) and a
/// watcher subscribed to the user's presence.
async fn prosody_with_watcher() -> (ProsodyServer, XmppPeer) {
    let prosody = tokio::task::block_in_place(|| {
        ProsodyServer::start(&[(LOGIN, PBX_PASSWORD), (PEER.0, PEER.1)])
    });
    let trust = TlsTrust::Pin(prosody.cert_pin());
    // A short-lived client as the user approves the watcher's subscription.
    let user = XmppPeer::connect(
        prosody.port(),
        prosody.domain(),
        LOGIN,
        PBX_PASSWORD,
        trust.clone(),
    );
    let watcher = XmppPeer::connect(prosody.port(), prosody.domain(), PEER.0, PEER.1, trust);
    user.wait_for("the user online", XMPP_TIMEOUT, |v| v.sessions >= 1)
        .await;
    watcher
        .wait_for("the watcher online", XMPP_TIMEOUT, |v| v.sessions >= 1)
        .await;
    let user_jid = BareJid::new(&format!("{LOGIN}@{}", prosody.domain())).expect("jid");
    watcher.subscribe_to(&user_jid).await;
    watcher
        .wait_for("the user's presence after subscribing", XMPP_TIMEOUT, |v| {
            v.presences
                .keys()
                .any(|k| k.starts_with(&format!("{LOGIN}@")) && k.ends_with("/test-peer"))
        })
        .await;
    user.close().await;
    (prosody, watcher)
}

fn xmpp_settings(prosody: &ProsodyServer) -> XmppSettings {
    let mut settings = XmppSettings::new(
        "127.0.0.1",
        prosody.domain(),
        LOGIN,
        keychain::Secret::new(PBX_PASSWORD),
    );
    settings.port = prosody.port();
    settings.trust = TlsTrust::Pin(prosody.cert_pin());
    // Short, so a dead link is noticed within the soak's time (the defaults are 60 s / 20 s).
    settings.keepalive_interval = Duration::from_secs(5);
    settings.response_timeout = Duration::from_secs(5);
    settings
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

    let (prosody, watcher) = prosody_with_watcher().await;
    let rig = Rig::start(RigOptions {
        colleagues: 20,
        bridge: BridgeOptions {
            graph_poll_interval: Duration::from_millis(100),
            starface_poll_interval: Duration::from_millis(100),
            tick_interval: Duration::from_millis(20),
            ..BridgeOptions::default()
        },
        manual_clock: true,
        xmpp: Some(xmpp_settings(&prosody)),
    })
    .await;
    rig.wait_for(TIMEOUT, Duration::ZERO, |rig| {
        matches!(rig.snapshot().sync.state, SyncStateView::Running)
    })
    .await
    .expect("the sync runs");
    let mut soak = Soak {
        rig,
        prosody,
        watcher,
        xmpp_recoveries: Vec::new(),
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
    soak.rig.graph().control().revoke_refresh_tokens();
    soak.rig.graph().control().expire_access_tokens();
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
    println!(
        "soak: chat status seen again on Prosody after each restart (real time): {:?}",
        soak.xmpp_recoveries
    );
    soak.watcher.close().await;
}
