//! How to reach and authenticate to one PBX. Values come from the app's settings and keychain.

use std::time::Duration;

use keychain::Secret;
use url::Url;

use crate::tls::{self, TlsError, TlsTrust};

/// Where the PBX is and which certificates it may present.
#[derive(Debug, Clone)]
pub struct PbxEndpoint {
    /// `https://pbx.example.com` (REST lives under `/rest`, UCI at `/xml-rpc`).
    pub base_url: Url,
    pub trust: TlsTrust,
    /// `http://` is refused unless this is set (then every connect logs a warning).
    pub allow_plain_http: bool,
    pub request_timeout: Duration,
}

impl PbxEndpoint {
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            trust: TlsTrust::default(),
            allow_plain_http: false,
            request_timeout: Duration::from_secs(15),
        }
    }

    pub fn with_trust(mut self, trust: TlsTrust) -> Self {
        self.trust = trust;
        self
    }

    pub fn allowing_plain_http(mut self) -> Self {
        self.allow_plain_http = true;
        self
    }

    /// `base_url` joined with `path` (no leading slash), keeping a base path such as `/pbx/`.
    pub(crate) fn url(&self, path: &str) -> Url {
        let mut base = self.base_url.clone();
        if !base.path().ends_with('/') {
            let with_slash = format!("{}/", base.path());
            base.set_path(&with_slash);
        }
        base.join(path).unwrap_or_else(|_| base.clone())
    }

    pub fn host(&self) -> Option<String> {
        self.base_url.host_str().map(str::to_owned)
    }

    pub fn port(&self) -> u16 {
        self.base_url.port_or_known_default().unwrap_or(443)
    }

    /// An HTTP client with the configured trust. Keeps cookies because STARFACE 10 ties UCI
    /// sessions to `JSESSIONID`.
    pub(crate) fn http_client(&self) -> Result<reqwest::Client, TlsError> {
        tls::check_scheme(&self.base_url, self.allow_plain_http)?;
        // No redirects and no Referer: see crate::http.
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .cookie_store(true)
            .timeout(self.request_timeout)
            .user_agent(concat!("presence-bridge/", env!("CARGO_PKG_VERSION")));
        if self.base_url.scheme() == "https" {
            builder = builder.use_preconfigured_tls(tls::client_config(&self.trust)?);
        }
        builder
            .build()
            .map_err(|e| TlsError::Rustls(rustls::Error::General(e.to_string())))
    }
}

/// The user's STARFACE login id (e.g. `0001`) and password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub login: String,
    pub password: Secret,
}

impl Credentials {
    pub fn new(login: impl Into<String>, password: Secret) -> Self {
        Self {
            login: login.into(),
            password,
        }
    }
}

/// How REST calls are authenticated.
#[derive(Debug, Clone)]
// Built once per client; the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum RestAuth {
    /// `GET`/`POST /rest/login` with a nonce; token in the `authToken` header (STARFACE up to
    /// 9, and 10 without an external identity provider).
    NonceLogin,
    /// STARFACE 10: OAuth password grant at the Keycloak realm `pbx`; `Authorization: Bearer`.
    OAuthPasswordGrant(OAuthSettings),
}

/// The STARFACE 10 OAuth client. `Debug` shows no secret ([`Secret`] is redacted).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// From the admin UI (Server → Status → REST-API).
    pub client_secret: Secret,
    pub client_id: String,
    pub scope: String,
    /// Refresh this long before the access token expires (tokens live 300 s).
    pub refresh_margin: Duration,
    /// `None`: take it from OpenID discovery, falling back to `/auth/realms/pbx/oauth2/token`.
    pub token_endpoint: Option<Url>,
    /// A host other than the PBX's that may receive the password and client secret, when
    /// discovery names a token endpoint there (an external identity provider).
    pub identity_host: Option<String>,
    /// Client secret in the form, as HTTP Basic, or whichever works.
    pub client_auth: ClientAuthentication,
}

impl OAuthSettings {
    pub const DEFAULT_CLIENT_ID: &'static str = "rest-client-headless";
    pub const DEFAULT_SCOPE: &'static str = "login";

    pub fn new(client_secret: Secret) -> Self {
        Self {
            client_secret,
            client_id: Self::DEFAULT_CLIENT_ID.to_owned(),
            scope: Self::DEFAULT_SCOPE.to_owned(),
            refresh_margin: Duration::from_secs(60),
            token_endpoint: None,
            identity_host: None,
            client_auth: ClientAuthentication::Auto,
        }
    }
}

/// How the client authenticates at the token endpoint (`starface.oauth.client_auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthentication {
    /// The form first, HTTP Basic when the client is refused; then whichever worked.
    #[default]
    Auto,
    /// `client_id` and `client_secret` in the form (the documented way).
    Form,
    /// `Authorization: Basic` with the form-encoded id and secret (RFC 6749 §2.3.1).
    Basic,
}
