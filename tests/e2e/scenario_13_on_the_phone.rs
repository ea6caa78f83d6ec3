//! Scenario 13: a colleague's call on the PBX shows in the real window, pushed by STARFACE 10's
//! OneHub: the row goes "Am Telefon" (German since scenario 10) with a busy dot when the call
//! starts, and back when it ends, also when the end overtakes a search answer read before it
//! (seen on a loaded machine: the older answer put "Am Telefon" back for good).
//!
//! Until now the app signed in with the classic login (`auth = "auto"` without a client secret).
//! The admin's OAuth client secret goes into the keychain (as `login starface` would put it), so
//! after a restart `auto` signs in with OAuth and OneHub runs with the same token. The XMPP chat
//! link then signs in with the token, which the test's Prosody cannot check: this scenario runs
//! last.

use std::io::Write;
use std::process::Stdio;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::harness::{wait_for, World, WAIT};
use crate::strings::{tr, translations};

/// Stores the PBX's OAuth client secret in the session's keychain, in the entry the app reads
/// (`keychain::names::STARFACE_OAUTH_CLIENT_SECRET`, the attributes the `keyring` crate uses).
fn store_oauth_client_secret(world: &World) {
    let mut store = world
        .session
        .command("secret-tool")
        .args([
            "store",
            "--label=presence-bridge",
            "service",
            "presence-bridge",
            "username",
            keychain::names::STARFACE_OAUTH_CLIENT_SECRET,
            "target",
            "default",
            "application",
            "rust-keyring",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secret-tool store");
    store
        .stdin
        .take()
        .unwrap()
        .write_all(world.pbx().oauth_client_secret().as_bytes())
        .unwrap();
    let output = store.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "secret-tool store: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Holds back the answer of the page's next list search (IPC goes through `fetch`) by 2 s,
/// then searches again: `window.__heldSearch` is "asked", "read" once the backend answered, and
/// "delivered" once the page has the answer.
const HOLD_BACK_SEARCH_ANSWERS: &str = "\
    window.__realFetch = window.__realFetch || window.fetch;\
    window.__heldSearch = 'none';\
    window.fetch = (url, init) => {\
      const answer = window.__realFetch(url, init);\
      if (!String(url).includes('search_directory') || window.__heldSearch !== 'none') return answer;\
      window.__heldSearch = 'asked';\
      return answer.then((response) => {\
        window.__heldSearch = 'read';\
        return new Promise((resolve) => setTimeout(() => {\
          window.__heldSearch = 'delivered';\
          resolve(response);\
        }, 2000));\
      });\
    };\
    document.getElementById('search').dispatchEvent(new Event('input'));";

/// Waits until the held-back search (see [`HOLD_BACK_SEARCH_ANSWERS`]) is at `stage`.
async fn held_search_reaches(world: &World, stage: &str, what: &str) {
    world
        .wait_for_js(what, WAIT, "return window.__heldSearch", json!(stage))
        .await;
}

/// The status text of the listed row named `name` ("" when there is none).
async fn row_status(world: &World, name: &str) -> Result<String, String> {
    let text = world
        .js(&format!(
            "const row = [...document.querySelectorAll('.row:not([hidden])')]\
               .find(r => r.querySelector('.row__name').textContent === {});\
             return row && row.querySelector('.row__status').textContent;",
            json!(name)
        ))
        .await
        .map_err(|e| e.to_string())?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Watches the colleague's row in the page: the wall-clock time (ms) at which its status text
/// first starts with `text` is kept in `window.__phoneSeenAt`, so the delay is measured in the
/// window itself, not by the test's polling.
async fn watch_row_for(world: &World, name: &str, text: &str) {
    world
        .js(&format!(
            "window.__phoneSeenAt = null;\
             const name = {}, text = {};\
             const look = () => {{\
               const row = [...document.querySelectorAll('.row:not([hidden])')]\
                 .find(r => r.querySelector('.row__name').textContent === name);\
               if (window.__phoneSeenAt === null && row &&\
                   row.querySelector('.row__status').textContent.startsWith(text))\
                 window.__phoneSeenAt = Date.now();\
             }};\
             if (window.__phoneObserver) window.__phoneObserver.disconnect();\
             window.__phoneObserver = new MutationObserver(look);\
             window.__phoneObserver.observe(document.body,\
               {{subtree: true, childList: true, characterData: true, attributes: true}});\
             look();",
            json!(name),
            json!(text)
        ))
        .await
        .unwrap();
}

/// The row's status text and dot class once the page saw `text`, with the time it saw it.
async fn seen(world: &World, name: &str, what: &str) -> (u64, String, String) {
    wait_for(what, WAIT, || async move {
        let seen = world
            .js(&format!(
                "const row = [...document.querySelectorAll('.row:not([hidden])')]\
                   .find(r => r.querySelector('.row__name').textContent === {});\
                 return [window.__phoneSeenAt, row && row.querySelector('.row__status').textContent,\
                         row && row.querySelector('.dot').getAttribute('class')];",
                json!(name)
            ))
            .await
            .map_err(|e| e.to_string())?;
        match &seen {
            Value::Array(parts) if parts[0].is_u64() => Ok((
                parts[0].as_u64().unwrap(),
                parts[1].as_str().unwrap_or_default().to_owned(),
                parts[2].as_str().unwrap_or_default().to_owned(),
            )),
            other => Err(other.to_string()),
        }
    })
    .await
}

pub async fn colleague_on_the_phone(world: &mut World) {
    let de = &translations("de");
    world.quit_app().await;
    store_oauth_client_secret(world);
    world.open_app().await;
    let world = &*world;
    let who = &world.watched;
    let person = world
        .office
        .colleagues()
        .iter()
        .find(|p| p.id() == who.id)
        .expect("the watched colleague is in the office")
        .clone();
    let hub = world.office.onehub().expect("the office runs OneHub");
    let me = &world
        .office
        .account_id(&world.office.me().login)
        .unwrap()
        .to_string();
    let ids = &hub.user(&world.office.account_id(&person.login).unwrap().to_string());
    wait_for("OneHub subscribed to the colleague", WAIT, || async move {
        let subscribed = hub.subscribed(me);
        subscribed
            .contains(&ids.one_hub_user_id)
            .then_some(())
            .ok_or(format!("{subscribed:?}"))
    })
    .await;

    world.navigate("colleagues").await;
    world
        .js(&format!(
            "const s = document.getElementById('search'); s.value = {}; \
             s.dispatchEvent(new Event('input'));",
            json!(who.display_name)
        ))
        .await
        .unwrap();
    let on_the_phone = &tr(de, "status.on_the_phone");
    wait_for(
        "the colleague listed, not on the phone",
        WAIT,
        || async move {
            let rows = world.texts(".row:not([hidden]) .row__status").await;
            let names = world.texts(".row:not([hidden]) .row__name").await;
            (names.contains(&who.display_name) && !rows.iter().any(|r| r.starts_with(on_the_phone)))
                .then_some(())
                .ok_or(format!("{names:?} {rows:?}"))
        },
    )
    .await;

    watch_row_for(world, &who.display_name, &tr(de, "status.on_the_phone")).await;
    let called_at = now_ms();
    let call = world.office.start_call(&person.login);
    let (at, text, dot) = seen(world, &who.display_name, "\"Am Telefon\" in the row").await;
    eprintln!(
        "e2e: the call showed in the window {} ms after it started on the PBX",
        at.saturating_sub(called_at)
    );
    assert!(text.starts_with(&tr(de, "status.on_the_phone")), "{text}");
    assert!(dot.contains("dot--busy"), "a busy dot: {dot}");
    world.screenshot("on-the-phone-de").await;

    // The call ends while a search of the list is on its way, answered before the end and
    // delivered after it (the page's IPC answers are held back 2 s here): the answer's "on the
    // phone" is older than the event that ended the call, and must not bring it back.
    world
        .js("window.__phoneObserver && window.__phoneObserver.disconnect();")
        .await
        .unwrap();
    world.js(HOLD_BACK_SEARCH_ANSWERS).await.unwrap();
    held_search_reaches(world, "read", "the backend to answer the search").await;
    let ended_at = now_ms();
    world.office.end_call(&person.login, &call);
    let back = wait_for("the row back from the phone", WAIT, || async move {
        let text = row_status(world, &who.display_name).await?;
        (!text.is_empty() && !text.starts_with(&tr(de, "status.on_the_phone")))
            .then_some(text.clone())
            .ok_or(text)
    })
    .await;
    eprintln!(
        "e2e: the end of the call showed within {} ms (polled every 250 ms): {back}",
        now_ms().saturating_sub(ended_at)
    );
    held_search_reaches(world, "delivered", "the held-back search answer").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    world
        .js("window.fetch = window.__realFetch;")
        .await
        .unwrap();
    let after = row_status(world, &who.display_name).await.unwrap();
    assert!(
        !after.starts_with(&tr(de, "status.on_the_phone")),
        "the older search answer brought \"on the phone\" back: {after:?}"
    );
    world
        .js(
            "const s = document.getElementById('search'); s.value = ''; \
             s.dispatchEvent(new Event('input'));",
        )
        .await
        .unwrap();
}
