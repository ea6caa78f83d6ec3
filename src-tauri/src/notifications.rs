//! Desktop notifications (XDG via notify-rust/zbus) for what the bridge reports. A click on
//! "X is available" opens the Teams chat through the same opener path as the window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bridge::{BridgeNotification, Notifier};
use presence_core::engine::Notification as EngineNotification;
use tauri::{AppHandle, Manager, Runtime};

use crate::backend::Backend;
use crate::i18n::{tr, tr_with, Lang};

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
            .try_state::<Backend>()
            .map(|b| Lang::choose(b.settings().ui.language))
            .unwrap_or(Lang::En)
    }
}

/// Title, body and (for colleagues) the Teams chat link to open on click.
pub fn texts(lang: Lang, notification: &BridgeNotification) -> (String, String) {
    match notification {
        BridgeNotification::ColleagueAvailable { display_name, .. } => (
            tr_with(lang, "notify.available.title", &[("name", display_name)]),
            tr(lang, "notify.available.body"),
        ),
        BridgeNotification::SignInNeeded { service } => {
            let service = if service == "microsoft" {
                "Microsoft 365"
            } else {
                "STARFACE"
            };
            (
                "Presence Bridge".into(),
                tr_with(lang, "notify.sign_in", &[("service", service)]),
            )
        }
        BridgeNotification::Engine(EngineNotification::AnotherSyncActive) => (
            tr(lang, "warning.another_sync.title"),
            tr_with(
                lang,
                "warning.another_sync.body",
                &[("reverts", "3"), ("period_minutes", "10")],
            ),
        ),
        BridgeNotification::Engine(EngineNotification::PauseEnded) => {
            ("Presence Bridge".into(), tr(lang, "notify.pause_ended"))
        }
        BridgeNotification::Engine(EngineNotification::WritesFailing { target }) => {
            let target = target.to_string();
            (
                tr_with(lang, "warning.writes_failing.title", &[("target", &target)]),
                tr_with(lang, "warning.writes_failing.body", &[("target", &target)]),
            )
        }
        #[allow(unreachable_patterns)]
        other => ("Presence Bridge".into(), other.to_string()),
    }
}

impl<R: Runtime> Notifier for DesktopNotifier<R> {
    fn notify(&self, notification: &BridgeNotification) {
        let lang = self.lang();
        let (title, body) = texts(lang, notification);
        let chat_link = match notification {
            BridgeNotification::ColleagueAvailable { id, .. } => {
                self.app.try_state::<Backend>().and_then(|backend| {
                    let upn = backend
                        .known(id)
                        .and_then(|u| u.user_principal_name.or(u.mail))
                        .or_else(|| {
                            let snapshot = backend.snapshot();
                            snapshot
                                .colleagues
                                .iter()
                                .find(|c| &c.id == id)?
                                .mail
                                .clone()
                        })?;
                    crate::links::teams_chat(&upn).ok()
                })
            }
            _ => None,
        };
        let action_label = tr(lang, "notify.available.action");
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
