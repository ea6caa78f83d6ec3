//! Files only the user may read. The log files and the journal tell what the user's status was
//! and when, so on Unix they are created `0600` in folders `0700`. Elsewhere the per-user
//! folders they live in already keep other users out.
//!
//! Only the folder named is made private, never its parents (`~/.local/state` is not ours), and
//! an existing folder is tightened only when it is a real folder of the running user: never
//! another user's, never through a symbolic link.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` (its missing parents with the usual mode) as a folder only the user can open,
/// and tightens it to `0700` when it exists with a wider mode and belongs to the user.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        if let Err(error) = fs::DirBuilder::new().mode(0o700).create(dir) {
            if !dir.is_dir() {
                return Err(error);
            }
        }
        let meta = fs::symlink_metadata(dir)?;
        if meta.is_dir() && is_ours(meta.uid()) && meta.mode() & 0o777 != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}

/// Opens `file` for appending, creating it readable and writable by the user only; a file of
/// the user's that others could read (written by an older version) is tightened to `0600`.
pub fn private_append(file: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let opened = options.open(file)?;
        let meta = opened.metadata()?;
        if is_ours(meta.uid()) && meta.mode() & 0o077 != 0 {
            opened.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        Ok(opened)
    }
    #[cfg(not(unix))]
    {
        options.open(file)
    }
}

#[cfg(unix)]
fn is_ours(owner: u32) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    owner == unsafe { libc::geteuid() }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_folder_and_file_are_the_users_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state").join("presence-bridge");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("journal.log");
        drop(private_append(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn an_existing_wide_folder_and_file_of_the_user_are_tightened() {
        let root = tempfile::tempdir().unwrap();
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let dir = root.path().join("logs");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.join("old.log");
        fs::write(&file, "written by an older version\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();

        private_dir(&dir).unwrap();
        drop(private_append(&file).unwrap());
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "written by an older version\n"
        );
        // The parent is not ours to change.
        assert_eq!(mode(root.path()), 0o755);
    }

    #[test]
    fn a_folder_reached_through_a_link_is_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o755)).unwrap();
        let link = root.path().join("logs");
        std::os::unix::fs::symlink(&shared, &link).unwrap();
        private_dir(&link).unwrap();
        assert_eq!(mode(&shared), 0o755);
    }
}
