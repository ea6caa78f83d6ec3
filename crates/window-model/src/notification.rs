//! The words of desktop notifications, in the user's language.

use bridge::BridgeNotification;
use presence_core::engine::{Notification, WriteTarget};

use crate::free_busy::{card_text, FreeBusy};
use crate::i18n::{tr, tr_with, Lang};

/// A notification's title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationText {
    pub title: String,
    pub body: String,
}

/// What to show for `notification` in `lang`.
pub fn text(lang: Lang, notification: &BridgeNotification) -> NotificationText {
    let (title, body) = match notification {
        BridgeNotification::ColleagueAvailable {
            display_name,
            free_busy,
            phone_known,
            ..
        } => (
            tr_with(lang, "notify.available.title", &[("name", display_name)]),
            // Fired only when Teams and the phone (if known) are both free: say which, and until
            // when the calendar leaves them free.
            match free_busy.and_then(|line| card_text(lang, &FreeBusy::from(&line))) {
                // "Free until 16:00. Click to chat in Teams."
                Some(line) => tr_with(
                    lang,
                    "notify.available.body_free_busy",
                    &[("free_busy", &line)],
                ),
                None if *phone_known => tr(lang, "notify.available.body_with_phone"),
                None => tr(lang, "notify.available.body"),
            },
        ),
        BridgeNotification::SignInNeeded(service) => (
            "Presence Bridge".to_owned(),
            tr_with(lang, "notify.sign_in", &[("service", service.name())]),
        ),
        // The notification carries no counts; the warning in the window has them.
        BridgeNotification::Engine(Notification::AnotherSyncActive) => (
            tr(lang, "warning.another_sync.title"),
            tr(lang, "warning.another_sync.body_without_counts"),
        ),
        BridgeNotification::Engine(Notification::PauseEnded) => {
            ("Presence Bridge".to_owned(), tr(lang, "notify.pause_ended"))
        }
        BridgeNotification::Engine(Notification::WritesFailing { target }) => {
            let target = tr(lang, target_key(*target));
            (
                tr_with(lang, "warning.writes_failing.title", &[("target", &target)]),
                tr_with(lang, "warning.writes_failing.body", &[("target", &target)]),
            )
        }
    };
    NotificationText { title, body }
}

/// The label of "Chat in Teams" on an availability notification.
pub fn open_chat_label(lang: Lang) -> String {
    tr(lang, "notify.available.action")
}

fn target_key(target: WriteTarget) -> &'static str {
    match target {
        WriteTarget::Dnd => "target.dnd",
        WriteTarget::ChatStatus => "target.chat_status",
        WriteTarget::TeamsSession => "target.teams_session",
    }
}

#[cfg(test)]
mod tests {
    use bridge::Service;

    use super::*;

    #[test]
    fn sign_in_names_the_service_as_users_know_it_in_both_languages() {
        let microsoft = BridgeNotification::SignInNeeded(Service::Microsoft);
        assert_eq!(
            text(Lang::En, &microsoft).body,
            "Please sign in to Microsoft 365 again; your settings are kept."
        );
        assert!(
            text(Lang::De, &microsoft).body.contains("Microsoft 365"),
            "{:?}",
            text(Lang::De, &microsoft)
        );
        assert!(text(
            Lang::En,
            &BridgeNotification::SignInNeeded(Service::Starface)
        )
        .body
        .contains("STARFACE"));
    }

    #[test]
    fn another_sync_makes_up_no_counts_and_targets_are_translated() {
        let another = text(
            Lang::En,
            &BridgeNotification::Engine(Notification::AnotherSyncActive),
        );
        assert!(
            !another.body.chars().any(|c| c.is_ascii_digit()),
            "{another:?}"
        );
        let failing = text(
            Lang::De,
            &BridgeNotification::Engine(Notification::WritesFailing {
                target: WriteTarget::Dnd,
            }),
        );
        assert!(
            failing.title.contains(&tr(Lang::De, "target.dnd")),
            "{failing:?}"
        );
        let available = text(
            Lang::De,
            &BridgeNotification::ColleagueAvailable {
                id: "a".into(),
                display_name: "Anna".into(),
                free_busy: None,
                phone_known: false,
            },
        );
        assert!(available.title.contains("Anna"), "{available:?}");
        assert_eq!(available.body, tr(Lang::De, "notify.available.body"));
    }

    #[test]
    fn available_says_until_when_the_colleague_is_free() {
        use presence_core::free_busy::{DayRef, FreeBusyLine, FreeEnds, FreeUntil, LocalMoment};
        let line = FreeBusyLine::Free {
            until: Some(FreeUntil {
                at: LocalMoment {
                    at: presence_core::jiff::Timestamp::UNIX_EPOCH,
                    hour: 16,
                    minute: 0,
                    day: DayRef::Today,
                },
                then: FreeEnds::Meeting { tentative: false },
            }),
        };
        let available = |lang| {
            text(
                lang,
                &BridgeNotification::ColleagueAvailable {
                    id: "a".into(),
                    display_name: "Anna".into(),
                    free_busy: Some(line),
                    phone_known: false,
                },
            )
            .body
        };
        assert_eq!(
            available(Lang::En),
            "Free until 16:00. Click to chat in Teams."
        );
        assert_eq!(
            available(Lang::De),
            "Frei bis 16:00. Klicken, um in Teams zu chatten."
        );
    }

    #[test]
    fn an_alert_says_when_the_phone_is_free_too() {
        let alert = |phone_known| BridgeNotification::ColleagueAvailable {
            id: "a".into(),
            display_name: "Anna".into(),
            free_busy: None,
            phone_known,
        };
        assert_eq!(
            text(Lang::En, &alert(true)).body,
            "Free in Teams and not on the phone. Click to chat in Teams."
        );
        assert_eq!(
            text(Lang::De, &alert(true)).body,
            "In Teams verfügbar und nicht am Telefon. Klicken, um in Teams zu chatten."
        );
        assert_eq!(
            text(Lang::En, &alert(false)).body,
            "Click to chat in Teams."
        );
    }
}
