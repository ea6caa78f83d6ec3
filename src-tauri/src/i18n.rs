//! The strings the Rust side shows (tray menu, notifications), from the same `ui/i18n/*.json` the
//! window uses, so both speak with one voice in English and German.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// The language from the settings, or the OS locale when the settings say `auto`.
    pub fn choose(setting: settings::Language) -> Self {
        match setting {
            settings::Language::En => Self::En,
            settings::Language::De => Self::De,
            settings::Language::Auto => match sys_locale::get_locale() {
                Some(locale) if locale.to_ascii_lowercase().starts_with("de") => Self::De,
                _ => Self::En,
            },
        }
    }
}

/// The window's translation file for `lang` (`en` or `de`), embedded at build time.
pub fn ui_json(lang: &str) -> Option<&'static str> {
    match lang {
        "en" => Some(include_str!("../../ui/i18n/en.json")),
        "de" => Some(include_str!("../../ui/i18n/de.json")),
        _ => None,
    }
}

fn table(lang: Lang) -> &'static HashMap<String, String> {
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    static DE: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, code) = match lang {
        Lang::En => (&EN, "en"),
        Lang::De => (&DE, "de"),
    };
    cell.get_or_init(|| {
        // The JSON is checked by tests/ui_strings.rs; a broken file yields keys, not a crash.
        ui_json(code)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    })
}

/// The string for `key` (English if the language lacks it, the key itself as a last resort).
pub fn tr(lang: Lang, key: &str) -> String {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::En).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// [`tr`] with `{name}` placeholders filled in.
pub fn tr_with(lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    let mut text = tr(lang, key);
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_come_from_the_ui_json() {
        assert_eq!(tr(Lang::De, "tray.quit"), "Beenden");
        assert_eq!(tr(Lang::En, "status.busy"), "Busy");
        assert_eq!(
            tr_with(Lang::En, "notify.available.title", &[("name", "Anna")]),
            "Anna is available"
        );
        assert_eq!(tr(Lang::En, "no.such.key"), "no.such.key");
    }
}
