//! The topics under `hooks.mqtt.topic_prefix`.

use settings::MqttHookSettings;

/// The availability payload while connected.
pub(crate) const ONLINE: &str = "online";
/// The availability payload after a clean stop, and the last will.
pub(crate) const OFFLINE: &str = "offline";

pub(crate) struct Topics {
    /// `<prefix>/state`: the status document (JSON).
    pub state: String,
    /// `<prefix>/availability`: `online` / `offline`, always retained; also the last will.
    pub availability: String,
    /// `<discovery_prefix>/status`: Home Assistant's own birth message, when discovery is on.
    pub home_assistant_status: Option<String>,
}

impl Topics {
    pub fn new(settings: &MqttHookSettings) -> Self {
        let prefix = &settings.topic_prefix;
        Self {
            state: format!("{prefix}/state"),
            availability: format!("{prefix}/availability"),
            home_assistant_status: settings
                .home_assistant
                .then(|| format!("{}/status", settings.discovery_prefix)),
        }
    }
}
