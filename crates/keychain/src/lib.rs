//! Secrets live in the OS keychain and nowhere else.
//!
//! [`SecretStore`] is the one door to them. [`OsKeychain`] talks to the Secret Service on Linux,
//! the Keychain on macOS and the Credential Manager on Windows; [`MemoryStore`] is for unit tests
//! and the demo mode. There is deliberately no plain-text fallback: a locked or missing keychain is
//! an error the user sees ([`KeychainError`]), never a reason to write a secret to disk.

mod bound;
mod memory;
mod os;
mod secret;

pub use bound::{BoundStore, Lookup};
pub use memory::MemoryStore;
pub use os::OsKeychain;
pub use secret::Secret;

/// Well-known entry names, so every crate spells them the same way. The Microsoft refresh token
/// and the STARFACE secrets are bound to their server: read and write them through a
/// [`BoundStore`] (the app's `bridge::setup` builds one from the settings).
pub mod names {
    pub const MICROSOFT_REFRESH_TOKEN: &str = "microsoft.refresh_token";
    pub const STARFACE_PASSWORD: &str = "starface.password";
    pub const STARFACE_OAUTH_CLIENT_SECRET: &str = "starface.oauth_client_secret";
    /// The MQTT broker password of the status hook (`[hooks.mqtt]`).
    pub const HOOKS_MQTT_PASSWORD: &str = "hooks.mqtt.password";
    /// The key the webhook status hook signs its requests with (`[hooks.webhook]`).
    pub const HOOKS_WEBHOOK_SECRET: &str = "hooks.webhook.secret";
}

#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// The keychain exists but refused access (locked, or it wanted to show a prompt).
    #[error(
        "the keychain is locked: unlock it (log in to your desktop session or open your keyring \
         manager) and try again"
    )]
    Locked,
    /// No keychain service answered (no Secret Service on the session bus, no D-Bus, ...).
    #[error(
        "no keychain is available ({0}); on Linux install and start a Secret Service such as \
         gnome-keyring or KeePassXC"
    )]
    Unavailable(String),
    /// The entry name or value cannot be stored (too long, invalid characters).
    #[error("the keychain rejected entry `{name}`: {reason}")]
    Rejected { name: String, reason: String },
}

/// Where secrets are kept. Implementations are blocking; async callers use `spawn_blocking`.
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or `None` when there is none.
    fn get(&self, name: &str) -> Result<Option<Secret>, KeychainError>;
    /// Stores `value` under `name`, replacing any previous value.
    fn set(&self, name: &str, value: &Secret) -> Result<(), KeychainError>;
    /// Removes `name`; removing a missing entry is not an error.
    fn delete(&self, name: &str) -> Result<(), KeychainError>;
}

impl<T: SecretStore + ?Sized> SecretStore for &T {
    fn get(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        (**self).get(name)
    }
    fn set(&self, name: &str, value: &Secret) -> Result<(), KeychainError> {
        (**self).set(name, value)
    }
    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        (**self).delete(name)
    }
}

impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn get(&self, name: &str) -> Result<Option<Secret>, KeychainError> {
        (**self).get(name)
    }
    fn set(&self, name: &str, value: &Secret) -> Result<(), KeychainError> {
        (**self).set(name, value)
    }
    fn delete(&self, name: &str) -> Result<(), KeychainError> {
        (**self).delete(name)
    }
}
