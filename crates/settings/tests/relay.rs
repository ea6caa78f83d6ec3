//! `[relay]`: the organisation's presence relay, set by the admin policy.

use std::fs;

use settings::{SettingsError, SettingsStore};

const POLICY: &str = r#"
locked = ["relay"]

[defaults.relay]
servers = ["tls://nats1.example.com:4222", "tls://nats2.example.com:4222"]
user = "desktop"
password = "read-only-secret"
ca_file = "/etc/presence-bridge/nats-ca.pem"
"#;

#[test]
fn the_policy_carries_the_relay_and_its_read_only_credential_which_never_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let policy = dir.path().join("policy.toml");
    fs::write(&policy, POLICY).unwrap();
    fs::write(&config, "[ui]\nlanguage = \"de\"\n").unwrap();
    let (mut store, report) = SettingsStore::load(&config, &policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let relay = &store.settings().relay;
    assert!(relay.is_configured());
    assert_eq!(relay.servers.len(), 2);
    assert_eq!(
        relay.password.as_ref().unwrap().expose(),
        "read-only-secret"
    );
    assert_eq!(
        relay.ca_file.as_deref(),
        Some("/etc/presence-bridge/nats-ca.pem")
    );
    // Not in Debug output (logs), not in the serialised settings (the window, the user's file).
    let debug = format!("{:?}", store.settings());
    assert!(!debug.contains("read-only-secret"), "{debug}");
    let json = serde_json::to_string(store.settings()).unwrap();
    assert!(!json.contains("read-only-secret"));

    // Saving another change leaves the credential out of the user's file and keeps it in effect.
    let mut changed = store.settings().clone();
    changed.ui.autostart = true;
    store.save(changed).unwrap();
    let written = fs::read_to_string(&config).unwrap();
    assert!(
        !written.contains("read-only-secret") && !written.contains("relay"),
        "{written}"
    );
    assert_eq!(
        store.settings().relay.password.as_ref().unwrap().expose(),
        "read-only-secret"
    );

    // The user cannot point the app at another relay.
    let mut elsewhere = store.settings().clone();
    elsewhere.relay.servers = vec!["tls://evil.example.com:4222".into()];
    assert!(matches!(
        store.save(elsewhere),
        Err(SettingsError::Locked { .. })
    ));
}

#[test]
fn files_without_a_relay_stay_valid_and_bad_urls_name_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let policy = dir.path().join("policy.toml");
    fs::write(&config, "[sync]\npoll_interval_secs = 30\n").unwrap();
    let (store, report) = SettingsStore::load(&config, &policy);
    assert!(report.problems.is_empty());
    assert!(!store.settings().relay.is_configured());

    for (servers, key) in [
        (r#"["https://nats.example.com"]"#, "relay.servers[0]"),
        (
            r#"["tls://nats1:4222", "tls://desktop:pw@nats2:4222"]"#,
            "relay.servers[1]",
        ),
        (r#"["tls://nats1"]"#, "relay.servers[0]"),
    ] {
        fs::write(&config, format!("[relay]\nservers = {servers}\n")).unwrap();
        let (_, report) = SettingsStore::load(&config, &policy);
        assert_eq!(report.problems.len(), 1, "{servers}: {:?}", report.problems);
        assert_eq!(report.problems[0].key(), Some(key), "{servers}");
    }
    fs::write(
        &config,
        "[relay]\nservers = [\"tls://n:4222\"]\nuser = \" \"\n",
    )
    .unwrap();
    let (_, report) = SettingsStore::load(&config, &policy);
    assert_eq!(report.problems[0].key(), Some("relay.user"));
    fs::write(&config, "[relay]\nserver = [\"tls://n:4222\"]\n").unwrap();
    let (_, report) = SettingsStore::load(&config, &policy);
    assert_eq!(report.problems[0].key(), Some("relay.server"));
}
