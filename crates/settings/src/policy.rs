//! The administrator's policy file: defaults for everyone, and keys users may not change.
//!
//! ```toml
//! locked = ["sync.poll_interval_secs", "starface.url"]
//!
//! [defaults.starface]
//! url = "https://pbx.example.com"
//!
//! [defaults.sync]
//! poll_interval_secs = 30
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Table;

use crate::error::SettingsError;
use crate::layers;

#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Where the policy came from; `None` when there is no policy file.
    pub file: Option<PathBuf>,
    /// Settings keys (dotted) whose value the user cannot change.
    pub locked: Vec<String>,
    /// The policy's defaults, a partial settings tree.
    pub defaults: Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    locked: Vec<String>,
    #[serde(default)]
    defaults: Table,
}

impl Policy {
    /// Reads the policy at `path`; a missing file is no policy, not an error.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(SettingsError::Read {
                    file: path.to_owned(),
                    source,
                })
            }
        };
        let table = layers::parse(path, &text)?;
        let parsed: PolicyFile = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| SettingsError::Invalid {
                file: path.to_owned(),
                key: e.path().to_string(),
                reason: e.into_inner().to_string(),
            })?;
        for (i, key) in parsed.locked.iter().enumerate() {
            if key.is_empty() || key.split('.').any(str::is_empty) {
                return Err(SettingsError::Invalid {
                    file: path.to_owned(),
                    key: format!("locked[{i}]"),
                    reason: format!("`{key}` is not a dotted settings key"),
                });
            }
        }
        Ok(Self {
            file: Some(path.to_owned()),
            locked: parsed.locked,
            defaults: parsed.defaults,
        })
    }

    /// The lock that covers `key`, if any.
    pub fn lock_for(&self, key: &str) -> Option<&str> {
        self.locked
            .iter()
            .find(|locked| layers::is_within(key, locked))
            .map(String::as_str)
    }

    pub fn is_locked(&self, key: &str) -> bool {
        self.lock_for(key).is_some()
    }
}
