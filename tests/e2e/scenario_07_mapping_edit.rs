//! Scenario 7: a mapping row edited in the window ("DND unchanged" for meetings) is saved and the
//! next meeting leaves DND alone.

use std::time::Duration;

use serde_json::json;

use crate::harness::{wait_for, World, POLL_SECS, WAIT};
use crate::strings::{s, tr, translations};

pub async fn mapping_edit_leaves_dnd_alone(world: &World) {
    let control = world.graph().control();
    control.set_presence(world.me.id, "Available", "Available");
    wait_for("DND off after Available", WAIT, || async move {
        (!world.dnd()).then_some(()).ok_or("DND on".to_owned())
    })
    .await;
    world.navigate("settings").await;
    world
        .click("input[name='dnd-busy_meeting'][value='unchanged']")
        .await;
    wait_for("the mapping saved", WAIT, || async move {
        let settings = world.invoke("get_settings", json!({})).await;
        (s(&settings, "values.mapping.busy_meeting.dnd") == "unchanged")
            .then_some(())
            .ok_or(settings["values"]["mapping"]["busy_meeting"].to_string())
    })
    .await;
    let file = std::fs::read_to_string(&world.config).unwrap();
    assert!(
        file.contains("busy_meeting"),
        "saved to the settings file:\n{file}"
    );
    // Chat "unchanged" on a row whose default has a message ("Busy (Teams)"): the editor's own
    // change handler must send something the app accepts.
    world
        .js("const sel = document.querySelector(\"input[name='dnd-busy']\").closest('tr').querySelector('select');\
             sel.value = 'unchanged'; sel.dispatchEvent(new Event('change'));")
        .await
        .unwrap();
    wait_for("chat unchanged saved for Busy", WAIT, || async move {
        let settings = world.invoke("get_settings", json!({})).await;
        (s(&settings, "values.mapping.busy.chat_status") == "unchanged")
            .then_some(())
            .ok_or(settings["values"]["mapping"]["busy"].to_string())
    })
    .await;

    let writes_before = world.pbx_writes().len();
    let journal_before = world.state().await["journal"]
        .as_array()
        .map_or(0, Vec::len);
    control.set_presence(world.me.id, "Busy", "InAMeeting");
    wait_for("the engine to see the next meeting", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "own.teams.row") == "busy_meeting"
            && st["journal"].as_array().map_or(0, Vec::len) > journal_before)
            .then_some(())
            .ok_or(st["own"].to_string())
    })
    .await;
    // Two more polls: still no DND.
    tokio::time::sleep(Duration::from_secs(2 * POLL_SECS)).await;
    assert!(
        !world.dnd(),
        "DND switched on although the row says unchanged"
    );
    let new_writes: Vec<String> = world.pbx_writes()[writes_before..]
        .iter()
        .filter(|w| w.starts_with("PUT"))
        .cloned()
        .collect();
    assert!(
        new_writes.is_empty(),
        "DND writes after the edit: {new_writes:?}"
    );
    world.navigate("status").await;
    let overview = world.text(".overview").await;
    let en = &translations("en");
    assert!(overview.contains(&tr(en, "mystatus.dnd_off")), "{overview}");
}
