//! The window's strings (`ui/i18n/*.json`) and paths into the JSON state, for assertions that
//! follow the translations instead of repeating them.

use serde_json::Value;

/// The window's strings in `lang` (`ui/i18n/{lang}.json`).
pub fn translations(lang: &str) -> Value {
    let path = format!("{}/ui/i18n/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The string for `key`; panics naming a missing key.
pub fn tr(strings: &Value, key: &str) -> String {
    strings[key]
        .as_str()
        .unwrap_or_else(|| panic!("translation {key}"))
        .to_owned()
}

/// The value at a dotted path (`accounts.microsoft.state`) in the state or settings JSON.
pub fn s<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}
