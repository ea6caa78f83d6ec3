//! Bridge-level figures of colleagues' phone state (see docs/PERFORMANCE.md): a phone state
//! change at the OneHub simulator -> the colleague's dot changed in the bridge's snapshot
//! (pushed: no poll interval in the path), and what 200 watched colleagues cost OneHub
//! (subscribe calls per 100 ids, calls while idle).
//!
//! A STARFACE 10 office (TLS, OAuth, OneHub with the PBX's tokens), the user signed in the way
//! the app does, and the real bridge with the system clock, all in one process.
//!
//! `cargo run -p soak --bin phone-figures -- [--changes 100] [--colleagues 200] [--idle-s 10]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge::demo::OfficeAccount;
use bridge::{BridgeHandle, BridgeOptions, BridgeSnapshot, SystemBridgeClock};
use keychain::MemoryStore;
use onehub_proto::presence::TelephonyState;
use presence_core::person_status::{Dot, PersonActivity};
use simulators::office::Office;
use simulators::onehub::OneHubMethod;
use soak::{percentile, NoDaemonNotifier};

const TIMEOUT: Duration = Duration::from_secs(60);
/// The goal of issue 16: pushed, so well under one poll interval.
const GOAL_P95: Duration = Duration::from_millis(300);

struct Args {
    changes: usize,
    colleagues: usize,
    idle: Duration,
}

fn args() -> Args {
    let mut args = Args {
        changes: 100,
        colleagues: 200,
        idle: Duration::from_secs(10),
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    for pair in raw.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        match pair[0].as_str() {
            "--changes" => args.changes = value as usize,
            "--colleagues" => args.colleagues = value as usize,
            "--idle-s" => args.idle = Duration::from_secs(value),
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    args
}

async fn office(colleagues: usize) -> Office {
    Office::builder()
        .colleagues(colleagues)
        .pbx_tls_self_signed()
        .expect("a certificate")
        .onehub()
        .start()
        .await
        .expect("the office opens with OneHub")
}

/// The real bridge on `office`, watching `people` colleagues.
async fn bridge_on(office: &Office, people: usize) -> BridgeHandle {
    let account = OfficeAccount::sign_in(office, Arc::new(MemoryStore::new()))
        .await
        .expect("sign-in");
    bridge::start(
        BridgeOptions {
            people_count: people,
            ..BridgeOptions::default()
        },
        account.connectors(None).expect("connectors"),
        Arc::new(SystemBridgeClock::new()),
        Arc::new(NoDaemonNotifier),
    )
    .expect("bridge starts")
}

async fn wait_until(
    bridge: &BridgeHandle,
    what: &str,
    condition: impl Fn(&BridgeSnapshot) -> bool,
) -> Duration {
    let started = Instant::now();
    let mut snapshots = bridge.subscribe();
    loop {
        if condition(&snapshots.borrow_and_update()) {
            return started.elapsed();
        }
        match tokio::time::timeout_at((started + TIMEOUT).into(), snapshots.changed()).await {
            Ok(Ok(())) => {}
            _ => {
                let s = snapshots.borrow();
                panic!(
                    "timed out waiting for {what}: {} colleagues, {} on the PBX, {} with a phone, warnings {:?}",
                    s.colleagues.len(),
                    s.colleagues.iter().filter(|c| c.person.starface.is_some()).count(),
                    s.colleagues.iter().filter(|c| c.phone.is_some()).count(),
                    s.sync.warnings
                )
            }
        }
    }
}

/// Every watched colleague with a STARFACE account id has a phone. (Colleagues who share their
/// name with another have none: the REST directory joins users and accounts by name and does
/// not guess.)
fn phones_known(snapshot: &BridgeSnapshot, at_least: usize) -> bool {
    snapshot.colleagues.len() >= at_least
        && snapshot
            .colleagues
            .iter()
            .all(|c| match &c.person.starface {
                // Not matched yet: the directory is still loading (everyone is on the office's PBX).
                None => false,
                Some(account) => c.phone.is_some() || account.account_id.is_none(),
            })
}

fn on_the_phone(snapshot: &BridgeSnapshot, id: &str) -> Option<bool> {
    let colleague = snapshot.colleagues.iter().find(|c| c.person.id == id)?;
    colleague.phone.as_ref()?;
    Some(
        colleague.status.activity == PersonActivity::OnThePhone
            && colleague.status.dot == Dot::Busy,
    )
}

/// A phone state change at the simulator -> the colleague's dot in the snapshot, `changes`
/// times, alternating colleagues between a call and a free line.
async fn latency(changes: usize) {
    let office = office(25).await;
    let bridge = bridge_on(&office, 25).await;
    wait_until(&bridge, "every colleague's phone", |s| phones_known(s, 25)).await;
    let hub = office.onehub().expect("OneHub").clone();
    let watched: Vec<(String, String)> = bridge
        .snapshot()
        .colleagues
        .iter()
        .filter_map(|c| {
            c.phone.as_ref()?;
            let account = c.person.starface.as_ref()?.account_id?;
            Some((c.person.id.clone(), account.to_string()))
        })
        .collect();
    let mut samples = Vec::with_capacity(changes);
    for change in 0..changes {
        let (id, account) = &watched[change % watched.len()];
        let busy = on_the_phone(&bridge.snapshot(), id) == Some(true);
        let line = if busy {
            TelephonyState::Available
        } else {
            TelephonyState::Active
        };
        let mut snapshots = bridge.subscribe();
        snapshots.borrow_and_update();
        let started = Instant::now();
        hub.set_telephony(account, line);
        loop {
            if on_the_phone(&snapshots.borrow_and_update(), id) == Some(!busy) {
                break;
            }
            tokio::time::timeout(TIMEOUT, snapshots.changed())
                .await
                .expect("the snapshot follows OneHub")
                .expect("bridge running");
        }
        samples.push(started.elapsed());
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p95 = percentile(&samples, 95.0);
    println!(
        "phone state change at OneHub -> colleague's dot in the bridge snapshot: n={} p50={:.2} ms p95={:.2} ms max={:.2} ms (goal p95 <= {} ms: {})",
        samples.len(),
        ms(percentile(&samples, 50.0)),
        ms(p95),
        ms(samples.last().copied().unwrap_or_default()),
        GOAL_P95.as_millis(),
        if p95 <= GOAL_P95 { "met" } else { "MISSED" }
    );
    bridge.shutdown().await;
    office.stop().await;
}

/// `colleagues` watched through the bridge: OneHub calls to connect and subscribe them, ids per
/// subscribe call, and calls while nothing changes.
async fn economy(colleagues: usize, idle: Duration) {
    let office = office(colleagues).await;
    let started = Instant::now();
    let bridge = bridge_on(&office, colleagues).await;
    let hub = office.onehub().expect("OneHub").clone();
    let took = wait_until(&bridge, "every watched colleague's phone", |s| {
        phones_known(s, colleagues)
    })
    .await;
    let snapshot = bridge.snapshot();
    let watched = snapshot.colleagues.len();
    let with_phone = snapshot
        .colleagues
        .iter()
        .filter(|c| c.phone.is_some())
        .count();
    let subscribes = hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    let ids: Vec<usize> = subscribes.iter().map(|c| c.ids).collect();
    let lookups = hub.calls_of(&OneHubMethod::BatchGetUserIdentifiers);
    let all_ids: usize = ids.iter().sum();
    let allowed = all_ids.div_ceil(100);
    println!(
        "{watched} watched colleagues ({with_phone} with a STARFACE account id, so a phone): phones in the snapshot {:.0} ms after the bridge started ({:.0} ms with the sign-in); {} OneHub calls: {} lookups, {} subscribes with {:?} ids ({all_ids} ids in all, both ids of each; goal <= 1 call per 100 ids = {allowed}: {})",
        took.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3,
        hub.calls().len(),
        lookups.len(),
        subscribes.len(),
        ids,
        if subscribes.len() <= allowed { "met" } else { "MISSED" },
    );
    hub.clear_calls();
    tokio::time::sleep(idle).await;
    let calls = hub.calls();
    println!(
        "idle for {} s with {watched} watched: {} OneHub calls (goal: keep-alive pings only, no calls){}",
        idle.as_secs(),
        calls.len(),
        if calls.is_empty() {
            String::new()
        } else {
            format!(": {:?}", calls.iter().map(|c| &c.method).collect::<Vec<_>>())
        }
    );
    bridge.shutdown().await;
    office.stop().await;
}

#[tokio::main]
async fn main() {
    let args = args();
    latency(args.changes).await;
    economy(args.colleagues, args.idle).await;
}
