//! The oauth2 crate wired to Entra's endpoints, and its errors mapped to [`AuthError`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use keychain::Secret;
use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthUrl, ClientId, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet,
    ErrorResponseType, HttpRequest, HttpResponse, RequestTokenError, StandardErrorResponse,
    TokenResponse, TokenUrl,
};

use super::AuthError;
use crate::body::{read_capped, BodyError, MAX_TOKEN_BODY};
use crate::config::{unqualified_scope, MicrosoftConfig};

/// The longest access-token lifetime believed. Entra issues 60 to 90 minutes; a larger
/// `expires_in` (up to 2^64 - 1 parses) would overflow the expiry time, so it is cut here, as
/// STARFACE's is.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

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

/// HTTP client for the token endpoints: never follows redirects (oauth2's SSRF advice) and reads
/// at most [`MAX_TOKEN_BODY`] bytes of an answer.
#[derive(Debug, Clone)]
pub(crate) struct TokenHttp {
    client: reqwest::Client,
}

pub(crate) fn token_http() -> TokenHttp {
    TokenHttp {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client without custom TLS settings always builds"),
    }
}

impl TokenHttp {
    /// Posts a form and reads at most [`MAX_TOKEN_BODY`] bytes of the answer (for token requests
    /// oauth2 does not make, e.g. the relay's client credentials).
    pub(crate) async fn post_form(
        &self,
        url: &str,
        form: &[(&str, String)],
    ) -> Result<(reqwest::StatusCode, Vec<u8>), TokenHttpError> {
        let transport = |e: reqwest::Error| TokenHttpError::Transport(e.to_string());
        let response = self
            .client
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = read_capped(response, MAX_TOKEN_BODY)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge { limit } => TokenHttpError::TooLarge { limit },
                BodyError::Transport(e) => transport(e),
            })?;
        Ok((status, body))
    }
}

/// Why a token request got no answer to parse.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenHttpError {
    #[error("{0}")]
    Transport(String),
    #[error("the answer is longer than {limit} bytes")]
    TooLarge { limit: usize },
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let transport = |e: reqwest::Error| TokenHttpError::Transport(e.to_string());
            let request = reqwest::Request::try_from(request).map_err(transport)?;
            let response = self.client.execute(request).await.map_err(transport)?;
            let mut answer = oauth2::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body =
                read_capped(response, MAX_TOKEN_BODY)
                    .await
                    .map_err(|error| match error {
                        BodyError::TooLarge { limit } => TokenHttpError::TooLarge { limit },
                        BodyError::Transport(e) => transport(e),
                    })?;
            answer
                .body(body)
                .map_err(|e| TokenHttpError::Transport(e.to_string()))
        })
    }
}

pub(crate) fn map_request_error<T>(
    error: RequestTokenError<TokenHttpError, StandardErrorResponse<T>>,
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
        RequestTokenError::Request(TokenHttpError::TooLarge { limit }) => {
            tracing::warn!(limit, "token endpoint answer too large; not read");
            AuthError::ResponseTooLarge { limit }
        }
        RequestTokenError::Request(TokenHttpError::Transport(e)) => AuthError::Transport(e),
        RequestTokenError::Parse(e, _) => AuthError::Protocol(e.to_string()),
        RequestTokenError::Other(e) => AuthError::Protocol(e),
    }
}

/// Decodes a successful token endpoint answer exactly as a sign-in or refresh does (oauth2's
/// `BasicTokenResponse`, then [`TokenGrant`]): fuzzed in `crates/hardening`.
pub fn decode_token_response(body: &[u8]) -> Result<TokenGrant, AuthError> {
    serde_json::from_slice::<BasicTokenResponse>(body)
        .map(TokenGrant::from)
        .map_err(|e| AuthError::Protocol(e.to_string()))
}

/// What a successful token response gives us.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: Secret,
    /// Entra's `expires_in`, at most [`MAX_TOKEN_LIFETIME`].
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
            expires_in: response
                .expires_in()
                .unwrap_or(Duration::from_secs(3599))
                .min(MAX_TOKEN_LIFETIME),
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
