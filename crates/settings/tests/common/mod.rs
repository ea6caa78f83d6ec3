//! A settings file and a policy file in a temporary folder.

use std::fs;
use std::path::PathBuf;

pub struct Files {
    _dir: tempfile::TempDir,
    pub config: PathBuf,
    pub policy: PathBuf,
}

/// Writes the files that are given; a missing one stays missing.
pub fn files(config: Option<&str>, policy: Option<&str>) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.toml");
    let policy_path = dir.path().join("policy.toml");
    if let Some(text) = config {
        fs::write(&config_path, text).unwrap();
    }
    if let Some(text) = policy {
        fs::write(&policy_path, text).unwrap();
    }
    Files {
        _dir: dir,
        config: config_path,
        policy: policy_path,
    }
}
