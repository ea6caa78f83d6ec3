//! `[hooks]` as a user and an administrator meet it: the file, its mistakes, lock and forbid.

use settings::{HookKind, HookPolicy, SettingsError, SettingsStore};

mod common;
use common::files;

#[test]
fn a_file_without_hooks_still_loads_with_every_hook_off() {
    let f = files(Some("[sync]\npoll_interval_secs = 30\n"), None);
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let hooks = &store.settings().hooks;
    assert!(HookKind::ALL.iter().all(|kind| !hooks.is_enabled(*kind)));
    assert!(!hooks.include_status_message);
    assert_eq!(hooks.mqtt.topic_prefix, "presence-bridge");
    assert!(HookKind::ALL
        .iter()
        .all(|kind| store.hook_policy(*kind) == HookPolicy::Open));
}

#[test]
fn hooks_load_from_the_file_and_survive_a_save() {
    let f = files(
        Some(
            r#"
[hooks]
include_status_message = true

[hooks.mqtt]
enabled = true
url = "mqtts://broker.example.com"
username = "anna"
topic_prefix = "office/anna"

[hooks.webhook]
enabled = true
url = "https://dash.example.com/presence"
retries = 5

[hooks.command]
enabled = true
program = "blink1-tool"
args = ["--off"]
args_by_dot.busy = ["--red"]
"#,
        ),
        None,
    );
    let (mut store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let hooks = store.settings().hooks.clone();
    assert!(hooks.include_status_message);
    assert_eq!(hooks.mqtt.username.as_deref(), Some("anna"));
    assert_eq!(hooks.mqtt.topic_prefix, "office/anna");
    assert!(hooks.mqtt.retain && hooks.mqtt.home_assistant);
    assert_eq!(hooks.webhook.retries, 5);
    assert_eq!(hooks.webhook.timeout_secs, 10);
    assert_eq!(hooks.command.args_for("busy"), ["--red"]);
    assert_eq!(hooks.command.args_for("away"), ["--off"]);

    let mut changed = store.settings().clone();
    changed.hooks.webhook.enabled = false;
    store.save(changed.clone()).unwrap();
    let (reloaded, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(reloaded.settings(), &changed);
}

#[test]
fn mistakes_name_the_dotted_key() {
    for (text, key) in [
        ("[hooks.mqtt]\nenabled = true\n", "hooks.mqtt.url"),
        (
            "[hooks.mqtt]\nurl = \"mqtt://broker.lan\"\n",
            "hooks.mqtt.url",
        ),
        (
            "[hooks.mqtt]\ntopic_prefix = \"a/#\"\n",
            "hooks.mqtt.topic_prefix",
        ),
        (
            "[hooks.webhook]\nurl = \"http://dash.example.com/\"\n",
            "hooks.webhook.url",
        ),
        ("[hooks.webhook]\nretries = 99\n", "hooks.webhook.retries"),
        ("[hooks.webhook]\nsecret = \"x\"\n", "hooks.webhook"),
        (
            "[hooks.command.args_by_dot]\npurple = [\"x\"]\n",
            "hooks.command.args_by_dot",
        ),
    ] {
        let f = files(Some(text), None);
        let (store, report) = SettingsStore::load(&f.config, &f.policy);
        assert_eq!(report.problems.len(), 1, "{text}: {:?}", report.problems);
        let problem = &report.problems[0];
        assert!(
            problem.key().is_some_and(|k| k.starts_with(key)),
            "{text}: {problem}"
        );
        assert!(problem
            .to_string()
            .contains(&f.config.display().to_string()));
        assert!(!store.is_writable());
    }
}

#[test]
fn the_policy_forbids_a_hook_the_user_switched_on() {
    let f = files(
        Some("[hooks.mqtt]\nenabled = true\nurl = \"mqtts://broker.example.com\"\n[hooks.command]\nenabled = true\nprogram = \"busylight\"\n"),
        Some("locked = [\"hooks.mqtt.enabled\"]\n[defaults.hooks.mqtt]\nenabled = false\n"),
    );
    let (mut store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.overridden_by_policy, ["hooks.mqtt.enabled"]);
    assert!(!store.settings().hooks.mqtt.enabled);
    assert_eq!(store.hook_policy(HookKind::Mqtt), HookPolicy::Forbidden);
    assert_eq!(store.hook_policy(HookKind::Command), HookPolicy::Open);
    assert!(store.settings().hooks.command.enabled);

    let mut changed = store.settings().clone();
    changed.hooks.mqtt.enabled = true;
    let error = store.save(changed).unwrap_err();
    assert!(
        matches!(&error, SettingsError::Locked { key, .. } if key == "hooks.mqtt.enabled"),
        "{error:?}"
    );
    // The broker address stays the user's to change.
    let mut changed = store.settings().clone();
    changed.hooks.mqtt.url = Some("mqtts://other.example.com".into());
    store.save(changed).unwrap();
}

#[test]
fn the_policy_locks_a_whole_hook_on() {
    let f = files(
        Some("[hooks.webhook]\nurl = \"https://mine.example.com\"\n"),
        Some(
            "locked = [\"hooks.webhook\"]\n[defaults.hooks.webhook]\nenabled = true\nurl = \"https://dash.corp.example/presence\"\n",
        ),
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(store.hook_policy(HookKind::Webhook), HookPolicy::LockedOn);
    assert_eq!(
        store.settings().hooks.webhook.url.as_deref(),
        Some("https://dash.corp.example/presence")
    );
    assert_eq!(report.overridden_by_policy, ["hooks.webhook.url"]);
}
