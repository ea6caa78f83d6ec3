//! Scenario 3: signing in to both accounts through the window (Microsoft in the "browser", the
//! STARFACE password into the real keychain) survives a restart of the app.

use fantoccini::Locator;
use serde_json::json;

use crate::harness::{sign_in_as_browser, wait_for, World, PASSWORD, WAIT};
use crate::strings::{s, tr, translations};

pub async fn sign_in_through_ui(world_mut: &mut World) {
    let en = &translations("en");
    let world = &*world_mut;
    sign_in_as_browser(world, |callback| callback).await;

    wait_for("Microsoft signed in", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "accounts.microsoft.state") == "signed_in")
            .then_some(())
            .ok_or(format!(
                "{}\n{}",
                st["accounts"],
                world.diagnostics("sign-in")
            ))
    })
    .await;
    assert!(
        world
            .graph()
            .control()
            .log()
            .entries()
            .iter()
            .any(|r| r.method == "POST"
                && r.path.ends_with("/token")
                && r.status == 200
                && r.body.contains("code_verifier")),
        "the simulator redeemed a PKCE code"
    );

    // STARFACE password through the window into the real keychain.
    world.navigate("settings").await;
    let field = world
        .client()
        .find(Locator::Css("#f-starface-password"))
        .await
        .expect("password field");
    field.send_keys(PASSWORD).await.unwrap();
    world
        .click_button(".inline", &tr(en, "settings.starface.password_save"))
        .await;
    wait_for("STARFACE connected", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "accounts.starface.state") == "connected")
            .then_some(())
            .ok_or(st["accounts"].to_string())
    })
    .await;
    let settings = world.invoke("get_settings", json!({})).await;
    assert_eq!(s(&settings, "secrets.starface_password"), &json!(true));
    let file = std::fs::read_to_string(&world.config).unwrap();
    assert!(
        !file.contains(PASSWORD),
        "password written to the settings file"
    );
    assert!(
        world
            .pbx()
            .request_log()
            .entries()
            .iter()
            .any(|r| r.path.starts_with("/rest/login")),
        "the PBX saw a login"
    );

    // Restart: the secrets come back from the keychain.
    world_mut.quit_app().await;
    world_mut.open_app().await;
    let world = &*world_mut;
    wait_for("still signed in after a restart", WAIT, || async move {
        let st = world.state().await;
        (s(&st, "accounts.microsoft.state") == "signed_in"
            && s(&st, "accounts.starface.state") == "connected")
            .then_some(())
            .ok_or(st["accounts"].to_string())
    })
    .await;
    world.navigate("settings").await;
    // "Signed in as <name>": the name comes with the sync's first reading of the profile, which
    // can land a moment after the state says signed in (the pill reads "Signed in" until then).
    let signed_in = tr(en, "settings.microsoft.state.signed_in");
    let signed_in = &signed_in.split('{').next().unwrap().trim().to_owned();
    let connected = &tr(en, "settings.starface.state.connected");
    wait_for("the account pills after a restart", WAIT, || async move {
        let pills = world.texts(".account__head .pill").await.join(" | ");
        (pills.contains(signed_in.as_str()) && pills.contains(connected.as_str()))
            .then_some(())
            .ok_or(pills)
    })
    .await;
}
