//! What a Tauri command rejects with: the contract's `{key?, message}`.

use graph_client::AuthError;
use window_model::links::LinkError;
use window_model::settings_view::ChangeError;

/// Why a command failed; serialises as `{key?, message}`.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    #[error(transparent)]
    SettingsChange(#[from] ChangeError),
    #[error(transparent)]
    Keychain(#[from] keychain::KeychainError),
    #[error(transparent)]
    Bridge(#[from] bridge::BridgeError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Open(#[from] crate::opener::OpenError),
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
    #[error("Microsoft sign-in did not complete: {}", why_not_signed_in(.0))]
    SignIn(#[from] AuthError),
    /// A value the user entered is wrong; `key` names the setting when there is one.
    #[error("{message}")]
    Invalid {
        key: Option<String>,
        message: String,
    },
    #[error("the sync is not running (check the accounts in Settings)")]
    NotRunning,
    #[error("unknown colleague `{0}`; search for them first")]
    UnknownColleague(String),
    #[error("an internal task failed: {0}")]
    Task(String),
}

/// Why an interactive sign-in failed, in words for the person who just tried it ("sign in
/// again" is what the error says about a saved sign-in, not news to them).
fn why_not_signed_in(error: &AuthError) -> String {
    match error {
        AuthError::SignInRequired { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

impl CommandError {
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// The dotted settings key the error is about, if any.
    pub fn key(&self) -> Option<String> {
        match self {
            Self::Settings(error) => error.key().map(str::to_owned),
            Self::SettingsChange(error) => error.key().map(str::to_owned),
            Self::Bridge(bridge::BridgeError::InvalidSetting { key, .. }) => {
                Some((*key).to_owned())
            }
            Self::Invalid { key, .. } => key.clone(),
            _ => None,
        }
    }
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let key = self.key();
        let mut out = serializer.serialize_struct("CommandError", 2)?;
        if let Some(key) = key {
            out.serialize_field("key", &key)?;
        } else {
            out.skip_field("key")?;
        }
        out.serialize_field("message", &self.to_string())?;
        out.end()
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
