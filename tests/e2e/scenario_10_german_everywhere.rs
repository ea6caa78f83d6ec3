//! Scenario 10: switching the language to German in the window translates every screen, the
//! journal, the tray and the chat message the sync sends.

use fantoccini::Locator;
use serde_json::json;

use crate::harness::{wait_for, World, LOGIN, WAIT};
use crate::strings::{tr, translations};

pub async fn german_everywhere(world: &World) {
    let de = &translations("de");
    let en = &translations("en");
    world.navigate("settings").await;
    let select = world
        .client()
        .find(Locator::Css("#f-ui-language"))
        .await
        .expect("language select");
    select.select_by_value("de").await.unwrap();
    wait_for("German tabs", WAIT, || async move {
        let tabs = world.texts(".tabs [role=tab]").await;
        (tabs
            == [
                tr(de, "nav.colleagues"),
                tr(de, "nav.status"),
                tr(de, "nav.settings"),
            ])
        .then_some(())
        .ok_or(format!("{tabs:?}"))
    })
    .await;
    let file = std::fs::read_to_string(&world.config).unwrap();
    assert!(file.contains("language = \"de\""), "saved:\n{file}");
    // The sync speaks German too: colleagues see the next meeting's default message in German.
    world
        .graph()
        .control()
        .set_presence(world.me.id, "Busy", "InAMeeting");
    wait_for(
        "the German meeting message on the PBX",
        WAIT,
        || async move {
            let sent = world.pbx().chat_presence_message(LOGIN);
            (sent == "In einer Besprechung (Teams)")
                .then_some(())
                .ok_or(sent)
        },
    )
    .await;

    let expect = |screen_text: &str, keys: &[&str], screen: &str| {
        for key in keys {
            let text = tr(de, key);
            let text = text.split('{').next().unwrap().trim().to_owned();
            assert!(
                screen_text.contains(&text),
                "{screen}: German {key:?} = {text:?} missing in:\n{screen_text}"
            );
            let english = tr(en, key);
            // Words both languages share ("Sync" in "Synchronisierung") prove nothing.
            if english != tr(de, key) && !tr(de, key).contains(&english) {
                let english = english.split('{').next().unwrap().trim().to_owned();
                assert!(
                    english.len() < 4 || !screen_text.contains(&english),
                    "{screen}: English {key:?} = {english:?} still shown"
                );
            }
        }
    };
    world.navigate("settings").await;
    let text = world.text("#screen-settings").await;
    expect(
        &text,
        &[
            "settings.section.accounts",
            "settings.section.mapping",
            "settings.mapping.col.chat_status",
            "mapping.row.busy_meeting",
            "settings.section.general",
        ],
        "settings",
    );
    world.navigate("status").await;
    let text = world.text("#screen-status").await;
    expect(
        &text,
        &["journal.title", "mystatus.sync", "mystatus.dnd"],
        "my status",
    );
    // The journal is translated too: the meeting of scenario 4 reads in German.
    let journal = world.texts(".journal__text").await;
    assert!(
        journal.iter().any(|line| line.contains(&format!(
            "{} / {}",
            tr(de, "status.busy"),
            tr(de, "status.busy_meeting")
        ))),
        "no German journal line about the meeting: {journal:?}"
    );
    // (Scenario 4's chat message "In a meeting (Teams)" went out in English and is shown as sent.)
    for line in &journal {
        for english in [format!("{} / ", tr(en, "graph.busy")), "(row ".to_owned()] {
            assert!(!line.contains(&english), "English journal line: {line}");
        }
    }
    // The tray menu follows the language switch.
    wait_for("the tray in German", WAIT, || async move {
        let tray = world.tray();
        (tray.contains(&tr(de, "tray.dnd_on")) || tray.contains(&tr(de, "tray.dnd_off")))
            .then_some(())
            .ok_or(tray)
    })
    .await;
    world.navigate("colleagues").await;
    let placeholder = world
        .js("return document.getElementById('search').placeholder")
        .await
        .unwrap();
    assert_eq!(placeholder, json!(tr(de, "colleagues.search.placeholder")));
    let text = world.text("#screen-colleagues").await;
    expect(&text, &["action.notify", "card.email"], "colleagues");
}
