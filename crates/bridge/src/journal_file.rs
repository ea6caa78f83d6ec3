//! The small on-disk journal: the user's own sync decisions only, never colleagues' presence,
//! rotated at a fixed size so it can never grow without bound.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Rotate when the file exceeds this many bytes (one `.1` generation is kept).
pub const MAX_JOURNAL_BYTES: u64 = 256 * 1024;

/// Appends journal lines to a file, rotating it to `<name>.1` when it grows too large.
#[derive(Debug)]
pub struct JournalFile {
    path: PathBuf,
    max_bytes: u64,
    pending: Vec<String>,
}

impl JournalFile {
    /// A journal at `path` (created on first flush, with its folder).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            max_bytes: MAX_JOURNAL_BYTES,
            pending: Vec::new(),
        }
    }

    /// Sets the rotation size (tests).
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes.max(1);
        self
    }

    /// Where the journal is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a line stamped with `wall` (UTC, RFC 3339).
    pub fn push(&mut self, wall: SystemTime, text: &str) {
        let stamp = time::OffsetDateTime::from(wall)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        self.pending
            .push(format!("{stamp}  {}", text.replace('\n', " ")));
    }

    /// Writes queued lines. Errors are logged, not fatal: the journal is a convenience.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let Err(error) = self.write_pending() {
            tracing::warn!(%error, path = %self.path.display(), "cannot write the journal file");
        }
        self.pending.clear();
    }

    fn write_pending(&mut self) -> std::io::Result<()> {
        // The user's own status over the day: for their eyes only (0600 in a 0700 folder).
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            settings::private_dir(parent)?;
        }
        let size = fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if size >= self.max_bytes {
            let mut rotated = self.path.clone().into_os_string();
            rotated.push(".1");
            fs::rename(&self.path, PathBuf::from(rotated))?;
        }
        let mut file = settings::private_append(&self.path)?;
        for line in &self.pending {
            writeln!(file, "{line}")?;
        }
        file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_at_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.log");
        let mut journal = JournalFile::new(&path).with_max_bytes(100);
        for i in 0..10 {
            journal.push(
                SystemTime::UNIX_EPOCH,
                &format!("entry {i} with some padding text"),
            );
            journal.flush();
        }
        let current = fs::read_to_string(&path).unwrap();
        let rotated = fs::read_to_string(dir.path().join("journal.log.1")).unwrap();
        assert!(current.len() < 200, "{current}");
        assert!(rotated.contains("entry"));
        assert!(current.contains("entry 9"));
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_and_its_folder_are_the_users_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("presence-bridge");
        let path = state.join("journal.log");
        let mut journal = JournalFile::new(&path).with_max_bytes(100);
        for i in 0..10 {
            journal.push(
                SystemTime::UNIX_EPOCH,
                &format!("entry {i} with some padding"),
            );
            journal.flush();
        }
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&state.join("journal.log.1")), 0o600, "rotated");

        // A folder and a journal an older version left readable by others are tightened.
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        journal.push(SystemTime::UNIX_EPOCH, "one more");
        journal.flush();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
}
