//! The window's commands through Tauri's IPC on the mock runtime, over the bridge running on the
//! in-process simulators (`bridge::demo`) and a settings file in a temporary folder.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::backend::Backend;

struct Harness {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    dir: tempfile::TempDir,
}

impl Harness {
    /// `policy`: the admin policy file's text, if any.
    fn start(policy: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let policy_file = dir.path().join("policy.toml");
        if let Some(policy) = policy {
            std::fs::write(&policy_file, policy).unwrap();
        }
        let (store, report) =
            settings::SettingsStore::load(&dir.path().join("config.toml"), &policy_file);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        // No paths: the backend runs the bridge on the in-process simulators.
        let backend = Backend::new(
            store,
            Arc::new(keychain::MemoryStore::new()),
            None,
            Arc::new(bridge::LogNotifier),
        );
        let app = mock_builder()
            .invoke_handler(super::handler::<MockRuntime>())
            .manage(backend)
            .build(mock_context(noop_assets()))
            .unwrap();
        tauri::async_runtime::block_on(app.state::<Backend>().restart_bridge());
        assert!(
            app.state::<Backend>().running().is_some(),
            "demo bridge runs"
        );
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self {
            _app: app,
            window,
            dir,
        }
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        tauri::test::get_ipc_response(
            &self.window,
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

    fn shutdown(self) {
        let backend = self._app.state::<Backend>();
        tauri::async_runtime::block_on(backend.stop_bridge());
    }
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
    let state = h.invoke("get_state", json!({})).unwrap();
    assert!(
        state["colleagues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == json!(id) && c["favourite"] == json!(true)),
        "{state}"
    );
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
            let now = crate::backend::now_ms();
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
}
