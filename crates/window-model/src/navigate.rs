//! The `navigate` event: which screen (and section) the window shows, e.g. after the tray's
//! "Settings", and whose contact card it opens (the tray's "Open contact card").

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Navigate {
    pub screen: Screen,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
    /// The colleague (id) whose contact card the window opens; only with [`Screen::Colleagues`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colleague: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    Colleagues,
    Status,
    Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Accounts,
    Certificate,
    Mapping,
}

impl Navigate {
    pub fn to(screen: Screen) -> Self {
        Self {
            screen,
            section: None,
            colleague: None,
        }
    }

    /// The colleagues screen with `colleague_id`'s contact card open.
    pub fn to_card(colleague_id: &str) -> Self {
        Self {
            colleague: Some(colleague_id.to_owned()),
            ..Self::to(Screen::Colleagues)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_section_is_left_out_when_there_is_none() {
        assert_eq!(
            serde_json::to_value(Navigate::to(Screen::Colleagues)).unwrap(),
            json!({"screen": "colleagues"})
        );
        assert_eq!(
            serde_json::to_value(Navigate {
                section: Some(Section::Certificate),
                ..Navigate::to(Screen::Settings)
            })
            .unwrap(),
            json!({"screen": "settings", "section": "certificate"})
        );
    }

    #[test]
    fn a_contact_card_is_opened_on_the_colleagues_screen() {
        assert_eq!(
            serde_json::to_value(Navigate::to_card("id-anna")).unwrap(),
            json!({"screen": "colleagues", "colleague": "id-anna"})
        );
    }
}
