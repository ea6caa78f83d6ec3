//! Scenario 11: without a language setting the app speaks the language of `LANG`.

use serde_json::json;

use crate::harness::{wait_for, World, WAIT};
use crate::strings::{tr, translations};

/// No language in the settings: the app speaks the language of `LANG`, although the test's
/// system has no German locale generated (so WebKit alone would say English).
pub async fn german_from_the_locale(world: &mut World) {
    let de = &translations("de");
    let en = &translations("en");
    world.quit_app().await;
    let file = std::fs::read_to_string(&world.config).unwrap();
    let without_language: String = file
        .lines()
        .filter(|line| !line.trim_start().starts_with("language"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(
        file, without_language,
        "the language setting was there:\n{file}"
    );
    std::fs::write(&world.config, without_language).unwrap();
    world.restart_in_locale("de_DE.UTF-8").await;
    let world = &*world;

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
    world.navigate("settings").await;
    // "Automatic (German)": the window's own idea of the system language.
    let chosen = world
        .js("const s = document.getElementById('f-ui-language');\
             return [s.value, s.options[s.selectedIndex].textContent]")
        .await
        .unwrap();
    let automatic =
        tr(de, "settings.language.auto").replace("{lang}", &tr(de, "settings.language.de"));
    assert_eq!(chosen, json!(["auto", automatic]));
    let text = world.text("#screen-settings").await;
    for key in [
        "settings.section.accounts",
        "settings.section.mapping",
        "settings.section.general",
    ] {
        assert!(
            text.contains(&tr(de, key)),
            "settings: German {key:?} missing:\n{text}"
        );
        assert!(
            !text.contains(&tr(en, key)),
            "settings: English {key:?} shown:\n{text}"
        );
    }
    world.navigate("status").await;
    let text = world.text("#screen-status").await;
    for key in ["journal.title", "mystatus.dnd"] {
        assert!(
            text.contains(&tr(de, key)),
            "my status: German {key:?} missing:\n{text}"
        );
    }
}
