//! Screenshots of every screen (colleagues, a contact card, the mapping, my status) for the
//! artifacts of a CI run, taken after the scenarios that filled the window, once per language.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;

use crate::harness::World;

pub async fn screenshots(world: &World, lang: &str) {
    world.navigate("colleagues").await;
    world
        .js("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    world.screenshot(&format!("{lang}-colleagues")).await;
    // The contact card of the watched colleague (a normal name).
    let name = &world.watched.display_name;
    let search = world.client().find(Locator::Css("#search")).await.unwrap();
    search.send_keys(name).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let _ = world
        .js(&format!(
            "const row = [...document.querySelectorAll('.row:not([hidden])')]\
               .find(r => r.querySelector('.row__name').textContent === {});\
             if (row) {{ row.dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}})); }}",
            json!(name)
        ))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    world.screenshot(&format!("{lang}-contact-card")).await;
    world.navigate("settings").await;
    // Let the re-render after navigating settle, or it resets the scroll position.
    tokio::time::sleep(Duration::from_millis(800)).await;
    world
        .js("const el = document.getElementById('settings-mapping');\
             const sc = document.querySelector('#screen-settings .screen__scroll');\
             sc.scrollTop += el.getBoundingClientRect().top - sc.getBoundingClientRect().top - 16;")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    world.screenshot(&format!("{lang}-mapping")).await;
    world.navigate("status").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let path = world.screenshot(&format!("{lang}-my-status")).await;
    eprintln!("e2e: screenshots in {}", path.parent().unwrap().display());
}
