//! Problems reach front ends as typed warnings that name their service, and the time of the last
//! sync stops when a side cannot be read.

mod support;

use std::time::Duration;

use bridge::{BridgeWarning, Service};
use simulators::graph::{Fault, FaultKind};
use support::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_graph_poll_is_a_microsoft_warning_and_the_last_sync_stops() {
    let mut h = Harness::start().await;
    h.wait_running().await;
    h.wait("the first sync", |h| {
        h.snapshot().sync.last_sync_ms.is_some()
    })
    .await;
    h.let_time_pass(Duration::from_secs(2)).await;
    assert!(h.snapshot().sync.warnings.is_empty(), "{:#?}", h.snapshot());

    h.graph().inject_fault(Fault {
        path_contains: "getPresencesByUserId".into(),
        kind: FaultKind::InternalServerError,
        times: usize::MAX,
    });
    h.wait_advancing(Duration::from_millis(200), "the Graph warning", |h| {
        !h.snapshot().sync.warnings.is_empty()
    })
    .await;
    let warnings = h.snapshot().sync.warnings;
    assert!(
        matches!(
            warnings.as_slice(),
            [BridgeWarning::GraphUnreachable { reason }] if !reason.is_empty()
        ),
        "{warnings:#?}"
    );
    assert_eq!(warnings[0].service(), Service::Microsoft);

    // STARFACE is still read, Teams is not: the sync has not happened since.
    let stopped_at = h.snapshot().sync.last_sync_ms;
    h.let_time_pass(Duration::from_secs(5)).await;
    assert_eq!(h.snapshot().sync.last_sync_ms, stopped_at);

    h.graph().clear_faults();
    h.wait_advancing(Duration::from_millis(200), "the warning gone", |h| {
        h.snapshot().sync.warnings.is_empty()
    })
    .await;
    h.wait_advancing(Duration::from_millis(200), "the sync going on", |h| {
        h.snapshot().sync.last_sync_ms > stopped_at
    })
    .await;
    h.shutdown().await;
}
