//! Secrets kept together with the server they were issued for.
//!
//! A password or refresh token belongs to one server. When the settings later name another one
//! (a typo in the URL, a file edit, an admin's policy), the stored secret must not travel there.
//! [`BoundStore`] keeps each bound secret in one keychain entry together with a description of
//! its endpoint, written and read in one step (never a second entry that could get out of step),
//! and hands a secret out only while the endpoint it was stored for is the current one.
//!
//! The entry's value is `presence-bridge/bound/1`, a newline, the endpoint, a newline and the
//! secret. An entry without that header (written by a version before this one) is taken as
//! stored for the current endpoint and rewritten with it on first read, so an update does not
//! sign anybody out.

use crate::{KeychainError, Secret, SecretStore};

const HEADER: &str = "presence-bridge/bound/1";

/// What the keychain holds for a bound name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Nothing is stored.
    Missing,
    /// Stored for the current endpoint.
    Usable(Secret),
    /// Stored for another endpoint (described as it was then); it is not handed out.
    StoredFor(String),
}

/// A [`SecretStore`] over `S` that binds some entries to endpoints; the others pass through
/// unchanged. `S` is the keychain itself (`&dyn SecretStore`, `Arc<dyn SecretStore>`, ...).
pub struct BoundStore<S> {
    inner: S,
    bindings: Vec<(String, String)>,
}

impl<S: SecretStore> BoundStore<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            bindings: Vec::new(),
        }
    }

    /// Binds entry `name` to `endpoint`, a description of the server (and account) the secret is
    /// for, compared as text. Line breaks in it are replaced, as the stored form is line based.
    pub fn bind(mut self, name: &str, endpoint: impl AsRef<str>) -> Self {
        let endpoint = endpoint.as_ref().replace(['\n', '\r'], " ");
        self.bindings.retain(|(bound, _)| bound != name);
        self.bindings.push((name.to_owned(), endpoint));
        self
    }

    /// The current endpoint of `name`, if it is bound.
    pub fn endpoint(&self, name: &str) -> Option<&str> {
        self.bindings
            .iter()
            .find(|(bound, _)| bound == name)
            .map(|(_, endpoint)| endpoint.as_str())
    }

    /// What is stored under `name`, and whether it may be used now.
    pub fn lookup(&self, name: &str) -> Result<Lookup, KeychainError> {
        let Some(stored) = self.inner.get(name)? else {
            return Ok(Lookup::Missing);
        };
        let Some(endpoint) = self.endpoint(name) else {
            return Ok(Lookup::Usable(stored));
        };
        match decode(stored.expose()) {
            Some((stored_for, secret)) if stored_for == endpoint => Ok(Lookup::Usable(secret)),
            Some((stored_for, _)) => Ok(Lookup::StoredFor(stored_for.to_owned())),
            None => {
                // From a version that did not bind: it was in use with these settings.
                self.inner.set(name, &encode(endpoint, &stored))?;
                tracing::info!(
                    entry = name,
                    endpoint,
                    "keychain entry bound to the server it is used with"
                );
                Ok(Lookup::Usable(stored))
            }
        }
    }
}

impl<S: SecretStore> SecretStore for BoundStore<S> {
    /// The secret when it was stored for the current endpoint; `None` when it is missing or was
    /// stored for another one (see [`BoundStore::lookup`] to tell the two apart).
    fn get(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        Ok(match self.lookup(name)? {
            Lookup::Usable(secret) => Some(secret),
            Lookup::Missing => None,
            Lookup::StoredFor(stored_for) => {
                tracing::warn!(
                    entry = name,
                    stored_for,
                    now = self.endpoint(name).unwrap_or_default(),
                    "a secret in the keychain was stored for another server; it is not used"
                );
                None
            }
        })
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), KeychainError> {
        if value.expose().starts_with(HEADER) {
            // Only a bound store wrapped in another one would do this.
            return Err(KeychainError::Rejected {
                name: name.to_owned(),
                reason: "the value is already bound to an endpoint".into(),
            });
        }
        match self.endpoint(name) {
            Some(endpoint) => self.inner.set(name, &encode(endpoint, value)),
            None => self.inner.set(name, value),
        }
    }

    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        self.inner.delete(name)
    }
}

fn encode(endpoint: &str, secret: &Secret) -> Secret {
    Secret::new(format!("{HEADER}\n{endpoint}\n{}", secret.expose()))
}

/// The endpoint and the secret of a bound value; `None` for a value without the header.
fn decode(stored: &str) -> Option<(&str, Secret)> {
    let rest = stored.strip_prefix(HEADER)?.strip_prefix('\n')?;
    let (endpoint, secret) = rest.split_once('\n')?;
    Some((endpoint, Secret::new(secret)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::MemoryStore;

    fn bound(raw: &Arc<MemoryStore>, endpoint: &str) -> BoundStore<Arc<MemoryStore>> {
        BoundStore::new(raw.clone()).bind("pw", endpoint)
    }

    #[test]
    fn a_secret_is_handed_out_only_for_the_endpoint_it_was_stored_for() {
        let raw = Arc::new(MemoryStore::new());
        let old = bound(&raw, "0001 at https://pbx.example.com");
        old.set("pw", &Secret::new("hunter2\nwith a line break"))
            .unwrap();
        assert_eq!(
            old.get("pw").unwrap(),
            Some(Secret::new("hunter2\nwith a line break"))
        );

        let new = bound(&raw, "0001 at https://evil.example.net");
        assert_eq!(new.get("pw").unwrap(), None);
        assert_eq!(
            new.lookup("pw").unwrap(),
            Lookup::StoredFor("0001 at https://pbx.example.com".into())
        );
        // Kept, so going back to the old server needs no new sign-in.
        assert!(old.get("pw").unwrap().is_some());
        // A new secret for the new server replaces the old one.
        new.set("pw", &Secret::new("other")).unwrap();
        assert_eq!(new.get("pw").unwrap(), Some(Secret::new("other")));
        assert!(matches!(old.lookup("pw").unwrap(), Lookup::StoredFor(_)));
        new.delete("pw").unwrap();
        assert_eq!(new.lookup("pw").unwrap(), Lookup::Missing);
    }

    #[test]
    fn an_entry_from_before_binding_is_bound_to_the_current_endpoint() {
        let raw = Arc::new(MemoryStore::new());
        raw.set("pw", &Secret::new("legacy")).unwrap();
        let store = bound(&raw, "here");
        assert_eq!(store.get("pw").unwrap(), Some(Secret::new("legacy")));
        assert_ne!(raw.get("pw").unwrap(), Some(Secret::new("legacy")));
        assert_eq!(bound(&raw, "elsewhere").get("pw").unwrap(), None);
    }

    #[test]
    fn unbound_names_pass_through_and_bound_values_are_not_wrapped_twice() {
        let raw = Arc::new(MemoryStore::new());
        let store = bound(&raw, "here");
        store.set("other", &Secret::new("plain")).unwrap();
        assert_eq!(raw.get("other").unwrap(), Some(Secret::new("plain")));
        store.set("pw", &Secret::new("x")).unwrap();
        let outer = BoundStore::new(store).bind("pw", "here");
        let twice = outer.set("pw", &raw.get("pw").unwrap().unwrap());
        assert!(matches!(twice, Err(KeychainError::Rejected { .. })));
    }

    #[test]
    fn endpoints_cannot_break_the_stored_form() {
        let raw = Arc::new(MemoryStore::new());
        let store = bound(&raw, "line\nbreak");
        store.set("pw", &Secret::new("s")).unwrap();
        assert_eq!(store.get("pw").unwrap(), Some(Secret::new("s")));
        assert_eq!(store.endpoint("pw"), Some("line break"));
    }
}
