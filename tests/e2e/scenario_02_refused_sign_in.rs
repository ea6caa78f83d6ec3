//! Scenario 2: a refused Microsoft sign-in ends with its reason instead of waiting in "signing in".

use std::time::Instant;

use crate::harness::{sign_in_as_browser, wait_for, World, WAIT};
use crate::strings::{s, tr, translations};

/// The redirect carries a code Entra never issued: the token endpoint refuses it, and the window
/// must say so instead of waiting in "signing in".
pub async fn refused_sign_in_shows_why(world: &World) {
    let en = &translations("en");
    world.navigate("settings").await;
    // Toasts leave after a few seconds; record every error toast from now on.
    world
        .js("window.__errorToasts = [];             new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {               if (n.classList && n.classList.contains('toast--error')) window.__errorToasts.push(n.textContent);             }))).observe(document.querySelector('.toasts'), {childList: true});")
        .await
        .unwrap();
    let started = Instant::now();
    sign_in_as_browser(world, |callback| callback.replace("code=", "code=forged-")).await;
    let toast = wait_for("an error toast about the sign-in", WAIT, || async move {
        let toasts = world.js("return window.__errorToasts").await.unwrap();
        let toasts: Vec<String> = serde_json::from_value(toasts).unwrap_or_default();
        toasts
            .iter()
            .find(|t| t.contains("Microsoft sign-in did not complete"))
            .cloned()
            .ok_or(format!("{toasts:?}"))
    })
    .await;
    assert!(
        toast.starts_with(tr(en, "toast.error").split('{').next().unwrap()),
        "{toast}"
    );
    let st = world.state().await;
    assert_eq!(
        s(&st, "accounts.microsoft.state"),
        "signed_out",
        "{}",
        st["accounts"]
    );
    let pills = world.texts(".account__head .pill").await;
    assert!(
        pills.contains(&tr(en, "settings.microsoft.state.signed_out")),
        "{pills:?}"
    );
    assert!(
        world
            .graph()
            .control()
            .log()
            .entries()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/token") && r.status == 400),
        "the simulator refused the forged code"
    );
    eprintln!(
        "e2e: the refused sign-in was reported after {:.1?}: {toast}",
        started.elapsed()
    );
}
