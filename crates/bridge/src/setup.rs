//! Building the bridge from the user's settings and keychain.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use graph_client::{Credentials, GraphClient, MicrosoftConfig, ScopeRequest, Timing};
use keychain::{names, SecretStore};
use presence_core::mapping::ReverseMode;
use presence_core::MessageLanguage;
use settings::{Settings, StarfaceAuth};
use starface_client::{
    Credentials as PbxCredentials, OAuthSettings, PbxEndpoint, RestAuth, RestClient, TlsTrust,
    UciAuth, UciClient, XmppSettings,
};

use crate::error::BridgeError;
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
        ..BridgeOptions::default()
    }
}

/// The Graph permissions the settings need (write permission only with the reverse direction).
pub fn scope_request(settings: &Settings) -> ScopeRequest {
    let scopes = ScopeRequest::default();
    if settings.mapping.reverse == ReverseMode::Off {
        scopes
    } else {
        scopes.with_reverse_sync()
    }
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

/// STARFACE REST, UCI and XMPP settings with the password (and OAuth secret) from `store`.
pub fn starface_links(
    settings: &Settings,
    store: &dyn SecretStore,
) -> Result<(Arc<RestClient>, Arc<UciClient>, XmppSettings), BridgeError> {
    let sf = &settings.starface;
    let endpoint = pbx_endpoint(settings)?;
    let login = sf
        .login
        .clone()
        .ok_or_else(|| BridgeError::NotConfigured("starface.login is not set".into()))?;
    let password = store.get(names::STARFACE_PASSWORD)?.ok_or_else(|| {
        BridgeError::NotConfigured(
            "no STARFACE password in the keychain; run `presence-bridge login starface`".into(),
        )
    })?;
    let credentials = PbxCredentials::new(login.clone(), password.clone());
    let auth = match sf.auth {
        StarfaceAuth::Classic => RestAuth::NonceLogin,
        StarfaceAuth::Oauth => {
            let secret = store
                .get(names::STARFACE_OAUTH_CLIENT_SECRET)?
                .ok_or_else(|| {
                    BridgeError::NotConfigured(
                        "no STARFACE OAuth client secret in the keychain".into(),
                    )
                })?;
            RestAuth::OAuthPasswordGrant(OAuthSettings::new(secret))
        }
    };
    let rest = Arc::new(RestClient::new(
        endpoint.clone(),
        credentials.clone(),
        auth,
    )?);
    let uci_auth = match sf.auth {
        StarfaceAuth::Classic => UciAuth::legacy(&credentials),
        StarfaceAuth::Oauth => UciAuth::OAuthSession(rest.clone()),
    };
    let uci = Arc::new(UciClient::new(endpoint.clone(), uci_auth)?);
    let host = endpoint.host().unwrap_or_default();
    let domain = sf.xmpp_domain.clone().unwrap_or_else(|| host.clone());
    let mut xmpp = XmppSettings::new(&host, &domain, &login, password);
    xmpp.port = sf.xmpp_port;
    xmpp.trust = endpoint.trust.clone();
    Ok((rest, uci, xmpp))
}

/// Microsoft credentials from the keychain (nothing is sent until a token is needed).
pub fn microsoft_credentials(
    settings: &Settings,
    store: Arc<dyn SecretStore>,
    timing: Timing,
) -> Result<Arc<Credentials>, BridgeError> {
    Ok(Arc::new(Credentials::from_store(
        microsoft_config(settings)?,
        scope_request(settings),
        store,
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
    let (rest, uci, xmpp) = starface_links(settings, store.as_ref())?;
    Ok(Connectors {
        graph: GraphClient::new(credentials),
        rest,
        uci,
        xmpp: settings.starface.xmpp_enabled.then_some(xmpp),
    })
}
