use std::sync::mpsc;
use std::time::Duration;

use crate::{KeychainError, Secret, SecretStore};

/// The platform keychain, reached through the `keyring` crate.
///
/// Every entry is stored under one service name (`presence-bridge` by default) with the entry
/// name as the account, so the user finds them together in their keyring manager.
///
/// A locked keychain asks the desktop to show an unlock prompt, and the call waits for the
/// user. Where no prompt can appear (no display, a headless session) it would wait forever, so
/// each call has a deadline after which it reports [`KeychainError::Locked`].
pub struct OsKeychain {
    service: String,
    deadline: Duration,
}

impl OsKeychain {
    pub const DEFAULT_SERVICE: &'static str = "presence-bridge";
    /// Long enough for a person to type a keyring password into the unlock prompt.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

    pub fn new() -> Self {
        Self::with_service(Self::DEFAULT_SERVICE)
    }

    /// A keychain under another service name (tests use their own so they never touch real data).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            deadline: Self::DEFAULT_DEADLINE,
        }
    }

    /// How long one call may wait for the keychain (e.g. short for `doctor`).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Runs `op` on its own thread so a keychain stuck on an unanswerable prompt cannot hang the
    /// caller; past the deadline the thread is left to finish (or not) on its own.
    fn run<T: Send + 'static>(
        &self,
        name: &str,
        op: impl FnOnce(keyring::Entry) -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T, KeychainError> {
        let entry = keyring::Entry::new(&self.service, name).map_err(|e| classify(name, e))?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _ = tx.send(op(entry));
            })
            .map_err(|e| KeychainError::Unavailable(e.to_string()))?;
        match rx.recv_timeout(self.deadline) {
            Ok(result) => result.map_err(|e| classify(name, e)),
            Err(_) => {
                tracing::warn!(
                    entry = name,
                    "the keychain did not answer in time; it is probably locked"
                );
                Err(KeychainError::Locked)
            }
        }
    }
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore for OsKeychain {
    fn get(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        self.run(name, |entry| match entry.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), KeychainError> {
        // The keychain call runs on a thread of its own that may outlive a missed deadline, so it
        // owns a copy (wiped when that thread is done with it).
        let value = value.clone();
        self.run(name, move |entry| entry.set_password(value.expose()))?;
        tracing::debug!(entry = name, "secret stored in the keychain");
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        self.run(name, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }
}

/// Maps keyring's errors onto the three situations a user can act on.
fn classify(name: &str, error: keyring::Error) -> KeychainError {
    match error {
        keyring::Error::NoStorageAccess(_) => KeychainError::Locked,
        keyring::Error::PlatformFailure(inner) => KeychainError::Unavailable(inner.to_string()),
        keyring::Error::TooLong(attr, max) => KeychainError::Rejected {
            name: name.to_owned(),
            reason: format!("{attr} is longer than {max} characters"),
        },
        keyring::Error::Invalid(attr, reason) => KeychainError::Rejected {
            name: name.to_owned(),
            reason: format!("{attr}: {reason}"),
        },
        other => KeychainError::Unavailable(other.to_string()),
    }
}
