//! The demo's scripted day drives the real bridge: the demo user's DND follows Teams.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge::demo::{Demo, DemoPace, DemoPbx};
use bridge::LogNotifier;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_dnd_follows_the_scripted_teams_status() {
    demo_day(DemoPbx::Classic).await;
}

/// The same day on a STARFACE 10 that refuses the classic login: the demo signs in with OAuth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_only_demo_dnd_follows_the_scripted_teams_status() {
    demo_day(DemoPbx::OAuthOnly).await;
}

async fn demo_day(pbx: DemoPbx) {
    let demo = Demo::start_with(
        DemoPace {
            step: Duration::from_secs(3),
        },
        pbx,
        Arc::new(LogNotifier),
    )
    .await
    .expect("demo starts");
    // Step 2 of the script is a meeting: DND goes on; step 3 is available again: DND goes off.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !demo.pbx_dnd() {
        assert!(
            Instant::now() < deadline,
            "DND never followed the meeting: {:#?}",
            demo.bridge().snapshot()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while demo.pbx_dnd() {
        assert!(Instant::now() < deadline, "DND never went off again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let snapshot = demo.bridge().snapshot();
    assert!(
        snapshot.colleagues.len() >= 30,
        "{}",
        snapshot.colleagues.len()
    );
    assert!(snapshot
        .colleagues
        .iter()
        .any(|c| c.person.starface.is_some()));
    demo.shutdown().await;
}
