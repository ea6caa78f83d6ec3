//! Desktop notifications (XDG via notify-rust/zbus) for what the bridge reports. A click on
//! "X is available" opens the Teams chat through the same opener path as the window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bridge::{BridgeNotification, Notifier};
use tauri::{AppHandle, Manager, Runtime};
use window_model::i18n::Lang;
use window_model::links::{self, LinkKind};
use window_model::notification::{self, NotificationText};

use crate::app_state::AppState;

/// Shows bridge notifications on the desktop.
pub struct DesktopNotifier<R: Runtime> {
    app: AppHandle<R>,
    /// Logged once: without a notification daemon every attempt fails the same way.
    warned: Arc<AtomicBool>,
}

impl<R: Runtime> DesktopNotifier<R> {
    pub fn new(app: AppHandle<R>) -> Self {
        Self {
            app,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }

    fn lang(&self) -> Lang {
        self.app
            .try_state::<AppState>()
            .map(|state| Lang::choose(state.settings().ui.language))
            .unwrap_or(Lang::En)
    }
}

impl<R: Runtime> Notifier for DesktopNotifier<R> {
    fn notify(&self, notification: &BridgeNotification) {
        let lang = self.lang();
        let NotificationText { title, body } = notification::text(lang, notification);
        let chat_link = match notification {
            BridgeNotification::ColleagueAvailable { id, .. } => {
                self.app.try_state::<AppState>().and_then(|state| {
                    let person = state.person(id).ok()?;
                    links::url_for(&person, LinkKind::TeamsChat, None).ok()
                })
            }
            _ => None,
        };
        let action_label = notification::open_chat_label(lang);
        let app = self.app.clone();
        let warned = self.warned.clone();
        // Showing and waiting for a click block on D-Bus; the bridge must not wait for that.
        let spawned = std::thread::Builder::new()
            .name("notification".into())
            .spawn(move || {
                let mut desktop = notify_rust::Notification::new();
                desktop
                    .appname("Presence Bridge")
                    .summary(&title)
                    .body(&body);
                if chat_link.is_some() {
                    desktop.action("default", &action_label);
                    desktop.action("open_chat", &action_label);
                }
                match desktop.show() {
                    Ok(handle) => {
                        if let Some(link) = chat_link {
                            #[cfg(all(unix, not(target_os = "macos")))]
                            handle.wait_for_action(|action| {
                                if action == "default" || action == "open_chat" {
                                    if let Err(error) = crate::opener::open_url(&app, &link) {
                                        tracing::warn!(%error, "cannot open the Teams chat");
                                    }
                                }
                            });
                            #[cfg(not(all(unix, not(target_os = "macos"))))]
                            let _ = (handle, link, &app);
                        }
                    }
                    Err(error) => {
                        if !warned.swap(true, Ordering::Relaxed) {
                            tracing::warn!(
                                %error,
                                "cannot show desktop notifications (no notification daemon?); \
                                 carrying on without them"
                            );
                        }
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the notification thread");
        }
    }
}
