//! The window as people see it, on every page (Colleagues with a contact card open, My status,
//! Settings with the mapping editor), at the default size and at the smallest the window allows,
//! in the language the app runs in: no element overflows its card or the window, no text is cut
//! off without an ellipsis and a tooltip, no text squeezed into a column a few letters wide
//! (`layout/check.js`, measured in the real WebKit); no serious or critical axe-core violation
//! (`axe/axe.min.js`, injected through WebDriver); every control reachable with Tab and showing
//! a focus ring (`layout/focus-walk.js`, real key presses), and a few shortcuts by key.
//!
//! With `PRESENCE_BRIDGE_UPDATE_SCREENSHOTS=1` it also writes the screenshots in
//! `docs/screenshots/` (README, docs): `<page>.<lang>.png` at 960x680 and
//! `<page>-narrow.<lang>.png` at 480x400.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::harness::{wait_for, World};

/// The default window size and the smallest the window allows (`tauri.conf.json`).
const SIZES: [(u32, u32); 2] = [(960, 680), (480, 400)];
/// The axe-core version vendored in `tests/e2e/axe/` (see its README).
const AXE_VERSION: &str = "4.14.1";

const LAYOUT_CHECK: &str = include_str!("layout/check.js");
const FOCUS_WALK: &str = include_str!("layout/focus-walk.js");
const AXE: &str = include_str!("axe/axe.min.js");

const TAB: char = '\u{e004}';
const ENTER: char = '\u{e007}';
const ESCAPE: char = '\u{e00c}';
const F1: char = '\u{e031}';

#[derive(Clone, Copy, PartialEq)]
enum Page {
    ContactCard,
    MyStatus,
    Mapping,
}

impl Page {
    const ALL: [Page; 3] = [Page::ContactCard, Page::MyStatus, Page::Mapping];

    fn name(self) -> &'static str {
        match self {
            Page::ContactCard => "colleagues-contact-card",
            Page::MyStatus => "my-status",
            Page::Mapping => "settings-mapping",
        }
    }
}

pub async fn layout_and_accessibility(world: &World, lang: &str) {
    let (_, _, width, height) = world.client().get_window_rect().await.expect("window rect");
    let mut problems: Vec<String> = Vec::new();
    for (w, h) in SIZES {
        world
            .client()
            .set_window_size(w, h)
            .await
            .expect("resize the window");
        world
            .wait_for_js(
                &format!("the page to be {w} px wide"),
                Duration::from_secs(10),
                "return window.innerWidth",
                json!(w),
            )
            .await;
        for page in Page::ALL {
            show(world, page).await;
            let at = format!("{lang} {w}x{h} {}", page.name());
            let layout: Vec<String> =
                serde_json::from_value(world.js(LAYOUT_CHECK).await.expect("layout check runs"))
                    .expect("layout check returns a list");
            problems.extend(layout.into_iter().map(|p| format!("{at}: {p}")));
            problems.extend(
                axe_violations(world)
                    .await
                    .into_iter()
                    .map(|p| format!("{at}: axe: {p}")),
            );
            // Before the keyboard walk, which leaves a focus ring somewhere.
            if update_screenshots() && (w == SIZES[0].0 || page == Page::ContactCard) {
                let suffix = if w == SIZES[0].0 { "" } else { "-narrow" };
                save_doc_screenshot(world, &format!("{}{suffix}.{lang}.png", page.name())).await;
            }
            if w == SIZES[0].0 {
                problems.extend(
                    keyboard_walk(world)
                        .await
                        .into_iter()
                        .map(|p| format!("{at}: keyboard: {p}")),
                );
            }
        }
        problems.extend(
            shortcuts(world, w)
                .await
                .into_iter()
                .map(|p| format!("{lang} {w}x{h}: keys: {p}")),
        );
    }
    world
        .client()
        .set_window_size(width as u32, height as u32)
        .await
        .expect("restore the window size");
    close_card(world).await;
    assert!(
        problems.is_empty(),
        "{} layout/accessibility problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn update_screenshots() -> bool {
    std::env::var("PRESENCE_BRIDGE_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1")
}

/// Opens `page` as a person would and waits until it has settled.
async fn show(world: &World, page: Page) {
    match page {
        Page::ContactCard => {
            world.navigate("colleagues").await;
            // The watched colleague alone in the list (a plain name), with their card open.
            let name = &world.watched.display_name;
            world
                .js("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
                .await
                .unwrap();
            let search = world.client().find(Locator::Css("#search")).await.unwrap();
            search.send_keys(name).await.unwrap();
            wait_for(
                "the colleague found",
                Duration::from_secs(20),
                || async move {
                    let names = world.texts(".row:not([hidden]) .row__name").await;
                    (names == [name.clone()])
                        .then_some(())
                        .ok_or(format!("{names:?}"))
                },
            )
            .await;
            // The keyboard way: down into the list, Enter opens the card (at every width).
            press(world, &['\u{e015}']).await;
            press(world, &[ENTER]).await;
            wait_for(
                "the contact card open",
                Duration::from_secs(20),
                || async move {
                    let state = world
                        .js("const c = document.querySelector('.card-pane');\
                             return [document.getElementById('card-name')?.textContent ?? null,\
                                     c.getBoundingClientRect().width > 0];")
                        .await
                        .map_err(|e| e.to_string())?;
                    (state == json!([name, true]))
                        .then_some(())
                        .ok_or(state.to_string())
                },
            )
            .await;
        }
        Page::MyStatus => world.navigate("status").await,
        Page::Mapping => {
            world.navigate("settings").await;
            tokio::time::sleep(Duration::from_millis(800)).await;
            world
                .js("const el = document.getElementById('settings-mapping');\
                     const sc = document.querySelector('#screen-settings .screen__scroll');\
                     sc.scrollTop += el.getBoundingClientRect().top - sc.getBoundingClientRect().top - 16;")
                .await
                .unwrap();
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
}

async fn close_card(world: &World) {
    let _ = world
        .js("document.querySelector('.screen--colleagues, #screen-colleagues')?.classList.remove('card-open')")
        .await;
}

/// Serious and critical axe-core violations on the page as it is now.
async fn axe_violations(world: &World) -> Vec<String> {
    let loaded = world
        .js("return typeof window.axe === 'object' ? window.axe.version : null")
        .await
        .expect("look for axe");
    if loaded.is_null() {
        world.js(AXE).await.expect("inject axe-core");
    }
    let version = world.js("return window.axe.version").await.expect("axe");
    assert_eq!(version, json!(AXE_VERSION), "the vendored axe-core");
    let found = world
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, {resultTypes: ['violations'],\
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})\
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => `${v.id} (${v.impact}): ${v.help}: ` + v.nodes.slice(0, 4)\
                   .map(n => n.target.join(' ') + (n.failureSummary ? ' [' + n.failureSummary.replace(/\\s+/g, ' ').slice(0, 160) + ']' : ''))\
                   .join('; '))),\
                 e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    serde_json::from_value(found).expect("a list of violations")
}

/// Tabs through the whole window: every control on screen reached, each with a focus ring.
async fn keyboard_walk(world: &World) -> Vec<String> {
    world
        .client()
        .execute(FOCUS_WALK, vec![json!("start")])
        .await
        .expect("start the focus walk");
    let controls = world
        .js("return document.querySelectorAll('button, input, select, [tabindex]').length")
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(100);
    // Twice as many presses as controls, one at a time as a person types (the page may re-render
    // between two), stopping once the focus has left the page after its last control.
    let mut left_page = 0;
    for _ in 0..2 * controls + 5 {
        press_now(world, TAB).await;
        let on_page = world
            .js("return document.hasFocus()")
            .await
            .expect("whether the page has the focus");
        left_page = if on_page == json!(true) {
            0
        } else {
            left_page + 1
        };
        if left_page > 2 {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let result: Value = world
        .client()
        .execute(FOCUS_WALK, vec![json!("finish")])
        .await
        .expect("finish the focus walk");
    let mut problems = Vec::new();
    for unreached in result["unreached"].as_array().into_iter().flatten() {
        problems.push(format!(
            "not reached with Tab: {} (the last stops: {})",
            unreached.as_str().unwrap_or("?"),
            result["last"]
        ));
    }
    for no_ring in result["no_ring"].as_array().into_iter().flatten() {
        problems.push(format!(
            "no visible focus ring: {}",
            no_ring.as_str().unwrap_or("?")
        ));
    }
    if result["reached"].as_u64().unwrap_or(0) < 3 {
        problems.push(format!("Tab reached almost nothing: {result}"));
    }
    problems
}

/// A few actions by key: F1 opens the shortcut help and Escape closes it; "/" goes to the
/// search; Alt+2 shows My status.
async fn shortcuts(world: &World, width: u32) -> Vec<String> {
    let mut problems = Vec::new();
    world.navigate("colleagues").await;
    world.js("document.activeElement?.blur?.()").await.unwrap();
    press(world, &[F1]).await;
    let open = world
        .js("const o = document.querySelector('.overlay'); return !!o && !o.hidden && o.contains(document.activeElement)")
        .await
        .unwrap();
    if open != json!(true) {
        problems.push("F1 did not open the shortcut help with the focus in it".into());
    }
    press(world, &[ESCAPE]).await;
    let closed = world
        .js("const o = document.querySelector('.overlay'); return !o || o.hidden")
        .await
        .unwrap();
    if closed != json!(true) {
        problems.push("Escape did not close the shortcut help".into());
    }
    close_card(world).await;
    world
        .js("document.getElementById('colleague-list')?.focus()")
        .await
        .unwrap();
    press(world, &['/']).await;
    let focused = world
        .js("return document.activeElement && document.activeElement.id")
        .await
        .unwrap();
    if focused != json!("search") {
        problems.push(format!(
            "\"/\" did not focus the search (focus on {focused})"
        ));
    }
    world.js("document.activeElement?.blur?.()").await.unwrap();
    let alt = '\u{e00a}';
    world
        .client()
        .perform_actions(
            KeyActions::new(format!("alt-{width}"))
                .then(KeyAction::Down { value: alt })
                .then(KeyAction::Down { value: '2' })
                .then(KeyAction::Up { value: '2' })
                .then(KeyAction::Up { value: alt }),
        )
        .await
        .expect("Alt+2");
    let shown = world
        .js("return document.getElementById('screen-status').hidden")
        .await
        .unwrap();
    if shown != json!(false) {
        problems.push("Alt+2 did not show My status".into());
    }
    problems
}

/// Presses `keys` one after another on whatever has the focus (real key events).
async fn press(world: &World, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".into());
    for &key in keys {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    world
        .client()
        .perform_actions(actions)
        .await
        .expect("key presses");
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// One key press, without waiting afterwards.
async fn press_now(world: &World, key: char) {
    world
        .client()
        .perform_actions(
            KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key }),
        )
        .await
        .expect("key press");
}

/// The screenshots the README and docs show, written from this run's window.
async fn save_doc_screenshot(world: &World, file: &str) {
    let png = world.screenshot_png().await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).expect("docs/screenshots");
    std::fs::write(dir.join(file), png).expect("write the screenshot");
    eprintln!("e2e: wrote docs/screenshots/{file}");
}
