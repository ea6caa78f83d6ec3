//! The few strings the Rust side shows (tray menu), in English and German.

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

#[derive(Debug, Clone, Copy)]
pub enum Text {
    OpenWindow,
    PauseSync,
    Quit,
}

pub fn text(lang: Lang, text: Text) -> &'static str {
    use Text::*;
    match (lang, text) {
        (Lang::En, OpenWindow) => "Open Presence Bridge",
        (Lang::De, OpenWindow) => "Presence Bridge öffnen",
        (Lang::En, PauseSync) => "Pause sync",
        (Lang::De, PauseSync) => "Synchronisierung pausieren",
        (Lang::En, Quit) => "Quit",
        (Lang::De, Quit) => "Beenden",
    }
}
