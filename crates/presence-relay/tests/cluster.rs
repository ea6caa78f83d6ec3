//! A three-node NATS cluster (TLS, the bucket replicated R3): a node dies and comes back, and
//! the polling relay dies and a standby takes over, while a desktop-side watcher keeps getting
//! changes.

mod support;

use std::time::{Duration, Instant};

use presence_relay::{Relay, Role};
use relay_feed::{FeedHealth, PresenceWatcher};
use support::nats::NatsCluster;
use support::*;

const LIMIT: Duration = Duration::from_secs(30);
/// The wait for the first change after a node died: the KV stream's copies elect a new leader
/// first, and the relay's write waits for it (0.2-10 s on a quiet machine; once more than 30 s
/// with the whole test suite on 2 cores). A liveness limit, not a timing goal.
const AFTER_NODE_LOSS: Duration = Duration::from_secs(90);

#[tokio::test]
async fn node_loss_and_relay_failover_in_a_cluster_of_three() {
    let mut nats = NatsCluster::start(3).await;
    let sim = graph_simulator(200).await;
    let mut first = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-a", 3),
    ));
    first.wait_for_role(Role::Leader, LIMIT).await;
    first.wait_for_cycles(1, LIMIT).await;
    let mut second = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-b", 3),
    ));
    second.wait_for_role(Role::Standby, LIMIT).await;

    // The bucket is replicated on all three nodes.
    let client = nats.relay_connection().connect().await.unwrap();
    let store = async_nats::jetstream::new(client)
        .get_key_value("presence")
        .await
        .unwrap();
    let info = store.stream.get_info().await.unwrap();
    assert_eq!(info.config.num_replicas, 3);
    assert_eq!(
        info.config.max_messages_per_subject, 1,
        "no presence history"
    );
    assert_eq!(info.state.messages, 207, "206 people and the lease");

    // From here on, sample both relays: never may both be polling.
    let overlap = never_two_leaders(first.status.clone(), second.status.clone());

    let id = sim.control().roster_id(7).to_string();
    let (watcher, mut updates) =
        PresenceWatcher::start(nats.desktop_connection(), [id.clone()], watch_timing());
    wait_for_health(&watcher, FeedHealth::is_live, LIMIT).await;

    // A node dies (the first in everybody's list, so most connections move): changes still flow.
    nats.kill(0);
    sim.control()
        .set_presence(sim.control().roster_id(7), "DoNotDisturb", "Presenting");
    wait_for_update(
        &mut updates,
        is_change(&id, "DoNotDisturb", "Presenting"),
        AFTER_NODE_LOSS,
    )
    .await;
    nats.restart(0).await;
    sim.control()
        .set_presence(sim.control().roster_id(7), "Away", "Away");
    wait_for_update(&mut updates, is_change(&id, "Away", "Away"), LIMIT).await;
    let info = store.stream.get_info().await.unwrap();
    assert_eq!(info.config.num_replicas, 3);

    // The polling relay dies without handing over: the standby takes over after the lease's
    // TTL (3 s here) and changes flow again. (Losing the node may already have moved the lease:
    // a holder that cannot renew in time stops and a standby takes over. Whoever holds it now
    // is the one that dies.)
    let (mut leader, mut standby) = if first.role() == Role::Leader {
        (first, second)
    } else {
        (second, first)
    };
    leader.wait_for_role(Role::Leader, LIMIT).await;
    let standby_requests = standby.status.borrow().presence_requests;
    let crashed_at = Instant::now();
    leader.crash();
    standby.wait_for_role(Role::Leader, LIMIT).await;
    let takeover = crashed_at.elapsed();
    sim.control()
        .set_presence(sim.control().roster_id(7), "Busy", "InACall");
    wait_for_update(&mut updates, is_change(&id, "Busy", "InACall"), LIMIT).await;
    assert!(standby.status.borrow().presence_requests > standby_requests);
    eprintln!("failover with a 3 s lease took {takeover:?}");
    wait_for_health(&watcher, FeedHealth::is_live, LIMIT).await;
    let overlaps = overlap.stop().await;
    assert_eq!(overlaps, 0, "both relays were leaders at the same time");
    standby.stop().await;
}
