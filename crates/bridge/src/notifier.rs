//! Desktop notifications are the front end's job; the bridge only says what to show.

use presence_core::engine::Notification;
use presence_core::free_busy::FreeBusyLine;

use crate::log_text::Escaped;
use crate::snapshot::Service;

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
        /// Their calendar at that moment ("free until 16:00"), when it was read.
        free_busy: Option<FreeBusyLine>,
        /// Their STARFACE phone was known (and free, as the alert requires): the notification
        /// can say that Teams and the phone are both free.
        phone_known: bool,
    },
    /// A sign-in must be repeated.
    SignInNeeded(Service),
}

impl std::fmt::Display for BridgeNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BridgeNotification::Engine(notification) => notification.fmt(f),
            BridgeNotification::ColleagueAvailable { display_name, .. } => {
                write!(f, "{} is available now.", Escaped(display_name))
            }
            BridgeNotification::SignInNeeded(service) => {
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

/// Logs notifications (headless mode, tests). Those about a colleague only at `debug`: the log
/// files must not become a record of colleagues' presence.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn notify(&self, notification: &BridgeNotification) {
        match notification {
            BridgeNotification::ColleagueAvailable { .. } => {
                tracing::debug!(%notification, "notification")
            }
            _ => tracing::info!(%notification, "notification"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_notification_names_the_service_as_users_know_it() {
        assert_eq!(
            BridgeNotification::SignInNeeded(Service::Microsoft).to_string(),
            "Please sign in to Microsoft 365 again; your settings are kept."
        );
        assert_eq!(
            BridgeNotification::SignInNeeded(Service::Starface).to_string(),
            "Please sign in to STARFACE again; your settings are kept."
        );
    }
}
