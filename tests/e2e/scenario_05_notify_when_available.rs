//! Scenario 5: "notify me when available" shows a desktop notification (real dunst), and the
//! Teams chat action opens the chat deep link.

use fantoccini::Locator;
use serde_json::json;

use crate::harness::{wait_for, World, WAIT};
use crate::strings::{tr, translations};

pub async fn notify_when_available(world: &World) {
    let en = &translations("en");
    let who = &world.watched;
    world.navigate("colleagues").await;
    let search = world.client().find(Locator::Css("#search")).await.unwrap();
    search.clear().await.unwrap();
    search.send_keys(&who.display_name).await.unwrap();
    wait_for("the colleague in the results", WAIT, || async move {
        let names = world.texts(".row:not([hidden]) .row__name").await;
        names
            .iter()
            .any(|n| n == &who.display_name)
            .then_some(())
            .ok_or(format!("{names:?}"))
    })
    .await;
    // Select the row (the card follows the selection).
    world
        .js(&format!(
            "const row = [...document.querySelectorAll('.row:not([hidden])')]\
               .find(r => r.querySelector('.row__name').textContent === {});\
             row.dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}}));",
            json!(who.display_name)
        ))
        .await
        .unwrap();
    wait_for("the contact card", WAIT, || async move {
        let name = world.texts("#card-name").await;
        (name == [who.display_name.clone()])
            .then_some(())
            .ok_or(format!("{name:?}"))
    })
    .await;
    world
        .click_button(".card__notify", &tr(en, "action.notify_once"))
        .await;
    wait_for("the alert registered", WAIT, || async move {
        let st = world.state().await;
        let found = st["colleagues"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["id"] == json!(who.id.to_string()) && c["notify"] == "once");
        found.then_some(()).ok_or(st["colleagues"].to_string())
    })
    .await;
    let displayed_before = world.session.notifications_displayed().unwrap_or(0);
    world
        .graph()
        .control()
        .set_presence(who.id, "Available", "Available");
    let history = wait_for("dunst shows the notification", WAIT, || async move {
        let displayed = world.session.notifications_displayed()?;
        let history = world.session.dunstctl(&["history"])?;
        if displayed > displayed_before || history.contains(&who.display_name) {
            Ok(history)
        } else {
            Err(format!("displayed={displayed} history={history}"))
        }
    })
    .await;
    let _ = history;

    // The Teams chat action sends the right deep link to the opener.
    let before = world.opened_urls().len();
    world
        .click_button(".card__actions", &tr(en, "action.chat"))
        .await;
    let url = wait_for("the chat deep link", WAIT, || async move {
        world
            .opened_urls()
            .get(before)
            .cloned()
            .ok_or(format!("{:?}", world.opened_urls()))
    })
    .await;
    let upn: String =
        url::form_urlencoded::byte_serialize(who.user_principal_name.as_bytes()).collect();
    assert!(
        url == format!("https://teams.microsoft.com/l/chat/0/0?users={upn}")
            || url
                == format!(
                    "https://teams.microsoft.com/l/chat/0/0?users={}",
                    who.user_principal_name
                ),
        "deep link {url:?} for {}",
        who.user_principal_name
    );
}
