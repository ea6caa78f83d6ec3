/// Errors of the desktop app; each crate's error converts into it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    #[error(transparent)]
    Keychain(#[from] keychain::KeychainError),
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What a Tauri command rejects with; serialises as the contract's `{key?, message}`.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    #[error(transparent)]
    Keychain(#[from] keychain::KeychainError),
    #[error(transparent)]
    Bridge(#[from] bridge::BridgeError),
    #[error(transparent)]
    Link(#[from] crate::links::LinkError),
    #[error(transparent)]
    Open(#[from] crate::opener::OpenError),
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
    #[error("Microsoft sign-in did not complete: {}", crate::commands::accounts::why_not_signed_in(.0))]
    SignIn(#[from] graph_client::AuthError),
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
            Self::Settings(settings::SettingsError::Locked { key, .. })
            | Self::Settings(settings::SettingsError::Invalid { key, .. }) => Some(key.clone()),
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
