use std::collections::HashMap;
use std::sync::Mutex;

use crate::{KeychainError, Secret, SecretStore};

/// Secrets kept in process memory only: for unit tests and the demo mode, never for real accounts.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret>>,
    locked: Mutex<bool>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later call fail with [`KeychainError::Locked`], like a locked OS keychain.
    pub fn set_locked(&self, locked: bool) {
        *self.locked.lock().expect("memory store lock") = locked;
    }

    fn check_unlocked(&self) -> Result<(), KeychainError> {
        if *self.locked.lock().expect("memory store lock") {
            Err(KeychainError::Locked)
        } else {
            Ok(())
        }
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        self.check_unlocked()?;
        Ok(self
            .entries
            .lock()
            .expect("memory store lock")
            .get(name)
            .cloned())
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), KeychainError> {
        self.check_unlocked()?;
        self.entries
            .lock()
            .expect("memory store lock")
            .insert(name.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        self.check_unlocked()?;
        self.entries.lock().expect("memory store lock").remove(name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lock() {
        let store = MemoryStore::new();
        assert_eq!(store.get("a").unwrap(), None);
        store.set("a", &Secret::new("1")).unwrap();
        store.set("a", &Secret::new("2")).unwrap();
        assert_eq!(store.get("a").unwrap(), Some(Secret::new("2")));
        store.set_locked(true);
        assert!(matches!(store.get("a"), Err(KeychainError::Locked)));
        store.set_locked(false);
        store.delete("a").unwrap();
        store.delete("a").unwrap();
        assert_eq!(store.get("a").unwrap(), None);
    }
}
