//! Home Assistant MQTT discovery: the retained config messages that make the sensors appear.
//!
//! One device ("Presence Bridge") with five entities, all reading the retained state document
//! and sharing the availability topic. Entity names are in the user's UI language; the states
//! are the stable ids (for automations), which Home Assistant shows as they are.

use presence_core::{Dot, MessageLanguage, PersonActivity, StatusRow};
use serde_json::{json, Value};
use settings::MqttHookSettings;

use super::topics::{Topics, OFFLINE, ONLINE};

/// One entity: its id, component and name in both languages, and how it reads the state.
struct Entity {
    object_id: &'static str,
    component: &'static str,
    name_en: &'static str,
    name_de: &'static str,
    value_template: &'static str,
    /// For enum sensors: every state it can have.
    options: Option<Vec<&'static str>>,
    icon: &'static str,
}

fn entities() -> [Entity; 5] {
    let dots = Dot::ALL.iter().map(|dot| dot.id()).collect();
    let activities = [PersonActivity::OnThePhone, PersonActivity::Ringing]
        .into_iter()
        .chain(StatusRow::ALL.into_iter().map(PersonActivity::Teams))
        .map(PersonActivity::id)
        .collect();
    [
        Entity {
            object_id: "status",
            component: "sensor",
            name_en: "Status",
            name_de: "Status",
            value_template: "{{ value_json.dot }}",
            options: Some(dots),
            icon: "mdi:account-circle",
        },
        Entity {
            object_id: "activity",
            component: "sensor",
            name_en: "Activity",
            name_de: "Aktivität",
            value_template: "{{ value_json.activity }}",
            options: Some(activities),
            icon: "mdi:account-clock",
        },
        Entity {
            object_id: "on_the_phone",
            component: "binary_sensor",
            name_en: "On the phone",
            name_de: "Am Telefon",
            value_template:
                "{{ 'ON' if value_json.phone and value_json.phone.in_call else 'OFF' }}",
            options: None,
            icon: "mdi:phone-in-talk",
        },
        Entity {
            object_id: "phone_dnd",
            component: "binary_sensor",
            name_en: "Do not disturb (phone)",
            name_de: "Nicht stören (Telefon)",
            value_template: "{{ 'ON' if value_json.phone and value_json.phone.dnd else 'OFF' }}",
            options: None,
            icon: "mdi:phone-cancel",
        },
        Entity {
            object_id: "free",
            component: "binary_sensor",
            name_en: "Free",
            name_de: "Frei",
            value_template: "{{ 'ON' if value_json.free else 'OFF' }}",
            options: None,
            icon: "mdi:account-check",
        },
    ]
}

/// `(topic, payload)` of every discovery config message, to be published retained.
pub(crate) fn messages(
    settings: &MqttHookSettings,
    topics: &Topics,
    language: MessageLanguage,
) -> Vec<(String, String)> {
    let node = node_id(&settings.topic_prefix);
    let model = match language {
        MessageLanguage::English => "Teams and STARFACE status",
        MessageLanguage::German => "Teams- und STARFACE-Status",
    };
    let device = json!({
        "identifiers": [format!("presence_bridge_{node}")],
        "name": "Presence Bridge",
        "manufacturer": "Presence Bridge",
        "model": model,
        "sw_version": env!("CARGO_PKG_VERSION"),
    });
    entities()
        .into_iter()
        .map(|entity| {
            let name = match language {
                MessageLanguage::English => entity.name_en,
                MessageLanguage::German => entity.name_de,
            };
            let mut config = json!({
                "name": name,
                "unique_id": format!("presence_bridge_{node}_{}", entity.object_id),
                "state_topic": topics.state,
                "value_template": entity.value_template,
                "json_attributes_topic": topics.state,
                "availability_topic": topics.availability,
                "payload_available": ONLINE,
                "payload_not_available": OFFLINE,
                "icon": entity.icon,
                "device": device,
                "origin": {
                    "name": "Presence Bridge",
                    "sw_version": env!("CARGO_PKG_VERSION"),
                },
            });
            if let (Some(options), Value::Object(map)) = (entity.options, &mut config) {
                map.insert("device_class".into(), json!("enum"));
                map.insert("options".into(), json!(options));
            }
            let topic = format!(
                "{}/{}/{node}/{}/config",
                settings.discovery_prefix, entity.component, entity.object_id
            );
            (topic, config.to_string())
        })
        .collect()
}

/// Home Assistant's node id: the topic prefix with every character outside `[A-Za-z0-9_-]`
/// replaced, so two users' prefixes on one broker stay two devices.
fn node_id(topic_prefix: &str) -> String {
    topic_prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(language: MessageLanguage) -> Vec<(String, Value)> {
        let settings = MqttHookSettings {
            topic_prefix: "office/anna".into(),
            ..Default::default()
        };
        messages(&settings, &Topics::new(&settings), language)
            .into_iter()
            .map(|(topic, payload)| (topic, serde_json::from_str(&payload).unwrap()))
            .collect()
    }

    #[test]
    fn one_device_five_entities_on_the_shared_topics() {
        let configs = configs(MessageLanguage::English);
        let topics: Vec<&str> = configs.iter().map(|(topic, _)| topic.as_str()).collect();
        assert_eq!(
            topics,
            [
                "homeassistant/sensor/office_anna/status/config",
                "homeassistant/sensor/office_anna/activity/config",
                "homeassistant/binary_sensor/office_anna/on_the_phone/config",
                "homeassistant/binary_sensor/office_anna/phone_dnd/config",
                "homeassistant/binary_sensor/office_anna/free/config",
            ]
        );
        for (_, config) in &configs {
            assert_eq!(config["state_topic"], "office/anna/state");
            assert_eq!(config["availability_topic"], "office/anna/availability");
            assert_eq!(
                config["device"]["identifiers"][0],
                "presence_bridge_office_anna"
            );
        }
        let status = &configs[0].1;
        assert_eq!(status["options"].as_array().unwrap().len(), Dot::ALL.len());
        let activity = &configs[1].1;
        assert!(activity["options"]
            .as_array()
            .unwrap()
            .contains(&json!("busy_meeting")));
        assert!(configs[2].1.get("options").is_none());
    }

    #[test]
    fn names_follow_the_ui_language() {
        let english: Vec<Value> = configs(MessageLanguage::English)
            .into_iter()
            .map(|(_, c)| c["name"].clone())
            .collect();
        let german: Vec<Value> = configs(MessageLanguage::German)
            .into_iter()
            .map(|(_, c)| c["name"].clone())
            .collect();
        assert_eq!(english[2], "On the phone");
        assert_eq!(german[2], "Am Telefon");
        assert_eq!(german[1], "Aktivität");
    }
}
