//! The settings file as a user meets it: valid files, each kind of mistake, the admin policy.

use std::fs;
use std::path::{Path, PathBuf};

use settings::{SettingsError, SettingsStore};

mod common;
use common::files;

fn only_problem(config: &str) -> (SettingsError, PathBuf) {
    let f = files(Some(config), None);
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(!store.is_writable());
    assert_eq!(store.settings(), &settings::Settings::default());
    (
        report.problems.into_iter().next().unwrap(),
        f.config.clone(),
    )
}

fn assert_names(error: &SettingsError, file: &Path, key: &str) {
    let message = error.to_string();
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(message.contains(key), "{message}");
}

#[test]
fn valid_file_loads() {
    let f = files(
        Some(
            r#"
[microsoft]
client_id = "0b7a8c8e-1111-4222-8333-944445555666"
tenant = "contoso.onmicrosoft.com"

[starface]
url = "https://pbx.example.com"
login = "0001"
certificate_pin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

[sync]
poll_interval_secs = 30

[ui]
language = "de"
favourites = ["anna.schmidt@example.com"]
"#,
        ),
        None,
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let s = store.settings();
    assert_eq!(s.sync.poll_interval_secs, 30);
    assert_eq!(s.sync.debounce_secs, 3, "unset keys keep their defaults");
    assert_eq!(s.starface.login.as_deref(), Some("0001"));
    assert_eq!(s.ui.language, settings::Language::De);
    assert!(store.is_writable());
}

#[test]
fn missing_file_means_defaults_and_is_writable() {
    let f = files(None, None);
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty());
    assert!(store.is_writable());
    assert_eq!(store.settings(), &settings::Settings::default());
}

#[test]
fn syntax_error_names_file_and_line() {
    let (error, file) = only_problem("[sync]\npoll_interval_secs = = 5\n");
    assert!(
        matches!(error, SettingsError::Syntax { line: 2, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&file.display().to_string()));
}

#[test]
fn wrong_type_names_key() {
    let (error, file) = only_problem("[sync]\npoll_interval_secs = \"often\"\n");
    assert_names(&error, &file, "sync.poll_interval_secs");
}

#[test]
fn unknown_key_names_key() {
    let (error, file) = only_problem("[sync]\npoll_intervall_secs = 10\n");
    assert_names(&error, &file, "poll_intervall_secs");
    assert_eq!(error.key(), Some("sync.poll_intervall_secs"));
}

#[test]
fn unknown_section_names_key() {
    let (error, file) = only_problem("[sink]\nenabled = true\n");
    assert_names(&error, &file, "sink");
}

#[test]
fn out_of_range_names_key_and_range() {
    let (error, file) = only_problem("[sync]\npoll_interval_secs = 1\n");
    assert_names(&error, &file, "sync.poll_interval_secs");
    assert!(error.to_string().contains("5 to 300"), "{error}");
}

#[test]
fn corrupt_file_is_left_byte_for_byte_and_saving_is_refused() {
    let original = b"[sync]\npoll_interval_secs = = 5\n# the user's notes \xc3\xa4\n";
    let f = files(None, None);
    fs::write(&f.config, original).unwrap();
    let (mut store, report) = SettingsStore::load(&f.config, &f.policy);
    assert_eq!(report.problems.len(), 1);

    let mut changed = store.settings().clone();
    changed.sync.debounce_secs = 9;
    let error = store.save(changed).unwrap_err();
    assert!(
        matches!(error, SettingsError::FileHasErrors { .. }),
        "{error:?}"
    );
    assert_eq!(fs::read(&f.config).unwrap(), original);
}

#[test]
fn save_writes_only_changes_and_round_trips() {
    let f = files(Some("[ui]\nlanguage = \"en\"\n"), None);
    let (mut store, _) = SettingsStore::load(&f.config, &f.policy);
    let mut changed = store.settings().clone();
    changed.sync.poll_interval_secs = 60;
    store.save(changed.clone()).unwrap();

    let text = fs::read_to_string(&f.config).unwrap();
    assert!(text.contains("poll_interval_secs = 60"), "{text}");
    assert!(
        text.contains("language = \"en\""),
        "the user's own values stay: {text}"
    );
    assert!(
        !text.contains("debounce_secs"),
        "defaults are not baked in: {text}"
    );

    let (reloaded, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty());
    assert_eq!(reloaded.settings(), &changed);
    let leftovers: Vec<_> = fs::read_dir(f.config.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "config.toml")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files remain: {leftovers:?}"
    );
}

#[test]
fn invalid_change_is_refused_and_nothing_is_written() {
    let f = files(Some("[ui]\nlanguage = \"en\"\n"), None);
    let before = fs::read(&f.config).unwrap();
    let (mut store, _) = SettingsStore::load(&f.config, &f.policy);
    let mut changed = store.settings().clone();
    changed.sync.poll_interval_secs = 0;
    let error = store.save(changed).unwrap_err();
    assert_eq!(error.key(), Some("sync.poll_interval_secs"));
    assert_eq!(fs::read(&f.config).unwrap(), before);
    assert_eq!(store.settings().sync.poll_interval_secs, 10);
}

const POLICY: &str = r#"
locked = ["sync.poll_interval_secs"]

[defaults.sync]
poll_interval_secs = 45
debounce_secs = 5

[defaults.starface]
url = "https://pbx.corp.example"
"#;

#[test]
fn locked_policy_key_wins_over_the_users_value() {
    let f = files(
        Some("[sync]\npoll_interval_secs = 20\ndebounce_secs = 7\n"),
        Some(POLICY),
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let s = store.settings();
    assert_eq!(s.sync.poll_interval_secs, 45, "locked: the policy wins");
    assert_eq!(
        s.sync.debounce_secs, 7,
        "not locked: the user wins over the policy default"
    );
    assert_eq!(s.starface.url.as_deref(), Some("https://pbx.corp.example"));
    assert_eq!(report.overridden_by_policy, vec!["sync.poll_interval_secs"]);
    assert!(store.is_locked("sync.poll_interval_secs"));
}

#[test]
fn changing_a_locked_key_is_refused() {
    let f = files(None, Some(POLICY));
    let (mut store, _) = SettingsStore::load(&f.config, &f.policy);
    let mut changed = store.settings().clone();
    changed.sync.poll_interval_secs = 11;
    let error = store.save(changed).unwrap_err();
    assert!(matches!(error, SettingsError::Locked { .. }), "{error:?}");
    assert!(!f.config.exists());
}

#[test]
fn broken_policy_is_reported_with_its_file() {
    let f = files(None, Some("locked = \"sync\"\n"));
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert_eq!(report.problems.len(), 1);
    assert!(report.problems[0]
        .to_string()
        .contains(&f.policy.display().to_string()));
    assert_eq!(store.settings(), &settings::Settings::default());
}

#[test]
fn invalid_policy_default_names_policy_file_and_key() {
    let f = files(None, Some("[defaults.sync]\npoll_interval_secs = 9999\n"));
    let (_, report) = SettingsStore::load(&f.config, &f.policy);
    assert_eq!(report.problems.len(), 1);
    assert_names(&report.problems[0], &f.policy, "sync.poll_interval_secs");
}

#[test]
fn mapping_and_engine_options_come_from_the_file_and_policy_can_lock_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &file,
        "[sync]\ndebounce_secs = 7\nsession_minutes = 10\n[sync.working_hours]\ndays = [\"mon\"]\nstart = \"08:00\"\nend = \"17:00\"\noutside = \"leave_as_is\"\n[mapping]\nreverse = \"off\"\n[mapping.busy]\ndnd = \"activate\"\n",
    )
    .unwrap();
    std::fs::write(
        &policy,
        "locked = [\"mapping.reverse\"]\n[defaults.mapping]\nreverse = \"do_not_disturb_presenting\"\n",
    )
    .unwrap();
    let (store, report) = settings::SettingsStore::load(&file, &policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let engine = store
        .settings()
        .engine_config(presence_core::MessageLanguage::English);
    assert_eq!(engine.sync.debounce_seconds, 7);
    assert_eq!(engine.sync.session_minutes, 10);
    assert!(engine.sync.working_hours.is_some());
    assert_eq!(
        engine.mapping.reverse,
        presence_core::mapping::ReverseMode::DoNotDisturbPresenting,
        "the policy's locked value wins"
    );
    assert_eq!(
        engine.mapping.busy.dnd,
        presence_core::mapping::DndAction::Activate
    );
    assert!(store.is_locked("mapping.reverse"));

    // Out-of-range engine values are reported with the key.
    std::fs::write(&file, "[sync]\nsession_minutes = 1\n").unwrap();
    let (_, report) = settings::SettingsStore::load(&file, &policy);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.to_string().contains("session_minutes")),
        "{:?}",
        report.problems
    );
}

#[test]
fn the_engine_gets_default_messages_in_the_ui_language_and_written_ones_as_written() {
    use presence_core::{MessageLanguage, StatusRow};
    // A policy default in German is still a default; the user wrote one message of their own.
    let f = files(
        Some("[ui]\nlanguage = \"de\"\n[mapping.busy_phone]\ndnd = \"activate\"\nchat_status = \"do_not_disturb\"\nchat_message = \"Am Telefon\"\n"),
        Some("[defaults.mapping.presenting]\ndnd = \"activate\"\nchat_status = \"away\"\nchat_message = \"Präsentiert (Teams)\"\n"),
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let message = |language, row| {
        store
            .settings()
            .engine_config(language)
            .mapping
            .row(row)
            .message()
            .map(|m| m.as_str().to_owned())
    };
    use MessageLanguage::{English, German};
    assert_eq!(
        message(German, StatusRow::Busy).as_deref(),
        Some("Beschäftigt (Teams)")
    );
    assert_eq!(
        message(English, StatusRow::Busy).as_deref(),
        Some("Busy (Teams)")
    );
    assert_eq!(
        message(German, StatusRow::BusyPhone).as_deref(),
        Some("Am Telefon")
    );
    assert_eq!(
        message(English, StatusRow::BusyPhone).as_deref(),
        Some("Am Telefon")
    );
    assert_eq!(
        message(English, StatusRow::Presenting).as_deref(),
        Some("Presenting (Teams)")
    );
    // The settings themselves keep what the files say.
    assert_eq!(
        store.settings().mapping.busy.message().map(|m| m.as_str()),
        Some("Busy (Teams)")
    );
}

/// A row whose default has a message can be set to "no message" or to "chat unchanged", and that
/// survives a reload: the file is merged over the defaults key by key, so a left-out message would
/// bring the default text back (and with "unchanged", make the row invalid).
#[test]
fn no_message_and_chat_unchanged_survive_a_reload() {
    use presence_core::mapping::ChatAction;
    use presence_core::starface::ChatPresence;

    let f = files(None, None);
    let (mut store, _) = SettingsStore::load(&f.config, &f.policy);
    let mut changed = store.settings().clone();
    assert!(changed.mapping.busy_meeting.message().is_some());
    assert!(changed.mapping.busy.message().is_some());
    changed.mapping.busy_meeting.chat = ChatAction::Unchanged;
    changed.mapping.busy.chat = ChatAction::set(ChatPresence::DoNotDisturb);
    store.save(changed.clone()).unwrap();

    let text = fs::read_to_string(&f.config).unwrap();
    assert!(text.contains("chat_status = \"unchanged\""), "{text}");
    assert!(text.contains("chat_message = \"\""), "{text}");
    let (reloaded, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        reloaded.settings().mapping.busy_meeting.chat,
        ChatAction::Unchanged
    );
    assert_eq!(reloaded.settings().mapping.busy.message(), None);
    assert_eq!(
        reloaded.settings().mapping.busy.chat,
        ChatAction::set(ChatPresence::DoNotDisturb)
    );
    assert_eq!(reloaded.settings(), &changed);

    // A message with "unchanged" is still refused, and whitespace counts as no message.
    let (error, file) = only_problem(
        "[mapping.busy]\ndnd = \"unchanged\"\nchat_status = \"unchanged\"\nchat_message = \"hi\"\n",
    );
    assert_names(&error, &file, "mapping");
    let f = files(
        Some(
            "[mapping.busy]\ndnd = \"unchanged\"\nchat_status = \"away\"\nchat_message = \"  \"\n",
        ),
        None,
    );
    let (store, report) = SettingsStore::load(&f.config, &f.policy);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(store.settings().mapping.busy.message(), None);
}
