//! Scenario 18: a status hook set up in the window (issue 20): the command hook's fields in the
//! "Status hooks" settings section, switched on, "Send test" runs the program with the current
//! status and says "Sent.", and "My status" shows the hook's last result. Switched off again at
//! the end, so later scenarios run without hooks.

use serde_json::json;

use crate::harness::{wait_for, World, WAIT};
use crate::strings::{s, tr, translations};

/// Sets a settings field's value the way typing would, and leaves it (which saves at once).
async fn type_into(world: &World, css: &str, value: &str) {
    world
        .js(&format!(
            "const el = document.querySelector({css}); el.focus(); el.value = {value};\
             el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); el.blur();",
            css = json!(css),
            value = json!(value)
        ))
        .await
        .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}

pub async fn status_hook_from_the_window(world: &World) {
    let log = world.session.home().join("hook.log");
    let _ = std::fs::remove_file(&log);
    world.navigate("settings").await;
    type_into(world, "#f-hooks-command-program", "/bin/sh").await;
    let script = format!(
        "echo \"$PRESENCE_BRIDGE_EVENT $PRESENCE_BRIDGE_DOT\" >> '{}'",
        log.display()
    );
    type_into(world, "#f-hooks-command-args", &format!("-c\n{script}")).await;
    let args = json!(["-c", script]);
    let args = &args;
    wait_for("the command hook's fields saved", WAIT, || async move {
        let settings = world.invoke("get_settings", json!({})).await;
        let command = s(&settings, "values.hooks.command");
        (command["program"] == "/bin/sh" && command["args"] == *args)
            .then_some(())
            .ok_or(command.to_string())
    })
    .await;
    world.click("#f-hooks-command-enabled").await;
    wait_for("the command hook running", WAIT, || async move {
        let state = world.state().await;
        (state["hooks"][0]["hook"] == "command")
            .then_some(())
            .ok_or(state["hooks"].to_string())
    })
    .await;

    world.click("#hook-test-command-button").await;
    let sent = [
        tr(&translations("en"), "settings.hooks.test_ok"),
        tr(&translations("de"), "settings.hooks.test_ok"),
    ];
    wait_for("\"Sent.\" beside the test button", WAIT, || async {
        let said = world.text("#hook-test-command").await;
        sent.contains(&said).then_some(()).ok_or(said)
    })
    .await;
    let written = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        written.lines().any(|line| line.starts_with("test ")),
        "the program ran for the test with the status in its environment: {written:?}"
    );

    world.navigate("status").await;
    wait_for("the hook's result on My status", WAIT, || async move {
        let classes = world
            .js("const el = document.querySelector('#hook-result-command .pill'); return el ? el.className : null")
            .await
            .map_err(|e| e.to_string())?;
        (classes.as_str().is_some_and(|c| c.contains("pill--good")))
            .then_some(())
            .ok_or(classes.to_string())
    })
    .await;
    let state = world.state().await;
    assert_eq!(state["hooks"][0]["last"]["error"], json!(null), "{state}");

    world
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "hooks.command.enabled", "value": false}]}),
        )
        .await;
    wait_for("no hook running", WAIT, || async move {
        let state = world.state().await;
        (state["hooks"] == json!([]))
            .then_some(())
            .ok_or(state["hooks"].to_string())
    })
    .await;
}
