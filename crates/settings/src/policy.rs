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
//!
//! A policy file that exists but cannot be used fails closed ([`Policy::fail_closed`]): it is
//! never treated like no policy, which would let a broken rollout lift every lock.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Table;

use crate::error::SettingsError;
use crate::layers;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Where the policy came from; `None` when there is no policy file.
    pub file: Option<PathBuf>,
    /// Settings keys (dotted) whose value the user cannot change.
    pub locked: Vec<String>,
    /// The policy's defaults, a partial settings tree.
    pub defaults: Table,
    /// Set when the file exists but cannot be used; its locks then hold at the built-in defaults.
    pub broken: Option<BrokenPolicy>,
}

/// A policy file that exists but cannot be used, and what stays locked until it is fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenPolicy {
    /// What is wrong, naming the file (and the key, where there is one).
    pub problem: String,
    pub holds: FailClosed,
}

/// What a broken policy keeps locked. Its `[defaults]` are never used: a value from a file with
/// mistakes could be one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailClosed {
    /// Only `[defaults]` is wrong: the keys in `locked` keep their built-in defaults, locked.
    ListedKeys,
    /// The `locked` list cannot be trusted (a syntax error, an unreadable file, an unknown
    /// top-level key such as `lockd`, an entry that is no dotted key): every setting keeps its
    /// built-in default, locked, so the sync is not configured and does not run.
    EverySetting,
}

impl std::fmt::Display for BrokenPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let holds = match self.holds {
            FailClosed::ListedKeys => {
                "until it is fixed, the settings it locks keep their built-in values"
            }
            FailClosed::EverySetting => {
                "until it is fixed, every setting keeps its built-in value and cannot be \
                 changed, so nothing is synced"
            }
        };
        write!(f, "the admin policy has errors ({}); {holds}", self.problem)
    }
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
            if !is_dotted_key(key) {
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
            broken: None,
        })
    }

    /// The policy that stands in for the file at `path`, which exists but cannot be used
    /// (`problem`): no defaults, and locks on what the file would lock. The `locked` list is
    /// trusted only when the file's shape is right and every entry is a dotted key; otherwise
    /// every setting (each top-level table of `settings`, the built-in defaults) is locked.
    pub(crate) fn fail_closed(path: &Path, problem: &SettingsError, settings: &Table) -> Self {
        let listed = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.parse::<Table>().ok())
            .and_then(|table| readable_locks(&table));
        let (locked, holds) = match listed {
            Some(locked) => (locked, FailClosed::ListedKeys),
            None => (settings.keys().cloned().collect(), FailClosed::EverySetting),
        };
        Self {
            file: Some(path.to_owned()),
            locked,
            defaults: Table::new(),
            broken: Some(BrokenPolicy {
                problem: problem.to_string(),
                holds,
            }),
        }
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

/// The `locked` list of a policy whose only problems can be in `[defaults]`: no other top-level
/// key, and every entry a dotted key. `None` when the list cannot be trusted.
fn readable_locks(table: &Table) -> Option<Vec<String>> {
    if table.keys().any(|key| key != "locked" && key != "defaults") {
        return None;
    }
    let Some(list) = table.get("locked") else {
        return Some(Vec::new());
    };
    list.as_array()?
        .iter()
        .map(|entry| {
            let key = entry.as_str()?;
            is_dotted_key(key).then(|| key.to_owned())
        })
        .collect()
}

fn is_dotted_key(key: &str) -> bool {
    !key.is_empty() && !key.split('.').any(str::is_empty)
}
