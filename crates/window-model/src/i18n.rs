//! The strings the tray menu and the notifications show, from the same `ui/i18n/*.json` the
//! window uses, so both speak with one voice in English and German; and which language that is.

use std::collections::HashMap;
use std::sync::OnceLock;

use presence_core::MessageLanguage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// The language from the settings, or the user's first language when the settings say
    /// `auto`.
    pub fn choose(setting: settings::Language) -> Self {
        match setting {
            settings::Language::En => Self::En,
            settings::Language::De => Self::De,
            settings::Language::Auto => Self::of_languages(&os_languages()),
        }
    }

    /// German if the first of `languages` is German, else English: the rule the window applies
    /// to `navigator.languages` (ui/js/i18n.js), so tray and window agree.
    fn of_languages(languages: &[String]) -> Self {
        match languages.first() {
            Some(first) if first.to_ascii_lowercase().starts_with("de") => Self::De,
            _ => Self::En,
        }
    }

    /// The language of the default chat messages that go with this UI language.
    pub fn messages(self) -> MessageLanguage {
        match self {
            Self::En => MessageLanguage::English,
            Self::De => MessageLanguage::German,
        }
    }
}

/// The language of the default chat messages for `settings`: the UI language, `auto` resolved
/// as for the tray and window. The sync (tray app and `--headless`) sends them, the mapping editor
/// shows them.
pub fn message_language(settings: &settings::Settings) -> MessageLanguage {
    Lang::choose(settings.ui.language).messages()
}

/// The user's languages, most wanted first, as BCP 47 tags ("de-DE").
#[cfg(all(unix, not(target_os = "macos")))]
pub fn os_languages() -> Vec<String> {
    languages_from_env(|name| std::env::var(name).ok())
}

/// The user's languages, most wanted first, as BCP 47 tags ("de-DE").
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn os_languages() -> Vec<String> {
    sys_locale::get_locales().collect()
}

/// The languages for messages as gettext reads the environment: the locale is the first set of
/// `LC_ALL`, `LC_MESSAGES`, `LANG`; `LANGUAGE` (a `:` list) goes before it, unless the locale
/// is `C`/`POSIX` (then there is no language, which means English). Nothing here needs the locale
/// to be generated on the system.
#[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
fn languages_from_env(var: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    let Some(locale) = set("LC_ALL")
        .or_else(|| set("LC_MESSAGES"))
        .or_else(|| set("LANG"))
    else {
        return Vec::new();
    };
    let locale = bcp47(&locale);
    if locale.eq_ignore_ascii_case("C") || locale.eq_ignore_ascii_case("POSIX") {
        return Vec::new();
    }
    let mut languages: Vec<String> = set("LANGUAGE")
        .map(|list| {
            list.split(':')
                .filter(|part| !part.is_empty())
                .map(bcp47)
                .collect()
        })
        .unwrap_or_default();
    if !languages.contains(&locale) {
        languages.push(locale);
    }
    languages
}

/// `de_DE.UTF-8@euro` -> `de-DE`.
fn bcp47(posix: &str) -> String {
    posix
        .split(['.', '@'])
        .next()
        .unwrap_or_default()
        .replace('_', "-")
}

/// The window's translation file for `lang` (`en` or `de`), embedded at build time.
pub fn ui_json(lang: &str) -> Option<&'static str> {
    match lang {
        "en" => Some(include_str!("../../../ui/i18n/en.json")),
        "de" => Some(include_str!("../../../ui/i18n/de.json")),
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

/// The string for `key`, English if the language lacks it; `None` if neither has it (for keys
/// built from open values, such as Graph's activities).
pub fn lookup(lang: Lang, key: &str) -> Option<String> {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::En).get(key))
        .cloned()
}

/// The string for `key` (English if the language lacks it, the key itself as a last resort).
pub fn tr(lang: Lang, key: &str) -> String {
    lookup(lang, key).unwrap_or_else(|| key.to_owned())
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

    fn languages(vars: &[(&str, &str)]) -> Vec<String> {
        languages_from_env(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn default_messages_speak_the_chosen_ui_language() {
        let mut settings = settings::Settings::default();
        settings.ui.language = settings::Language::De;
        assert_eq!(message_language(&settings), MessageLanguage::German);
        settings.ui.language = settings::Language::En;
        assert_eq!(message_language(&settings), MessageLanguage::English);
    }

    #[test]
    fn languages_follow_gettext_order() {
        assert_eq!(languages(&[("LANG", "de_DE.UTF-8")]), ["de-DE"]);
        assert_eq!(
            Lang::of_languages(&languages(&[("LANG", "de_DE.UTF-8")])),
            Lang::De
        );
        // LC_ALL beats LANG; an empty variable counts as unset.
        assert_eq!(
            languages(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "de_DE.UTF-8")]),
            ["en-GB"]
        );
        assert_eq!(
            languages(&[("LC_ALL", ""), ("LANG", "de_AT.UTF-8@euro")]),
            ["de-AT"]
        );
        assert_eq!(
            languages(&[("LC_MESSAGES", "de_CH"), ("LANG", "en_US.UTF-8")]),
            ["de-CH"]
        );
        // LANGUAGE lists the wanted languages before the locale's ...
        assert_eq!(
            languages(&[("LANGUAGE", "de_DE:en"), ("LANG", "en_US.UTF-8")]),
            ["de-DE", "en", "en-US"]
        );
        assert_eq!(
            Lang::of_languages(&languages(&[
                ("LANGUAGE", "de:en"),
                ("LANG", "en_US.UTF-8")
            ])),
            Lang::De
        );
        // ... except with the C locale, which has no language at all.
        assert!(languages(&[("LANGUAGE", "de"), ("LC_ALL", "C.UTF-8")]).is_empty());
        assert!(languages(&[("LANG", "POSIX")]).is_empty());
        assert!(languages(&[]).is_empty());
        assert_eq!(Lang::of_languages(&[]), Lang::En);
        assert_eq!(
            Lang::of_languages(&languages(&[("LANG", "fr_FR.UTF-8")])),
            Lang::En
        );
    }
}
