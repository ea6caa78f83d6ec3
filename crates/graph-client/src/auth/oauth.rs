//! The oauth2 crate wired to Entra's endpoints, and its errors mapped to [`AuthError`].

use std::time::Duration;

use keychain::Secret;
use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AuthUrl, ClientId, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet, ErrorResponseType,
    HttpClientError, RequestTokenError, StandardErrorResponse, TokenResponse, TokenUrl,
};

use super::AuthError;
use crate::config::{unqualified_scope, MicrosoftConfig};

pub(crate) type EntraClient =
    BasicClient<EndpointSet, EndpointSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

pub(crate) fn entra_client(config: &MicrosoftConfig) -> Result<EntraClient, AuthError> {
    let bad = |e: url::ParseError| AuthError::Protocol(format!("invalid endpoint URL: {e}"));
    Ok(BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_auth_uri(AuthUrl::new(config.authorize_endpoint()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(config.token_endpoint()).map_err(bad)?)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(config.device_code_endpoint()).map_err(bad)?,
        ))
}

/// HTTP client for the token endpoints: never follows redirects (oauth2's SSRF advice).
pub(crate) fn token_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a reqwest client without custom TLS settings always builds")
}

pub(crate) fn map_request_error<T>(
    error: RequestTokenError<HttpClientError<reqwest::Error>, StandardErrorResponse<T>>,
) -> AuthError
where
    T: ErrorResponseType + AsRef<str> + std::fmt::Display + 'static,
{
    match error {
        RequestTokenError::ServerResponse(response) => AuthError::from_oauth(
            response.error().as_ref(),
            response
                .error_description()
                .map(String::as_str)
                .unwrap_or(""),
        ),
        RequestTokenError::Request(e) => AuthError::Transport(e.to_string()),
        RequestTokenError::Parse(e, _) => AuthError::Protocol(e.to_string()),
        RequestTokenError::Other(e) => AuthError::Protocol(e),
    }
}

/// What a successful token response gives us.
pub(crate) struct TokenGrant {
    pub access_token: Secret,
    pub expires_in: Duration,
    pub refresh_token: Option<Secret>,
    /// Unqualified permission names Entra granted, if it said.
    pub scopes: Option<Vec<String>>,
}

impl From<BasicTokenResponse> for TokenGrant {
    fn from(response: BasicTokenResponse) -> Self {
        Self {
            access_token: Secret::new(response.access_token().secret().clone()),
            // Entra always sends expires_in; assume its usual hour if it did not.
            expires_in: response.expires_in().unwrap_or(Duration::from_secs(3599)),
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone())),
            scopes: response.scopes().map(|scopes| {
                scopes
                    .iter()
                    .map(|s| unqualified_scope(s).to_owned())
                    .collect()
            }),
        }
    }
}
