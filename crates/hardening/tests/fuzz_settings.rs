//! Fuzz: the user's settings file and the admin's policy file. `SettingsStore::load` must never
//! panic and never write (a broken file is the user's to fix; rewriting it would destroy it),
//! whatever bytes the two files hold.
//!
//! `cargo test -p hardening --test fuzz_settings`; `PROPTEST_CASES=100000` for the long run.

use std::fs;
use std::path::Path;

use hardening::*;
use proptest::prelude::*;
use settings::SettingsStore;

/// Lines of a plausible settings or policy file; values sometimes of the wrong type.
fn toml_line() -> BoxedStrategy<String> {
    let key = prop::sample::select(vec![
        "url",
        "login",
        "auth",
        "client_id",
        "tenant",
        "authority",
        "graph_base",
        "poll_interval_secs",
        "debounce_secs",
        "enabled",
        "favourites",
        "language",
        "autostart",
        "certificate_pin",
        "ca_file",
        "allow_insecure_http",
        "xmpp_domain",
        "xmpp_port",
        "dnd",
        "chat_status",
        "chat_message",
        "locked",
        "unknown_key",
    ]);
    let value = prop_oneof![
        Just("\"https://pbx.example.com\"".to_owned()),
        Just("\"http://pbx\"".to_owned()),
        Just("\"organizations\"".to_owned()),
        Just("\"0b7a8c8e-1111-4222-8333-944445555666\"".to_owned()),
        Just("\"activate\"".to_owned()),
        Just("\"do_not_disturb\"".to_owned()),
        Just("[\"starface.url\", \"mapping.busy_meeting\", \"sync\", \"\"]".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("-1".to_owned()),
        Just("1e309".to_owned()),
        Just("nan".to_owned()),
        Just("{ a = 1 }".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        "\"[a-zA-Z0-9:/._@ äöü-]{0,30}\"",
    ];
    let header = prop::sample::select(vec![
        "[microsoft]",
        "[starface]",
        "[sync]",
        "[ui]",
        "[mapping.busy_meeting]",
        "[mapping.available]",
        "[mapping.nonexistent_row]",
        "[defaults.microsoft]",
        "[defaults.starface]",
        "[defaults.mapping.busy_meeting]",
        "[defaults]",
        "[[sync]]",
    ]);
    prop_oneof![
        3 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => header.prop_map(str::to_owned),
    ]
    .boxed()
}

fn toml_file() -> BoxedStrategy<Vec<u8>> {
    let document = prop::collection::vec(toml_line(), 0..14).prop_map(|lines| lines.join("\n"));
    prop_oneof![
        4 => damaged_text(document.boxed()).prop_map(String::into_bytes),
        1 => raw_bytes(),
    ]
    .boxed()
}

/// Every file under `dir` with its bytes, to prove that loading wrote nothing.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("temp dir readable")
        .map(|e| {
            let path = e.expect("entry").path();
            let bytes = fs::read(&path).unwrap_or_default();
            (path.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn load_never_panics_and_never_writes(user in toml_file(), policy in prop::option::of(toml_file())) {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("settings.toml");
        let policy_file = dir.path().join("policy.toml");
        fs::write(&file, &user).expect("write user file");
        if let Some(policy) = &policy {
            fs::write(&policy_file, policy).expect("write policy");
        }
        let before = contents(dir.path());

        let (store, report) = SettingsStore::load(&file, &policy_file);

        prop_assert_eq!(&contents(dir.path()), &before);
        // A file that did not load cleanly is never written back later either.
        if !report.problems.is_empty() && !store.is_writable() {
            let mut store = store;
            let settings = store.settings().clone();
            prop_assert!(store.save(settings).is_err());
            prop_assert_eq!(&contents(dir.path()), &before);
        }
    }
}
