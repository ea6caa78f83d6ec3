//! The relay's figures for docs/PERFORMANCE.md (a measurement, not a test):
//!
//! - a three-node TLS NATS cluster (Debian's nats-server), the bucket R3;
//! - the Graph simulator with a generated tenant (default 50,000 users), budget 1,500 / 30 s;
//! - the real `presence-relay` binary as its own process (5 s poll, 20 % share, 10 s lease);
//! - N desktop-side watchers (default 1,000), each watching the two people who change plus one
//!   of its own, over the read-only user.
//!
//! Prints: Graph presence requests per 30 s; change at Graph -> value in NATS (p50/p95/max);
//! change -> every watcher notified (p50/p95/max over all watcher samples, and per change
//! until the last watcher); relay RSS and CPU; failover time at the default lease.
//!
//! `cargo bench -p presence-relay --bench relay_figures -- [--users N] [--watchers N] [--changes N] [--share PERCENT]`

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::Rng;
use relay_feed::{FeedHealth, PresenceUpdate, PresenceValue, PresenceWatcher, WatchTiming};
use simulators::graph::{
    AppOnlySetup, GraphSimSetup, GraphSimulator, RosterSetup, DEFAULT_TENANT_ID, RELAY_CLIENT_ID,
};
use test_session::nats;
use tokio::sync::mpsc;

const SECRET: &str = "bench-client-secret";
const STATES: [(&str, &str); 4] = [
    ("Busy", "InACall"),
    ("Available", "Available"),
    ("DoNotDisturb", "Presenting"),
    ("Away", "Away"),
];

struct Args {
    /// `polling.budget_share_percent` of the relay (default 20).
    share: u32,
    users: u32,
    watchers: usize,
    changes: usize,
}

fn args() -> Args {
    let mut parsed = Args {
        share: 20,
        users: 50_000,
        watchers: 1_000,
        changes: 24,
    };
    let raw: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < raw.len() {
        let value = || raw.get(i + 1).and_then(|v| v.parse().ok());
        match raw[i].as_str() {
            "--users" => parsed.users = value().expect("--users N"),
            "--watchers" => parsed.watchers = value().expect("--watchers N") as usize,
            "--changes" => parsed.changes = value().expect("--changes N") as usize,
            "--share" => parsed.share = value().expect("--share PERCENT"),
            _ => {} // cargo bench passes --bench
        }
        i += 1;
    }
    parsed
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name}: n={} p50={} ms p95={} ms max={} ms",
        samples.len(),
        percentile(&samples, 50.0).as_millis(),
        percentile(&samples, 95.0).as_millis(),
        samples.last().copied().unwrap_or_default().as_millis()
    );
}

/// (utime + stime) in clock ticks, VmRSS and VmHWM in kB.
fn process_figures(pid: u32) -> (u64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = fields
        .get(11)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (ticks, kb("VmRSS:"), kb("VmHWM:"))
}

fn private_file(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn start_relay(
    dir: &Path,
    name: &str,
    share: u32,
    cluster: &nats::NatsCluster,
    sim: &GraphSimulator,
) -> Child {
    private_file(&dir.join("secret"), SECRET);
    private_file(&dir.join("nats-password"), nats::RELAY_PASSWORD);
    let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let config = format!(
        "[microsoft]\ntenant = \"{DEFAULT_TENANT_ID}\"\nclient_id = \"{RELAY_CLIENT_ID}\"\n\
         client_secret_file = \"{dir}/secret\"\nauthority = \"{authority}\"\ngraph = \"{graph}\"\n\n\
         [nats]\nservers = [{servers}]\nuser = \"relay\"\npassword_file = \"{dir}/nats-password\"\n\
         ca_file = \"{ca}\"\n\n[polling]\nbudget_share_percent = {share}\n\n\
         [lease]\ninstance = \"{name}\"\n",
        dir = dir.display(),
        authority = sim.base_url(),
        graph = sim.graph_url(),
        servers = servers.join(", "),
        ca = cluster.ca_file.display(),
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, config).unwrap();
    Command::new(env!("CARGO_BIN_EXE_presence-relay"))
        .args(["run", "--config"])
        .arg(&path)
        .env(
            "PRESENCE_RELAY_LOG",
            std::env::var("BENCH_RELAY_LOG").unwrap_or_else(|_| "presence_relay=warn".into()),
        )
        .stdout(Stdio::null())
        .spawn()
        .expect("the relay binary starts")
}

async fn presence_requests(sim: &GraphSimulator) -> usize {
    sim.control()
        .log()
        .matching("POST", "/v1.0/communications/getPresencesByUserId")
        .len()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    println!(
        "relay figures: {} users, {} watchers, {} changes, {} % of the budget",
        args.users, args.watchers, args.changes, args.share
    );
    let cluster = nats::NatsCluster::start(3).await;
    println!("NATS cluster of three is up");
    let sim = GraphSimulator::start(GraphSimSetup {
        colleagues: 5,
        app_only: AppOnlySetup {
            secrets: vec![SECRET.into()],
            ..AppOnlySetup::default()
        },
        roster: RosterSetup {
            users: args.users,
            delta_page_size: 999,
        },
        ..GraphSimSetup::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut leader = start_relay(dir.path(), "relay-a", args.share, &cluster, &sim);

    // The relay's view through NATS (relay user): every value of the people who change.
    let client = cluster.relay_connection().connect().await.unwrap();
    let js = async_nats::jetstream::new(client);
    let store = loop {
        if let Some(status) = leader.try_wait().unwrap() {
            panic!("the relay exited: {status}");
        }
        match js.get_key_value("presence").await {
            Ok(store) => break store,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    println!("the relay created the bucket");
    let started = Instant::now();
    loop {
        let values = match store.stream.get_info().await {
            Ok(info) => info.state.messages,
            Err(error) => {
                println!("bucket status: {error}");
                0
            }
        };
        if values >= args.users as u64 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the first cycle never finished"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "first full cycle (directory + {} values in NATS): {:.1} s",
        args.users,
        started.elapsed().as_secs_f64()
    );

    // Steady state: Graph requests in 30 s, the relay's CPU and memory meanwhile.
    let ticks_per_second = 100.0; // Linux USER_HZ
    let (ticks0, _, _) = process_figures(leader.id());
    let requests0 = presence_requests(&sim).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let requests = presence_requests(&sim).await - requests0;
    let elapsed = window.elapsed().as_secs_f64();
    let (ticks1, rss, hwm) = process_figures(leader.id());
    println!(
        "Graph presence requests in {elapsed:.1} s: {requests} ({:.1} % of 1,500 per 30 s)",
        requests as f64 * 30.0 / elapsed / 15.0
    );
    println!(
        "relay process, steady state: CPU {:.1} % of one core, RSS {} MB (peak {} MB)",
        (ticks1 - ticks0) as f64 / ticks_per_second / elapsed * 100.0,
        rss / 1024,
        hwm / 1024
    );

    // Watchers: each watches the two people who change and one of its own.
    let targets = [sim.control().roster_id(11), sim.control().roster_id(22)];
    let target_keys: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<(String, String, Instant)>();
    let mut watchers = Vec::new();
    let timing = WatchTiming::default();
    let connect_started = Instant::now();
    for i in 0..args.watchers {
        let own = sim.control().roster_id(1_000 + i as u32).to_string();
        let mut connection = cluster.desktop_connection();
        connection.connect_timeout = Duration::from_secs(20);
        connection.request_timeout = Duration::from_secs(20);
        let (watcher, mut updates) =
            PresenceWatcher::start(connection, target_keys.iter().cloned().chain([own]), timing);
        let seen = seen_tx.clone();
        tokio::spawn(async move {
            while let Some(update) = updates.recv().await {
                if let PresenceUpdate::Changed { id, value, .. } = update {
                    let _ = seen.send((id, value.availability.as_str().to_owned(), Instant::now()));
                }
            }
        });
        watchers.push(watcher);
    }
    for watcher in &watchers {
        let mut health = watcher.health();
        let _ = tokio::time::timeout(
            Duration::from_secs(300),
            health.wait_for(FeedHealth::is_live),
        )
        .await;
    }
    let live = watchers
        .iter()
        .filter(|w| w.health().borrow().is_live())
        .count();
    println!(
        "{live} of {} watchers live after {:.1} s",
        watchers.len(),
        connect_started.elapsed().as_secs_f64()
    );
    while seen_rx.try_recv().is_ok() {}

    let mut kv_watch = store.watch_many_keys(&target_keys).await;
    // A known start: both targets in STATES[0], seen in NATS and by the watchers.
    for target in &targets {
        sim.control()
            .set_presence(*target, STATES[0].0, STATES[0].1);
    }
    tokio::time::sleep(Duration::from_secs(20)).await;
    while seen_rx.try_recv().is_ok() {}
    while tokio::time::timeout(Duration::from_millis(100), kv_watch.next())
        .await
        .is_ok()
    {}
    let mut rng = rand::thread_rng();
    let mut to_nats = Vec::new();
    let mut to_watchers = Vec::new();
    let mut to_last_watcher = Vec::new();
    let mut current: HashMap<String, usize> = HashMap::new();
    for change in 0..args.changes {
        // A random phase against the poll cycle.
        tokio::time::sleep(Duration::from_millis(rng.gen_range(500..8_000))).await;
        let target = change % 2;
        let key = &target_keys[target];
        let state = (current.get(key).copied().unwrap_or(0) + 1) % STATES.len();
        current.insert(key.clone(), state);
        let (availability, activity) = STATES[state];
        let set_at = Instant::now();
        sim.control()
            .set_presence(targets[target], availability, activity);
        // NATS: the relay's write.
        let deadline = set_at + Duration::from_secs(60);
        loop {
            let next = tokio::time::timeout_at(deadline.into(), kv_watch.next()).await;
            match next {
                Ok(Some((k, value)))
                    if k == *key && value.availability.as_str() == availability =>
                {
                    to_nats.push(set_at.elapsed());
                    break;
                }
                Ok(Some(_)) => continue,
                _ => {
                    println!("change {change}: not seen in NATS within 60 s");
                    break;
                }
            }
        }
        // Watchers.
        let mut notified = 0;
        let mut last = Duration::ZERO;
        while notified < live {
            match tokio::time::timeout_at(deadline.into(), seen_rx.recv()).await {
                Ok(Some((id, seen_availability, at))) => {
                    if id == *key && seen_availability == availability {
                        let latency = at.duration_since(set_at);
                        to_watchers.push(latency);
                        last = last.max(latency);
                        notified += 1;
                    }
                }
                _ => break,
            }
        }
        if notified < live {
            println!("change {change}: {notified} of {live} watchers notified within 60 s");
        }
        to_last_watcher.push(last);
    }
    summary("change at Graph -> value in NATS", to_nats);
    summary(
        "change at Graph -> a watcher notified (all samples)",
        to_watchers,
    );
    summary(
        "change at Graph -> the last of the watchers notified",
        to_last_watcher,
    );
    let (_, rss, hwm) = process_figures(leader.id());
    println!(
        "relay process with {live} watchers: RSS {} MB (peak {} MB)",
        rss / 1024,
        hwm / 1024
    );

    // Failover at the default 10 s lease: a standby process, the leader killed (SIGKILL).
    let mut standby = start_relay(dir.path(), "relay-b", args.share, &cluster, &sim);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut lease = store.watch("relay.lease").await.unwrap();
    let killed_at = Instant::now();
    leader.kill().unwrap();
    leader.wait().unwrap();
    let takeover = loop {
        match tokio::time::timeout(Duration::from_secs(60), lease.next()).await {
            Ok(Some(Ok(entry))) => {
                if let Ok(record) = relay_feed::LeaseRecord::decode(&entry.value) {
                    if record.holder == "relay-b" {
                        break Some(killed_at.elapsed());
                    }
                }
            }
            _ => break None,
        }
    };
    println!("failover (leader killed -> standby holds the lease): {takeover:?}");
    let stale = watchers
        .iter()
        .filter(|w| !w.health().borrow().is_live())
        .count();
    println!("watchers not live right after the failover: {stale}");
    let _ = standby.kill();
    let _ = standby.wait();
}

trait WatchManyKeys {
    async fn watch_many_keys(
        &self,
        keys: &[String],
    ) -> futures::stream::BoxStream<'static, (String, PresenceValue)>;
}

impl WatchManyKeys for async_nats::jetstream::kv::Store {
    /// One watch per key (nats-server 2.9 has no multi-subject consumers), merged.
    async fn watch_many_keys(
        &self,
        keys: &[String],
    ) -> futures::stream::BoxStream<'static, (String, PresenceValue)> {
        let mut all = futures::stream::SelectAll::new();
        for key in keys {
            let stream = self.watch(key).await.unwrap();
            all.push(
                stream
                    .filter_map(|entry| async move {
                        let entry = entry.ok()?;
                        let value = PresenceValue::decode(&entry.value).ok()?;
                        Some((entry.key, value))
                    })
                    .boxed(),
            );
        }
        all.boxed()
    }
}
