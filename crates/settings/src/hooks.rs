//! `[hooks]`: where the user's own merged status is published (MQTT, a webhook, a command).
//!
//! Secrets are not here: the MQTT password and the webhook's signing secret live in the keychain
//! (`hooks.mqtt.password`, `hooks.webhook.secret`). The admin policy locks a hook like any other
//! key; locking `hooks.<kind>.enabled` at `false` forbids it ([`HookPolicy::Forbidden`]).

use serde::{Deserialize, Serialize};

use crate::problem::{range_reason, Problem};

/// The kinds of status hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookKind {
    /// An MQTT broker (with Home Assistant discovery).
    Mqtt,
    /// An HTTPS POST of a signed JSON document.
    Webhook,
    /// A local program run with the status in its environment (USB busy lights).
    Command,
}

impl HookKind {
    pub const ALL: [HookKind; 3] = [HookKind::Mqtt, HookKind::Webhook, HookKind::Command];

    /// `mqtt`, `webhook` or `command`: the name of its settings table.
    pub fn id(self) -> &'static str {
        match self {
            HookKind::Mqtt => "mqtt",
            HookKind::Webhook => "webhook",
            HookKind::Command => "command",
        }
    }

    /// The dotted key that switches this hook on and off, e.g. `hooks.mqtt.enabled`.
    pub fn enabled_key(self) -> &'static str {
        match self {
            HookKind::Mqtt => "hooks.mqtt.enabled",
            HookKind::Webhook => "hooks.webhook.enabled",
            HookKind::Command => "hooks.command.enabled",
        }
    }
}

/// What the admin policy allows for one hook kind (see [`crate::SettingsStore::hook_policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookPolicy {
    /// The user switches it on and off.
    Open,
    /// The policy keeps it on.
    LockedOn,
    /// The policy keeps it off: the user cannot switch it on.
    Forbidden,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct HooksSettings {
    /// Send the Teams status message along. Off: it never leaves the computer.
    pub include_status_message: bool,
    pub mqtt: MqttHookSettings,
    pub webhook: WebhookSettings,
    pub command: CommandHookSettings,
}

impl HooksSettings {
    pub fn is_enabled(&self, kind: HookKind) -> bool {
        match kind {
            HookKind::Mqtt => self.mqtt.enabled,
            HookKind::Webhook => self.webhook.enabled,
            HookKind::Command => self.command.enabled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MqttHookSettings {
    pub enabled: bool,
    /// `mqtts://host[:port]` (TLS, port 8883 by default) or `mqtt://host[:port]` (port 1883;
    /// only to this computer unless `allow_insecure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The broker user; the password is in the keychain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Topics are `<topic_prefix>/state` and `<topic_prefix>/availability`.
    pub topic_prefix: String,
    /// Publish the state retained, so a subscriber that starts later sees it at once.
    pub retain: bool,
    /// Announce the sensors to Home Assistant (MQTT discovery).
    pub home_assistant: bool,
    /// Home Assistant's discovery prefix.
    pub discovery_prefix: String,
    /// A CA certificate file (PEM) to trust in addition to the built-in roots (a private broker).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Allow `mqtt://` (no TLS) to another computer: the password travels unencrypted.
    pub allow_insecure: bool,
}

impl Default for MqttHookSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            url: None,
            username: None,
            topic_prefix: "presence-bridge".into(),
            retain: true,
            home_assistant: true,
            discovery_prefix: "homeassistant".into(),
            ca_file: None,
            allow_insecure: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    pub enabled: bool,
    /// `https://...`; `http://` only to this computer (a local dashboard).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Seconds one request may take.
    pub timeout_secs: u32,
    /// Further attempts after a 5xx answer, a timeout or a lost connection.
    pub retries: u32,
    /// A CA certificate file (PEM) to trust in addition to the built-in roots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

impl WebhookSettings {
    pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=60;
    pub const RETRIES_RANGE: std::ops::RangeInclusive<u32> = 0..=10;
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            url: None,
            timeout_secs: 10,
            retries: 3,
            ca_file: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandHookSettings {
    pub enabled: bool,
    /// The program (a path, or a name looked up in `PATH`); run directly, never through a shell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Its arguments, unless `args_by_dot` has a list for the current dot.
    pub args: Vec<String>,
    /// Arguments per status dot, for command-line tools that take the colour as an argument.
    pub args_by_dot: ArgsByDot,
    /// Seconds the program may run before it is killed.
    pub timeout_secs: u32,
}

impl CommandHookSettings {
    pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=300;

    /// The arguments for a dot id (`available`, `busy`, ...): its own list, else `args`.
    pub fn args_for(&self, dot: &str) -> &[String] {
        self.args_by_dot.get(dot).unwrap_or(&self.args)
    }
}

impl Default for CommandHookSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            program: None,
            args: Vec::new(),
            args_by_dot: ArgsByDot::default(),
            timeout_secs: 10,
        }
    }
}

/// `[hooks.command.args_by_dot]`: one optional argument list per dot (the ids of
/// `presence_core::Dot`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ArgsByDot {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_not_disturb: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub away: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<Vec<String>>,
}

impl ArgsByDot {
    /// The list for a dot id, if one is set.
    pub fn get(&self, dot: &str) -> Option<&Vec<String>> {
        self.entries()
            .into_iter()
            .find(|(id, _)| *id == dot)
            .and_then(|(_, args)| args.as_ref())
    }

    fn entries(&self) -> [(&'static str, &Option<Vec<String>>); 6] {
        [
            ("available", &self.available),
            ("busy", &self.busy),
            ("do_not_disturb", &self.do_not_disturb),
            ("away", &self.away),
            ("offline", &self.offline),
            ("unknown", &self.unknown),
        ]
    }
}

/// Problems in `[hooks]`, each with its dotted key.
pub(crate) fn problems(hooks: &HooksSettings) -> Vec<Problem> {
    let (mqtt, webhook, command) = (&hooks.mqtt, &hooks.webhook, &hooks.command);
    let checks = [
        (
            "hooks.mqtt.url",
            required(&mqtt.url, mqtt.enabled, HookKind::Mqtt, |url| {
                mqtt_url(url, mqtt.allow_insecure)
            }),
        ),
        (
            "hooks.mqtt.username",
            match &mqtt.username {
                Some(user) if user.is_empty() => Err(
                    "the user name must not be empty; leave the key out for a broker without users"
                        .to_owned(),
                ),
                _ => Ok(()),
            },
        ),
        ("hooks.mqtt.topic_prefix", topic_prefix(&mqtt.topic_prefix)),
        (
            "hooks.mqtt.discovery_prefix",
            topic_prefix(&mqtt.discovery_prefix),
        ),
        ("hooks.mqtt.ca_file", ca_file(&mqtt.ca_file)),
        (
            "hooks.webhook.url",
            required(
                &webhook.url,
                webhook.enabled,
                HookKind::Webhook,
                webhook_url,
            ),
        ),
        (
            "hooks.webhook.timeout_secs",
            in_range(webhook.timeout_secs, &WebhookSettings::TIMEOUT_RANGE),
        ),
        (
            "hooks.webhook.retries",
            in_range(webhook.retries, &WebhookSettings::RETRIES_RANGE),
        ),
        ("hooks.webhook.ca_file", ca_file(&webhook.ca_file)),
        (
            "hooks.command.program",
            required(
                &command.program,
                command.enabled,
                HookKind::Command,
                |program| {
                    if program.trim().is_empty() || program.contains('\0') {
                        Err("the program must be a path or a program name".to_owned())
                    } else {
                        Ok(())
                    }
                },
            ),
        ),
        (
            "hooks.command.timeout_secs",
            in_range(command.timeout_secs, &CommandHookSettings::TIMEOUT_RANGE),
        ),
    ];
    let mut found: Vec<Problem> = checks
        .into_iter()
        .filter_map(|(key, checked)| checked.err().map(|reason| (key.to_owned(), reason)))
        .collect();

    let lists = std::iter::once(("hooks.command.args".to_owned(), &command.args)).chain(
        command
            .args_by_dot
            .entries()
            .into_iter()
            .filter_map(|(dot, args)| {
                args.as_ref()
                    .map(|args| (format!("hooks.command.args_by_dot.{dot}"), args))
            }),
    );
    for (key, args) in lists {
        for (i, arg) in args.iter().enumerate() {
            if arg.contains('\0') {
                found.push((
                    format!("{key}[{i}]"),
                    "an argument cannot contain a NUL character".to_owned(),
                ));
            }
        }
    }
    found
}

/// A hook's target (URL, program): checked when set, and needed while the hook is on.
fn required(
    value: &Option<String>,
    enabled: bool,
    kind: HookKind,
    valid: impl FnOnce(&str) -> Result<(), String>,
) -> Result<(), String> {
    match value {
        Some(value) => valid(value),
        None if enabled => Err(format!(
            "needed while {} is true (see docs/HOOKS.md)",
            kind.enabled_key()
        )),
        None => Ok(()),
    }
}

fn ca_file(value: &Option<String>) -> Result<(), String> {
    match value {
        Some(path) if path.trim().is_empty() => {
            Err("the CA file path must not be empty".to_owned())
        }
        _ => Ok(()),
    }
}

fn in_range(value: u32, range: &std::ops::RangeInclusive<u32>) -> Result<(), String> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(range_reason(value, range))
    }
}

fn mqtt_url(value: &str, allow_insecure: bool) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    match url.scheme() {
        "mqtts" => {}
        "mqtt" if allow_insecure || is_loopback(&url) => {}
        "mqtt" => {
            return Err(format!(
                "`{value}` is not encrypted; use mqtts:// (or set hooks.mqtt.allow_insecure = true if you really mean it)"
            ))
        }
        other => {
            return Err(format!(
                "`{value}`: scheme `{other}` is not supported, use mqtts:// (TLS) or mqtt://"
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{value}` has no host"));
    }
    no_credentials(value, &url, "hooks.mqtt.username")?;
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{value}`: a broker URL is scheme, host and port only; the topics come from hooks.mqtt.topic_prefix"
        ));
    }
    Ok(())
}

/// `https://`, or `http://` to this computer only: a webhook carries a signature but its body
/// would be readable on the way, and any receiver can sit behind an HTTPS proxy.
fn webhook_url(value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "`{value}` is not encrypted; use https:// (http:// is allowed only to this computer: localhost, 127.0.0.1, ::1)"
            ))
        }
        other => return Err(format!("`{value}`: scheme `{other}` is not supported, use https://")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{value}` has no host"));
    }
    no_credentials(value, &url, "the keychain")
}

/// `localhost` or a loopback address. From the host text: for schemes the URL standard does not
/// know (`mqtt`), an IP address is not parsed as one.
fn is_loopback(url: &url::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn no_credentials(value: &str, url: &url::Url, instead: &str) -> Result<(), String> {
    if url.username().is_empty() && url.password().is_none() {
        Ok(())
    } else {
        Err(format!(
            "`{value}` contains a user name or password; the settings file is no place for them, use {instead}"
        ))
    }
}

/// An MQTT topic prefix: a publishable topic without wildcards, so `<prefix>/state` is one too.
fn topic_prefix(value: &str) -> Result<(), String> {
    let reason = if value.is_empty() {
        "must not be empty"
    } else if value.contains(['+', '#']) {
        "must not contain the wildcards + or #"
    } else if value.contains('\0') {
        "must not contain a NUL character"
    } else if value.starts_with('$') {
        "must not start with $ (reserved by brokers)"
    } else if value.starts_with('/') || value.ends_with('/') || value.contains("//") {
        "must not start or end with / or contain an empty level"
    } else if value.len() > 200 {
        "is too long (more than 200 bytes)"
    } else {
        return Ok(());
    };
    Err(format!("`{value}` {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(hooks: &HooksSettings) -> Vec<String> {
        problems(hooks).into_iter().map(|(key, _)| key).collect()
    }

    #[test]
    fn defaults_are_valid_and_off() {
        let hooks = HooksSettings::default();
        assert!(problems(&hooks).is_empty());
        assert!(HookKind::ALL.iter().all(|kind| !hooks.is_enabled(*kind)));
    }

    #[test]
    fn an_enabled_hook_needs_its_target() {
        let mut hooks = HooksSettings::default();
        hooks.mqtt.enabled = true;
        hooks.webhook.enabled = true;
        hooks.command.enabled = true;
        assert_eq!(
            keys(&hooks),
            [
                "hooks.mqtt.url",
                "hooks.webhook.url",
                "hooks.command.program"
            ]
        );
    }

    #[test]
    fn mqtt_urls() {
        for ok in [
            "mqtts://broker.example.com",
            "mqtts://broker.example.com:8884/",
            "mqtt://127.0.0.1:1883",
            "mqtt://localhost",
        ] {
            assert!(mqtt_url(ok, false).is_ok(), "{ok}");
        }
        assert!(mqtt_url("mqtt://homeassistant.local", false)
            .unwrap_err()
            .contains("allow_insecure"));
        assert!(mqtt_url("mqtt://homeassistant.local", true).is_ok());
        assert!(mqtt_url("mqtts://anna:pw@broker", false)
            .unwrap_err()
            .contains("hooks.mqtt.username"));
        assert!(mqtt_url("mqtts://broker/topic", false).is_err());
        assert!(mqtt_url("tcp://broker", false).is_err());
        assert!(mqtt_url("broker:1883", false).is_err());
    }

    #[test]
    fn webhook_urls_are_https_or_loopback() {
        assert!(webhook_url("https://dash.example.com/hook?team=a").is_ok());
        assert!(webhook_url("http://127.0.0.1:8123/api/webhook/x").is_ok());
        assert!(webhook_url("http://[::1]/x").is_ok());
        assert!(webhook_url("http://dash.example.com/hook")
            .unwrap_err()
            .contains("https://"));
        assert!(webhook_url("https://user:secret@dash.example.com").is_err());
    }

    #[test]
    fn topic_prefixes() {
        assert!(topic_prefix("presence-bridge/anna").is_ok());
        for bad in ["", "a/+/b", "a/#", "$SYS/x", "/a", "a/", "a//b"] {
            assert!(topic_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_and_arguments_name_their_keys() {
        let mut hooks = HooksSettings::default();
        hooks.webhook.timeout_secs = 0;
        hooks.webhook.retries = 11;
        hooks.command.timeout_secs = 301;
        hooks.command.args = vec!["ok".into(), "bad\0".into()];
        hooks.command.args_by_dot.busy = Some(vec!["\0".into()]);
        assert_eq!(
            keys(&hooks),
            [
                "hooks.webhook.timeout_secs",
                "hooks.webhook.retries",
                "hooks.command.timeout_secs",
                "hooks.command.args[1]",
                "hooks.command.args_by_dot.busy[0]",
            ]
        );
    }

    #[test]
    fn args_by_dot_falls_back_to_args() {
        let mut command = CommandHookSettings {
            args: vec!["--off".into()],
            ..Default::default()
        };
        command.args_by_dot.busy = Some(vec!["--red".into()]);
        assert_eq!(command.args_for("busy"), ["--red"]);
        assert_eq!(command.args_for("available"), ["--off"]);
        assert_eq!(command.args_for("no_such_dot"), ["--off"]);
    }
}
