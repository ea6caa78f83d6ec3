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
