//! OneHub push latency and request economy against the strict simulator (TLS on loopback).
//! Run: `cargo bench -p starface-client --bench onehub_push` (prints the figures for
//! docs/PERFORMANCE.md; `-- --changes N --colleagues N` to change the sizes).
//!
//! 1. Latency: a phone state change made at the simulator until the [`OneHubWatch`] publishes
//!    it, `--changes` times (alternating colleagues, on the phone / free), p50/p95/max.
//! 2. Economy: `--colleagues` watched colleagues; subscribe calls and ids per call, lookups,
//!    and the calls made during 5 s idle (keep-alive pings every 1 s meanwhile).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keychain::Secret;
use onehub_proto::presence::TelephonyState as Wire;
use simulators::onehub::{office, OneHubMethod, OneHubSettings, OneHubSimulator};
use starface_client::onehub::{
    AccountId, BearerFuture, BearerSource, ChannelSettings, OneHubLocation, OneHubStatus,
    OneHubTarget, OneHubWatch, OneHubWatchSettings,
};
use starface_client::{CertificatePin, TelephonyState, TlsTrust};

struct Bearer {
    hub: Arc<OneHubSimulator>,
    token: Mutex<Option<Secret>>,
}

impl BearerSource for Bearer {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(async move {
            Ok(self
                .token
                .lock()
                .unwrap()
                .get_or_insert_with(|| Secret::new(self.hub.issue_token("1001")))
                .clone())
        })
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn start(colleagues: u32, keepalive: Duration) -> (Arc<OneHubSimulator>, OneHubWatch) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("certificate");
    let pin = CertificatePin::of_certificate(generated.cert.der());
    let hub = Arc::new(
        OneHubSimulator::start(
            office(colleagues + 1),
            OneHubSettings::default(),
            &generated.cert.pem(),
            &generated.signing_key.serialize_pem(),
        )
        .await
        .expect("simulator"),
    );
    let settings = OneHubWatchSettings {
        channel: ChannelSettings {
            keepalive_interval: keepalive,
            ..ChannelSettings::default()
        },
        ..OneHubWatchSettings::default()
    };
    let watch = OneHubWatch::spawn(
        OneHubLocation::Fixed(OneHubTarget::new(
            "127.0.0.1",
            hub.port(),
            TlsTrust::Pin(pin),
        )),
        Arc::new(Bearer {
            hub: hub.clone(),
            token: Mutex::new(None),
        }),
        settings,
    );
    watch.set_watched((1002..1002 + i64::from(colleagues)).map(AccountId));
    let mut status = watch.status();
    tokio::time::timeout(Duration::from_secs(30), async {
        while !matches!(*status.borrow_and_update(), OneHubStatus::Connected { .. }) {
            status.changed().await.expect("watch alive");
        }
    })
    .await
    .expect("connected within 30 s");
    let mut phones = watch.phones();
    tokio::time::timeout(Duration::from_secs(30), async {
        while phones.borrow_and_update().len() < colleagues as usize {
            phones.changed().await.expect("watch alive");
        }
    })
    .await
    .expect("snapshot within 30 s");
    (hub, watch)
}

async fn latency(changes: usize) {
    let (hub, watch) = start(25, Duration::from_secs(20)).await;
    let mut phones = watch.phones();
    let mut samples = Vec::with_capacity(changes);
    for i in 0..changes {
        let account = 1002 + (i % 25) as i64;
        let (wire, expected) = if (i / 25) % 2 == 0 {
            (Wire::Active, TelephonyState::Active)
        } else {
            (Wire::Available, TelephonyState::Available)
        };
        phones.borrow_and_update();
        let started = Instant::now();
        hub.set_telephony(&account.to_string(), wire);
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                phones.changed().await.expect("watch alive");
                let seen = phones
                    .borrow_and_update()
                    .get(&AccountId(account))
                    .map(|p| p.telephony.clone());
                if seen == Some(expected.clone()) {
                    break;
                }
            }
        })
        .await
        .expect("change pushed within 10 s");
        samples.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    samples.sort();
    println!(
        "latency: {changes} changes, 25 watched: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        percentile(&samples, 50.0).as_secs_f64() * 1000.0,
        percentile(&samples, 95.0).as_secs_f64() * 1000.0,
        samples.last().expect("samples").as_secs_f64() * 1000.0,
    );
    watch.stop().await;
}

async fn economy(colleagues: u32) {
    let started = Instant::now();
    let (hub, watch) = start(colleagues, Duration::from_secs(1)).await;
    let connect = started.elapsed();
    let subscribes = hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    let ids: Vec<usize> = subscribes.iter().map(|c| c.ids).collect();
    let lookups: Vec<usize> = hub
        .calls_of(&OneHubMethod::BatchGetUserIdentifiers)
        .iter()
        .map(|c| c.ids)
        .collect();
    println!(
        "economy: {colleagues} watched: connected with snapshot in {:.0} ms; {} calls in all; \
         subscribe calls {} (ids per call {:?}, {} ids); lookups {:?}",
        connect.as_secs_f64() * 1000.0,
        hub.calls().len(),
        ids.len(),
        ids,
        ids.iter().sum::<usize>(),
        lookups,
    );
    let before = hub.calls().len();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = hub.calls().len() - before;
    let still = matches!(*watch.status().borrow(), OneHubStatus::Connected { .. });
    println!("idle: 5 s with 1 s keep-alive pings: {idle} calls, still connected: {still}");
    watch.stop().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        latency(arg("--changes", 100)).await;
        economy(arg("--colleagues", 200) as u32).await;
    });
}
