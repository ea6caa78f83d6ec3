//! Every UI string exists in English and German, and every key the window uses is translated.
//!
//! Checks `ui/i18n/en.json` and `ui/i18n/de.json` (flat objects of non-empty strings with the same keys
//! and the same `{placeholders}`), then scans `ui/**/*.html` and `ui/**/*.js` for keys used as
//! `data-i18n="…"`, `data-i18n-aria="…"`, `data-i18n-title="…"`, `data-i18n-placeholder="…"` (also the
//! `"data-i18n-aria": "…"` attribute-object form used in the JS) and `t("…")`, and fails on any key that
//! is missing from the JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui")
}

fn load(lang: &str) -> BTreeMap<String, String> {
    let path = ui_dir().join("i18n").join(format!("{lang}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{} must be a flat JSON object", path.display()));
    object
        .iter()
        .map(|(key, value)| {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("{}: value of `{key}` must be a string", path.display()));
            (key.clone(), text.to_owned())
        })
        .collect()
}

/// `{name}` placeholders in a template.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    found.insert(name.to_owned());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            source_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "html" || ext == "js")
        {
            out.push(path);
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'
}

fn is_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

/// The string literal starting at `text` (which begins with `"`), if it closes on the same line.
fn literal(text: &str) -> Option<&str> {
    let body = text.strip_prefix('"')?;
    let end = body.find(['"', '\n'])?;
    body[end..].starts_with('"').then(|| &body[..end])
}

/// Keys used in one file: `t("key")` calls and `data-i18n*` attributes.
fn keys_used(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    // t("key") where `t` is a whole identifier (not `set(`, `.t(`, `invoke(`); the literal must be
    // the whole first argument (`t("status." + row)` is a dynamic key and not checked here).
    for (at, _) in text.match_indices("t(\"") {
        if text[..at].chars().next_back().is_some_and(is_ident_char) {
            continue;
        }
        if let Some(key) = literal(&text[at + 2..]) {
            let after = &text[at + 2 + key.len() + 2..];
            if is_key(key) && (after.starts_with(')') || after.starts_with(',')) {
                keys.push(key.to_owned());
            }
        }
    }
    // data-i18n, data-i18n-aria, data-i18n-title, data-i18n-placeholder in HTML (`attr="key"`) and in
    // the JS attribute objects (`"attr": "key"`).
    for (at, _) in text.match_indices("data-i18n") {
        let mut rest = &text[at + "data-i18n".len()..];
        rest = rest.trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '-');
        rest = rest.strip_prefix('"').unwrap_or(rest);
        rest = rest.trim_start();
        let Some(value) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) else {
            continue;
        };
        if let Some(key) = literal(value.trim_start()) {
            if is_key(key) {
                keys.push(key.to_owned());
            }
        }
    }
    keys
}

#[test]
fn both_languages_have_the_same_non_empty_keys_and_placeholders() {
    let en = load("en");
    let de = load("de");
    let mut problems = Vec::new();
    for key in en.keys().filter(|k| !de.contains_key(*k)) {
        problems.push(format!("`{key}` is missing in de.json"));
    }
    for key in de.keys().filter(|k| !en.contains_key(*k)) {
        problems.push(format!("`{key}` is missing in en.json"));
    }
    for (lang, strings) in [("en", &en), ("de", &de)] {
        for (key, value) in strings {
            if value.trim().is_empty() {
                problems.push(format!("`{key}` is empty in {lang}.json"));
            }
        }
    }
    for (key, english) in &en {
        if let Some(german) = de.get(key) {
            let (a, b) = (placeholders(english), placeholders(german));
            if a != b {
                problems.push(format!("`{key}`: placeholders differ (en {a:?}, de {b:?})"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    assert!(en.len() > 100, "suspiciously few strings: {}", en.len());
}

#[test]
fn every_key_used_by_the_window_is_translated() {
    let en = load("en");
    let de = load("de");
    let mut files = Vec::new();
    source_files(&ui_dir(), &mut files);
    assert!(!files.is_empty(), "no ui sources found");
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for key in keys_used(&text) {
            checked += 1;
            for (lang, strings) in [("en", &en), ("de", &de)] {
                if !strings.contains_key(&key) {
                    problems.push(format!(
                        "{}: `{key}` is not in {lang}.json",
                        file.strip_prefix(ui_dir()).unwrap_or(file).display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    assert!(
        checked > 50,
        "only {checked} keys found; is the scanner broken?"
    );
}

#[test]
fn the_scanner_finds_keys_in_all_forms() {
    let sample = r#"
        <p data-i18n="app.loading">x</p> <b data-i18n-aria="nav.label"></b>
        h("input", { "data-i18n-placeholder": "colleagues.search.placeholder" });
        t("help.title"); t("colleagues.count", { count }); t("status." + row); set("no.key"); invoke("get_state");
    "#;
    assert_eq!(
        keys_used(sample),
        [
            "help.title",
            "colleagues.count",
            "app.loading",
            "nav.label",
            "colleagues.search.placeholder"
        ]
    );
}

/// Keys the Rust side (tray menu, notifications) looks up with `tr(lang, "…")` or
/// `tr_with(lang, "…", …)`, the labels the tray renders with `plain(item::…, "…", …)`, and the
/// write targets notifications name.
fn rust_keys_used(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for marker in [
        "tr(lang, \"",
        "tr_with(\n                lang,\n                \"",
        "tr_with(lang, \"",
        "[\"sync.pause_15m\", \"",
        ", \"",
    ] {
        let mut rest = text;
        while let Some(start) = rest.find(marker) {
            let after = &rest[start + marker.len()..];
            if let Some(end) = after.find('"') {
                keys.push(after[..end].to_owned());
            }
            rest = after;
        }
    }
    // Lines like `"sync.pause_tomorrow"]`, and the write targets' keys.
    for word in text.split('"') {
        if (word.starts_with("sync.pause_") || word.starts_with("target.")) && is_key(word) {
            keys.push(word.to_owned());
        }
    }
    // `, "…"` also catches plain strings; only dotted lower-case words are keys.
    keys.retain(|key| {
        key.contains('.')
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    });
    keys
}

#[test]
fn every_key_used_by_the_tray_and_notifications_is_translated() {
    let en = load("en");
    let de = load("de");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut checked = 0;
    for name in [
        "src-tauri/src/tray.rs",
        "crates/window-model/src/tray.rs",
        "crates/window-model/src/notification.rs",
    ] {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        for key in rust_keys_used(&text) {
            checked += 1;
            for (lang, strings) in [("en", &en), ("de", &de)] {
                if !strings.contains_key(&key) {
                    problems.push(format!("{name}: `{key}` is not in {lang}.json"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    assert!(
        checked >= 15,
        "only {checked} keys found; is the scanner broken?"
    );
    for row in [
        "available",
        "busy",
        "busy_phone",
        "busy_meeting",
        "presenting",
        "do_not_disturb",
        "be_right_back",
        "away",
        "offline",
        "out_of_office",
        "unknown",
    ] {
        for (lang, strings) in [("en", &en), ("de", &de)] {
            assert!(
                strings.contains_key(&format!("status.{row}")),
                "status.{row} not in {lang}.json"
            );
        }
    }
}

/// A section of docs/UI-CONTRACT.md, from its `### title` to the next heading.
fn contract_section(title: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join("UI-CONTRACT.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find(&format!("### {title}\n"))
        .unwrap_or_else(|| panic!("no section `{title}` in {}", path.display()));
    let rest = &text[start + title.len() + 5..];
    rest[..rest.find("\n#").unwrap_or(rest.len())].to_owned()
}

/// The backticked names in the first column of a contract table.
fn table_kinds(section: &str) -> Vec<String> {
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|row| row.split(" |").next())
        .flat_map(|cell| cell.split(", ").map(|k| k.trim_matches('`').to_owned()))
        .collect()
}

/// ui/js/journal.js builds keys from the values of an entry's params (`"hold." + reason`), which
/// the literal scan above cannot see. Every value the contract allows must have its string.
#[test]
fn every_journal_value_the_contract_allows_is_translated() {
    let en = load("en");
    let de = load("de");
    let section = contract_section("Journal entries");
    // (key prefix, values, key suffixes) as journal.js combines them.
    let families: &[(&str, &[&str], &[&str])] = &[
        (
            "decision.dnd.",
            &["set", "restore", "already_set", "unchanged", "kept_manual"],
            &[""],
        ),
        ("decision.chat.", &["set", "already_set"], &["", "_message"]),
        ("decision.chat.", &["unchanged", "kept_manual"], &[""]),
        (
            "hold.",
            &[
                "paused",
                "outside_working_hours",
                "another_sync_active",
                "stopped",
                "starface_not_read",
            ],
            &[""],
        ),
        (
            "cause.",
            &[
                "sync_now",
                "mapping_changed",
                "working_hours_started",
                "keep_syncing",
                "resumed",
            ],
            &[""],
        ),
        (
            "session.",
            &["busy_in_a_call", "do_not_disturb_presenting"],
            &[""],
        ),
        ("target.", &["dnd", "chat_status", "teams_session"], &[""]),
        (
            "journal.conflict_decided.",
            &["keep_syncing", "stop_syncing"],
            &[""],
        ),
        (
            "chat.",
            &[
                "available",
                "free_for_chat",
                "away",
                "extended_away",
                "do_not_disturb",
                "unavailable",
            ],
            &[""],
        ),
    ];
    let mut problems = Vec::new();
    for (prefix, values, suffixes) in families {
        for value in *values {
            // ChatPresence is defined under "Shared shapes"; everything else in the section.
            if *prefix != "chat." && !section.contains(&format!("\"{value}\"")) {
                problems.push(format!(
                    "`{value}` ({prefix}…) is not in the contract's Journal entries"
                ));
            }
            for suffix in *suffixes {
                let key = format!("{prefix}{value}{suffix}");
                for (lang, strings) in [("en", &en), ("de", &de)] {
                    if !strings.contains_key(&key) {
                        problems.push(format!("`{key}` is not in {lang}.json"));
                    }
                }
            }
        }
    }
    // Every kind has a template (unknown kinds fall back to the English text).
    let script = std::fs::read_to_string(ui_dir().join("js").join("journal.js")).unwrap();
    let kinds = table_kinds(&section);
    assert!(
        kinds.len() >= 19,
        "only {} kinds found: {kinds:?}",
        kinds.len()
    );
    for kind in &kinds {
        if !script.contains(&format!("case \"{kind}\":")) {
            problems.push(format!("ui/js/journal.js does not render `{kind}`"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// "My status" titles each warning `warning.<kind>.title`.
#[test]
fn every_warning_kind_of_the_contract_is_translated() {
    let en = load("en");
    let de = load("de");
    let kinds = table_kinds(&contract_section("Warnings"));
    assert!(
        kinds.len() >= 9,
        "only {} kinds found: {kinds:?}",
        kinds.len()
    );
    let mut problems = Vec::new();
    for kind in &kinds {
        let key = format!("warning.{kind}.title");
        for (lang, strings) in [("en", &en), ("de", &de)] {
            if !strings.contains_key(&key) {
                problems.push(format!("`{key}` is not in {lang}.json"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Every relay problem the contract lists (`why`) has its line on "My status", in both languages.
#[test]
fn every_presence_source_the_contract_allows_is_translated() {
    let en = load("en");
    let de = load("de");
    let section = contract_section("Presence source");
    let values = table_kinds(&section);
    for expected in ["relay", "no_relay", "unreachable", "misconfigured"] {
        assert!(
            values.iter().any(|v| v == expected),
            "{expected} missing: {values:?}"
        );
    }
    for value in values {
        let key = match value.as_str() {
            "graph" => continue,  // nothing is shown
            "direct" => continue, // shown by its `why`
            "relay" | "relay_starting" => format!("presence_source.{value}"),
            why => format!("presence_source.direct.{why}"),
        };
        assert!(en.contains_key(&key), "en.json lacks {key}");
        assert!(de.contains_key(&key), "de.json lacks {key}");
    }
}
