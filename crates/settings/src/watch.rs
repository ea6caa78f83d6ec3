//! Noticing edits of the settings file and the admin policy while the app runs.
//!
//! The app looks every few seconds ([`SettingsWatch::poll`]); a file-watch crate would save those
//! reads but add a platform-specific dependency for two files of a few kilobytes.

use std::path::{Path, PathBuf};

use crate::error::SettingsError;
use crate::schema::Settings;
use crate::store::SettingsStore;

/// The contents of the settings and policy files as last seen.
///
/// Contents rather than modification times: an editor can write twice within the file system's
/// timestamp resolution, and the app's own atomic save must not look like a change when nothing
/// changed.
#[derive(Debug)]
pub struct SettingsWatch {
    config: PathBuf,
    policy: PathBuf,
    seen: [Option<Vec<u8>>; 2],
}

/// What a look at the files found.
#[derive(Debug)]
pub enum Reload {
    /// Neither file changed.
    Unchanged,
    /// A file changed and the settings file loaded without problems; the store now holds them.
    /// The policy may be broken: then it failed closed ([`crate::Policy::broken`]), as it would
    /// at start.
    Loaded {
        /// The effective settings before (boxed: settings are large next to the other variants).
        previous: Box<Settings>,
        /// Whether the effective settings or the locked keys differ from before (false e.g.
        /// after the app's own save, or an edit of a comment).
        changed: bool,
    },
    /// The settings file changed but has errors. The store keeps the settings it had (and the
    /// policy they were made under) and refuses to save (which would overwrite what the user is
    /// fixing) until a later reload succeeds.
    Rejected(Vec<SettingsError>),
}

impl SettingsWatch {
    /// Starts from the files as they are now (the store was just loaded from them).
    pub fn new(config: &Path, policy: &Path) -> Self {
        let mut watch = Self {
            config: config.to_owned(),
            policy: policy.to_owned(),
            seen: [None, None],
        };
        watch.seen = watch.read();
        watch
    }

    fn read(&self) -> [Option<Vec<u8>>; 2] {
        // A file that cannot be read counts like a missing one here; loading reports why.
        [&self.config, &self.policy].map(|path| std::fs::read(path).ok())
    }

    /// Reloads `store` from the files if either changed since the last look.
    pub fn poll(&mut self, store: &mut SettingsStore) -> Reload {
        let now = self.read();
        if now == self.seen {
            return Reload::Unchanged;
        }
        self.seen = now;
        let (fresh, report) = SettingsStore::load(&self.config, &self.policy);
        // A broken policy is carried by the fresh store (it failed closed); only the user's own
        // file keeps the last good settings.
        let in_settings_file =
            |problem: &SettingsError| problem.file() != Some(self.policy.as_path());
        if report.problems.iter().any(in_settings_file) {
            store.refuse_saving();
            return Reload::Rejected(report.problems);
        }
        let changed = fresh.settings() != store.settings()
            || fresh.policy().locked != store.policy().locked
            || fresh.policy().broken != store.policy().broken;
        let previous = Box::new(std::mem::replace(store, fresh).settings().clone());
        Reload::Loaded { previous, changed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files {
        dir: tempfile::TempDir,
    }

    impl Files {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().unwrap(),
            }
        }
        fn config(&self) -> PathBuf {
            self.dir.path().join("config.toml")
        }
        fn policy(&self) -> PathBuf {
            self.dir.path().join("policy.toml")
        }
        fn load(&self) -> (SettingsStore, SettingsWatch) {
            let (store, report) = SettingsStore::load(&self.config(), &self.policy());
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            (store, SettingsWatch::new(&self.config(), &self.policy()))
        }
    }

    #[test]
    fn an_edited_file_is_loaded_once() {
        let files = Files::new();
        std::fs::write(files.config(), "[sync]\npoll_interval_secs = 30\n").unwrap();
        let (mut store, mut watch) = files.load();
        assert!(matches!(watch.poll(&mut store), Reload::Unchanged));

        std::fs::write(files.config(), "[sync]\npoll_interval_secs = 45\n").unwrap();
        match watch.poll(&mut store) {
            Reload::Loaded { previous, changed } => {
                assert!(changed);
                assert_eq!(previous.sync.poll_interval_secs, 30);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(store.settings().sync.poll_interval_secs, 45);
        assert!(matches!(watch.poll(&mut store), Reload::Unchanged));
    }

    #[test]
    fn the_apps_own_save_is_not_a_change() {
        let files = Files::new();
        let (mut store, mut watch) = files.load();
        let mut new = store.settings().clone();
        new.sync.poll_interval_secs = 60;
        store.save(new).unwrap();
        match watch.poll(&mut store) {
            Reload::Loaded { changed, .. } => assert!(!changed),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.settings().sync.poll_interval_secs, 60);
    }

    #[test]
    fn an_invalid_file_keeps_the_last_good_settings_and_blocks_saving_until_fixed() {
        let files = Files::new();
        std::fs::write(files.config(), "[sync]\npoll_interval_secs = 30\n").unwrap();
        let (mut store, mut watch) = files.load();

        let broken = "[sync]\npoll_interval_secs = \"soon\"\n";
        std::fs::write(files.config(), broken).unwrap();
        match watch.poll(&mut store) {
            Reload::Rejected(problems) => assert!(
                problems
                    .iter()
                    .any(|p| p.key() == Some("sync.poll_interval_secs")),
                "{problems:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.settings().sync.poll_interval_secs, 30);
        assert!(!store.is_writable());
        let mut new = store.settings().clone();
        new.ui.autostart = !new.ui.autostart;
        assert!(matches!(
            store.save(new),
            Err(SettingsError::FileHasErrors { .. })
        ));
        assert_eq!(std::fs::read_to_string(files.config()).unwrap(), broken);
        // Reported once, not at every look.
        assert!(matches!(watch.poll(&mut store), Reload::Unchanged));

        std::fs::write(files.config(), "[sync]\npoll_interval_secs = 30\n").unwrap();
        match watch.poll(&mut store) {
            Reload::Loaded { changed, .. } => assert!(!changed),
            other => panic!("{other:?}"),
        }
        assert!(store.is_writable());
    }

    #[test]
    fn a_new_policy_lock_is_a_change() {
        let files = Files::new();
        let (mut store, mut watch) = files.load();
        std::fs::write(files.policy(), "locked = [\"ui.autostart\"]\n").unwrap();
        match watch.poll(&mut store) {
            Reload::Loaded { changed, .. } => assert!(changed),
            other => panic!("{other:?}"),
        }
        assert!(store.is_locked("ui.autostart"));
    }
}
