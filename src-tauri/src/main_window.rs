//! The main window, built when it is opened and destroyed when it is closed: while the app sits
//! in the tray there is no webview, so no WebKit process runs. The sync, the tray and the
//! notifications never need it; the window is only a view (it asks for the state when it loads,
//! then gets events).

use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindow, WindowEvent};

use window_model::navigate::Navigate;

use crate::app_state::AppState;
use crate::events;

/// The window's label (tauri.conf.json, capabilities/default.json).
pub const LABEL: &str = "main";

/// How the window lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowLife {
    /// Built on "Open", destroyed on close (every build for users).
    OnDemand,
    /// Built hidden at start and only hidden on close: the test hook `--keep-window` for the
    /// WebDriver tests, which need a webview from launch on.
    Kept,
}

impl WindowLife {
    /// The window's life asked for on the command line.
    pub fn of(cli: &crate::cli::Cli) -> Self {
        #[cfg(feature = "test-hooks")]
        if cli.keep_window {
            return Self::Kept;
        }
        let _ = cli;
        Self::OnDemand
    }
}

/// At start: with [`WindowLife::Kept`] the window is built now, hidden; otherwise nothing is.
pub fn at_start<R: Runtime>(app: &AppHandle<R>, life: WindowLife) {
    if life == WindowLife::Kept {
        if let Err(error) = build(app, None) {
            tracing::error!(%error, "cannot create the window");
        }
    }
    app.manage(life);
}

/// Opens the window, on `to` if given (otherwise as it was, or on its first screen): builds it
/// if it is not there (it loads with `to` in its URL, so nothing waits for the page to listen),
/// or shows, raises and navigates the one there is.
pub fn open<R: Runtime>(app: &AppHandle<R>, to: Option<Navigate>) {
    // Where "Open -> list painted" starts (benches/app-figures.py).
    tracing::info!("opening the window");
    let window = match app.get_webview_window(LABEL) {
        Some(window) => {
            if let Some(to) = &to {
                if let Err(error) = app.emit("navigate", to) {
                    tracing::debug!(%error, "cannot send the navigate event");
                }
            }
            window
        }
        None => match build(app, to.as_ref()) {
            Ok(window) => window,
            Err(error) => {
                tracing::error!(%error, "cannot create the window");
                return;
            }
        },
    };
    if let Err(error) = window.show() {
        tracing::warn!(%error, "cannot show the window");
        return;
    }
    events::set_window_shown(app, true);
    match window.unminimize().and_then(|()| window.set_focus()) {
        Ok(()) => tracing::info!("window shown"),
        Err(error) => tracing::warn!(%error, "window shown, but cannot raise it"),
    }
}

/// Closes the window as the user's close button does (test hook `--close-window`).
#[cfg(feature = "test-hooks")]
pub fn close<R: Runtime>(app: &AppHandle<R>) {
    match app.get_webview_window(LABEL) {
        Some(window) => {
            if let Err(error) = window.close() {
                tracing::warn!(%error, "cannot close the window");
            }
        }
        None => tracing::info!("no window to close"),
    }
}

/// What closing does: with [`WindowLife::OnDemand`] the window goes, and with it the webview;
/// with [`WindowLife::Kept`] it is only hidden.
pub fn on_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if window.label() != LABEL {
        return;
    }
    let app = window.app_handle();
    let life = app
        .try_state::<WindowLife>()
        .map_or(WindowLife::OnDemand, |life| *life);
    match event {
        WindowEvent::CloseRequested { api, .. } if life == WindowLife::Kept => {
            api.prevent_close();
            match window.hide() {
                Ok(()) => hidden(app),
                Err(error) => tracing::warn!(%error, "cannot hide the window"),
            }
        }
        WindowEvent::Destroyed => {
            hidden(app);
            tracing::info!("window closed; its webview is gone");
            let app = app.clone();
            crate::webkit_processes::end_network_process_when_idle(
                std::time::Duration::from_secs(10),
                move || app.get_webview_window(LABEL).is_none(),
            );
        }
        // A focused window is on screen, however it got there.
        WindowEvent::Focused(true) => events::set_window_shown(app, true),
        _ => {}
    }
}

/// The window is off screen: no events to it, and no card on screen, so the bridge stops
/// reading the last card's free/busy (a destroyed page cannot say so itself).
fn hidden<R: Runtime>(app: &AppHandle<R>) {
    events::set_window_shown(app, false);
    if let Some(state) = app.try_state::<AppState>() {
        if state.running().is_some() {
            if let Err(error) = state.send(bridge::BridgeCommand::CardShown(None)) {
                tracing::debug!(%error, "cannot tell the sync that no card is shown");
            }
        }
    }
}

/// Builds the window (hidden, from tauri.conf.json) loading `to`, if given, from the URL's
/// fragment.
fn build<R: Runtime>(app: &AppHandle<R>, to: Option<&Navigate>) -> tauri::Result<WebviewWindow<R>> {
    let mut config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == LABEL)
        .cloned()
        .unwrap_or_default();
    config.label = LABEL.into();
    if let Some(to) = to {
        config.url = WebviewUrl::App(format!("index.html#{}", fragment(to)).into());
    }
    let window = tauri::WebviewWindowBuilder::from_config(app, &config)?
        .visible(false)
        .build()?;
    crate::webview_languages::share_languages_with_window(&window);
    crate::webview_crash::reload_after_a_crash(&window);
    Ok(window)
}

/// `to` as the URL fragment the page reads at load: the `navigate` event's fields, form-encoded
/// (`colleague=<id>&screen=colleagues`; any order).
fn fragment(to: &Navigate) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(to) {
        for (name, value) in fields {
            if let Some(value) = value.as_str() {
                out.append_pair(&name, value);
            }
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use window_model::navigate::{Screen, Section};

    use super::*;

    #[test]
    fn the_fragment_carries_the_navigate_fields_encoded() {
        assert_eq!(
            fragment(&Navigate::to(Screen::Colleagues)),
            "screen=colleagues"
        );
        assert_eq!(
            fragment(&Navigate {
                section: Some(Section::Certificate),
                ..Navigate::to(Screen::Settings)
            }),
            "screen=settings&section=certificate"
        );
        assert_eq!(
            fragment(&Navigate::to_card("a&b=c #d%")),
            "colleague=a%26b%3Dc+%23d%25&screen=colleagues"
        );
    }
}
