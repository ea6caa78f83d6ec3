//! Colleagues' STARFACE chat state on PBXs without OneHub (STARFACE 9 and older), from the
//! roster presence the XMPP link already receives ([`crate::XmppChatLink::observed_presences`]).
//!
//! Chat state only: STARFACE sends no phone state over XMPP, and UCI shows other users' phone
//! state only through busy-lamp keys whose field names are not known, so on these PBXs
//! colleagues have no phone state at all.

use std::collections::BTreeMap;

use tokio_xmpp::jid::{BareJid, Jid};

use crate::presence_values::ChatPresence;
use crate::xmpp::{ChatStatus, ObservedPresence};

/// Each colleague's chat status, keyed by STARFACE login id (the local part of their JID,
/// which [`crate::rest::DirectoryEntry::login`] also carries). The user's own resources and
/// JIDs without a local part (the server itself) are left out.
///
/// A colleague with several resources (desktop, mobile) gets one status: resources that went
/// offline count only if all did, and among the others the most restrictive wins (do not
/// disturb, then away, then extended away, then available), so a deliberate "do not disturb"
/// on one device is not hidden by another device that is merely online.
pub fn colleague_chat_states(
    observed: &BTreeMap<String, ObservedPresence>,
    own: &BareJid,
) -> BTreeMap<String, ChatStatus> {
    let mut states: BTreeMap<String, ChatStatus> = BTreeMap::new();
    for presence in observed.values() {
        let Ok(jid) = Jid::new(&presence.from) else {
            continue;
        };
        let bare = jid.to_bare();
        if bare == *own {
            continue;
        }
        let Some(login) = bare.node() else {
            continue;
        };
        let login = login.as_str().to_owned();
        let status = &presence.status;
        let replace = states
            .get(&login)
            .is_none_or(|current| rank(status.presence) < rank(current.presence));
        if replace {
            states.insert(login, status.clone());
        }
    }
    states
}

/// Lower wins when a colleague's resources disagree.
fn rank(presence: ChatPresence) -> u8 {
    match presence {
        ChatPresence::DoNotDisturb => 0,
        ChatPresence::Away => 1,
        ChatPresence::ExtendedAway => 2,
        ChatPresence::Available => 3,
        ChatPresence::FreeForChat => 4,
        ChatPresence::Unavailable => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(from: &str, presence: ChatPresence, text: Option<&str>) -> (String, ObservedPresence) {
        (
            from.to_owned(),
            ObservedPresence {
                status: ChatStatus::new(presence, text),
                from: from.to_owned(),
            },
        )
    }

    #[test]
    fn one_status_per_colleague_login_without_the_user() {
        let own = BareJid::new("0001@pbx.example").unwrap();
        let observed: BTreeMap<_, _> = [
            seen("0001@pbx.example/desktop", ChatPresence::Away, None),
            seen("0002@pbx.example/desktop", ChatPresence::Available, None),
            seen(
                "0002@pbx.example/mobile",
                ChatPresence::DoNotDisturb,
                Some("Meeting"),
            ),
            seen("0003@pbx.example/desktop", ChatPresence::Unavailable, None),
            seen("0004@pbx.example/old", ChatPresence::Unavailable, None),
            seen("0004@pbx.example/new", ChatPresence::FreeForChat, None),
            seen("pbx.example", ChatPresence::Available, None),
            seen("not a jid@@", ChatPresence::Available, None),
        ]
        .into_iter()
        .collect();
        let states = colleague_chat_states(&observed, &own);
        assert_eq!(
            states.keys().map(String::as_str).collect::<Vec<_>>(),
            ["0002", "0003", "0004"]
        );
        assert_eq!(
            states["0002"],
            ChatStatus::new(ChatPresence::DoNotDisturb, Some("Meeting"))
        );
        assert_eq!(states["0003"].presence, ChatPresence::Unavailable);
        assert_eq!(states["0004"].presence, ChatPresence::FreeForChat);
    }
}
