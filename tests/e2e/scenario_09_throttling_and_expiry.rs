//! Scenario 9: the sync recovers from Graph throttling (429) and an expired STARFACE token, and the
//! window shows no error once recovered.

use std::time::Duration;

use simulators::graph::{Fault, FaultKind};
use starface_client::ChatPresence;

use crate::harness::{wait_for, World, WAIT};
use crate::strings::s;

pub async fn recovers_from_throttling_and_expiry(world: &World) {
    let control = world.graph().control();
    let logins_before = world
        .pbx()
        .request_log()
        .entries()
        .iter()
        .filter(|r| r.method != "GET" && r.path.starts_with("/rest/login"))
        .count();
    control.set_presence(world.me.id, "DoNotDisturb", "DoNotDisturb");
    wait_for("DND on before the faults", WAIT, || async move {
        world.dnd().then_some(()).ok_or("DND off".to_owned())
    })
    .await;
    control.inject_fault(Fault::new(
        "resence",
        FaultKind::TooManyRequests {
            retry_after: Some("1.5".into()),
        },
        3,
    ));
    world.pbx().expire_tokens();
    control.set_presence(world.me.id, "Available", "Available");
    wait_for(
        "DND off after recovering",
        Duration::from_secs(90),
        || async move {
            (!world.dnd())
                .then_some(())
                .ok_or("DND still on".to_owned())
        },
    )
    .await;
    wait_for("the simulator to have answered 429", WAIT, || async move {
        let throttled = control
            .log()
            .entries()
            .iter()
            .filter(|r| r.status == 429)
            .count();
        (throttled >= 1)
            .then_some(())
            .ok_or("no 429 yet".to_owned())
    })
    .await;
    let logins_after = world
        .pbx()
        .request_log()
        .entries()
        .iter()
        .filter(|r| r.method != "GET" && r.path.starts_with("/rest/login"))
        .count();
    assert!(
        logins_after > logins_before,
        "the app logged in again after the token expired"
    );
    wait_for("bob sees the chat status converge", WAIT, || async move {
        match world.chat_seen_by_bob() {
            Some(c) if c.presence != ChatPresence::DoNotDisturb => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    world.navigate("status").await;
    wait_for("no error shown once recovered", WAIT, || async move {
        let st = world.state().await;
        let errors = world.visible_errors().await;
        (errors.is_empty() && s(&st, "own.teams.row") == "available")
            .then_some(())
            .ok_or(format!("{errors:?} warnings={}", st["warnings"]))
    })
    .await;
}
