//! Scenario 4: a Teams meeting switches DND on in the PBX, publishes the chat status over XMPP and
//! is explained in the journal, the status tiles and the tray.

use starface_client::ChatPresence;

use crate::harness::{wait_for, World, WAIT};
use crate::strings::{s, tr, translations};

pub async fn meeting_sets_dnd_and_chat(world: &World) {
    let control = world.graph().control();
    wait_for("sync running with DND off", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "sync.mode") == "running" && !world.dnd())
            .then_some(())
            .ok_or(format!("{} dnd={}", st["sync"], world.dnd()))
    })
    .await;
    control.set_presence(world.me.id, "Busy", "InAMeeting");
    wait_for("DND on in the PBX", WAIT, || async move {
        world.dnd().then_some(()).ok_or("DND off".to_owned())
    })
    .await;
    assert!(
        world.pbx_writes().iter().any(|w| w.starts_with("PUT")),
        "a DND write reached the PBX: {:?}",
        world.pbx_writes()
    );
    let chat = wait_for("bob sees the chat status", WAIT, || async move {
        match world.chat_seen_by_bob() {
            Some(c) if c.presence == ChatPresence::DoNotDisturb => Ok(c),
            other => Err(format!(
                "{other:?} / {:?}\n{}",
                world.peer.view(),
                world.diagnostics("xmpp")
            )),
        }
    })
    .await;
    assert!(
        chat.text.is_some(),
        "chat status carries a message: {chat:?}"
    );

    world.navigate("status").await;
    let en = &translations("en");
    let meeting = &tr(en, "status.busy_meeting");
    wait_for("My status explains the meeting", WAIT, || async move {
        let journal = world.texts(".journal__text").await;
        journal
            .iter()
            .find(|t| t.contains("Teams") && t.contains(meeting.as_str()) && t.contains("DND"))
            .cloned()
            .ok_or(format!("{journal:?}"))
    })
    .await;
    // The STARFACE tile follows the next read of the PBX.
    wait_for(
        "the tiles to show the meeting and DND on",
        WAIT,
        || async move {
            let overview = world.text(".overview").await;
            (overview.contains(meeting.as_str()) && overview.contains(&tr(en, "mystatus.dnd_on")))
                .then_some(())
                .ok_or(overview)
        },
    )
    .await;
    let pill = world.text(".ownstatus").await;
    assert!(
        pill.contains(meeting.as_str()),
        "header status pill: {pill}"
    );
    // The tray (seen through its test hook) says the same.
    wait_for(
        "the tray to show the meeting and DND on",
        WAIT,
        || async move {
            let tray = world.tray();
            (tray.starts_with("icon=DoNotDisturb")
                && tray.contains(&format!("Teams: {}", tr(en, "status.busy")))
                && tray.contains(meeting.as_str())
                && tray.contains(&tr(en, "tray.dnd_on")))
            .then_some(())
            .ok_or(tray)
        },
    )
    .await;
}
