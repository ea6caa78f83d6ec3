//! A policy file that exists but cannot be used fails closed: what it would lock stays locked at
//! the built-in defaults, and nothing of it is used otherwise (issue 15, "Admin locks hold").

use settings::{FailClosed, Settings, SettingsError, SettingsStore, SettingsWatch};

mod common;
use common::files;

/// The user's own file sets what an administrator might lock.
const USER: &str = "[starface]\nurl = \"https://pbx.user.example\"\nlogin = \"0042\"\n\
                    [sync]\npoll_interval_secs = 20\ndebounce_secs = 7\n";

fn load(policy: &str) -> (SettingsStore, Vec<SettingsError>) {
    let f = files(Some(USER), Some(policy));
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    (store, report.problems)
}

#[test]
fn a_policy_with_a_syntax_error_locks_every_setting_at_its_built_in_default() {
    let (mut store, problems) = load("locked = [\"starface.url\"\n[defaults.starface]\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let broken = store.policy().broken.clone().expect("the policy is broken");
    assert_eq!(broken.holds, FailClosed::EverySetting);
    assert!(broken.problem.contains("policy.toml"), "{}", broken.problem);
    // Not one value of the user's file is used: the sync is not configured.
    assert_eq!(store.settings(), &Settings::default());
    for key in [
        "microsoft.client_id",
        "starface.url",
        "sync.poll_interval_secs",
        "mapping.busy.dnd",
        "ui.favourites",
        "hooks.mqtt.enabled",
        "relay.url",
    ] {
        assert!(store.is_locked(key), "{key} is not locked");
    }
    let mut changed = store.settings().clone();
    changed.sync.poll_interval_secs = 30;
    assert!(matches!(
        store.save(changed),
        Err(SettingsError::Locked { .. })
    ));
}

#[test]
fn a_policy_with_a_bad_default_keeps_its_locked_keys_at_the_built_in_defaults() {
    let (store, problems) = load(
        "locked = [\"starface.url\", \"sync.poll_interval_secs\"]\n\
         [defaults.starface]\nurl = \"https://pbx.corp.example\"\n\
         [defaults.sync]\npoll_interval_secs = 9999\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        store.policy().broken.as_ref().map(|b| b.holds),
        Some(FailClosed::ListedKeys)
    );
    let s = store.settings();
    let built_in = Settings::default();
    // Locked: the built-in value, neither the user's nor the broken file's.
    assert_eq!(s.starface.url, built_in.starface.url);
    assert_eq!(s.sync.poll_interval_secs, built_in.sync.poll_interval_secs);
    assert!(store.is_locked("starface.url"));
    // Not locked: the user's value.
    assert_eq!(s.starface.login.as_deref(), Some("0042"));
    assert_eq!(s.sync.debounce_secs, 7);
    assert!(!store.is_locked("sync.debounce_secs"));
}

#[test]
fn a_misspelt_or_malformed_lock_list_locks_every_setting() {
    for policy in [
        // The list under a name the file does not know: read as "no locks" it would lock nothing.
        "lockd = [\"starface.url\"]\n",
        // A list that is not a list of keys.
        "locked = \"starface.url\"\n",
        "locked = [\"starface..url\"]\n",
        "locked = [\"starface.url\", 3]\n",
    ] {
        let (store, problems) = load(policy);
        assert_eq!(problems.len(), 1, "{policy}: {problems:?}");
        assert_eq!(
            store.policy().broken.as_ref().map(|b| b.holds),
            Some(FailClosed::EverySetting),
            "{policy}"
        );
        assert_eq!(store.settings(), &Settings::default(), "{policy}");
    }
}

#[test]
fn a_policy_that_cannot_be_read_locks_every_setting() {
    let f = files(Some(USER), None);
    // Exists, but reading it fails (as a file without read permission would for a user).
    std::fs::create_dir(&f.policy).unwrap();
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(
        matches!(report.problems.as_slice(), [SettingsError::Read { .. }]),
        "{:?}",
        report.problems
    );
    assert_eq!(
        store.policy().broken.as_ref().map(|b| b.holds),
        Some(FailClosed::EverySetting)
    );
    assert_eq!(store.settings(), &Settings::default());
}

#[test]
fn a_missing_policy_is_no_policy_and_a_good_one_is_not_broken() {
    let (store, problems) = load("locked = [\"sync.poll_interval_secs\"]\n");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(store.policy().broken.is_none());
    assert_eq!(store.settings().starface.login.as_deref(), Some("0042"));

    let f = files(Some(USER), None);
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty());
    assert!(store.policy().broken.is_none() && store.policy().locked.is_empty());
}

#[test]
fn a_policy_that_breaks_while_the_app_runs_fails_closed_at_once_and_recovers() {
    let f = files(
        Some(USER),
        Some("locked = [\"sync.poll_interval_secs\"]\n[defaults.sync]\npoll_interval_secs = 45\n"),
    );
    let (mut store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut watch = SettingsWatch::new(&f.config, &f.policy);
    assert_eq!(store.settings().sync.poll_interval_secs, 45);

    std::fs::write(&f.policy, "locked = [\"sync.poll_interval_secs\"\n").unwrap();
    match watch.poll(&mut store) {
        settings::Reload::Loaded { changed, .. } => assert!(changed),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.policy().broken.as_ref().map(|b| b.holds),
        Some(FailClosed::EverySetting)
    );
    assert_eq!(store.settings(), &Settings::default());

    std::fs::write(&f.policy, "locked = [\"sync.poll_interval_secs\"]\n").unwrap();
    match watch.poll(&mut store) {
        settings::Reload::Loaded { changed, .. } => assert!(changed),
        other => panic!("{other:?}"),
    }
    assert!(store.policy().broken.is_none());
    assert_eq!(store.settings().starface.login.as_deref(), Some("0042"));
    assert!(store.is_writable());
}
