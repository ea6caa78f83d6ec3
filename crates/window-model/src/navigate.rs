//! The `navigate` event: which screen (and section) the window shows, e.g. after the tray's
//! "Settings".

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Navigate {
    pub screen: Screen,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
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
                screen: Screen::Settings,
                section: Some(Section::Certificate)
            })
            .unwrap(),
            json!({"screen": "settings", "section": "certificate"})
        );
    }
}
