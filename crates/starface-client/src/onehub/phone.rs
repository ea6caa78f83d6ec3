//! Colleagues' phone state as OneHub reports it, decoded defensively: enum numbers this version
//! does not know stay "unknown", event variants it does not know are ignored.

use std::collections::BTreeMap;
use std::fmt;

use onehub_proto::presence::{
    presence_event_response::PresenceEvent, presence_state, redirect_status_changed_event,
    telephony_state_changed_event, ChatState, PresenceEventResponse, TelephonyState as WireLine,
    UserPresenceState,
};

use crate::presence_values::{ChatPresence, TelephonyState};

/// A STARFACE account id (REST `accountId`; OneHub sends it as a decimal string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One colleague's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneState {
    /// `Other("TELEPHONY_STATE_UNSPECIFIED")` until known; `Other("<n>")` for a number this
    /// version does not know.
    pub telephony: TelephonyState,
    pub dnd: bool,
    /// Call forwarding active.
    pub redirect: bool,
    /// `None` when unspecified or a value this version does not know.
    pub chat: Option<ChatPresence>,
    pub chat_message: String,
}

impl Default for PhoneState {
    /// Nothing reported yet: line unknown, no DND, no forwarding, no chat state.
    fn default() -> Self {
        Self {
            telephony: telephony_from_wire(WireLine::Unspecified as i32),
            dnd: false,
            redirect: false,
            chat: None,
            chat_message: String::new(),
        }
    }
}

impl PhoneState {
    pub(crate) fn from_wire(state: &UserPresenceState) -> Self {
        Self {
            telephony: telephony_from_wire(state.telephony_state),
            dnd: state.dnd_enabled,
            redirect: state.redirect_enabled,
            chat: chat_from_wire(state.chat_state),
            chat_message: state.chat_state_message.clone(),
        }
    }
}

/// Each account's phone; accounts without a known state are absent.
pub type PhoneBook = BTreeMap<AccountId, PhoneState>;

pub(crate) fn telephony_from_wire(value: i32) -> TelephonyState {
    match WireLine::try_from(value) {
        Ok(WireLine::Available) => TelephonyState::Available,
        Ok(WireLine::Ringing) => TelephonyState::Ringing,
        Ok(WireLine::Active) => TelephonyState::Active,
        Ok(WireLine::Unavailable) => TelephonyState::Unavailable,
        Ok(WireLine::QueuePause) => TelephonyState::QueuePause,
        Ok(WireLine::Unspecified) => TelephonyState::Other("TELEPHONY_STATE_UNSPECIFIED".into()),
        Err(_) => TelephonyState::Other(value.to_string()),
    }
}

pub(crate) fn chat_from_wire(value: i32) -> Option<ChatPresence> {
    match ChatState::try_from(value) {
        Ok(ChatState::Available) => Some(ChatPresence::Available),
        Ok(ChatState::FreeForChat) => Some(ChatPresence::FreeForChat),
        Ok(ChatState::Away) => Some(ChatPresence::Away),
        Ok(ChatState::ExtendedAway) => Some(ChatPresence::ExtendedAway),
        Ok(ChatState::DoNotDisturb) => Some(ChatPresence::DoNotDisturb),
        Ok(ChatState::Unavailable) => Some(ChatPresence::Unavailable),
        Ok(ChatState::Unspecified) | Err(_) => None,
    }
}

/// What one event says about one user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Update {
    Replace(PhoneState),
    Telephony(TelephonyState),
    Chat(Option<ChatPresence>),
    ChatMessage(String),
    Dnd(bool),
    Redirect(bool),
    /// The PBX stopped reporting this id.
    Gone,
}

/// An event, reduced to (user id, update); `None` for events about groups, without an id, or
/// of a variant this version does not know.
pub(crate) fn interpret(event: PresenceEventResponse) -> Option<(String, Update)> {
    let Some(event) = event.presence_event else {
        tracing::debug!("OneHub presence event of a kind this version does not know; ignored");
        return None;
    };
    let (id, update) = match event {
        PresenceEvent::PresenceStateSubscribed(subscribed) => {
            match subscribed.presence_state?.presence_state? {
                presence_state::PresenceState::UserPresenceState(state) => (
                    state.user_id.clone()?,
                    Update::Replace(PhoneState::from_wire(&state)),
                ),
                presence_state::PresenceState::GroupPresenceState(_) => return None,
            }
        }
        PresenceEvent::TelephonyStateChanged(changed) => match changed.target? {
            telephony_state_changed_event::Target::UserId(id) => (
                id,
                Update::Telephony(telephony_from_wire(changed.telephony_state)),
            ),
            telephony_state_changed_event::Target::GroupId(_) => return None,
        },
        PresenceEvent::ChatStateChanged(changed) => (
            changed.user_id?,
            Update::Chat(chat_from_wire(changed.chat_state)),
        ),
        PresenceEvent::ChatStateMessageChanged(changed) => (
            changed.user_id?,
            Update::ChatMessage(changed.chat_state_message),
        ),
        PresenceEvent::DoNotDisturbStatusChanged(changed) => {
            (changed.user_id?, Update::Dnd(changed.dnd_enabled))
        }
        PresenceEvent::RedirectStatusChanged(changed) => match changed.target? {
            redirect_status_changed_event::Target::UserId(id) => {
                (id, Update::Redirect(changed.redirect_enabled))
            }
            redirect_status_changed_event::Target::GroupId(_) => return None,
        },
        PresenceEvent::PresenceStateUnsubscribed(gone) => match gone.target? {
            onehub_proto::presence::presence_state_unsubscribed_event::Target::UserId(id) => {
                (id, Update::Gone)
            }
            onehub_proto::presence::presence_state_unsubscribed_event::Target::GroupId(_) => {
                return None
            }
        },
    };
    Some((id.id, update))
}

/// Applies `update` to an account's phone; returns whether the book changed. A partial update
/// for an account without a full state starts from [`PhoneState::default`].
pub(crate) fn apply(book: &mut PhoneBook, account: AccountId, update: Update) -> bool {
    if update == Update::Gone {
        return book.remove(&account).is_some();
    }
    let existed = book.contains_key(&account);
    let entry = book.entry(account).or_default();
    let before = entry.clone();
    match update {
        Update::Replace(state) => *entry = state,
        Update::Telephony(telephony) => entry.telephony = telephony,
        Update::Chat(chat) => entry.chat = chat,
        Update::ChatMessage(message) => entry.chat_message = message,
        Update::Dnd(on) => entry.dnd = on,
        Update::Redirect(on) => entry.redirect = on,
        Update::Gone => {}
    }
    !existed || *entry != before
}

#[cfg(test)]
mod tests {
    use super::*;
    use onehub_proto::presence::{
        ChatStateChangedEvent, PresenceStateSubscribedEvent, TelephonyStateChangedEvent,
    };
    use onehub_proto::types::{GroupId, UserId};

    fn user(id: &str) -> UserId {
        UserId { id: id.to_owned() }
    }

    fn event(event: PresenceEvent) -> PresenceEventResponse {
        PresenceEventResponse {
            presence_event: Some(event),
        }
    }

    #[test]
    fn unknown_numbers_stay_unknown() {
        assert_eq!(telephony_from_wire(4), TelephonyState::Active);
        assert_eq!(telephony_from_wire(5), TelephonyState::QueuePause);
        assert_eq!(telephony_from_wire(9), TelephonyState::Other("9".into()));
        assert_eq!(
            telephony_from_wire(0),
            TelephonyState::Other("TELEPHONY_STATE_UNSPECIFIED".into())
        );
        assert_eq!(chat_from_wire(6), Some(ChatPresence::DoNotDisturb));
        assert_eq!(chat_from_wire(0), None);
        assert_eq!(chat_from_wire(42), None);
    }

    #[test]
    fn events_reduce_to_updates_and_groups_and_unknown_variants_are_ignored() {
        let ringing = event(PresenceEvent::TelephonyStateChanged(
            TelephonyStateChangedEvent {
                target: Some(telephony_state_changed_event::Target::UserId(user("u1"))),
                telephony_state: 3,
            },
        ));
        assert_eq!(
            interpret(ringing),
            Some(("u1".into(), Update::Telephony(TelephonyState::Ringing)))
        );
        let group = event(PresenceEvent::TelephonyStateChanged(
            TelephonyStateChangedEvent {
                target: Some(telephony_state_changed_event::Target::GroupId(GroupId {
                    id: "g1".into(),
                })),
                telephony_state: 4,
            },
        ));
        assert_eq!(interpret(group), None);
        assert_eq!(
            interpret(PresenceEventResponse {
                presence_event: None
            }),
            None
        );
        let no_id = event(PresenceEvent::ChatStateChanged(ChatStateChangedEvent {
            user_id: None,
            chat_state: 2,
        }));
        assert_eq!(interpret(no_id), None);
        let subscribed = event(PresenceEvent::PresenceStateSubscribed(
            PresenceStateSubscribedEvent {
                presence_state: Some(onehub_proto::presence::PresenceState {
                    presence_state: Some(presence_state::PresenceState::UserPresenceState(
                        UserPresenceState {
                            user_id: Some(user("u2")),
                            telephony_state: 77,
                            dnd_enabled: true,
                            ..Default::default()
                        },
                    )),
                }),
            },
        ));
        let (id, Update::Replace(state)) = interpret(subscribed).unwrap() else {
            panic!("not a replacement");
        };
        assert_eq!(id, "u2");
        assert_eq!(state.telephony, TelephonyState::Other("77".into()));
        assert!(state.dnd);
    }

    #[test]
    fn partial_updates_start_from_unknown_and_report_changes() {
        let mut book = PhoneBook::new();
        let a = AccountId(1001);
        assert!(apply(&mut book, a, Update::Dnd(false)));
        assert_eq!(book[&a], PhoneState::default());
        assert!(apply(
            &mut book,
            a,
            Update::Telephony(TelephonyState::Active)
        ));
        assert!(!apply(
            &mut book,
            a,
            Update::Telephony(TelephonyState::Active)
        ));
        assert!(apply(&mut book, a, Update::Gone));
        assert!(!apply(&mut book, a, Update::Gone));
        assert!(book.is_empty());
    }
}
