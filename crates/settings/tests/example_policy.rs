//! The example policy the Linux packages install (`packaging/policy.example.toml`, shipped as
//! `/usr/share/doc/presence-bridge/policy.example.toml`) loads without a problem, and every key
//! it locks is a real setting: an admin who copies it must get exactly what its comments say.

use std::path::{Path, PathBuf};

use settings::SettingsStore;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/policy.example.toml")
}

fn load_under_example() -> SettingsStore {
    let home = tempfile::tempdir().unwrap();
    let (store, report) = SettingsStore::load(&home.path().join("config.toml"), &example());
    assert!(
        report.problems.is_empty(),
        "the example policy has problems: {:?}",
        report.problems
    );
    store
}

#[test]
fn example_policy_loads_and_sets_what_it_says() {
    let store = load_under_example();
    let settings = store.settings();
    assert_eq!(
        store.policy().file.as_deref(),
        Some(example().as_path()),
        "the example was not read as the policy"
    );
    assert_eq!(
        settings.microsoft.client_id.as_deref(),
        Some("0b7a8c8e-1111-4222-8333-944445555666")
    );
    assert_eq!(settings.microsoft.tenant, "contoso.onmicrosoft.com");
    assert_eq!(
        settings.starface.url.as_deref(),
        Some("https://pbx.contoso.example")
    );
    assert!(settings.starface.certificate_pin.is_some());
    assert_eq!(settings.sync.poll_interval_secs, 15);
    assert!(settings.ui.autostart);
}

#[test]
fn every_locked_key_names_a_setting() {
    let store = load_under_example();
    let locked = &store.policy().locked;
    assert!(!locked.is_empty(), "the example should show `locked`");
    let tree = toml::Value::try_from(store.settings()).unwrap();
    for key in locked {
        assert!(store.is_locked(key), "{key} is listed but not locked");
        let found = key.split('.').try_fold(&tree, |node, part| node.get(part));
        assert!(found.is_some(), "locked key `{key}` is not a setting");
    }
}
