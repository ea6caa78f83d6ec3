//! Desktop notifications are the front end's job; the bridge only says what to show.

use presence_core::engine::Notification;

/// Something worth a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeNotification {
    /// The engine asked for it (another sync active, pause ended, writes failing).
    Engine(Notification),
    /// A colleague with a "notify me when available" alert became reachable.
    ColleagueAvailable {
        /// Entra object id.
        id: String,
        /// Name to show.
        display_name: String,
    },
    /// A sign-in must be repeated.
    SignInNeeded {
        /// `microsoft` or `starface`.
        service: String,
    },
}

impl std::fmt::Display for BridgeNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BridgeNotification::Engine(notification) => notification.fmt(f),
            BridgeNotification::ColleagueAvailable { display_name, .. } => {
                write!(f, "{display_name} is available now.")
            }
            BridgeNotification::SignInNeeded { service } => {
                write!(
                    f,
                    "Please sign in to {service} again; your settings are kept."
                )
            }
        }
    }
}

/// Implemented by the front end (tray app: desktop notifications; headless: a log line).
pub trait Notifier: Send + Sync {
    /// Shows `notification`. Must not block for long.
    fn notify(&self, notification: &BridgeNotification);
}

/// Logs notifications (headless mode, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn notify(&self, notification: &BridgeNotification) {
        tracing::info!(%notification, "notification");
    }
}
