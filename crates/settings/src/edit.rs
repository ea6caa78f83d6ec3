//! Changing settings by dotted key (`mapping.busy.dnd`), as the window does: a set of changes
//! applied together to the effective settings and validated as a whole, each problem named by
//! the key that caused it. Saving is [`SettingsStore::save`]'s job.

use toml::Value;

use crate::error::SettingsError;
use crate::layers;
use crate::schema::Settings;
use crate::store::SettingsStore;

/// One change of one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyChange {
    /// Dotted key, e.g. `sync.poll_interval_secs`.
    pub key: String,
    /// The new value; `None` puts the key back to its default (the policy's, where it has one).
    pub value: Option<Value>,
}

impl KeyChange {
    pub fn set(key: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            key: key.into(),
            value: Some(value.into()),
        }
    }

    pub fn reset(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: None,
        }
    }
}

impl SettingsStore {
    /// The effective settings with `changes` applied in order, or the first problem: a key the
    /// policy locks (also when the value would not change), an unknown key, a value of the wrong
    /// type or out of range. Nothing is saved.
    pub fn with_changes(&self, changes: &[KeyChange]) -> Result<Settings, SettingsError> {
        let mut tree = layers::to_tree(self.settings());
        for change in changes {
            if self.policy().is_locked(&change.key) {
                return Err(SettingsError::Locked {
                    key: change.key.clone(),
                    policy: self.policy().file.clone().unwrap_or_default(),
                });
            }
            let value = change
                .value
                .clone()
                .or_else(|| layers::get(self.base(), &change.key).cloned());
            layers::set(&mut tree, &change.key, value);
        }
        layers::to_settings(self.file(), &tree)
            .map_err(|mut problems| blame_change(problems.remove(0), changes))
    }
}

/// The problem named by the change that caused it: a problem found in a table the change wrote
/// into (an unknown key is reported at its table) is about that change's key.
fn blame_change(problem: SettingsError, changes: &[KeyChange]) -> SettingsError {
    match problem {
        SettingsError::Invalid { file, key, reason } => {
            let culprit = changes.iter().find(|change| change.key == key).or_else(|| {
                changes
                    .iter()
                    .find(|change| key == "(top level)" || layers::is_within(&change.key, &key))
            });
            SettingsError::Invalid {
                file,
                key: culprit.map_or(key, |change| change.key.clone()),
                reason,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(config: &str, policy: &str) -> (SettingsStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        let (store, report) = SettingsStore::load(
            &dir.path().join("config.toml"),
            &dir.path().join("policy.toml"),
        );
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        (store, dir)
    }

    #[test]
    fn changes_apply_together_and_a_reset_brings_the_policy_default_back() {
        let (store, _dir) = store(
            "[sync]\npoll_interval_secs = 30\n",
            "[defaults.sync]\npoll_interval_secs = 20\n",
        );
        let changed = store
            .with_changes(&[
                KeyChange::set("mapping.busy.dnd", "activate"),
                KeyChange::set("sync.debounce_secs", 5),
            ])
            .unwrap();
        assert_eq!(
            changed.mapping.busy.dnd,
            presence_core::mapping::DndAction::Activate
        );
        assert_eq!(changed.sync.debounce_secs, 5);
        let reset = store
            .with_changes(&[KeyChange::reset("sync.poll_interval_secs")])
            .unwrap();
        assert_eq!(reset.sync.poll_interval_secs, 20);
        assert_eq!(
            store.settings().sync.poll_interval_secs,
            30,
            "nothing saved"
        );
    }

    #[test]
    fn problems_name_the_changed_key() {
        let (store, _dir) = store("", "locked = [\"mapping.busy_meeting\"]\n");
        let key_of = |changes: &[KeyChange]| {
            store
                .with_changes(changes)
                .unwrap_err()
                .key()
                .map(str::to_owned)
        };
        assert_eq!(
            key_of(&[KeyChange::set("mapping.busy_meeting.dnd", "activate")]),
            Some("mapping.busy_meeting.dnd".into()),
            "locked"
        );
        assert_eq!(
            key_of(&[
                KeyChange::set("mapping.away.dnd", "activate"),
                KeyChange::set("sync.poll_interval_secs", 1)
            ]),
            Some("sync.poll_interval_secs".into()),
            "out of range"
        );
        assert_eq!(
            key_of(&[KeyChange::set("sync.enabled", "yes")]),
            Some("sync.enabled".into()),
            "wrong type"
        );
        assert_eq!(
            key_of(&[KeyChange::set("sync.no_such_key", 3)]),
            Some("sync.no_such_key".into()),
            "unknown key"
        );
        assert_eq!(
            key_of(&[KeyChange::set("nonsense", true)]),
            Some("nonsense".into()),
            "unknown section"
        );
    }
}
