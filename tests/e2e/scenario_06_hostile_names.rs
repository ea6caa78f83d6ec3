//! Scenario 6: colleagues with names that look like HTML are rendered as text.

use fantoccini::Locator;
use serde_json::json;

use crate::harness::{wait_for, World, HOSTILE_NAMES, WAIT};

pub async fn hostile_names_are_text(world: &World) {
    world.navigate("colleagues").await;
    let search = world.client().find(Locator::Css("#search")).await.unwrap();
    search.clear().await.unwrap();
    // An empty query lists favourites first; both hostile colleagues are favourites.
    world
        .js("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
        .await
        .unwrap();
    let names = wait_for("the hostile names listed", WAIT, || async move {
        let names = world.texts(".row:not([hidden]) .row__name").await;
        HOSTILE_NAMES
            .iter()
            .all(|h| names.iter().any(|n| n == h))
            .then_some(names.clone())
            .ok_or(format!("{names:?}"))
    })
    .await;
    assert!(names.len() >= 2);
    let st = world.state().await;
    for h in &world.hostile {
        assert!(
            st["colleagues"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["id"] == json!(h.id.to_string())
                    && c["display_name"] == json!(h.display_name)),
            "state lists {} verbatim",
            h.display_name
        );
    }
    for name in HOSTILE_NAMES {
        world
            .js(&format!(
                "const row = [...document.querySelectorAll('.row:not([hidden])')]\
                   .find(r => r.querySelector('.row__name').textContent === {});\
                 row.dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}}));",
                json!(name)
            ))
            .await
            .unwrap();
        let card = world.texts("#card-name").await;
        assert_eq!(card, [name.to_owned()], "card title is the literal name");
    }
    let counts = world
        .js("return {img: document.querySelectorAll('img').length,\
                      scripts: document.querySelectorAll('script').length,\
                      inline: [...document.querySelectorAll('script')].filter(s => !s.src).length}")
        .await
        .unwrap();
    assert_eq!(counts["img"], json!(0), "no <img> elements: {counts}");
    assert_eq!(
        counts["scripts"],
        json!(1),
        "only the module script: {counts}"
    );
    assert_eq!(counts["inline"], json!(0), "no inline scripts: {counts}");
    assert!(
        world.client().get_alert_text().await.is_err(),
        "an alert is open: the name executed"
    );
}
