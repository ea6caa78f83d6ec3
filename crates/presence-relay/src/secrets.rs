//! The relay's secrets (NATS password, Entra client secret, certificate private key) come from a
//! file only the service user can read, or from the OS keychain. A file that group or others may
//! read is refused rather than used: the secret may already have leaked, and the administrator
//! must know.

use std::path::Path;
use std::sync::Arc;

use keychain::{Secret, SecretStore};

use crate::config::SecretRef;
use crate::error::RelayError;

/// Reads a secret file after checking that only its owner may read or write it (unix mode
/// `0600` or `0400`).
pub fn read_private_file(path: &Path, key: &str) -> Result<Vec<u8>, RelayError> {
    let secret_error = |reason: String| RelayError::Setting {
        key: key.to_owned(),
        reason,
    };
    let metadata = std::fs::metadata(path)
        .map_err(|e| secret_error(format!("cannot read {}: {e}", path.display())))?;
    if !metadata.is_file() {
        return Err(secret_error(format!("{} is not a file", path.display())));
    }
    check_mode(&metadata, path).map_err(secret_error)?;
    std::fs::read(path).map_err(|e| secret_error(format!("cannot read {}: {e}", path.display())))
}

#[cfg(unix)]
fn check_mode(metadata: &std::fs::Metadata, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} is readable by others (mode {mode:04o}); run `chmod 600 {}` and make the relay's service user its owner",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_metadata: &std::fs::Metadata, _path: &Path) -> Result<(), String> {
    // Windows: the file's ACL is the administrator's job; the keychain is the better choice there.
    Ok(())
}

/// Resolves a [`SecretRef`]: the file's first line (trailing newline removed), or the keychain
/// entry.
pub fn resolve(
    reference: &SecretRef,
    key: &str,
    keychain: &dyn Fn() -> Arc<dyn SecretStore>,
) -> Result<Secret, RelayError> {
    match reference {
        SecretRef::File(path) => {
            let bytes = read_private_file(path, key)?;
            let text = String::from_utf8(bytes).map_err(|_| RelayError::Setting {
                key: key.to_owned(),
                reason: format!("{} is not UTF-8 text", path.display()),
            })?;
            let value = text.trim_end_matches(['\r', '\n']).to_owned();
            if value.is_empty() {
                return Err(RelayError::Setting {
                    key: key.to_owned(),
                    reason: format!("{} is empty", path.display()),
                });
            }
            Ok(Secret::new(value))
        }
        SecretRef::Keychain(entry) => keychain()
            .get(entry)
            .map_err(|e| RelayError::Setting {
                key: key.to_owned(),
                reason: e.to_string(),
            })?
            .ok_or_else(|| RelayError::Setting {
                key: key.to_owned(),
                reason: format!("the keychain has no entry `{entry}`"),
            }),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nats-password");
        std::fs::write(&path, "hunter2\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = || -> Arc<dyn SecretStore> { Arc::new(keychain::MemoryStore::new()) };
        let error = resolve(&SecretRef::File(path.clone()), "nats.password_file", &store)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("nats.password_file") && error.contains("0644"),
            "{error}"
        );
        assert!(!error.contains("hunter2"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let secret = resolve(&SecretRef::File(path), "nats.password_file", &store).unwrap();
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn keychain_entries_are_read_and_missing_ones_named() {
        let memory = Arc::new(keychain::MemoryStore::new());
        memory
            .set("presence-relay.nats", &Secret::new("pw"))
            .unwrap();
        let store = {
            let memory = memory.clone();
            move || -> Arc<dyn SecretStore> { memory.clone() }
        };
        let reference = SecretRef::Keychain("presence-relay.nats".into());
        assert_eq!(resolve(&reference, "k", &store).unwrap().expose(), "pw");
        let missing = SecretRef::Keychain("nope".into());
        assert!(resolve(&missing, "k", &store)
            .unwrap_err()
            .to_string()
            .contains("nope"));
    }
}
