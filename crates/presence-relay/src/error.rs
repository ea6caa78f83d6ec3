use std::path::PathBuf;

/// What stops the relay, saying where (file, dotted key) whenever there is a where.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("{file}: cannot read: {source}")]
    ReadConfig {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    ConfigSyntax { file: PathBuf, message: String },
    #[error("{file}: key `{key}`: {reason}")]
    Config {
        file: PathBuf,
        key: String,
        reason: String,
    },
    /// A setting that parses but cannot be used (a secret file others may read, a missing
    /// keychain entry, an unusable certificate).
    #[error("key `{key}`: {reason}")]
    Setting { key: String, reason: String },
    #[error("Microsoft Entra / Graph: {0}")]
    Graph(#[from] graph_client::GraphError),
    #[error("Microsoft Entra sign-in: {0}")]
    Auth(#[from] graph_client::AuthError),
    #[error("NATS: {0}")]
    Nats(String),
}

impl RelayError {
    pub(crate) fn nats(error: impl std::fmt::Display) -> Self {
        Self::Nats(error.to_string())
    }
}
