//! Which server each secret in the keychain belongs to, from the settings.
//!
//! The Microsoft refresh token is bound to the sign-in authority, tenant, app registration and
//! Graph endpoint; the STARFACE password to the PBX URL, the login and the identity host; the
//! STARFACE OAuth client secret to the PBX URL, the OAuth client id and the identity host. When
//! the settings change any of these (in the window, the file or by policy), the stored secret is
//! not handed out and the user is asked to sign in again ([`SecretNeed::StoredForAnotherServer`]);
//! it stays in the keychain, so going back to the old server works without a new sign-in.
//!
//! Below `setup` and `snapshot`, which both use it; imports nothing of this crate.

use std::fmt;

use keychain::{names, BoundStore, KeychainError, Lookup, SecretStore};
use settings::Settings;

/// A STARFACE secret the keychain must hold for the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StarfaceSecret {
    /// The user's STARFACE password (`names::STARFACE_PASSWORD`).
    Password,
    /// The OAuth client secret from the PBX's admin interface (Server → Status → REST-API),
    /// `names::STARFACE_OAUTH_CLIENT_SECRET`. Needed with `auth = "oauth"`; with `"auto"`
    /// it is used when present (a PBX with the classic login switched off needs it).
    OAuthClientSecret,
}

impl StarfaceSecret {
    /// The keychain entry.
    pub fn keychain_name(self) -> &'static str {
        match self {
            StarfaceSecret::Password => names::STARFACE_PASSWORD,
            StarfaceSecret::OAuthClientSecret => names::STARFACE_OAUTH_CLIENT_SECRET,
        }
    }

    /// What users call it.
    pub fn describe(self) -> &'static str {
        match self {
            StarfaceSecret::Password => "STARFACE password",
            StarfaceSecret::OAuthClientSecret => "STARFACE OAuth client secret",
        }
    }
}

/// How the user enters `secret`, for messages.
pub fn how_to_enter(secret: StarfaceSecret) -> &'static str {
    match secret {
        StarfaceSecret::Password => {
            "Enter it in the window (Settings › Accounts) or run `presence-bridge login starface`"
        }
        StarfaceSecret::OAuthClientSecret => {
            "Copy it from the STARFACE admin interface (Server → Status → REST-API) and enter it \
             in the window (Settings › Accounts) or with `presence-bridge login starface` (or \
             `--client-secret-stdin`)"
        }
    }
}

/// Why a secret has to be entered (again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretNeed {
    /// None is stored.
    Missing,
    /// One is stored, for another server than the settings name now (described as
    /// [`starface_password_endpoint`] and friends write it); it is not sent anywhere else.
    StoredForAnotherServer { stored_for: String },
    /// The PBX refuses the classic login and signs in with OAuth only: the client secret is
    /// needed (the PBX's words in `detail`).
    ClassicLoginDisabled { detail: String },
}

impl fmt::Display for SecretNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretNeed::Missing => f.write_str("none is stored"),
            SecretNeed::StoredForAnotherServer { stored_for } => write!(
                f,
                "the stored one belongs to {stored_for}, and the settings name another server \
                 now; it is not sent there"
            ),
            SecretNeed::ClassicLoginDisabled { detail } => write!(
                f,
                "the PBX refuses the classic login ({detail}) and signs in with OAuth only"
            ),
        }
    }
}

/// Who and where the Microsoft refresh token is for.
pub fn microsoft_endpoint(settings: &Settings) -> String {
    let ms = &settings.microsoft;
    format!(
        "app {} at {}/{}, Graph {}",
        ms.client_id.as_deref().unwrap_or("-"),
        normalised_url(&ms.authority),
        ms.tenant.trim(),
        normalised_url(&ms.graph_base)
    )
}

/// Who and where the STARFACE password is for; `None` until URL and login are set.
pub fn starface_password_endpoint(settings: &Settings) -> Option<String> {
    let sf = &settings.starface;
    let (url, login) = (sf.url.as_deref()?, sf.login.as_deref()?);
    Some(format!(
        "{} at {}{}",
        login.trim(),
        normalised_url(url),
        identity_host(settings)
    ))
}

/// Which PBX and OAuth client the client secret is for; `None` until the URL is set.
pub fn starface_client_secret_endpoint(settings: &Settings) -> Option<String> {
    let sf = &settings.starface;
    Some(format!(
        "client {} at {}{}",
        sf.oauth.client_id.trim(),
        normalised_url(sf.url.as_deref()?),
        identity_host(settings)
    ))
}

fn identity_host(settings: &Settings) -> String {
    match &settings.starface.oauth.identity_host {
        Some(host) => format!(" (sign-in at {})", host.trim().to_ascii_lowercase()),
        None => String::new(),
    }
}

/// One spelling per URL: what `url` makes of it, without a trailing slash.
fn normalised_url(raw: &str) -> String {
    let raw = raw.trim();
    let parsed = url::Url::parse(raw).map(String::from);
    parsed
        .as_deref()
        .unwrap_or(raw)
        .trim_end_matches('/')
        .to_owned()
}

/// A status hook's secret (`[hooks]`): kept in the keychain, bound to the hook's endpoint like
/// the sign-in secrets, so an edited URL never receives the password meant for another broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookSecret {
    /// The MQTT broker password (`names::HOOKS_MQTT_PASSWORD`), for `hooks.mqtt.username`.
    MqttPassword,
    /// The webhook's HMAC signing secret (`names::HOOKS_WEBHOOK_SECRET`).
    WebhookSecret,
}

impl HookSecret {
    pub const ALL: [HookSecret; 2] = [HookSecret::MqttPassword, HookSecret::WebhookSecret];

    /// The keychain entry.
    pub fn keychain_name(self) -> &'static str {
        match self {
            HookSecret::MqttPassword => names::HOOKS_MQTT_PASSWORD,
            HookSecret::WebhookSecret => names::HOOKS_WEBHOOK_SECRET,
        }
    }

    /// What users call it.
    pub fn describe(self) -> &'static str {
        match self {
            HookSecret::MqttPassword => "MQTT password",
            HookSecret::WebhookSecret => "webhook signing secret",
        }
    }

    /// The hook it belongs to.
    pub fn hook(self) -> settings::HookKind {
        match self {
            HookSecret::MqttPassword => settings::HookKind::Mqtt,
            HookSecret::WebhookSecret => settings::HookKind::Webhook,
        }
    }

    /// Whether the settings need it: the MQTT password only with a user name.
    pub fn needed(self, settings: &Settings) -> bool {
        let hooks = &settings.hooks;
        match self {
            HookSecret::MqttPassword => hooks.mqtt.enabled && hooks.mqtt.username.is_some(),
            HookSecret::WebhookSecret => hooks.webhook.enabled,
        }
    }

    /// Which endpoint it is for; `None` until the hook's URL is set.
    pub fn endpoint(self, settings: &Settings) -> Option<String> {
        let hooks = &settings.hooks;
        match self {
            HookSecret::MqttPassword => Some(format!(
                "{} at {}",
                hooks.mqtt.username.as_deref().unwrap_or("-").trim(),
                normalised_url(hooks.mqtt.url.as_deref()?)
            )),
            HookSecret::WebhookSecret => Some(normalised_url(hooks.webhook.url.as_deref()?)),
        }
    }
}

/// Whether `secret` can be used with these settings (`None`), or why not.
pub fn hook_secret_need(
    settings: &Settings,
    raw: &dyn SecretStore,
    secret: HookSecret,
) -> Result<Option<SecretNeed>, KeychainError> {
    need(&bound_store(settings, raw), secret.keychain_name())
}

/// `raw` (the keychain) with the three sign-in secrets and the hooks' secrets bound to their
/// servers as `settings` name them. Every secret of the app is read and written through one of
/// these.
pub fn bound_store<S: SecretStore>(settings: &Settings, raw: S) -> BoundStore<S> {
    let mut store =
        BoundStore::new(raw).bind(names::MICROSOFT_REFRESH_TOKEN, microsoft_endpoint(settings));
    if let Some(endpoint) = starface_password_endpoint(settings) {
        store = store.bind(names::STARFACE_PASSWORD, endpoint);
    }
    if let Some(endpoint) = starface_client_secret_endpoint(settings) {
        store = store.bind(names::STARFACE_OAUTH_CLIENT_SECRET, endpoint);
    }
    for secret in HookSecret::ALL {
        if let Some(endpoint) = secret.endpoint(settings) {
            store = store.bind(secret.keychain_name(), endpoint);
        }
    }
    store
}

/// Whether the Microsoft sign-in in the keychain can be used with these settings.
pub fn microsoft_sign_in(
    settings: &Settings,
    raw: &dyn SecretStore,
) -> Result<Option<SecretNeed>, KeychainError> {
    need(&bound_store(settings, raw), names::MICROSOFT_REFRESH_TOKEN)
}

/// Whether `secret` can be used with these settings (`None`), or why not.
pub fn starface_secret_need(
    settings: &Settings,
    raw: &dyn SecretStore,
    secret: StarfaceSecret,
) -> Result<Option<SecretNeed>, KeychainError> {
    need(&bound_store(settings, raw), secret.keychain_name())
}

fn need<S: SecretStore>(
    store: &BoundStore<S>,
    name: &str,
) -> Result<Option<SecretNeed>, KeychainError> {
    Ok(match store.lookup(name)? {
        Lookup::Usable(_) => None,
        Lookup::Missing => Some(SecretNeed::Missing),
        Lookup::StoredFor(stored_for) => Some(SecretNeed::StoredForAnotherServer { stored_for }),
    })
}

#[cfg(test)]
mod tests {
    use keychain::{MemoryStore, Secret};

    use super::*;

    fn settings() -> Settings {
        let mut settings = Settings::default();
        settings.microsoft.client_id = Some("11111111-2222-3333-4444-555555555555".into());
        settings.starface.url = Some("https://PBX.example.com/".into());
        settings.starface.login = Some("0001".into());
        settings
    }

    #[test]
    fn every_setting_that_names_a_server_moves_the_endpoint() {
        let before = settings();
        let endpoints = |s: &Settings| {
            (
                microsoft_endpoint(s),
                starface_password_endpoint(s),
                starface_client_secret_endpoint(s),
            )
        };
        let (ms, pw, cs) = endpoints(&before);
        assert_eq!(pw.as_deref(), Some("0001 at https://pbx.example.com"));
        /// A setting, how to change it, and which of the three endpoints it moves.
        type Change = (&'static str, fn(&mut Settings), [bool; 3]);
        let changes: [Change; 9] = [
            (
                "starface.url",
                |s| s.starface.url = Some("https://pbx2.example.com".into()),
                [false, true, true],
            ),
            (
                "starface.login",
                |s| s.starface.login = Some("0002".into()),
                [false, true, false],
            ),
            (
                "starface.oauth.identity_host",
                |s| s.starface.oauth.identity_host = Some("sso.example.com".into()),
                [false, true, true],
            ),
            (
                "starface.oauth.client_id",
                |s| s.starface.oauth.client_id = "other".into(),
                [false, false, true],
            ),
            (
                "microsoft.authority",
                |s| s.microsoft.authority = "https://login.microsoftonline.us".into(),
                [true, false, false],
            ),
            (
                "microsoft.tenant",
                |s| s.microsoft.tenant = "contoso.onmicrosoft.com".into(),
                [true, false, false],
            ),
            (
                "microsoft.client_id",
                |s| s.microsoft.client_id = Some("66666666-2222-3333-4444-555555555555".into()),
                [true, false, false],
            ),
            (
                "microsoft.graph_base",
                |s| s.microsoft.graph_base = "https://graph.microsoft.us/v1.0".into(),
                [true, false, false],
            ),
            // Not a server: the pin is the user's own trust decision.
            (
                "starface.certificate_pin",
                |s| s.starface.certificate_pin = Some("AB".into()),
                [false, false, false],
            ),
        ];
        for (key, change, moved) in changes {
            let mut after = before.clone();
            change(&mut after);
            let (ms2, pw2, cs2) = endpoints(&after);
            assert_eq!([ms != ms2, pw != pw2, cs != cs2], moved, "{key}");
        }
        // The same server spelt differently is the same endpoint.
        let mut same = before.clone();
        same.starface.url = Some("https://pbx.example.com".into());
        assert_eq!(endpoints(&same), (ms, pw, cs));
    }

    #[test]
    fn a_hook_secret_is_not_handed_to_another_broker_or_receiver() {
        let raw = MemoryStore::new();
        let mut before = settings();
        before.hooks.mqtt.url = Some("mqtts://broker.example.com:8883/".into());
        before.hooks.mqtt.username = Some("anna".into());
        before.hooks.webhook.url = Some("https://dash.example.com/hook".into());
        let store = bound_store(&before, &raw as &dyn SecretStore);
        store
            .set(names::HOOKS_MQTT_PASSWORD, &Secret::new("mqtt-pw"))
            .unwrap();
        store
            .set(names::HOOKS_WEBHOOK_SECRET, &Secret::new("hmac"))
            .unwrap();
        for secret in HookSecret::ALL {
            assert_eq!(hook_secret_need(&before, &raw, secret).unwrap(), None);
        }
        let mut moved = before.clone();
        moved.hooks.mqtt.url = Some("mqtts://evil.example.net".into());
        moved.hooks.webhook.url = Some("https://evil.example.net/hook".into());
        assert_eq!(
            hook_secret_need(&moved, &raw, HookSecret::MqttPassword).unwrap(),
            Some(SecretNeed::StoredForAnotherServer {
                stored_for: "anna at mqtts://broker.example.com:8883".into()
            })
        );
        let moved_store = bound_store(&moved, &raw as &dyn SecretStore);
        assert_eq!(moved_store.get(names::HOOKS_WEBHOOK_SECRET).unwrap(), None);
        let mut other_user = before.clone();
        other_user.hooks.mqtt.username = Some("bob".into());
        assert!(
            hook_secret_need(&other_user, &raw, HookSecret::MqttPassword)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_changed_url_makes_the_stored_password_unusable_and_says_for_whom_it_was() {
        let raw = MemoryStore::new();
        let before = settings();
        bound_store(&before, &raw as &dyn SecretStore)
            .set(names::STARFACE_PASSWORD, &Secret::new("pw"))
            .unwrap();
        assert_eq!(
            starface_secret_need(&before, &raw, StarfaceSecret::Password).unwrap(),
            None
        );
        let mut after = before.clone();
        after.starface.url = Some("https://evil.example.net".into());
        assert_eq!(
            starface_secret_need(&after, &raw, StarfaceSecret::Password).unwrap(),
            Some(SecretNeed::StoredForAnotherServer {
                stored_for: "0001 at https://pbx.example.com".into()
            })
        );
        assert_eq!(
            bound_store(&after, &raw as &dyn SecretStore)
                .get(names::STARFACE_PASSWORD)
                .unwrap(),
            None
        );
        assert_eq!(
            starface_secret_need(&after, &raw, StarfaceSecret::OAuthClientSecret).unwrap(),
            Some(SecretNeed::Missing)
        );
    }
}
