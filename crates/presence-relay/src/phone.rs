//! Phone state from the PBX, merged into people's values by e-mail address.
//!
//! The relay does not talk to the PBX itself: a phone-state source (for STARFACE 10, one
//! organisation-wide OneHub subscription) sends [`PhoneUpdate`]s into the channel given to
//! [`crate::Relay::with_phone_updates`]. The relay matches the e-mail against each person's
//! `mail` and `userPrincipalName` from the directory and republishes the person's value when the
//! phone state changes. Updates for unknown addresses are kept, so a person who joins later
//! gets their phone state at once.

use std::collections::HashMap;

use relay_feed::PhoneState;

/// One person's phone, keyed by e-mail address (compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneUpdate {
    pub email: String,
    /// `None`: the PBX no longer knows the phone (user removed, source restarted).
    pub state: Option<PhoneState>,
}

/// Phone states by lower-case e-mail, and the directory's addresses in both directions (every
/// lookup is a hash lookup: the relay asks for each of 50,000 people every cycle).
#[derive(Debug, Default)]
pub struct PhoneBook {
    states: HashMap<String, PhoneState>,
    ids_by_email: HashMap<String, String>,
    emails_by_id: HashMap<String, Vec<String>>,
}

impl PhoneBook {
    /// Records an update; returns the person it concerns when the directory knows the address.
    pub fn apply(&mut self, update: PhoneUpdate) -> Option<String> {
        let email = update.email.trim().to_ascii_lowercase();
        match update.state {
            Some(state) => self.states.insert(email.clone(), state),
            None => self.states.remove(&email),
        };
        self.ids_by_email.get(&email).cloned()
    }

    /// Tells the book a person's addresses (from `/users/delta`), replacing earlier ones.
    pub fn link(&mut self, id: &str, addresses: impl IntoIterator<Item = String>) {
        self.unlink(id);
        let addresses: Vec<String> = addresses
            .into_iter()
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        for address in &addresses {
            self.ids_by_email.insert(address.clone(), id.to_owned());
        }
        self.emails_by_id.insert(id.to_owned(), addresses);
    }

    pub fn unlink(&mut self, id: &str) {
        for address in self.emails_by_id.remove(id).unwrap_or_default() {
            if self
                .ids_by_email
                .get(&address)
                .is_some_and(|owner| owner == id)
            {
                self.ids_by_email.remove(&address);
            }
        }
    }

    /// The phone state of a person, by any of their addresses.
    pub fn state_of(&self, id: &str) -> Option<PhoneState> {
        if self.states.is_empty() {
            return None;
        }
        self.emails_by_id
            .get(id)?
            .iter()
            .find_map(|email| self.states.get(email).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_are_matched_by_any_address_in_any_case() {
        let mut book = PhoneBook::default();
        assert_eq!(
            book.apply(PhoneUpdate {
                email: "Anna.Mueller@Contoso.com".into(),
                state: Some(PhoneState::Ringing),
            }),
            None,
            "not in the directory yet"
        );
        book.link(
            "id-anna",
            [
                "anna.mueller@contoso.com".to_owned(),
                "am@contoso.com".to_owned(),
            ],
        );
        assert_eq!(book.state_of("id-anna"), Some(PhoneState::Ringing));
        assert_eq!(
            book.apply(PhoneUpdate {
                email: "am@contoso.com".into(),
                state: Some(PhoneState::Active),
            }),
            Some("id-anna".into())
        );
        book.apply(PhoneUpdate {
            email: "anna.mueller@contoso.com".into(),
            state: None,
        });
        assert_eq!(book.state_of("id-anna"), Some(PhoneState::Active));
        // A new address replaces the old ones (the directory changed her e-mail).
        book.link("id-anna", ["anna.schmidt@contoso.com".to_owned()]);
        assert_eq!(book.state_of("id-anna"), None);
        assert_eq!(
            book.apply(PhoneUpdate {
                email: "am@contoso.com".into(),
                state: Some(PhoneState::Ringing),
            }),
            None
        );
        book.link("id-anna", ["am@contoso.com".to_owned()]);
        book.unlink("id-anna");
        assert_eq!(book.state_of("id-anna"), None);
    }
}
