//! The user's settings file and the administrator's policy file.
//!
//! Effective settings are built in three layers: built-in defaults, then the policy's
//! `[defaults]`, then the user's file. Keys the policy lists in `locked` always take the
//! policy's value, whatever the user's file says. Every problem names the file, the dotted key
//! and the reason. A file with errors is never rewritten: the app runs on the layers below it
//! and saving is refused until the user fixes the file (see [`SettingsStore::save`]). A policy
//! file that exists but cannot be used fails closed ([`FailClosed`]): what it would lock stays
//! locked, at the built-in defaults.

mod edit;
mod error;
mod hooks;
mod layers;
mod paths;
mod policy;
mod private_files;
mod problem;
mod schema;
mod store;
mod validate;
mod watch;

pub use edit::KeyChange;
pub use error::SettingsError;
pub use hooks::{
    ArgsByDot, CommandHookSettings, HookKind, HookPolicy, HooksSettings, MqttHookSettings,
    WebhookSettings,
};
pub use paths::{default_policy_path, AppDirs, POLICY_ENV};
pub use policy::{BrokenPolicy, FailClosed, Policy};
pub use private_files::{private_append, private_dir};
pub use schema::{
    Language, MicrosoftSettings, OAuthClientAuth, ReadOnlyCredential, RelaySettings, Settings,
    StarfaceAuth, StarfaceOAuthSettings, StarfaceSettings, SyncSettings, UiSettings,
};
pub use store::{LoadReport, SettingsStore};
/// A setting's value as [`KeyChange`] takes it.
pub use toml::Value;
pub use watch::{Reload, SettingsWatch};
