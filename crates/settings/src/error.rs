use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: cannot write: {source}")]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: line {line}, column {column}: syntax error: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: key `{key}`: {reason}")]
    Invalid {
        file: PathBuf,
        key: String,
        reason: String,
    },
    #[error(
        "{file} has errors and is left untouched; fix it (or move it away) before changing \
         settings here"
    )]
    FileHasErrors { file: PathBuf },
    #[error("`{key}` is locked by your administrator's policy ({policy}) and cannot be changed")]
    Locked { key: String, policy: PathBuf },
}

impl SettingsError {
    /// The file the problem is in (the settings file or the policy), when it is in one.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            Self::Read { file, .. }
            | Self::Write { file, .. }
            | Self::Syntax { file, .. }
            | Self::Invalid { file, .. }
            | Self::FileHasErrors { file } => Some(file),
            Self::Locked { .. } => None,
        }
    }

    /// The dotted key the problem is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Invalid { key, .. } | Self::Locked { key, .. } => Some(key),
            _ => None,
        }
    }
}
