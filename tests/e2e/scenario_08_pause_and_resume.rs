//! Scenario 8: pausing for 15 minutes from the window stops every write; resuming applies the
//! current Teams status.

use std::time::Duration;

use crate::harness::{wait_for, World, POLL_SECS, WAIT};
use crate::strings::{s, tr, translations};

pub async fn pause_and_resume(world: &World) {
    let en = &translations("en");
    let control = world.graph().control();
    world.navigate("status").await;
    world
        .click_button(".synccontrols", &tr(en, "sync.pause_15m"))
        .await;
    wait_for("sync paused", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "sync.mode") == "paused")
            .then_some(())
            .ok_or(st["sync"].to_string())
    })
    .await;
    let st = world.state().await;
    let until = s(&st, "sync.paused_until").as_u64().expect("paused_until");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        until > now_ms + 13 * 60_000 && until < now_ms + 16 * 60_000,
        "paused for about 15 minutes: until={until} now={now_ms}"
    );
    wait_for("the paused warning offering Resume", WAIT, || async move {
        let warning = world.text(".warnings").await;
        warning
            .contains(&tr(en, "sync.resume"))
            .then_some(())
            .ok_or(warning)
    })
    .await;

    wait_for("the tray to offer Resume", WAIT, || async move {
        let tray = world.tray();
        (tray.starts_with("icon=Paused") && tray.ends_with("resume=true"))
            .then_some(())
            .ok_or(tray)
    })
    .await;

    let writes_before = world.pbx_writes().len();
    let chat_before = world.chat_seen_by_bob();
    control.set_presence(world.me.id, "DoNotDisturb", "DoNotDisturb");
    wait_for(
        "the engine to see DoNotDisturb while paused",
        WAIT,
        || async move {
            let st = world.state().await;
            (s(&st, "own.teams.row") == "do_not_disturb")
                .then_some(())
                .ok_or(st["own"].to_string())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2 * POLL_SECS)).await;
    let writes: Vec<String> = world.pbx_writes()[writes_before..].to_vec();
    assert!(writes.is_empty(), "writes while paused: {writes:?}");
    assert!(!world.dnd(), "DND changed while paused");
    assert_eq!(
        world.chat_seen_by_bob(),
        chat_before,
        "chat status changed while paused"
    );

    world
        .click_button(".synccontrols", &tr(en, "sync.resume"))
        .await;
    wait_for("DND on after resuming", WAIT, || async move {
        world.dnd().then_some(()).ok_or("DND off".to_owned())
    })
    .await;
    wait_for("running again", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "sync.mode") == "running")
            .then_some(())
            .ok_or(st["sync"].to_string())
    })
    .await;
}
