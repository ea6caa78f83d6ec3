//! Loading and saving the user's settings file on top of the defaults and the admin policy.

use std::io::Write;
use std::path::{Path, PathBuf};

use toml::Table;

use crate::error::SettingsError;
use crate::hooks::{HookKind, HookPolicy};
use crate::layers;
use crate::policy::Policy;
use crate::schema::Settings;

/// What loading found besides the settings themselves.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Problems in the policy or the user's file. The app still starts (on the layers below).
    pub problems: Vec<SettingsError>,
    /// Keys the user's file sets that the policy locks; the policy's value is used instead.
    pub overridden_by_policy: Vec<String>,
}

/// The effective settings, where they came from, and the one way to change them.
#[derive(Debug)]
pub struct SettingsStore {
    file: PathBuf,
    policy: Policy,
    /// Built-in defaults with the policy's defaults on top (always valid).
    base: Table,
    /// The user's file as written, without defaults.
    user: Table,
    effective: Settings,
    /// False when the user's file could not be read or has errors: then it is never written.
    writable: bool,
}

impl SettingsStore {
    /// Loads `file` (a missing file means "all defaults") under the policy at `policy_file`.
    /// Never fails: problems are reported and the app runs on what is valid.
    pub fn load(file: &Path, policy_file: &Path) -> (Self, LoadReport) {
        let mut report = LoadReport::default();

        let defaults = layers::to_tree(&Settings::default());
        // A policy that exists but cannot be used fails closed: its defaults are dropped and
        // what it would lock stays locked at the built-in defaults.
        let (policy, base) = match Policy::load(policy_file) {
            Ok(policy) => {
                let mut base = defaults.clone();
                layers::merge(&mut base, &policy.defaults);
                match layers::to_settings(policy_file, &base) {
                    Ok(_) => (policy, base),
                    Err(errors) => {
                        let policy = Policy::fail_closed(policy_file, &errors[0], &defaults);
                        report.problems.extend(errors);
                        (policy, defaults)
                    }
                }
            }
            Err(error) => {
                let policy = Policy::fail_closed(policy_file, &error, &defaults);
                report.problems.push(error);
                (policy, defaults)
            }
        };

        let (user, mut writable) = match std::fs::read_to_string(file) {
            Ok(text) => match layers::parse(file, &text) {
                Ok(table) => (table, true),
                Err(e) => {
                    report.problems.push(e);
                    (Table::new(), false)
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Table::new(), true),
            Err(source) => {
                report.problems.push(SettingsError::Read {
                    file: file.to_owned(),
                    source,
                });
                (Table::new(), false)
            }
        };

        for key in layers::leaf_keys(&user) {
            if policy.is_locked(&key) && layers::get(&user, &key) != layers::get(&base, &key) {
                tracing::warn!(%key, "setting is locked by the admin policy; the user's value is ignored");
                report.overridden_by_policy.push(key);
            }
        }

        let effective = match effective_tree(&base, &user, &policy)
            .and_then(|tree| layers::to_settings(file, &tree))
        {
            Ok(settings) => settings,
            Err(errors) => {
                report.problems.extend(errors);
                writable = false;
                layers::to_settings(policy_file, &base).expect("base layer was validated")
            }
        };

        let store = Self {
            file: file.to_owned(),
            policy,
            base,
            user,
            effective,
            writable,
        };
        (store, report)
    }

    pub fn settings(&self) -> &Settings {
        &self.effective
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Built-in defaults with the policy's defaults on top: what a key falls back to.
    pub(crate) fn base(&self) -> &Table {
        &self.base
    }

    pub fn is_locked(&self, key: &str) -> bool {
        self.policy.is_locked(key)
    }

    /// Whether the user may switch a hook on and off, or the policy keeps it on or off.
    pub fn hook_policy(&self, kind: HookKind) -> HookPolicy {
        if !self.policy.is_locked(kind.enabled_key()) {
            HookPolicy::Open
        } else if self.effective.hooks.is_enabled(kind) {
            HookPolicy::LockedOn
        } else {
            HookPolicy::Forbidden
        }
    }

    /// False when the user's file has errors; saving is refused until it is fixed.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Keeps the current settings but refuses saving from now on: the file on disk changed and
    /// has errors, and a save would overwrite what the user is fixing.
    pub(crate) fn refuse_saving(&mut self) {
        self.writable = false;
    }

    /// Validates `new`, records what differs from the current settings in the user's file and
    /// writes that file atomically (temporary file + rename). Nothing changes on error.
    pub fn save(&mut self, new: Settings) -> Result<(), SettingsError> {
        if !self.writable {
            return Err(SettingsError::FileHasErrors {
                file: self.file.clone(),
            });
        }
        let new_tree = layers::to_tree(&new);
        layers::to_settings(&self.file, &new_tree).map_err(first)?;

        let old_tree = layers::to_tree(&self.effective);
        let mut keys = layers::leaf_keys(&new_tree);
        keys.extend(layers::leaf_keys(&old_tree));
        keys.sort();
        keys.dedup();

        let mut user = self.user.clone();
        for key in keys {
            let new_value = layers::get(&new_tree, &key);
            if new_value == layers::get(&old_tree, &key) {
                continue;
            }
            if let Some(lock) = self.policy.lock_for(&key) {
                return Err(SettingsError::Locked {
                    key: lock.to_owned(),
                    policy: self.policy.file.clone().unwrap_or_default(),
                });
            }
            layers::set(&mut user, &key, new_value.cloned());
        }

        let effective = effective_tree(&self.base, &user, &self.policy)
            .and_then(|tree| layers::to_settings(&self.file, &tree))
            .map_err(first)?;
        write_atomically(&self.file, &user)?;
        self.user = user;
        self.effective = effective;
        Ok(())
    }
}

fn first(mut errors: Vec<SettingsError>) -> SettingsError {
    errors.remove(0)
}

/// `base` + `user`, then every locked key reset to the base (policy) value.
fn effective_tree(
    base: &Table,
    user: &Table,
    policy: &Policy,
) -> Result<Table, Vec<SettingsError>> {
    let mut tree = base.clone();
    layers::merge(&mut tree, user);
    for locked in &policy.locked {
        layers::set(&mut tree, locked, layers::get(base, locked).cloned());
    }
    Ok(tree)
}

const HEADER: &str = "# Presence Bridge settings (see docs/CONFIG.md).\n\
# Written by the app when you change settings; only values that differ from the defaults appear.\n\n";

fn write_atomically(file: &Path, user: &Table) -> Result<(), SettingsError> {
    let write_error = |source| SettingsError::Write {
        file: file.to_owned(),
        source,
    };
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(write_error)?;
    let body = toml::to_string(user).map_err(|e| write_error(std::io::Error::other(e)))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(write_error)?;
    temp.write_all(HEADER.as_bytes()).map_err(write_error)?;
    temp.write_all(body.as_bytes()).map_err(write_error)?;
    temp.as_file().sync_all().map_err(write_error)?;
    temp.persist(file).map_err(|e| write_error(e.error))?;
    Ok(())
}
