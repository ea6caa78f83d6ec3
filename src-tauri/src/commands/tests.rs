//! The window's commands through Tauri's IPC on the mock runtime, over the bridge running on the
//! in-process simulators (`bridge::demo`) and a settings file in a temporary folder. Commands that
//! talk to a server of their own (sign-in, certificate) get a simulator on loopback; secrets go to
//! an in-memory keychain the test can read.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use keychain::{names, SecretStore};
use presence_core::Person;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::app_state::AppState;

/// How a test's app starts.
#[derive(Default)]
struct Setup {
    /// The admin policy file's text, if any.
    policy: Option<String>,
    /// The user's settings file, if any.
    config: Option<String>,
    /// The `--demo` app state (its own temporary settings and in-memory keychain).
    demo: bool,
    /// Registers the clipboard plugin; it needs an X display ([`private_display`]).
    clipboard: bool,
    /// The window starts hidden (as in the tray app), so events wait until it is shown.
    hidden_window: bool,
}

struct Harness {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    dir: tempfile::TempDir,
    /// The app state's keychain (not the `--demo` one's: that one keeps its own).
    keychain: Arc<keychain::MemoryStore>,
}

impl Harness {
    /// `policy`: the admin policy file's text, if any.
    fn start(policy: Option<&str>) -> Self {
        Self::with(Setup {
            policy: policy.map(str::to_owned),
            ..Setup::default()
        })
    }

    fn with(setup: Setup) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let policy_file = dir.path().join("policy.toml");
        if let Some(policy) = &setup.policy {
            std::fs::write(&policy_file, policy).unwrap();
        }
        let config_file = dir.path().join("config.toml");
        if let Some(config) = &setup.config {
            std::fs::write(&config_file, config).unwrap();
        }
        let keychain = Arc::new(keychain::MemoryStore::new());
        let state = if setup.demo {
            AppState::demo(
                &policy_file,
                bridge::demo::DemoPbx::Classic,
                Arc::new(bridge::LogNotifier),
            )
            .unwrap()
        } else {
            let (store, report) = settings::SettingsStore::load(&config_file, &policy_file);
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            // No paths: the sync runs on the in-process simulators.
            AppState::new(store, keychain.clone(), None, Arc::new(bridge::LogNotifier))
        };
        let mut builder = mock_builder();
        if setup.clipboard {
            builder = builder.plugin(tauri_plugin_clipboard_manager::init());
        }
        let app = builder
            .invoke_handler(super::handler::<MockRuntime>())
            .manage(state)
            .manage(crate::events::WindowShown::new(!setup.hidden_window))
            .build(mock_context(noop_assets()))
            .unwrap();
        tauri::async_runtime::block_on(crate::events::restart_sync(app.handle()));
        assert!(
            app.state::<AppState>().running().is_some(),
            "demo bridge runs"
        );
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self {
            app,
            window,
            dir,
            keychain,
        }
    }

    fn app_state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.window, cmd, args)
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("config.toml")).unwrap_or_default()
    }

    /// Waits until the bridge watches colleagues (people are loaded at start).
    fn some_colleague(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let result = self
                .invoke("search_directory", json!({"query": ""}))
                .unwrap();
            if let Some(first) = result["colleagues"].as_array().and_then(|c| c.first()) {
                return first.clone();
            }
            assert!(Instant::now() < deadline, "no colleagues from the demo");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn state(&self) -> Value {
        self.invoke("get_state", json!({})).unwrap()
    }

    fn settings(&self) -> Value {
        self.invoke("get_settings", json!({})).unwrap()
    }

    /// Payloads of the events named `names` the app emits from now on.
    fn record_events(&self, names: &[&str]) -> Arc<Mutex<Vec<String>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        for name in names {
            let seen = seen.clone();
            self.app.listen_any(*name, move |event| {
                seen.lock().unwrap().push(event.payload().to_owned());
            });
        }
        seen
    }

    fn shutdown(self) {
        tauri::async_runtime::block_on(self.app_state().stop_sync());
    }
}

/// Calls `cmd` as the window would and waits for its answer.
fn invoke_on(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn search_finds_directory_users_and_echoes_the_query() {
    let h = Harness::start(None);
    let colleague = h.some_colleague();
    let name = colleague["display_name"].as_str().unwrap().to_owned();
    let query = name[..3].to_owned();
    let result = h
        .invoke("search_directory", json!({"query": format!("  {query} ")}))
        .unwrap();
    assert_eq!(result["query"], json!(query));
    assert_eq!(result["complete"], json!(true));
    let hits = result["colleagues"].as_array().unwrap();
    assert!(
        hits.iter().any(|c| c["display_name"] == json!(name)),
        "{name} not found by `{query}`: {result}"
    );
    for hit in hits {
        // `T | null` fields are always present.
        for key in [
            "mail",
            "user_principal_name",
            "job_title",
            "notify",
            "presence",
        ] {
            assert!(hit.get(key).is_some(), "{key} missing in {hit}");
        }
    }
    h.shutdown();
}

/// "mueller", "muller" and "Müller" find the same colleague: the window's search is the
/// directory index, which folds umlauts both ways (Graph's own search does not).
#[test]
fn umlauts_are_found_however_they_are_typed() {
    let h = Harness::start(None);
    h.some_colleague();
    let everyone = h.invoke("search_directory", json!({"query": ""})).unwrap();
    let (id, word) = everyone["colleagues"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| {
            let name = c["display_name"].as_str()?;
            let word = name.split(' ').find(|w| w.contains(['ä', 'ö', 'ü']))?;
            Some((c["id"].clone(), word.to_owned()))
        })
        .expect("the demo has a colleague with an umlaut in the name");
    let expanded = word
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue");
    let stripped = word.replace('ä', "a").replace('ö', "o").replace('ü', "u");
    for query in [
        word.clone(),
        expanded.to_lowercase(),
        stripped.to_lowercase(),
        word.to_uppercase(),
    ] {
        let found = h
            .invoke("search_directory", json!({ "query": query }))
            .unwrap();
        assert!(
            found["colleagues"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "`{query}` does not find {word}: {found}"
        );
    }
    h.shutdown();
}

#[test]
fn favourites_persist_in_the_settings_file() {
    let h = Harness::start(None);
    let colleague = h.some_colleague();
    let id = colleague["id"].as_str().unwrap();
    let mail = colleague["mail"].as_str().unwrap().to_lowercase();
    assert_eq!(
        h.invoke(
            "set_favourite",
            json!({"colleagueId": id, "favourite": true})
        )
        .unwrap(),
        Value::Null
    );
    assert!(h.config_text().contains(&mail), "{}", h.config_text());
    let settings = h.invoke("get_settings", json!({})).unwrap();
    assert_eq!(settings["values"]["ui"]["favourites"], json!([mail]));
    // The bridge marks the watched colleague as a favourite.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = h.state();
        let marked = state["colleagues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == json!(id) && c["favourite"] == json!(true));
        if marked {
            break;
        }
        assert!(Instant::now() < deadline, "not a favourite: {state}");
        std::thread::sleep(Duration::from_millis(100));
    }
    h.invoke(
        "set_favourite",
        json!({"colleagueId": id, "favourite": false}),
    )
    .unwrap();
    assert!(!h.config_text().contains(&mail));
    let unknown = h
        .invoke(
            "set_favourite",
            json!({"colleagueId": "nobody", "favourite": true}),
        )
        .unwrap_err();
    assert!(unknown["message"].as_str().unwrap().contains("nobody"));
    h.shutdown();
}

#[test]
fn notify_when_available_sets_and_removes_the_alert() {
    let h = Harness::start(None);
    let colleague = h.some_colleague();
    let id = colleague["id"].as_str().unwrap();
    h.invoke(
        "set_notify_when_available",
        json!({"colleagueId": id, "mode": "always"}),
    )
    .unwrap();
    let alerted = |h: &Harness| {
        let state = h.invoke("get_state", json!({})).unwrap();
        state["colleagues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == json!(id))
            .map(|c| c["notify"].clone())
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alerted(&h) != Some(json!("always")) {
        assert!(Instant::now() < deadline, "alert not in the state");
        std::thread::sleep(Duration::from_millis(100));
    }
    h.invoke(
        "set_notify_when_available",
        json!({"colleagueId": id, "mode": null}),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while matches!(alerted(&h), Some(mode) if !mode.is_null()) {
        assert!(Instant::now() < deadline, "alert not removed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let bad = h
        .invoke(
            "set_notify_when_available",
            json!({"colleagueId": id, "mode": "sometimes"}),
        )
        .unwrap_err();
    assert!(bad.to_string().contains("sometimes"), "{bad}");
    h.shutdown();
}

/// What the mapping editor sends: `chat_status: "unchanged"` with `chat_message: ""`, or an emptied
/// message field as `""`. Both must save on a row whose default has a message and stay after a
/// reload; `null` brings the default message back.
#[test]
fn chat_unchanged_and_no_message_can_be_chosen_in_the_editor() {
    let h = Harness::start(None);
    let row = |view: &Value, row: &str| view["values"]["mapping"][row].clone();
    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [
                {"key": "mapping.busy_meeting.chat_status", "value": "unchanged"},
                {"key": "mapping.busy_meeting.chat_message", "value": ""}
            ]}),
        )
        .unwrap();
    assert_eq!(
        row(&view, "busy_meeting")["chat_status"],
        json!("unchanged")
    );
    assert_eq!(row(&view, "busy_meeting")["chat_message"], json!(""));

    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "mapping.busy.chat_message", "value": ""}]}),
        )
        .unwrap();
    assert_eq!(row(&view, "busy")["chat_status"], json!("do_not_disturb"));
    assert_eq!(row(&view, "busy")["chat_message"], json!(""));

    // Read back from the file, not from memory.
    let (reloaded, report) = settings::SettingsStore::load(
        &h.dir.path().join("config.toml"),
        &h.dir.path().join("policy.toml"),
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mapping = &reloaded.settings().mapping;
    assert_eq!(
        mapping.busy_meeting.chat,
        presence_core::mapping::ChatAction::Unchanged
    );
    assert_eq!(mapping.busy.message(), None);

    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "mapping.busy.chat_message", "value": null}]}),
        )
        .unwrap();
    assert_eq!(row(&view, "busy")["chat_message"], json!("Busy (Teams)"));
    h.shutdown();
}

#[test]
fn mapping_edit_is_saved_and_a_locked_key_is_refused_with_its_key() {
    let h = Harness::start(Some("locked = [\"mapping.busy_meeting\"]\n"));
    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [
                {"key": "mapping.busy.dnd", "value": "activate"},
                {"key": "sync.poll_interval_secs", "value": 30}
            ]}),
        )
        .unwrap();
    assert_eq!(view["values"]["mapping"]["busy"]["dnd"], json!("activate"));
    assert_eq!(view["values"]["sync"]["poll_interval_secs"], json!(30));
    assert_eq!(view["locked"][0]["key"], json!("mapping.busy_meeting"));
    assert_eq!(view["secrets"]["starface_password"], json!(false));
    let text = h.config_text();
    assert!(text.contains("activate") && text.contains("30"), "{text}");

    let refused = h
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "mapping.busy_meeting.dnd", "value": "deactivate"}]}),
        )
        .unwrap_err();
    assert_eq!(
        refused["key"],
        json!("mapping.busy_meeting.dnd"),
        "{refused}"
    );
    assert!(refused["message"].as_str().unwrap().contains("locked"));

    // All or nothing: one bad value keeps the other change out of the file.
    let invalid = h
        .invoke(
            "save_settings",
            json!({"changes": [
                {"key": "mapping.away.dnd", "value": "activate"},
                {"key": "sync.poll_interval_secs", "value": 1}
            ]}),
        )
        .unwrap_err();
    assert!(invalid.get("message").is_some(), "{invalid}");
    let after = h.invoke("get_settings", json!({})).unwrap();
    assert_ne!(after["values"]["mapping"]["away"]["dnd"], json!("activate"));

    // null resets to the default.
    let reset = h
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "sync.poll_interval_secs", "value": null}]}),
        )
        .unwrap();
    assert_ne!(reset["values"]["sync"]["poll_interval_secs"], json!(30));
    h.shutdown();
}

/// The chat message the app last set on STARFACE, as "My status" shows it.
fn sent_chat_message(h: &Harness) -> Option<String> {
    h.state()["own"]["starface"]["chat"]["message"]
        .as_str()
        .map(str::to_owned)
}

/// Waits until the app set a chat message that is one of the defaults in `language`.
fn wait_for_default_message(h: &Harness, language: presence_core::MessageLanguage) {
    let defaults: Vec<String> = presence_core::StatusRow::ALL
        .into_iter()
        .filter_map(|row| language.default_message(row))
        .map(|text| text.split('{').next().unwrap().trim().to_owned())
        .filter(|text| !text.is_empty())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent = sent_chat_message(h);
        if sent
            .as_ref()
            .is_some_and(|m| defaults.iter().any(|d| m.starts_with(d.as_str())))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no {language:?} default message sent; last: {sent:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn default_messages_follow_the_ui_language_and_typed_ones_stay() {
    use presence_core::MessageLanguage;
    let h = Harness::with(Setup {
        config: Some(
            "[ui]\nlanguage = \"de\"\n\n[mapping.be_right_back]\ndnd = \"unchanged\"\n\
             chat_status = \"away\"\nchat_message = \"In der Kantine\"\n"
                .into(),
        ),
        ..Setup::default()
    });
    let message = |view: &Value, row: &str| view["values"]["mapping"][row]["chat_message"].clone();
    let view = h.settings();
    assert_eq!(message(&view, "busy"), json!("Beschäftigt (Teams)"));
    assert_eq!(
        message(&view, "busy_meeting"),
        json!("In einer Besprechung (Teams)")
    );
    assert_eq!(message(&view, "be_right_back"), json!("In der Kantine"));
    // The sync started in German ("My status" shows what was sent).
    wait_for_default_message(&h, MessageLanguage::German);

    // The editor saves the German default back (with another change): nothing pins it.
    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [
                {"key": "mapping.busy.chat_message", "value": "Beschäftigt (Teams)"},
                {"key": "mapping.busy.dnd", "value": "activate"}
            ]}),
        )
        .unwrap();
    assert_eq!(message(&view, "busy"), json!("Beschäftigt (Teams)"));
    let file = h.config_text();
    assert!(file.contains("activate"), "{file}");
    assert_eq!(file.matches("chat_message").count(), 1, "{file}");
    assert!(
        !file.contains("Beschäftigt") && !file.contains("Busy (Teams)"),
        "{file}"
    );

    // English: the defaults switch, the typed message stays, the file is as before.
    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "ui.language", "value": "en"}]}),
        )
        .unwrap();
    assert_eq!(message(&view, "busy"), json!("Busy (Teams)"));
    assert_eq!(
        message(&view, "busy_meeting"),
        json!("In a meeting (Teams)")
    );
    assert_eq!(message(&view, "be_right_back"), json!("In der Kantine"));
    assert_eq!(h.config_text(), file.replace("\"de\"", "\"en\""));
    wait_for_default_message(&h, MessageLanguage::English);

    // A message typed in English is kept as typed in German.
    h.invoke(
        "save_settings",
        json!({"changes": [{"key": "mapping.busy_phone.chat_message", "value": "On the phone"}]}),
    )
    .unwrap();
    let view = h
        .invoke(
            "save_settings",
            json!({"changes": [{"key": "ui.language", "value": "de"}]}),
        )
        .unwrap();
    assert_eq!(message(&view, "busy_phone"), json!("On the phone"));
    assert_eq!(message(&view, "busy"), json!("Beschäftigt (Teams)"));
    assert!(h.config_text().contains("On the phone"));
    h.shutdown();
}

#[test]
fn pause_and_resume_reach_the_engine() {
    let h = Harness::start(None);
    let mode = |h: &Harness| h.invoke("get_state", json!({})).unwrap()["sync"].clone();
    h.invoke("pause_sync", json!({"duration": "1h"})).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let sync = mode(&h);
        if sync["mode"] == json!("paused") {
            let until = sync["paused_until"].as_u64().unwrap();
            let now = crate::app_state::now_ms();
            assert!(
                until > now + 50 * 60_000 && until <= now + 61 * 60_000,
                "{sync}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "not paused: {sync}");
        std::thread::sleep(Duration::from_millis(100));
    }
    h.invoke("resume_sync", json!({})).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while mode(&h)["mode"] == json!("paused") {
        assert!(Instant::now() < deadline, "still paused");
        std::thread::sleep(Duration::from_millis(100));
    }
    let bad = h
        .invoke("pause_sync", json!({"duration": "forever"}))
        .unwrap_err();
    assert!(bad.to_string().contains("forever"), "{bad}");
    h.shutdown();
}

#[test]
fn translations_are_embedded_and_unknown_languages_refused() {
    let h = Harness::start(None);
    let de = h.invoke("get_translations", json!({"lang": "de"})).unwrap();
    assert_eq!(de["tray.quit"], json!("Beenden"));
    let err = h
        .invoke("get_translations", json!({"lang": "fr"}))
        .unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("fr"));
    h.shutdown();
}

#[test]
fn open_link_refuses_unknown_colleagues() {
    let h = Harness::start(None);
    let err = h
        .invoke(
            "open_link",
            json!({"action": {"kind": "teams_chat", "colleague_id": "nobody"}}),
        )
        .unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("nobody"));
    h.shutdown();
}

#[test]
fn command_names_match_the_build_manifest_and_the_capability() {
    let build = include_str!("../../build.rs");
    assert!(
        build.contains("include!(\"command_names.rs\")"),
        "the build manifest must use the shared command list"
    );
    let capability: Value =
        serde_json::from_str(include_str!("../../capabilities/default.json")).unwrap();
    let allowed: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .collect();
    assert_eq!(allowed.len(), super::NAMES.len());
    for name in super::NAMES {
        assert!(
            allowed.contains(&name.replace('_', "-").as_str()),
            "{name} not allowed in the capability"
        );
    }
    assert!(
        !capability["permissions"].to_string().contains("opener"),
        "no opener permission for the window"
    );
    // The window listens to the app's events and never emits any: no `core:default` or
    // `core:event:default` (both include `allow-emit` and `allow-emit-to`), no emit permission.
    let core: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("core:"))
        .collect();
    assert_eq!(
        core,
        ["core:event:allow-listen", "core:event:allow-unlisten"],
        "the window's core permissions"
    );
}

/// A private Xvfb for the clipboard, never the developer's display: the clipboard plugin reads
/// `DISPLAY` when it starts. Only one test uses a clipboard, so no other test sees the change.
/// Drop the session after the app, so the display outlives the clipboard's connection.
fn private_display() -> test_session::DesktopSession {
    let session = test_session::DesktopSession::start()
        .unwrap_or_else(|e| panic!("a private X display for the clipboard: {e}"));
    std::env::set_var("DISPLAY", session.display());
    session
}

/// A person found by an earlier search, as the directory described them.
fn found(id: &str, mail: Option<&str>, sip: Option<&str>) -> Person {
    let mut person = Person::new(id, format!("User {id}"));
    person.mail = mail.map(str::to_owned);
    person.sip_address = sip.map(str::to_owned);
    person
}

#[test]
fn copy_sip_copies_a_checked_sip_address() {
    let display = private_display();
    let h = Harness::with(Setup {
        clipboard: true,
        ..Setup::default()
    });
    let clipboard = || {
        use tauri_plugin_clipboard_manager::ClipboardExt;
        h.app.clipboard().read_text().unwrap()
    };
    // A watched colleague: the SIP address Graph reported (`imAddress` of `/me/people`).
    let colleague = h.some_colleague();
    let sip = colleague["sip_address"]
        .as_str()
        .expect("Graph gave a SIP address");
    let copied = h
        .invoke("copy_sip", json!({"colleagueId": colleague["id"]}))
        .unwrap();
    assert_eq!(copied, json!({ "copied": format!("sip:{sip}") }));
    assert_eq!(clipboard(), format!("sip:{sip}"));

    h.app_state().remember(&[
        found(
            "own-sip",
            Some("uma.ullrich@example.de"),
            Some(" sip:uma@sip.example.de "),
        ),
        found("injected", None, Some("zoe@example.de\r\nrm -rf ~")),
        found("blank", Some("blank@example.de"), Some("  ")),
        found("mail-only", Some("max@example.de"), None),
    ]);
    // The SIP address, not the e-mail address; trimmed, its `sip:` not doubled.
    let own = h
        .invoke("copy_sip", json!({"colleagueId": "own-sip"}))
        .unwrap();
    assert_eq!(own["copied"], json!("sip:uma@sip.example.de"));
    assert_eq!(clipboard(), "sip:uma@sip.example.de");
    // Directory text never reaches the clipboard as lines of its own.
    let injected = h
        .invoke("copy_sip", json!({"colleagueId": "injected"}))
        .unwrap();
    assert_eq!(
        injected["copied"],
        json!("sip:zoe@example.de%0D%0Arm%20-rf%20~")
    );

    // No SIP address from the directory: none is made of the e-mail address.
    for id in ["blank", "mail-only"] {
        let refused = h
            .invoke("copy_sip", json!({ "colleagueId": id }))
            .unwrap_err();
        assert_eq!(
            refused["message"],
            json!("this colleague has no SIP address"),
            "{id}"
        );
    }
    let unknown = h
        .invoke("copy_sip", json!({"colleagueId": "nobody"}))
        .unwrap_err();
    assert!(unknown["message"].as_str().unwrap().contains("nobody"));
    // Refusals leave the clipboard alone.
    assert_eq!(clipboard(), "sip:zoe@example.de%0D%0Arm%20-rf%20~");
    h.shutdown();
    drop(display);
}

#[test]
fn sign_in_is_refused_in_the_demo() {
    let h = Harness::with(Setup {
        demo: true,
        ..Setup::default()
    });
    let refused = h.invoke("sign_in_microsoft", json!({})).unwrap_err();
    assert!(
        refused["message"].as_str().unwrap().contains("demo"),
        "{refused}"
    );
    assert_ne!(
        h.state()["accounts"]["microsoft"]["state"],
        json!("signing_in")
    );
    h.shutdown();
}

#[test]
fn sign_in_without_an_app_registration_names_the_missing_setting() {
    let h = Harness::start(None);
    let refused = h.invoke("sign_in_microsoft", json!({})).unwrap_err();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("microsoft.client_id"),
        "{refused}"
    );
    assert_ne!(
        h.state()["accounts"]["microsoft"]["state"],
        json!("signing_in")
    );
    h.shutdown();
}

/// The command resolves when the sign-in is over, so it runs on a thread of its own while the
/// test reads the authorize URL from the opener test hook and plays the browser against the Entra
/// simulator, which checks client id, redirect URI and PKCE as Entra does.
#[cfg(feature = "test-hooks")]
#[test]
fn sign_in_opens_a_pkce_authorize_url_and_reports_signing_in() {
    use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID};
    let graph = tauri::async_runtime::block_on(GraphSimulator::start(GraphSimSetup {
        colleagues: 3,
        ..GraphSimSetup::default()
    }))
    .unwrap();
    let h = Harness::with(Setup {
        config: Some(format!(
            "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\ntenant = \"{DEFAULT_TENANT_ID}\"\n\
             authority = \"{}\"\ngraph_base = \"{}\"\n",
            graph.base_url(),
            graph.graph_url()
        )),
        ..Setup::default()
    });
    let opened_log = h.dir.path().join("opened.log");
    let (sign_in, opened) = {
        let _env = crate::opener::TEST_ENV_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        std::env::set_var(crate::opener::OPENER_LOG_ENV, &opened_log);
        let window = h.window.clone();
        let sign_in =
            std::thread::spawn(move || invoke_on(&window, "sign_in_microsoft", json!({})));
        let deadline = Instant::now() + Duration::from_secs(30);
        let opened = loop {
            let text = std::fs::read_to_string(&opened_log).unwrap_or_default();
            if text.ends_with('\n') {
                break text;
            }
            if sign_in.is_finished() {
                panic!("signing in ended without a page: {:?}", sign_in.join());
            }
            assert!(Instant::now() < deadline, "no page opened");
            std::thread::sleep(Duration::from_millis(50));
        };
        std::env::remove_var(crate::opener::OPENER_LOG_ENV);
        (sign_in, opened)
    };
    assert_eq!(
        h.state()["accounts"]["microsoft"]["state"],
        json!("signing_in")
    );

    let lines: Vec<&str> = opened.lines().collect();
    assert_eq!(lines.len(), 1, "one page opened: {opened}");
    let url = url::Url::parse(lines[0]).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        format!(
            "{}/{DEFAULT_TENANT_ID}/oauth2/v2.0/authorize",
            graph.base_url()
        )
    );
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], DEFAULT_CLIENT_ID);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    // base64url of a SHA-256 digest, without padding.
    let challenge = &query["code_challenge"];
    assert_eq!(challenge.len(), 43, "{challenge}");
    assert!(challenge
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert!(query["state"].len() >= 16, "{query:?}");
    assert!(
        query["scope"].split(' ').any(|s| s == "offline_access"),
        "{query:?}"
    );
    let redirect = url::Url::parse(&query["redirect_uri"]).unwrap();
    assert_eq!(redirect.scheme(), "http");
    assert_eq!(redirect.host_str(), Some("localhost"));
    let port = redirect
        .port()
        .expect("the redirect names the listening port");

    // The browser's part: Entra accepts the request and sends the code back to the app.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = tauri::async_runtime::block_on(async {
        let answer = browser.get(url.as_str()).send().await.unwrap();
        assert!(answer.status().is_redirection(), "{}", answer.status());
        answer.headers()["location"].to_str().unwrap().to_owned()
    });
    let back = url::Url::parse(&location).unwrap();
    assert_eq!(back.port(), Some(port), "{location}");
    let returned: std::collections::HashMap<String, String> =
        back.query_pairs().into_owned().collect();
    assert!(returned.contains_key("code"), "Entra refused: {location}");
    assert_eq!(returned["state"], query["state"]);
    // The listener binds 127.0.0.1 only; a browser resolves `localhost` there.
    let loopback = location.replacen("localhost", "127.0.0.1", 1);
    tauri::async_runtime::block_on(async { browser.get(loopback).send().await.unwrap() });

    assert_eq!(sign_in.join().unwrap(), Ok(Value::Null));
    assert!(h
        .keychain
        .get(names::MICROSOFT_REFRESH_TOKEN)
        .unwrap()
        .is_some());
    assert_ne!(
        h.state()["accounts"]["microsoft"]["state"],
        json!("signing_in")
    );
    h.shutdown();
}

/// Log text of every test in this process from the first call on (DEBUG and above).
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test installs a global log subscriber");
        logs
    })
}

#[test]
fn starface_password_goes_to_the_keychain_only() {
    const PASSWORD: &str = "Tr0ub4dor&3-9f41c";
    const CLIENT_SECRET: &str = "cl13nt-s3cr3t-77a0";
    let logs = captured_logs();
    let h = Harness::with(Setup {
        config: Some("[starface]\nurl = \"https://pbx.example.com\"\nlogin = \"0001\"\n".into()),
        ..Setup::default()
    });
    let events = h.record_events(&["state", "settings"]);
    // What the keychain holds for the PBX the settings name now.
    let stored = |name: &str| {
        let settings = h.app_state().settings();
        bridge::secrets::bound_store(&settings, h.keychain.as_ref())
            .get(name)
            .unwrap()
            .map(|secret| secret.expose().to_owned())
    };

    let empty = h
        .invoke("save_starface_password", json!({"password": ""}))
        .unwrap_err();
    assert_eq!(empty["key"], json!("starface.password"), "{empty}");
    assert!(empty["message"].as_str().unwrap().contains("empty"));
    assert!(h.keychain.get(names::STARFACE_PASSWORD).unwrap().is_none());
    assert_eq!(h.settings()["secrets"]["starface_password"], json!(false));

    assert_eq!(
        h.invoke("save_starface_password", json!({ "password": PASSWORD }))
            .unwrap(),
        Value::Null
    );
    assert_eq!(
        h.invoke(
            "save_starface_client_secret",
            json!({ "clientSecret": CLIENT_SECRET })
        )
        .unwrap(),
        Value::Null
    );
    assert_eq!(stored(names::STARFACE_PASSWORD).as_deref(), Some(PASSWORD));
    assert_eq!(
        stored(names::STARFACE_OAUTH_CLIENT_SECRET).as_deref(),
        Some(CLIENT_SECRET)
    );
    let settings = h.settings();
    assert_eq!(settings["secrets"]["starface_password"], json!(true));
    assert_eq!(settings["secrets"]["starface_client_secret"], json!(true));
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged.contains("STARFACE password stored in the keychain"),
        "the capture sees the command's log"
    );
    let sent = events.lock().unwrap().join("\n");
    assert!(!sent.is_empty(), "the command publishes the new state");
    for (place, text) in [
        ("settings", settings.to_string()),
        ("state", h.state().to_string()),
        ("settings file", h.config_text()),
        ("events", sent),
        ("logs", logged),
    ] {
        for secret in [PASSWORD, CLIENT_SECRET] {
            assert!(!text.contains(secret), "a secret is in the {place}");
        }
    }

    // Another PBX in the settings: the stored secrets are not for it, and the window says whose
    // they are.
    h.invoke(
        "save_settings",
        json!({"changes": [{"key": "starface.url", "value": "https://pbx2.example.com"}]}),
    )
    .unwrap();
    let moved = h.settings();
    assert_eq!(moved["secrets"]["starface_password"], json!(false));
    assert_eq!(
        moved["secrets"]["starface_password_stored_for"],
        json!("0001 at https://pbx.example.com")
    );
    assert_eq!(
        moved["secrets"]["starface_client_secret_stored_for"],
        json!("client rest-client-headless at https://pbx.example.com")
    );
    assert_eq!(stored(names::STARFACE_PASSWORD), None);
    h.invoke(
        "save_settings",
        json!({"changes": [{"key": "starface.url", "value": "https://pbx.example.com"}]}),
    )
    .unwrap();
    assert_eq!(stored(names::STARFACE_PASSWORD).as_deref(), Some(PASSWORD));

    // A locked keychain: refused, and the stored password stays.
    h.keychain.set_locked(true);
    let locked = h
        .invoke("save_starface_password", json!({"password": "another-one"}))
        .unwrap_err();
    assert!(
        locked["message"].as_str().unwrap().contains("locked"),
        "{locked}"
    );
    h.keychain.set_locked(false);
    assert_eq!(stored(names::STARFACE_PASSWORD).as_deref(), Some(PASSWORD));
    h.shutdown();
}

struct SelfSigned {
    cert_pem: String,
    key_pem: String,
    pin: starface_client::CertificatePin,
}

fn self_signed() -> SelfSigned {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    SelfSigned {
        cert_pem: generated.cert.pem(),
        key_pem: generated.signing_key.serialize_pem(),
        pin: starface_client::CertificatePin::of_certificate(generated.cert.der()),
    }
}

/// A STARFACE simulator over HTTPS with `cert`, and settings that point at it.
fn tls_pbx(cert: &SelfSigned) -> (simulators::starface::StarfaceSimulator, String) {
    use simulators::starface::{Organisation, SimSettings, StarfaceSimulator};
    let pbx = tauri::async_runtime::block_on(StarfaceSimulator::start_tls(
        Organisation::demo(),
        SimSettings::default(),
        &cert.cert_pem,
        &cert.key_pem,
    ))
    .unwrap();
    let config = format!(
        "[starface]\nurl = \"{}\"\nlogin = \"0001\"\n",
        pbx.base_url()
    );
    (pbx, config)
}

#[test]
fn trust_certificate_pins_only_the_certificate_the_pbx_presents() {
    let cert = self_signed();
    let (pbx, config) = tls_pbx(&cert);
    let h = Harness::with(Setup {
        config: Some(config),
        ..Setup::default()
    });
    let trust =
        |fingerprint: &str| h.invoke("trust_certificate", json!({ "fingerprint": fingerprint }));

    let garbage = trust("not a fingerprint").unwrap_err();
    assert_eq!(
        garbage["key"],
        json!("starface.certificate_pin"),
        "{garbage}"
    );

    let other = self_signed();
    let wrong = trust(&other.pin.to_string()).unwrap_err();
    assert_eq!(wrong["key"], json!("starface.certificate_pin"), "{wrong}");
    assert!(
        wrong["message"]
            .as_str()
            .unwrap()
            .contains(&cert.pin.to_string()),
        "names what the PBX presents: {wrong}"
    );
    assert!(
        !h.config_text().contains("certificate_pin"),
        "{}",
        h.config_text()
    );
    assert_eq!(
        h.settings()["values"]["starface"]["certificate_pin"],
        Value::Null
    );
    // The dialog can show what the PBX presented.
    assert_eq!(
        h.state()["accounts"]["starface"]["presented_fingerprint"],
        json!(cert.pin.to_string())
    );
    // A look at it: fingerprint, subject and validity, not trusted yet; nothing pinned.
    let looked = h.invoke("inspect_certificate", json!({})).unwrap();
    assert_eq!(looked["fingerprint"], json!(cert.pin.to_string()));
    assert_eq!(looked["trusted"], json!(false));
    assert!(
        looked["subject"].as_str().unwrap().contains("rcgen"),
        "{looked}"
    );
    assert!(looked["not_before"].as_u64() < looked["not_after"].as_u64());
    assert_eq!(h.state()["accounts"]["starface"]["certificate"], looked);
    assert!(!h.config_text().contains("certificate_pin"));

    // The presented certificate, spelled as `openssl` without colons would: pinned and saved.
    let plain_hex = cert.pin.to_string().replace(':', "").to_lowercase();
    assert_eq!(trust(&plain_hex).unwrap(), Value::Null);
    assert_eq!(
        h.settings()["values"]["starface"]["certificate_pin"],
        json!(cert.pin.to_string())
    );
    assert!(h.config_text().contains(&cert.pin.to_string()));
    assert_eq!(
        h.state()["accounts"]["starface"]["certificate"]["trusted"],
        json!(true)
    );
    // Fetching the certificate is a TLS handshake only: no request reached the PBX.
    assert!(pbx.request_log().is_empty());
    h.shutdown();
}

#[test]
fn a_policy_locked_certificate_pin_is_refused() {
    let cert = self_signed();
    let (_pbx, config) = tls_pbx(&cert);
    let h = Harness::with(Setup {
        config: Some(config),
        policy: Some("locked = [\"starface.certificate_pin\"]\n".into()),
        ..Setup::default()
    });
    let refused = h
        .invoke(
            "trust_certificate",
            json!({ "fingerprint": cert.pin.to_string() }),
        )
        .unwrap_err();
    assert_eq!(
        refused["key"],
        json!("starface.certificate_pin"),
        "{refused}"
    );
    assert!(
        refused["message"].as_str().unwrap().contains("locked"),
        "{refused}"
    );
    assert!(!h.config_text().contains("certificate_pin"));
    assert_eq!(
        h.settings()["values"]["starface"]["certificate_pin"],
        Value::Null
    );
    h.shutdown();
}

/// The demo changes the own status and some colleagues every few seconds: none of that reaches
/// a hidden window; showing it sends the state at once and the presence that changed meanwhile.
#[test]
fn a_hidden_window_gets_no_events_and_catches_up_when_shown() {
    let h = Harness::with(Setup {
        hidden_window: true,
        ..Setup::default()
    });
    let running = h.app_state().running().unwrap();
    let mut watch = running.subscribe();
    let seen = h.record_events(&["state", "colleagues"]);
    h.some_colleague();
    std::thread::sleep(Duration::from_secs(1));
    // The forwarder has taken its first snapshot by now; anything newer than `mid` it has not sent.
    let mid = watch.borrow_and_update().clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = watch.borrow().clone();
        let moved = window_model::colleague::presence_changes(&mid, &now, 0);
        if !moved.presence.is_empty() && now.own != mid.own {
            break;
        }
        assert!(Instant::now() < deadline, "the demo changed nothing");
        std::thread::sleep(Duration::from_millis(200));
    }
    // A hidden window's own command still answers (the window is not told otherwise).
    assert!(h.state()["own"].is_object());
    std::thread::sleep(Duration::from_millis(1_200));
    let early = seen.lock().unwrap().clone();
    assert!(
        early.is_empty(),
        "{} events sent to the hidden window, the first: {:.300}",
        early.len(),
        early[0]
    );

    // What changed while hidden is measured up to the moment of showing: a colleague the demo
    // changed and changed back meanwhile (likely on a loaded machine) has nothing to send.
    let moved =
        window_model::colleague::presence_changes(&mid, &watch.borrow().clone(), 0).presence;
    crate::events::set_window_shown(h.app.handle(), true);
    let state_event = seen.lock().unwrap().first().cloned();
    let state: Value = serde_json::from_str(&state_event.expect("no state when shown")).unwrap();
    assert!(
        state["own"].is_object() && state["sync"]["mode"].is_string(),
        "{state}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    for change in &moved {
        loop {
            let delivered = seen.lock().unwrap().iter().any(|payload| {
                let payload: Value = serde_json::from_str(payload).unwrap();
                payload["presence"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|c| c["id"] == json!(change.id)))
            });
            if delivered {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} changed while hidden and was not sent: {:?}",
                change.id,
                seen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    h.shutdown();
}

/// The card on screen gets its colleague's free/busy from the demo office's calendars, and loses
/// it when no card is on screen.
#[test]
fn the_card_on_screen_gets_its_colleague_s_free_busy() {
    let h = Harness::start(None);
    let colleague = h.some_colleague();
    let id = colleague["id"].as_str().unwrap().to_owned();
    assert_eq!(colleague["free_busy"], Value::Null, "not on screen yet");
    let free_busy = |h: &Harness| {
        let list = h.invoke("search_directory", json!({"query": ""})).unwrap();
        list["colleagues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == json!(id))
            .map(|c| c["free_busy"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        h.invoke("show_card", json!({"colleagueId": id})).unwrap(),
        Value::Null
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let kind = free_busy(&h)["kind"].clone();
        // A line of the generated calendar: free, in a meeting, out of office or after hours.
        if [
            "free",
            "in_meeting",
            "out_of_office",
            "outside_working_hours",
        ]
        .iter()
        .any(|k| kind == json!(k))
        {
            break;
        }
        assert!(Instant::now() < deadline, "no free/busy line: {kind}");
        std::thread::sleep(Duration::from_millis(200));
    }
    h.invoke("show_card", json!({"colleagueId": null})).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while free_busy(&h) != Value::Null {
        assert!(Instant::now() < deadline, "free/busy kept off screen");
        std::thread::sleep(Duration::from_millis(200));
    }
    // A card for somebody nobody knows is no error: the card shows what it has.
    assert_eq!(
        h.invoke("show_card", json!({"colleagueId": "no-such-id"}))
            .unwrap(),
        Value::Null
    );
    h.shutdown();
}
