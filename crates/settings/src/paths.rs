//! Where files live, following each platform's conventions (XDG on Linux).

use std::path::PathBuf;

use directories::ProjectDirs;

/// Environment variable that points at a policy file in place of the system-wide one. Only the
/// app's test builds (cargo feature `test-hooks`) read it: in a build for users any user could
/// point it at a file of their own and lose every lock.
pub const POLICY_ENV: &str = "PRESENCE_BRIDGE_POLICY";

/// The system-wide admin policy:
/// Linux `/etc/presence-bridge/policy.toml`,
/// macOS `/Library/Application Support/Presence Bridge/policy.toml`,
/// Windows `%ProgramData%\Presence Bridge\policy.toml`.
/// Nothing in the environment changes it (see [`POLICY_ENV`]).
pub fn default_policy_path() -> PathBuf {
    if cfg!(target_os = "windows") {
        let base = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(base)
            .join("Presence Bridge")
            .join("policy.toml")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/Presence Bridge/policy.toml")
    } else {
        PathBuf::from("/etc/presence-bridge/policy.toml")
    }
}

/// The per-user folders for settings, logs and the journal.
#[derive(Debug, Clone)]
pub struct AppDirs {
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl AppDirs {
    /// The platform's folders: on Linux `$XDG_CONFIG_HOME/presence-bridge` and
    /// `$XDG_STATE_HOME/presence-bridge`.
    pub fn from_platform() -> Option<Self> {
        let dirs = ProjectDirs::from("org", "Presence Bridge", "presence-bridge")?;
        let state_dir = dirs
            .state_dir()
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.data_local_dir().join("state"));
        Some(Self {
            config_dir: dirs.config_dir().to_owned(),
            state_dir,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}
