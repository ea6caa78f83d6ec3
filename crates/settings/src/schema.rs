//! What can be configured. Every section rejects unknown keys so typos are reported, not ignored.

use presence_core::engine::{ConflictHeuristic, EngineConfig, SyncOptions};
use presence_core::working_hours::WorkingHours;
use presence_core::{Mapping, MessageLanguage};
use serde::{Deserialize, Serialize};

use crate::hooks::HooksSettings;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub microsoft: MicrosoftSettings,
    pub starface: StarfaceSettings,
    pub sync: SyncSettings,
    /// What each Teams status row does on STARFACE, and what a STARFACE call shows in Teams
    /// (`[mapping.busy_meeting]`, `mapping.reverse`). Presence-core's own schema, embedded.
    pub mapping: Mapping,
    pub ui: UiSettings,
    /// Publishing the user's own status to MQTT, a webhook or a command (`[hooks]`).
    pub hooks: HooksSettings,
    /// The organisation's presence relay (`[relay]`, usually set and locked by the admin policy).
    pub relay: RelaySettings,
}

impl Settings {
    /// The sync engine's configuration: `[mapping.*]` plus the engine keys of `[sync]`, with the
    /// default chat messages in `messages` (the user's UI language; messages the user wrote are
    /// kept as written).
    pub fn engine_config(&self, messages: MessageLanguage) -> EngineConfig {
        let sync = &self.sync;
        EngineConfig {
            mapping: self.mapping.clone().with_default_messages_in(messages),
            sync: SyncOptions {
                debounce_seconds: sync.debounce_secs,
                working_hours: sync.working_hours.clone(),
                session_minutes: sync.session_minutes,
                session_refresh_margin_seconds: sync.session_refresh_margin_seconds,
                own_session_echo_seconds: sync.own_session_echo_seconds,
                conflict: sync.conflict.clone(),
            },
        }
    }
}

/// Microsoft 365 sign-in. Never one hard-wired vendor app: the organisation registers its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MicrosoftSettings {
    /// Application (client) ID of the organisation's Entra app registration (a GUID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `organizations`, `common`, or the tenant ID / domain.
    pub tenant: String,
    /// Sign-in authority, e.g. `https://login.microsoftonline.us` for US Government.
    pub authority: String,
    /// Graph base URL including the version segment.
    pub graph_base: String,
    /// Colleagues' free/busy on the contact card, in the list, the tray and "notify me when
    /// available": the sign-in asks for `Calendars.ReadBasic` (status and times only). Off: the
    /// permission is not asked for and no calendar is read.
    pub free_busy: bool,
}

impl Default for MicrosoftSettings {
    fn default() -> Self {
        Self {
            client_id: None,
            tenant: "organizations".into(),
            authority: "https://login.microsoftonline.com".into(),
            graph_base: "https://graph.microsoft.com/v1.0".into(),
            free_busy: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StarfaceAuth {
    /// OAuth when the PBX offers it (OpenID discovery finds its Keycloak) and a client secret is
    /// stored, otherwise the classic login. `doctor` says which one and why.
    #[default]
    Auto,
    /// Nonce login (`/rest/login`), STARFACE up to 9 and 10 without an external IdP.
    Classic,
    /// STARFACE 10 OAuth password grant (`rest-client-headless` + the admin's client secret).
    Oauth,
}

/// How the OAuth client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OAuthClientAuth {
    /// The client secret in the form first, as HTTP Basic when the PBX refuses that.
    #[default]
    Auto,
    Form,
    Basic,
}

/// STARFACE 10 OAuth (`[starface.oauth]`). The client **secret** is never here: it is kept in
/// the keychain (`presence-bridge login starface`); a `client_secret` key is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StarfaceOAuthSettings {
    /// The OAuth client the admin set up (STARFACE: `rest-client-headless`).
    pub client_id: String,
    /// The scope requested with the password grant.
    pub scope: String,
    /// A host other than the PBX's that may receive the password and client secret, when the
    /// PBX's OpenID configuration names a token endpoint there (an external identity provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_host: Option<String>,
    /// The client secret in the form, as HTTP Basic, or whichever the PBX takes.
    pub client_auth: OAuthClientAuth,
    /// Only read to refuse it (see the type's doc).
    #[serde(rename = "client_secret", skip_serializing)]
    pub(crate) secret_in_file: Option<serde::de::IgnoredAny>,
}

impl StarfaceOAuthSettings {
    pub const DEFAULT_CLIENT_ID: &'static str = "rest-client-headless";
    pub const DEFAULT_SCOPE: &'static str = "login";
}

impl Default for StarfaceOAuthSettings {
    fn default() -> Self {
        Self {
            client_id: Self::DEFAULT_CLIENT_ID.into(),
            scope: Self::DEFAULT_SCOPE.into(),
            identity_host: None,
            client_auth: OAuthClientAuth::Auto,
            secret_in_file: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StarfaceSettings {
    /// Base URL of the PBX, e.g. `https://pbx.example.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The user's STARFACE login ID (often the internal number, e.g. `0001`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    pub auth: StarfaceAuth,
    /// Client id, scope and identity host for STARFACE 10 OAuth (never the secret).
    pub oauth: StarfaceOAuthSettings,
    /// XMPP (chat) domain; often the PBX's IP address. Defaults to the URL's host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xmpp_domain: Option<String>,
    pub xmpp_port: u16,
    /// Publish the chat status over XMPP. Off where the PBX's XMPP port is not reachable; the
    /// status message is then still set through UCI.
    pub xmpp_enabled: bool,
    /// SHA-256 fingerprint of the PBX's certificate, for self-signed appliances
    /// (`doctor` prints it). Hex, colons optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_pin: Option<String>,
    /// A CA certificate file (PEM) to trust in addition to the system's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Allow `http://` URLs. Off unless the user says so explicitly; passwords travel unencrypted.
    pub allow_insecure_http: bool,
}

impl Default for StarfaceSettings {
    fn default() -> Self {
        Self {
            url: None,
            login: None,
            auth: StarfaceAuth::Auto,
            oauth: StarfaceOAuthSettings::default(),
            xmpp_domain: None,
            xmpp_port: 5222,
            xmpp_enabled: true,
            certificate_pin: None,
            ca_file: None,
            allow_insecure_http: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSettings {
    /// Sync the user's Teams status to STARFACE at all.
    pub enabled: bool,
    /// Seconds between polls of Teams and STARFACE.
    pub poll_interval_secs: u32,
    /// Seconds a Teams status must hold before it is acted on (stops flapping).
    pub debounce_secs: u32,
    /// When the sync may write to STARFACE (`days`, `start`, `end`, `outside`); absent = always.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// Length of the Teams presence session a STARFACE call sets (Graph allows 5 to 240 minutes).
    pub session_minutes: u32,
    /// Re-send the session this many seconds before it expires while the call lasts.
    pub session_refresh_margin_seconds: u32,
    /// After clearing the session, treat Teams showing it as our own echo for this long.
    pub own_session_echo_seconds: u32,
    /// The "another presence sync is active" heuristic (`reverts`, `revert_within_seconds`,
    /// `period_minutes`).
    pub conflict: ConflictHeuristic,
}

impl SyncSettings {
    pub const POLL_INTERVAL_RANGE: std::ops::RangeInclusive<u32> = 5..=300;
    pub const DEBOUNCE_RANGE: std::ops::RangeInclusive<u32> = 0..=120;
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_secs: 10,
            debounce_secs: 3,
            working_hours: None,
            session_minutes: SyncOptions::default().session_minutes,
            session_refresh_margin_seconds: SyncOptions::default().session_refresh_margin_seconds,
            own_session_echo_seconds: SyncOptions::default().own_session_echo_seconds,
            conflict: ConflictHeuristic::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Follow the operating system's locale.
    #[default]
    Auto,
    En,
    De,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct UiSettings {
    pub language: Language,
    /// E-mail addresses (lower case) of favourite colleagues, in the user's order.
    pub favourites: Vec<String>,
    /// Start with the desktop session.
    pub autostart: bool,
    /// The tray lists favourites only; otherwise, until favourites fill them, up to 8 places go
    /// to the people Microsoft 365 ranks most relevant to the user.
    pub tray_favourites_only: bool,
}

/// Where the organisation's presence relay publishes (NATS JetStream key-value), and the
/// read-only credential every desktop shares. Empty `servers`: no relay, the app polls Graph.
///
/// The credential comes from the admin policy (`[defaults.relay]`, locked): it may only read
/// and watch the presence bucket, which holds what every colleague may see in Teams anyway. It
/// is never written to the user's file, never sent to the window and never logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelaySettings {
    /// `tls://nats1.example.com:4222`, one per cluster node.
    pub servers: Vec<String>,
    /// The read-only NATS user.
    pub user: String,
    /// The read-only user's password (from the policy only; see the type's docs).
    #[serde(skip_serializing)]
    pub password: Option<ReadOnlyCredential>,
    /// The CA that signed the NATS servers' certificates (PEM), when it is not a public one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            user: "desktop".into(),
            password: None,
            ca_file: None,
        }
    }
}

impl RelaySettings {
    /// Whether a relay is configured at all.
    pub fn is_configured(&self) -> bool {
        !self.servers.is_empty()
    }
}

/// The relay's read-only password: deserialised from the policy, never serialised, redacted in
/// `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ReadOnlyCredential(String);

impl ReadOnlyCredential {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the NATS connection only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ReadOnlyCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadOnlyCredential(***)")
    }
}
