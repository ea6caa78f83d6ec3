//! Building the bridge from the user's settings and keychain.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use graph_client::{AuthError, Credentials, GraphClient, MicrosoftConfig, ScopeRequest, Timing};
use keychain::{names, Secret, SecretStore};
use presence_core::mapping::ReverseMode;
use presence_core::MessageLanguage;
use relay_feed::FeedConnection;
use settings::{OAuthClientAuth, Settings, StarfaceAuth};
use starface_client::oauth::ClientAuthentication;
use starface_client::xmpp::{ChatUser, XmppLogin};
use starface_client::{
    AuthMode, Credentials as PbxCredentials, OAuthSettings, PbxEndpoint, PbxSignIn, RestClient,
    TlsTrust, UciAuth, UciClient, XmppSettings,
};

use crate::error::BridgeError;
use crate::free_busy::FreeBusyOptions;
use crate::phones::OneHubLink;
use crate::relay_watch::RelayLink;
use crate::runtime::{BridgeOptions, Connectors};

/// File name of the journal in the state folder.
pub const JOURNAL_FILE_NAME: &str = "journal.log";

/// Why the settings are not enough to run, or `None` when they are.
pub fn missing_configuration(settings: &Settings) -> Option<String> {
    let mut missing = Vec::new();
    if settings.microsoft.client_id.is_none() {
        missing.push("microsoft.client_id");
    }
    if settings.starface.url.is_none() {
        missing.push("starface.url");
    }
    if settings.starface.login.is_none() {
        missing.push("starface.login");
    }
    (!missing.is_empty()).then(|| format!("set {}", missing.join(", ")))
}

/// Runtime options from the settings; the default chat messages in `messages` (the user's UI
/// language, which the front end resolves); the journal goes to `state_dir` when given.
pub fn options_from_settings(
    settings: &Settings,
    messages: MessageLanguage,
    state_dir: Option<&Path>,
) -> BridgeOptions {
    BridgeOptions {
        engine: settings.engine_config(messages),
        graph_poll_interval: Duration::from_secs(settings.sync.poll_interval_secs.into()),
        journal_file: state_dir.map(|dir| dir.join(JOURNAL_FILE_NAME)),
        favourites: settings.ui.favourites.clone(),
        free_busy: settings.microsoft.free_busy.then(FreeBusyOptions::default),
        ..BridgeOptions::default()
    }
}

/// The Graph permissions the settings need (write permission only with the reverse direction,
/// `Calendars.ReadBasic` only with `microsoft.free_busy`).
pub fn scope_request(settings: &Settings) -> ScopeRequest {
    let mut scopes = ScopeRequest::default();
    if settings.mapping.reverse != ReverseMode::Off {
        scopes = scopes.with_reverse_sync();
    }
    if settings.microsoft.free_busy {
        scopes = scopes.with_free_busy();
    }
    scopes
}

/// What to ask for in a second interactive sign-in after the first one, for `asked`, failed
/// with `error`: the same without free/busy's calendar permission when it was asked for and
/// Entra wants a consent nobody gave (the organisation makes an administrator approve it, or
/// the user declined the prompt). Presence then works, and the card says why free/busy is
/// missing. `None`: the failure has another cause, or there was nothing to leave out.
pub fn sign_in_again_without_free_busy(
    asked: ScopeRequest,
    error: &AuthError,
) -> Option<ScopeRequest> {
    let fewer = asked.without_optional();
    (matches!(error, AuthError::ConsentRequired { .. }) && fewer != asked).then_some(fewer)
}

/// The Microsoft configuration from the settings.
pub fn microsoft_config(settings: &Settings) -> Result<MicrosoftConfig, BridgeError> {
    let ms = &settings.microsoft;
    let client_id = ms
        .client_id
        .as_deref()
        .ok_or_else(|| BridgeError::NotConfigured("microsoft.client_id is not set".into()))?;
    let invalid = |key: &'static str| {
        move |e: graph_client::config::ConfigError| BridgeError::InvalidSetting {
            key,
            reason: e.to_string(),
        }
    };
    MicrosoftConfig::new(client_id)
        .map_err(invalid("microsoft.client_id"))?
        .with_tenant(ms.tenant.clone())
        .with_authority(&ms.authority)
        .map_err(invalid("microsoft.authority"))?
        .with_graph_base(&ms.graph_base)
        .map_err(invalid("microsoft.graph_base"))
}

/// The PBX endpoint (URL and certificate trust) from the settings.
pub fn pbx_endpoint(settings: &Settings) -> Result<PbxEndpoint, BridgeError> {
    let sf = &settings.starface;
    let url = sf
        .url
        .as_deref()
        .ok_or_else(|| BridgeError::NotConfigured("starface.url is not set".into()))?;
    let url = url::Url::parse(url).map_err(|e| BridgeError::InvalidSetting {
        key: "starface.url",
        reason: e.to_string(),
    })?;
    let trust = match (&sf.certificate_pin, &sf.ca_file) {
        (Some(pin), _) => TlsTrust::Pin(pin.parse().map_err(|e: starface_client::TlsError| {
            BridgeError::InvalidSetting {
                key: "starface.certificate_pin",
                reason: e.to_string(),
            }
        })?),
        (None, Some(file)) => TlsTrust::CaFile(file.into()),
        (None, None) => TlsTrust::PublicRoots,
    };
    let mut endpoint = PbxEndpoint::new(url).with_trust(trust);
    if sf.allow_insecure_http {
        endpoint = endpoint.allowing_plain_http();
    }
    Ok(endpoint)
}

pub use crate::secrets::{how_to_enter, SecretNeed, StarfaceSecret};

/// Why the STARFACE secrets could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StarfaceSecretError {
    /// A secret the settings need is missing, or was stored for another server.
    #[error("{}: {need}. {}", secret.describe(), how_to_enter(*secret))]
    Needed {
        secret: StarfaceSecret,
        need: SecretNeed,
    },
    #[error(transparent)]
    Keychain(#[from] keychain::KeychainError),
}

impl StarfaceSecretError {
    /// The missing secret, if that is the problem.
    pub fn missing(&self) -> Option<StarfaceSecret> {
        match self {
            StarfaceSecretError::Needed { secret, .. } => Some(*secret),
            StarfaceSecretError::Keychain(_) => None,
        }
    }
}

impl From<StarfaceSecretError> for BridgeError {
    fn from(error: StarfaceSecretError) -> Self {
        match error {
            StarfaceSecretError::Keychain(error) => BridgeError::Keychain(error),
            StarfaceSecretError::Needed { secret, need } => {
                BridgeError::StarfaceSecretNeeded { secret, need }
            }
        }
    }
}

/// The STARFACE secrets from the keychain.
pub struct StarfaceSecrets {
    pub password: Secret,
    /// With `auth = "oauth"` always there; with `"auto"` when stored; never with `"classic"`.
    pub client_secret: Option<Secret>,
}

/// Reads the STARFACE password and, unless `auth = "classic"`, the OAuth client secret, each
/// only if it was stored for the server the settings name (`store` is the keychain itself).
pub fn starface_secrets(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<StarfaceSecrets, StarfaceSecretError> {
    let needed = |secret| -> StarfaceSecretError {
        match crate::secrets::starface_secret_need(settings, store, secret) {
            Ok(need) => StarfaceSecretError::Needed {
                secret,
                need: need.unwrap_or(SecretNeed::Missing),
            },
            Err(error) => error.into(),
        }
    };
    let bound = crate::secrets::bound_store(settings, store);
    let password = bound
        .get(names::STARFACE_PASSWORD)?
        .ok_or_else(|| needed(StarfaceSecret::Password))?;
    let client_secret = match settings.starface.auth {
        StarfaceAuth::Classic => None,
        StarfaceAuth::Auto => bound.get(names::STARFACE_OAUTH_CLIENT_SECRET)?,
        StarfaceAuth::Oauth => Some(
            bound
                .get(names::STARFACE_OAUTH_CLIENT_SECRET)?
                .ok_or_else(|| needed(StarfaceSecret::OAuthClientSecret))?,
        ),
    };
    Ok(StarfaceSecrets {
        password,
        client_secret,
    })
}

/// The secrets `login starface` must ask for with these settings (none: nothing to ask), and
/// why. With `auth = "auto"` the client secret is optional and listed only when one is stored
/// for another server (the user entered one, so the PBX needs it).
pub fn starface_secret_needs(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<Vec<(StarfaceSecret, SecretNeed)>, keychain::KeychainError> {
    let mut needs = Vec::new();
    if let Some(need) =
        crate::secrets::starface_secret_need(settings, store, StarfaceSecret::Password)?
    {
        needs.push((StarfaceSecret::Password, need));
    }
    let client_secret =
        crate::secrets::starface_secret_need(settings, store, StarfaceSecret::OAuthClientSecret)?;
    match (settings.starface.auth, client_secret) {
        (StarfaceAuth::Oauth, Some(need))
        | (StarfaceAuth::Auto, Some(need @ SecretNeed::StoredForAnotherServer { .. })) => {
            needs.push((StarfaceSecret::OAuthClientSecret, need))
        }
        _ => {}
    }
    Ok(needs)
}

/// The secrets `login starface` must ask for with these settings (none: nothing to ask).
pub fn missing_starface_secrets(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<Vec<StarfaceSecret>, keychain::KeychainError> {
    Ok(starface_secret_needs(settings, store)?
        .into_iter()
        .map(|(secret, _)| secret)
        .collect())
}

/// Stores `value` as `secret`, bound to the server the settings name.
pub fn store_starface_secret(
    settings: &Settings,
    store: &dyn SecretStore,
    secret: StarfaceSecret,
    value: &Secret,
) -> Result<(), keychain::KeychainError> {
    crate::secrets::bound_store(settings, store).set(secret.keychain_name(), value)
}

/// The keychain as the Microsoft sign-in uses it: the refresh token bound to the authority,
/// tenant, app registration and Graph endpoint of `settings` (`raw` is the keychain itself).
/// Hand this to the sign-in flows and to [`graph_client::Credentials`].
pub fn microsoft_store(settings: &Settings, raw: Arc<dyn SecretStore>) -> Arc<dyn SecretStore> {
    Arc::new(crate::secrets::bound_store(settings, raw))
}

/// The OAuth client of `[starface.oauth]` with `client_secret`.
pub fn oauth_settings(settings: &Settings, client_secret: Secret) -> OAuthSettings {
    let oauth = &settings.starface.oauth;
    let mut client = OAuthSettings::new(client_secret);
    client.client_id = oauth.client_id.clone();
    client.scope = oauth.scope.clone();
    client.identity_host = oauth.identity_host.clone();
    client.client_auth = match oauth.client_auth {
        OAuthClientAuth::Auto => ClientAuthentication::Auto,
        OAuthClientAuth::Form => ClientAuthentication::Form,
        OAuthClientAuth::Basic => ClientAuthentication::Basic,
    };
    client
}

/// The one STARFACE sign-in of these settings: REST, UCI, XMPP and the OneHub client share it
/// (OneHub takes its tokens from [`PbxSignIn::tokens`]).
pub fn starface_sign_in(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<PbxSignIn, BridgeError> {
    let endpoint = pbx_endpoint(settings)?;
    let login = settings
        .starface
        .login
        .clone()
        .ok_or_else(|| BridgeError::NotConfigured("starface.login is not set".into()))?;
    let secrets = starface_secrets(settings, store)?;
    let mode = match settings.starface.auth {
        StarfaceAuth::Auto => AuthMode::Auto,
        StarfaceAuth::Classic => AuthMode::Classic,
        StarfaceAuth::Oauth => AuthMode::OAuth,
    };
    let oauth = secrets
        .client_secret
        .map(|secret| oauth_settings(settings, secret));
    PbxSignIn::new(
        endpoint,
        PbxCredentials::new(login, secrets.password),
        mode,
        oauth,
        starface_client::Timing::real(),
    )
    .map_err(|e| BridgeError::Rest(e.into()))
}

/// Everything the STARFACE side runs on, built on one sign-in.
pub struct StarfaceConnection {
    pub sign_in: PbxSignIn,
    pub rest: Arc<RestClient>,
    pub uci: Arc<UciClient>,
    pub xmpp: XmppSettings,
    /// The XMPP user name on STARFACE 10: fill it from OneHub's `ChatService.GetChatId`
    /// ([`ChatUser::set_from_chat_id`]); until then the login id is used.
    pub chat_user: ChatUser,
}

/// The STARFACE connection of these settings, with the secrets from `store`.
pub fn starface_connection(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<StarfaceConnection, BridgeError> {
    let sf = &settings.starface;
    let endpoint = pbx_endpoint(settings)?;
    let sign_in = starface_sign_in(settings, store)?;
    let rest = Arc::new(RestClient::with_sign_in(endpoint.clone(), sign_in.clone())?);
    let uci = Arc::new(UciClient::new(
        endpoint.clone(),
        UciAuth::SignIn(sign_in.clone()),
    )?);
    let host = endpoint.host().unwrap_or_default();
    let domain = sf.xmpp_domain.clone().unwrap_or_else(|| host.clone());
    let chat_user = ChatUser::new();
    let mut xmpp = XmppSettings::with_login(
        &host,
        &domain,
        XmppLogin::SignIn {
            sign_in: sign_in.clone(),
            chat_user: chat_user.clone(),
        },
    );
    xmpp.port = sf.xmpp_port;
    xmpp.trust = endpoint.trust.clone();
    Ok(StarfaceConnection {
        sign_in,
        rest,
        uci,
        xmpp,
        chat_user,
    })
}

/// STARFACE REST, UCI and XMPP settings with the password (and OAuth secret) from `store`.
pub fn starface_links(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<(Arc<RestClient>, Arc<UciClient>, XmppSettings), BridgeError> {
    let connection = starface_connection(settings, store)?;
    Ok((connection.rest, connection.uci, connection.xmpp))
}

/// Microsoft credentials from the keychain `store` (nothing is sent until a token is needed; a
/// refresh token stored for other Microsoft settings is not used).
pub fn microsoft_credentials(
    settings: &Settings,
    store: Arc<dyn SecretStore>,
    timing: Timing,
) -> Result<Arc<Credentials>, BridgeError> {
    Ok(Arc::new(Credentials::from_store(
        microsoft_config(settings)?,
        scope_request(settings),
        microsoft_store(settings, store),
        timing,
    )))
}

/// All connectors for a real run (XMPP as `starface.xmpp_enabled` says).
pub fn connectors_from_settings(
    settings: &Settings,
    store: Arc<dyn SecretStore>,
) -> Result<Connectors, BridgeError> {
    if let Some(missing) = missing_configuration(settings) {
        return Err(BridgeError::NotConfigured(missing));
    }
    let credentials = microsoft_credentials(settings, store.clone(), Timing::real())?;
    let connection = starface_connection(settings, store.as_ref())?;
    let xmpp_enabled = settings.starface.xmpp_enabled;
    Ok(Connectors {
        graph: GraphClient::new(credentials),
        rest: connection.rest,
        uci: connection.uci,
        xmpp: xmpp_enabled.then_some(connection.xmpp),
        // Colleagues' phones come from OneHub when the PBX signs in with OAuth (STARFACE 10);
        // the chat link then takes its user name from OneHub too.
        onehub: Some(OneHubLink::new(
            connection.sign_in,
            xmpp_enabled.then_some(connection.chat_user),
        )),
        relay: relay_link(settings),
    })
}

/// The relay's feed from `[relay]` (servers, user and CA file; the read-only password from the
/// admin policy), or `None` when no relay is configured. Settings that cannot be used give a
/// link that says why (the app then polls Graph and shows it) rather than no app at all.
pub fn relay_link(settings: &Settings) -> Option<RelayLink> {
    let relay = &settings.relay;
    if !relay.is_configured() {
        return None;
    }
    let Some(password) = &relay.password else {
        return Some(RelayLink::unusable(
            "relay.password is not set (it belongs in the admin policy's [defaults.relay])",
        ));
    };
    let mut connection = FeedConnection::new(
        relay.servers.clone(),
        relay.user.clone(),
        Secret::new(password.expose()),
    )
    .with_client_name("presence-bridge");
    if let Some(ca_file) = &relay.ca_file {
        connection = connection.with_ca_file(ca_file);
    }
    if let Err(error) = connection.validate() {
        return Some(RelayLink::unusable(format!("relay: {error}")));
    }
    Some(RelayLink::new(connection))
}

#[cfg(test)]
mod tests {
    use keychain::MemoryStore;
    use starface_client::AuthMode;

    use super::*;

    fn settings(auth: StarfaceAuth) -> Settings {
        let mut settings = Settings::default();
        settings.starface.url = Some("https://pbx.example.com".into());
        settings.starface.login = Some("0001".into());
        settings.starface.auth = auth;
        settings
    }

    fn store(password: bool, client_secret: bool) -> MemoryStore {
        let store = MemoryStore::new();
        if password {
            store
                .set(names::STARFACE_PASSWORD, &Secret::new("pw"))
                .unwrap();
        }
        if client_secret {
            store
                .set(names::STARFACE_OAUTH_CLIENT_SECRET, &Secret::new("cs"))
                .unwrap();
        }
        store
    }

    #[test]
    fn free_busy_asks_for_the_calendar_permission_and_is_left_out_after_a_consent_failure() {
        let mut settings = Settings::default();
        assert!(settings.microsoft.free_busy, "on by default");
        let asked = scope_request(&settings);
        assert!(asked.free_busy);
        let consent = AuthError::ConsentRequired {
            needs_admin: true,
            aadsts: Some(90094),
            explanation: "admin approval".into(),
        };
        let fewer = sign_in_again_without_free_busy(asked, &consent).expect("a second try");
        assert!(!fewer.free_busy);
        assert_eq!(fewer.names().len() + 1, asked.names().len());
        // Only a consent failure, and only when there is something to leave out.
        let refused = AuthError::SignInRequired {
            reason: "code refused".into(),
            aadsts: Some(9002313),
        };
        assert_eq!(sign_in_again_without_free_busy(asked, &refused), None);
        assert_eq!(sign_in_again_without_free_busy(fewer, &consent), None);
        settings.microsoft.free_busy = false;
        assert!(!scope_request(&settings).free_busy);
        let options = options_from_settings(&settings, MessageLanguage::English, None);
        assert!(options.free_busy.is_none(), "no calendar is read");
    }

    #[test]
    fn missing_secrets_follow_the_auth_setting() {
        use StarfaceSecret::*;
        let cases = [
            (StarfaceAuth::Classic, store(false, false), vec![Password]),
            (StarfaceAuth::Auto, store(true, false), vec![]),
            (
                StarfaceAuth::Oauth,
                store(true, false),
                vec![OAuthClientSecret],
            ),
            (
                StarfaceAuth::Oauth,
                store(false, false),
                vec![Password, OAuthClientSecret],
            ),
            (StarfaceAuth::Oauth, store(true, true), vec![]),
        ];
        for (auth, store, expected) in cases {
            assert_eq!(
                missing_starface_secrets(&settings(auth), &store).unwrap(),
                expected,
                "{auth:?}"
            );
        }
    }

    #[test]
    fn oauth_without_a_client_secret_is_a_typed_error_naming_the_command() {
        let settings = settings(StarfaceAuth::Oauth);
        let Err(error) = starface_secrets(&settings, &store(true, false)) else {
            panic!("the client secret is missing");
        };
        assert_eq!(error.missing(), Some(StarfaceSecret::OAuthClientSecret));
        assert!(error.to_string().contains("login starface"), "{error}");
        let Err(error) = starface_connection(&settings, &store(true, false)) else {
            panic!("no connection without the secret");
        };
        assert!(
            matches!(
                error,
                BridgeError::StarfaceSecretNeeded {
                    secret: StarfaceSecret::OAuthClientSecret,
                    need: SecretNeed::Missing
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn a_password_stored_for_another_pbx_is_not_used_and_the_error_says_so() {
        let before = settings(StarfaceAuth::Auto);
        let raw = MemoryStore::new();
        store_starface_secret(&before, &raw, StarfaceSecret::Password, &Secret::new("pw")).unwrap();
        assert!(starface_connection(&before, &raw).is_ok());
        let mut after = before.clone();
        after.starface.url = Some("https://pbx2.example.com".into());
        let Err(error) = starface_connection(&after, &raw) else {
            panic!("the password belongs to the other PBX");
        };
        let message = error.to_string();
        assert!(
            matches!(
                &error,
                BridgeError::StarfaceSecretNeeded {
                    secret: StarfaceSecret::Password,
                    need: SecretNeed::StoredForAnotherServer { stored_for }
                } if stored_for == "0001 at https://pbx.example.com"
            ),
            "{message}"
        );
        assert!(message.contains("login starface"), "{message}");
        assert_eq!(
            missing_starface_secrets(&after, &raw).unwrap(),
            [StarfaceSecret::Password]
        );
    }

    #[test]
    fn one_sign_in_carries_the_oauth_client_of_the_settings() {
        let mut settings = settings(StarfaceAuth::Auto);
        settings.starface.oauth.client_id = "corp-client".into();
        settings.starface.oauth.identity_host = Some("sso.example.com".into());
        settings.starface.oauth.client_auth = OAuthClientAuth::Basic;
        let connection = starface_connection(&settings, &store(true, true)).unwrap();
        assert_eq!(connection.sign_in.mode(), AuthMode::Auto);
        assert!(connection.sign_in.tokens().is_some());
        assert!(
            connection.sign_in.decided().is_none(),
            "auto decides on first use"
        );
        match &connection.xmpp.login {
            XmppLogin::SignIn { .. } => {}
            other => panic!("XMPP must follow the shared sign-in: {other:?}"),
        }
        connection.chat_user.set_from_chat_id("4711@pbx");
        assert_eq!(connection.xmpp.login.user_hint(), "4711");

        let client = oauth_settings(&settings, Secret::new("cs"));
        assert_eq!(client.client_id, "corp-client");
        assert_eq!(client.identity_host.as_deref(), Some("sso.example.com"));
        assert_eq!(client.client_auth, ClientAuthentication::Basic);

        // Auto without a stored secret still runs (classic, or OAuth once the secret is there).
        let connection = starface_connection(&settings, &store(true, false)).unwrap();
        assert!(connection.sign_in.tokens().is_none());
        // Classic never uses the secret, even when one is stored.
        let classic =
            starface_connection(&self::settings(StarfaceAuth::Classic), &store(true, true))
                .unwrap();
        assert!(classic.sign_in.tokens().is_none());
    }
}
