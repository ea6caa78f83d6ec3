//! Errors of the running bridge.

/// What can go wrong starting or driving the bridge.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The mapping or sync options are invalid.
    #[error("invalid sync settings: {0}")]
    Config(#[from] presence_core::engine::ConfigError),
    /// Microsoft Graph failed.
    #[error(transparent)]
    Graph(#[from] graph_client::GraphError),
    /// Microsoft sign-in failed.
    #[error(transparent)]
    Auth(#[from] graph_client::AuthError),
    /// STARFACE REST failed.
    #[error(transparent)]
    Rest(#[from] starface_client::RestError),
    /// STARFACE UCI failed.
    #[error(transparent)]
    Uci(#[from] starface_client::UciError),
    /// The keychain failed.
    #[error(transparent)]
    Keychain(#[from] keychain::KeychainError),
    /// A simulator for the demo could not start.
    #[error("demo simulator: {0}")]
    Simulator(String),
    /// A STARFACE secret must be entered (again) before the sync can run.
    #[error("{}: {need}. {}", secret.describe(), crate::secrets::how_to_enter(*secret))]
    StarfaceSecretNeeded {
        /// Which secret.
        secret: crate::secrets::StarfaceSecret,
        /// Why it cannot be used.
        need: crate::secrets::SecretNeed,
    },
    /// Settings are incomplete for a real run.
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// A setting has a value the connectors cannot use.
    #[error("invalid setting {key}: {reason}")]
    InvalidSetting {
        /// Dotted key.
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// The bridge task has stopped.
    #[error("the bridge has stopped")]
    Stopped,
}
