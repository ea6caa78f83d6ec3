//! The settings screen (`SettingsView`, `save_settings` in docs/UI-CONTRACT.md): the effective
//! settings with what the policy locks, and the window's dotted-key changes applied through the
//! settings crate's own key editing ([`SettingsStore::with_changes`]).
//!
//! The settings hold the default chat messages in English (as the file does). The window sees
//! them in the UI language ([`view`]), and [`apply_changes`] turns what it sends back into the
//! stored form, so a default saved unchanged is not written to the file in the UI language.

use serde::{Deserialize, Serialize};
use settings::{KeyChange, Settings, SettingsError, SettingsStore};

use crate::i18n::message_language;

/// What the settings screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    /// The effective settings as serde writes them, default chat messages in the UI language.
    pub values: serde_json::Value,
    /// Keys the administrator's policy locks.
    pub locked: Vec<Lock>,
    pub secrets: Secrets,
    /// `--demo`: the simulated PBX the demo runs on, shown read-only instead of the STARFACE
    /// form (whose fields the demo's settings leave empty). `None` outside the demo.
    pub demo: Option<DemoPbxView>,
}

/// The demo's simulated STARFACE, as the settings screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPbxView {
    /// The simulator's address on loopback; `None` while the demo is starting.
    pub url: Option<String>,
    pub login: String,
    pub sign_in: DemoSignIn,
    /// Colleagues' phones are pushed (OneHub): the STARFACE 10 demo.
    pub phone_state: bool,
}

/// How the demo signs in to its PBX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoSignIn {
    /// The classic login (`--demo-classic`).
    Classic,
    /// OAuth with the admin's client secret (STARFACE 10 with the classic login off).
    #[serde(rename = "oauth")]
    OAuth,
}

impl SettingsView {
    /// This view in the demo, which runs on `pbx`.
    pub fn in_demo(mut self, pbx: DemoPbxView) -> Self {
        self.demo = Some(pbx);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// Dotted key; everything below it is locked too.
    pub key: String,
    /// The policy file that locks it.
    pub policy: String,
}

/// Which secrets the keychain holds for the servers the settings name (never the secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Secrets {
    /// A STARFACE password for this PBX and login is stored.
    pub starface_password: bool,
    /// A STARFACE OAuth client secret for this PBX is stored.
    pub starface_client_secret: bool,
    /// A password is stored, but for another PBX or login (described): it is not used.
    pub starface_password_stored_for: Option<String>,
    /// A client secret is stored, but for another PBX (described): it is not used.
    pub starface_client_secret_stored_for: Option<String>,
    /// An MQTT password for the broker and user `[hooks.mqtt]` names is stored.
    pub hook_mqtt_password: bool,
    /// A webhook signing secret for the URL `[hooks.webhook]` names is stored.
    pub hook_webhook_secret: bool,
}

/// One change the window sends: a dotted key and its new value (`null`: back to the default).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Change {
    pub key: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// Why changes were refused; each names the key it is about.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A value no setting can hold (e.g. an object with `null`s inside).
    #[error("`{key}`: {reason}")]
    Value { key: String, reason: String },
    /// The certificate pin is set only by trusting the certificate the PBX presents.
    #[error(
        "`{PIN_KEY}` is set by trusting the certificate the PBX presents (Settings › \
         Certificate), not by typing a fingerprint"
    )]
    PinNotPresented,
}

const PIN_KEY: &str = "starface.certificate_pin";

impl ChangeError {
    /// The dotted key the problem is about.
    pub fn key(&self) -> Option<&str> {
        match self {
            ChangeError::Settings(error) => error.key(),
            ChangeError::Value { key, .. } => Some(key),
            ChangeError::PinNotPresented => Some(PIN_KEY),
        }
    }
}

/// The view of `store`'s settings with what the keychain holds for them.
pub fn view(store: &SettingsStore, secrets: Secrets) -> SettingsView {
    let mut settings = store.settings().clone();
    let messages = message_language(&settings);
    settings.mapping = settings.mapping.with_default_messages_in(messages);
    let policy = store.policy();
    let policy_file = policy
        .file
        .as_ref()
        .map(|file| file.display().to_string())
        .unwrap_or_default();
    SettingsView {
        // Plain data of strings, numbers and tables: turning it into JSON cannot fail.
        values: serde_json::to_value(&settings).unwrap_or_default(),
        locked: policy
            .locked
            .iter()
            .map(|key| Lock {
                key: key.clone(),
                policy: policy_file.clone(),
            })
            .collect(),
        secrets,
        demo: None,
    }
}

/// `store`'s settings with `changes` applied together, or why not (a locked key, an unknown key,
/// a wrong value; named by its key). Default chat messages the window shows in the UI language
/// come back as the settings store them; messages the user wrote are kept. The certificate pin
/// can be removed here but not set (whatever key the change names): only the trust flow pins,
/// and only what the PBX presents. Nothing is saved.
pub fn apply_changes(store: &SettingsStore, changes: &[Change]) -> Result<Settings, ChangeError> {
    let changes = changes
        .iter()
        .map(|change| {
            let value =
                match &change.value {
                    serde_json::Value::Null => None,
                    value => Some(settings::Value::try_from(value).map_err(|error| {
                        ChangeError::Value {
                            key: change.key.clone(),
                            reason: error.to_string(),
                        }
                    })?),
                };
            Ok(KeyChange {
                key: change.key.clone(),
                value,
            })
        })
        .collect::<Result<Vec<_>, ChangeError>>()?;
    let new = store.with_changes(&changes)?;
    let pin = &new.starface.certificate_pin;
    if pin.is_some() && *pin != store.settings().starface.certificate_pin {
        return Err(ChangeError::PinNotPresented);
    }
    Ok(Settings {
        mapping: new
            .mapping
            .with_stored_default_messages(&store.settings().mapping),
        ..new
    })
}

#[cfg(test)]
mod tests {
    use presence_core::mapping::{ChatAction, DndAction};
    use serde_json::json;

    use super::*;

    fn store(config: &str, policy: &str) -> (SettingsStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        let (store, report) = SettingsStore::load(
            &dir.path().join("config.toml"),
            &dir.path().join("policy.toml"),
        );
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        (store, dir)
    }

    fn change(key: &str, value: serde_json::Value) -> Change {
        Change {
            key: key.into(),
            value,
        }
    }

    #[test]
    fn the_view_shows_default_messages_in_the_ui_language_and_the_locks() {
        let (store, _dir) = store(
            "[ui]\nlanguage = \"de\"\n",
            "locked = [\"mapping.busy_meeting\"]\n",
        );
        let secrets = Secrets {
            starface_password: true,
            ..Secrets::default()
        };
        let view = serde_json::to_value(view(&store, secrets)).unwrap();
        assert_eq!(
            view["values"]["mapping"]["busy"]["chat_message"],
            json!("Beschäftigt (Teams)")
        );
        assert_eq!(view["locked"][0]["key"], json!("mapping.busy_meeting"));
        assert!(view["locked"][0]["policy"]
            .as_str()
            .unwrap()
            .ends_with("policy.toml"));
        assert_eq!(
            view["secrets"],
            json!({"starface_password": true, "starface_client_secret": false,
                   "starface_password_stored_for": null, "starface_client_secret_stored_for": null,
                   "hook_mqtt_password": false, "hook_webhook_secret": false})
        );
    }

    #[test]
    fn changes_come_back_as_settings_and_a_default_in_german_stays_a_default() {
        let (store, _dir) = store("[ui]\nlanguage = \"de\"\n", "");
        let new = apply_changes(
            &store,
            &[
                change("mapping.busy.dnd", json!("activate")),
                change("mapping.busy.chat_message", json!("Beschäftigt (Teams)")),
                change("sync.working_hours", json!({
                    "days": ["mon", "tue"], "start": "08:00", "end": "17:00", "outside": "dnd_on"
                })),
            ],
        )
        .unwrap();
        assert_eq!(new.mapping.busy.dnd, DndAction::Activate);
        assert_eq!(new.mapping.busy, {
            let mut row = store.settings().mapping.busy.clone();
            row.dnd = DndAction::Activate;
            row
        });
        assert!(new.sync.working_hours.is_some());
        let unchanged = apply_changes(
            &store,
            &[
                change("mapping.busy_meeting.chat_status", json!("unchanged")),
                change("mapping.busy_meeting.chat_message", json!("")),
                change("sync.working_hours", serde_json::Value::Null),
            ],
        )
        .unwrap();
        assert_eq!(unchanged.mapping.busy_meeting.chat, ChatAction::Unchanged);
        assert_eq!(unchanged.sync.working_hours, None);
    }

    #[test]
    fn refusals_name_the_key() {
        let (store, _dir) = store("", "locked = [\"mapping.busy_meeting\"]\n");
        let key = |changes: &[Change]| {
            apply_changes(&store, changes)
                .unwrap_err()
                .key()
                .map(str::to_owned)
        };
        assert_eq!(
            key(&[change("mapping.busy_meeting.dnd", json!("deactivate"))]),
            Some("mapping.busy_meeting.dnd".into())
        );
        assert_eq!(
            key(&[
                change("mapping.away.dnd", json!("activate")),
                change("sync.poll_interval_secs", json!(1))
            ]),
            Some("sync.poll_interval_secs".into())
        );
        assert_eq!(
            key(&[change("mapping.busy", json!({"dnd": null}))]),
            Some("mapping.busy".into())
        );
        assert_eq!(
            key(&[change("ui.colour", json!("blue"))]),
            Some("ui.colour".into())
        );
    }

    /// Only the trust flow pins: a fingerprint typed into (or sent by) the window is refused,
    /// under its own key or inside the whole `starface` table. Removing the pin is allowed.
    #[test]
    fn the_certificate_pin_cannot_be_set_by_a_settings_change() {
        let pin = "AB:".repeat(31) + "AB";
        let (plain, _dir) = store("[starface]\nurl = \"https://pbx.example.com\"\n", "");
        for changes in [
            vec![change("starface.certificate_pin", json!(pin))],
            vec![change(
                "starface",
                json!({"url": "https://pbx.example.com", "certificate_pin": pin}),
            )],
        ] {
            let error = apply_changes(&plain, &changes).unwrap_err();
            assert_eq!(error.key(), Some("starface.certificate_pin"), "{error}");
        }
        let (pinned, _dir) = store(
            &format!(
                "[starface]\nurl = \"https://pbx.example.com\"\ncertificate_pin = \"{pin}\"\n"
            ),
            "",
        );
        // Other changes keep the pin that is there; the pin can go.
        let kept = apply_changes(&pinned, &[change("starface.login", json!("0002"))]).unwrap();
        assert_eq!(kept.starface.certificate_pin.as_deref(), Some(pin.as_str()));
        let removed = apply_changes(
            &pinned,
            &[change("starface.certificate_pin", serde_json::Value::Null)],
        )
        .unwrap();
        assert_eq!(removed.starface.certificate_pin, None);
    }
}
