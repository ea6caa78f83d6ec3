//! The demo's scripted day drives the real bridge: the demo user's DND follows Teams, and
//! colleagues' phones (OneHub on the demo's STARFACE 10) show calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge::demo::{Demo, DemoPace, DemoPbx};
use bridge::LogNotifier;

/// The default demo: a STARFACE 10 that refuses the classic login, OAuth and OneHub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_dnd_follows_the_scripted_teams_status() {
    demo_day(DemoPbx::default()).await;
}

/// The same day on a PBX with the classic login (`--demo-classic`): no phone state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_classic_demo_dnd_follows_the_scripted_teams_status() {
    demo_day(DemoPbx::Classic).await;
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
    if pbx == DemoPbx::Classic {
        // Without OneHub nobody's phone is known, however many calls the script starts.
        assert!(snapshot.colleagues.iter().all(|c| c.phone.is_none()));
        demo.shutdown().await;
        return;
    }
    // Every step starts a colleague's call; OneHub pushes it.
    while !demo
        .bridge()
        .snapshot()
        .colleagues
        .iter()
        .any(|c| c.status.activity == presence_core::person_status::PersonActivity::OnThePhone)
    {
        assert!(
            Instant::now() < deadline,
            "no colleague ever showed on the phone"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    demo.shutdown().await;
}
