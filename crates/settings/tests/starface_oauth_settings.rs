//! `starface.auth` and `[starface.oauth]`: the new `auto` default, old files still valid, the
//! client id and scope from the admin policy, and never the client secret in a file.

use std::fs;

use settings::{OAuthClientAuth, SettingsStore, StarfaceAuth};

struct Files {
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
    policy: std::path::PathBuf,
}

fn files(config: Option<&str>, policy: Option<&str>) -> Files {
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

#[test]
fn auto_is_the_default_and_older_files_keep_their_choice() {
    let f = files(
        Some("[starface]\nurl = \"https://pbx.example.com\"\n"),
        None,
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(store.settings().starface.auth, StarfaceAuth::Auto);
    let oauth = &store.settings().starface.oauth;
    assert_eq!(
        (oauth.client_id.as_str(), oauth.scope.as_str()),
        ("rest-client-headless", "login")
    );
    assert_eq!(oauth.client_auth, OAuthClientAuth::Auto);

    for (text, auth) in [
        ("classic", StarfaceAuth::Classic),
        ("oauth", StarfaceAuth::Oauth),
    ] {
        let f = files(Some(&format!("[starface]\nauth = \"{text}\"\n")), None);
        let (store, report) = SettingsStore::load(&f.config, &f.policy);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(store.settings().starface.auth, auth);
    }
}

#[test]
fn oauth_keys_are_read() {
    let f = files(
        Some(
            "[starface]\nauth = \"oauth\"\n\n[starface.oauth]\nclient_id = \"presence-app\"\n\
             scope = \"pbx-login\"\nidentity_host = \"sso.example.com\"\nclient_auth = \"basic\"\n",
        ),
        None,
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let oauth = &store.settings().starface.oauth;
    assert_eq!(oauth.client_id, "presence-app");
    assert_eq!(oauth.scope, "pbx-login");
    assert_eq!(oauth.identity_host.as_deref(), Some("sso.example.com"));
    assert_eq!(oauth.client_auth, OAuthClientAuth::Basic);
}

#[test]
fn a_client_secret_in_the_file_is_refused_and_the_file_never_rewritten() {
    let text = "[starface.oauth]\nclient_secret = \"s3cr3t-in-a-file\"\n";
    let f = files(Some(text), None);
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let message = report.problems[0].to_string();
    assert!(
        message.contains("starface.oauth.client_secret"),
        "{message}"
    );
    assert!(message.contains("keychain"), "{message}");
    assert!(!message.contains("s3cr3t-in-a-file"), "{message}");
    assert!(!store.is_writable());
    assert_eq!(fs::read_to_string(&f.config).unwrap(), text);
}

#[test]
fn the_policy_may_name_client_id_and_scope_but_not_the_secret() {
    let policy = "locked = [\"starface.oauth.client_id\", \"starface.auth\"]\n\n\
                  [defaults.starface]\nauth = \"oauth\"\n\n\
                  [defaults.starface.oauth]\nclient_id = \"corp-client\"\nscope = \"pbx-login\"\n";
    let f = files(
        Some("[starface.oauth]\nclient_id = \"mine\"\n"),
        Some(policy),
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(store.settings().starface.auth, StarfaceAuth::Oauth);
    assert_eq!(store.settings().starface.oauth.client_id, "corp-client");
    assert_eq!(store.settings().starface.oauth.scope, "pbx-login");
    assert_eq!(
        report.overridden_by_policy,
        vec!["starface.oauth.client_id".to_owned()]
    );

    let with_secret = "[defaults.starface.oauth]\nclient_secret = \"corp-s3cret\"\n";
    let f = files(None, Some(with_secret));
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let message = report.problems[0].to_string();
    assert!(
        message.contains(&f.policy.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains("starface.oauth.client_secret"),
        "{message}"
    );
    assert!(!message.contains("corp-s3cret"));
    assert_eq!(store.settings(), &settings::Settings::default());
}
