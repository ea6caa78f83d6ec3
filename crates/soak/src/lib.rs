//! The simulated office, its user signed in with the tokens in an in-memory keychain, and the
//! real bridge against it: the rig shared by the fault soak (`tests/soak.rs`) and the
//! bridge-level figures (`src/bin/bridge-figures.rs`).
//!
//! Secrets are made distinctive (the STARFACE password, the Graph tokens read back from the
//! keychain) so that [`Rig::leaked_secrets`] can scan every log, journal and config file for them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge::demo::OfficeAccount;
use bridge::{
    BridgeHandle, BridgeNotification, BridgeOptions, BridgeSnapshot, ManualBridgeClock, Notifier,
    SharedClock, SystemBridgeClock,
};
use graph_client::GraphClient;
use keychain::{names, MemoryStore, SecretStore};
use simulators::graph::GraphSimulator;
use simulators::office::Office;
use simulators::starface::StarfaceSimulator;
use starface_client::xmpp::XmppSettings;
use uuid::Uuid;

/// The user's STARFACE login.
pub const LOGIN: &str = simulators::office::USER_LOGIN;
/// Distinctive, so a leak is found by a plain substring scan.
pub const PBX_PASSWORD: &str = "pbx-pw-Zq81xV3mTq";

/// A notifier as on a desktop without notification daemon: every notification is lost.
#[derive(Debug, Default)]
pub struct NoDaemonNotifier;

impl Notifier for NoDaemonNotifier {
    fn notify(&self, notification: &BridgeNotification) {
        tracing::warn!(
            ?notification,
            "no notification daemon; notification dropped"
        );
    }
}

/// How to build the rig.
pub struct RigOptions {
    /// Colleagues in the office (besides the user).
    pub colleagues: usize,
    /// Bridge options (intervals, engine config, journal file is set by the rig).
    pub bridge: BridgeOptions,
    /// A manual clock for decisions (soak), or the system clock (latency figures).
    pub manual_clock: bool,
    /// The chat status link to an XMPP server (the soak's Prosody); `None`: chat status over
    /// UCI only.
    pub xmpp: Option<XmppSettings>,
}

/// The office, keychain, bridge and a temp folder holding the journal.
pub struct Rig {
    pub office: Office,
    pub store: Arc<MemoryStore>,
    pub me: Uuid,
    pub manual_clock: Option<ManualBridgeClock>,
    pub bridge: Option<BridgeHandle>,
    pub dir: tempfile::TempDir,
    /// Wall time from `Rig::start` until the bridge was started (sign-in and simulators).
    pub setup_time: Duration,
    account: OfficeAccount,
    options: BridgeOptions,
    xmpp: Option<XmppSettings>,
}

impl Rig {
    /// Opens the office, signs in (device code, approved by the office) and starts the bridge.
    pub async fn start(options: RigOptions) -> Self {
        let begun = Instant::now();
        let office = Office::builder()
            .colleagues(options.colleagues)
            .password(PBX_PASSWORD)
            .start()
            .await
            .expect("the office opens");
        let store = Arc::new(MemoryStore::new());
        store
            .set(
                names::STARFACE_PASSWORD,
                &keychain::Secret::new(PBX_PASSWORD),
            )
            .expect("memory store");
        let account = OfficeAccount::sign_in(&office, store.clone())
            .await
            .expect("device sign-in");
        let dir = tempfile::tempdir().expect("temp dir");
        let bridge_options = BridgeOptions {
            journal_file: Some(dir.path().join("journal.log")),
            ..options.bridge
        };
        let mut rig = Self {
            me: office.me().id(),
            office,
            store,
            manual_clock: options.manual_clock.then(ManualBridgeClock::new),
            bridge: None,
            dir,
            setup_time: Duration::ZERO,
            account,
            options: bridge_options,
            xmpp: options.xmpp,
        };
        rig.setup_time = begun.elapsed();
        rig.start_bridge();
        rig
    }

    /// Starts (or restarts, after [`Rig::stop_bridge`]) the bridge with fresh connectors.
    pub fn start_bridge(&mut self) {
        let clock: SharedClock = match &self.manual_clock {
            Some(clock) => Arc::new(clock.clone()),
            None => Arc::new(SystemBridgeClock::new()),
        };
        let connectors = self
            .account
            .connectors(self.xmpp.clone())
            .expect("connectors");
        let bridge = bridge::start(
            self.options.clone(),
            connectors,
            clock,
            Arc::new(NoDaemonNotifier),
        )
        .expect("bridge starts");
        self.bridge = Some(bridge);
    }

    /// The office's Graph simulator.
    pub fn graph(&self) -> &GraphSimulator {
        self.office.graph()
    }

    /// The office's PBX.
    pub fn pbx(&self) -> &StarfaceSimulator {
        self.office.pbx()
    }

    /// A Graph client on the rig's signed-in account (for request-economy measurements).
    pub fn graph_client(&self) -> GraphClient {
        GraphClient::new(self.account.credentials())
    }

    /// Shuts the bridge down cleanly.
    pub async fn stop_bridge(&mut self) {
        if let Some(bridge) = self.bridge.take() {
            bridge.shutdown().await;
        }
    }

    pub fn bridge(&self) -> &BridgeHandle {
        self.bridge.as_ref().expect("bridge running")
    }

    pub fn snapshot(&self) -> BridgeSnapshot {
        self.bridge().snapshot()
    }

    pub fn set_teams(&self, availability: &str, activity: &str) {
        self.office.set_teams(availability, activity);
    }

    pub fn dnd(&self) -> bool {
        self.office.dnd()
    }

    /// Successful DND writes (`PUT .../phoneconfig` answered 2xx).
    pub fn dnd_writes(&self) -> usize {
        self.pbx()
            .request_log()
            .entries()
            .iter()
            .filter(|r| {
                r.method == "PUT" && r.path.ends_with("/phoneconfig") && r.status / 100 == 2
            })
            .count()
    }

    /// Graph requests the simulator hung up on instead of answering (injected resets).
    pub fn graph_hang_ups(&self) -> usize {
        self.graph()
            .control()
            .log()
            .entries()
            .iter()
            .filter(|r| r.status == 0)
            .count()
    }

    /// Graph requests whose path ends with `leaf` that were answered with success: the polls
    /// that could have seen a Teams state (a 401 answered before a token refresh did not).
    pub fn graph_successes(&self, leaf: &str) -> usize {
        self.graph()
            .control()
            .log()
            .entries()
            .iter()
            .filter(|r| r.path.ends_with(leaf) && r.status / 100 == 2)
            .count()
    }

    /// Graph requests whose path ends with `leaf` (all methods, all answers).
    pub fn graph_requests(&self, leaf: &str) -> usize {
        self.graph()
            .control()
            .log()
            .entries()
            .iter()
            .filter(|r| r.path.ends_with(leaf))
            .count()
    }

    /// Every secret the run has used: the STARFACE password and the Microsoft refresh and
    /// access tokens the simulator issued (read back from the request logs' headers and bodies).
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![PBX_PASSWORD.to_owned()];
        // The keychain may be locked by the soak; the refresh token is in it otherwise.
        if let Ok(Some(refresh)) = self.store.get(names::MICROSOFT_REFRESH_TOKEN) {
            secrets.push(refresh.expose().to_owned());
        }
        for entry in self.graph().control().log().entries() {
            for (name, value) in &entry.headers {
                if name.eq_ignore_ascii_case("authorization") {
                    if let Some(token) = value.strip_prefix("Bearer ") {
                        secrets.push(token.to_owned());
                    }
                }
            }
            for pair in entry.body.split('&') {
                if let Some(token) = pair.strip_prefix("refresh_token=") {
                    secrets.push(token.to_owned());
                }
            }
        }
        for entry in self.pbx().request_log().entries() {
            for (name, value) in &entry.headers {
                if name.eq_ignore_ascii_case("authtoken")
                    || name.eq_ignore_ascii_case("authorization")
                {
                    secrets.push(value.trim_start_matches("Bearer ").to_owned());
                }
            }
            if let Some(query) = &entry.query {
                for pair in query.split('&') {
                    if let Some((_, token)) = pair.split_once("starface.auth=") {
                        // The UCI token is `login:hash`, URL-encoded in the query.
                        secrets.push(token.replace("%3A", ":"));
                    }
                }
            }
        }
        // Short values would match by accident; real tokens are long.
        secrets.retain(|s| s.len() >= 12);
        secrets.sort();
        secrets.dedup();
        secrets
    }

    /// Files under `paths` (recursively) that contain any of `secrets`, as `(file, secret
    /// prefix)` pairs. Empty when nothing leaked.
    pub fn leaked_secrets(paths: &[PathBuf], secrets: &[String]) -> Vec<(PathBuf, String)> {
        let mut leaks = Vec::new();
        let mut files = Vec::new();
        for path in paths {
            collect_files(path, &mut files);
        }
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            for secret in secrets {
                if text.contains(secret.as_str()) {
                    leaks.push((file.clone(), secret.chars().take(6).collect()));
                }
            }
        }
        leaks
    }

    /// Waits (real time, up to `timeout`) until `condition` holds; with a manual clock, moves it
    /// by `step` between looks so debounce deadlines pass. Returns the real time it took.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        step: Duration,
        mut condition: impl FnMut(&Self) -> bool,
    ) -> Option<Duration> {
        let begun = Instant::now();
        while !condition(self) {
            if begun.elapsed() > timeout {
                return None;
            }
            if let Some(clock) = &self.manual_clock {
                clock.advance(step);
            }
            tokio::time::sleep(Duration::from_millis(if self.manual_clock.is_some() {
                40
            } else {
                2
            }))
            .await;
        }
        Some(begun.elapsed())
    }

    /// Moves the manual clock by `total` in steps while real time passes (several polls).
    pub async fn let_time_pass(&self, total: Duration, real: Duration) {
        let steps = 10u32;
        for _ in 0..steps {
            if let Some(clock) = &self.manual_clock {
                clock.advance(total / steps);
            }
            tokio::time::sleep(real / steps).await;
        }
    }

    pub fn journal_path(&self) -> PathBuf {
        self.dir.path().join("journal.log")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                collect_files(&entry.path(), out);
            }
        }
    } else if path.is_file() {
        out.push(path.to_owned());
    }
}

/// Percentile (nearest rank) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
