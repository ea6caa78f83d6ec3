//! What follows a change of the settings, saved from the window or edited on disk: the sync,
//! the tray and the login item are told, then the window gets the new state.

use settings::Settings;
use tauri::{AppHandle, Manager, Runtime};
use window_model::i18n::message_language;
use window_model::tray::MenuOptions;

use crate::app_state::AppState;
use crate::events;

/// Applies the change from `before` to `after` to the running app.
pub async fn apply<R: Runtime>(app: &AppHandle<R>, before: &Settings, after: &Settings) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let accounts_changed = before.microsoft != after.microsoft || before.starface != after.starface;
    // The relay's servers or credential (the admin policy): the relay worker starts with them.
    let accounts_changed = accounts_changed || before.relay != after.relay;
    if accounts_changed {
        tracing::info!("accounts changed; restarting the sync");
        events::restart_sync(app).await;
    } else {
        // A new UI language changes the default messages: that reaches the sync as a mapping
        // change.
        let (old, new) = (
            before.engine_config(message_language(before)),
            after.engine_config(message_language(after)),
        );
        if old.mapping != new.mapping {
            let _ = state.send(bridge::BridgeCommand::MappingChanged(Box::new(new.mapping)));
        }
        if old.sync != new.sync {
            let _ = state.send(bridge::BridgeCommand::OptionsChanged(new.sync));
        }
        if before.ui.favourites != after.ui.favourites {
            let _ = state.send(bridge::BridgeCommand::FavouritesChanged(
                after.ui.favourites.clone(),
            ));
        }
    }
    // `[hooks]` or the UI language (Home Assistant's entity names): the hooks start again, in
    // their own task (stopping a hook that hangs takes seconds; the window does not wait).
    let for_hooks = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(state) = for_hooks.try_state::<AppState>() {
            state.hooks.apply_current(|| state.settings()).await;
        }
    });
    if before.ui.autostart != after.ui.autostart && !state.demo {
        crate::autostart::apply(app, after.ui.autostart);
    }
    let menu = MenuOptions::of(after);
    if MenuOptions::of(before) != menu {
        crate::tray::set_options(app, menu);
    }
    events::publish_state(app);
}
