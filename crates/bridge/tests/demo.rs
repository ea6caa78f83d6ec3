//! The demo's scripted day drives the real bridge: the demo user's DND follows Teams.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge::demo::{Demo, DemoPace};
use bridge::LogNotifier;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_dnd_follows_the_scripted_teams_status() {
    let demo = Demo::start(
        DemoPace {
            step: Duration::from_secs(3),
        },
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
    // The tray's first look: relevant people and a few favourites among the watched colleagues.
    assert_eq!(snapshot.relevant.len(), snapshot.colleagues.len());
    let favourites = demo.starting_favourites();
    assert_eq!(favourites.len(), 3);
    for address in &favourites {
        assert!(
            snapshot
                .colleagues
                .iter()
                .any(|c| c.person.is_among(std::slice::from_ref(address))),
            "{address} is not watched"
        );
    }
    demo.shutdown().await;
}
