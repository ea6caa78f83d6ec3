//! The app-only access token: fetched with the client-credentials grant, cached in memory, and
//! fetched again shortly before it expires (there is no refresh token in this grant).

use std::time::{Duration, SystemTime};

use keychain::Secret;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::assertion::{client_assertion, AssertionClaims};
use super::credential::AppCredential;
use crate::auth::{AuthError, TokenHttpError, MAX_TOKEN_LIFETIME};
use crate::config::MicrosoftConfig;
use crate::timing::Timing;

/// RFC 7523's assertion type, as Entra expects it.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Fetch a new token this long before the current one expires (at most half its lifetime).
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

struct CachedToken {
    value: Secret,
    refresh_at: SystemTime,
}

/// App-only tokens for one app registration in one tenant. Share it in an `Arc`; concurrent
/// callers wait for one token request.
pub struct AppTokenSource {
    config: MicrosoftConfig,
    credential: AppCredential,
    timing: Timing,
    http: crate::auth::TokenHttp,
    cached: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for AppTokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppTokenSource")
            .field("client_id", &self.config.client_id)
            .field("tenant", &self.config.tenant)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: String,
    #[serde(default)]
    error_description: String,
}

impl AppTokenSource {
    /// The tenant must be named (its id or a verified domain): `organizations` and `common`
    /// mean "whichever tenant the user belongs to", and an app-only caller has no user.
    pub fn new(
        config: MicrosoftConfig,
        credential: AppCredential,
        timing: Timing,
    ) -> Result<Self, AuthError> {
        if matches!(
            config.tenant.to_ascii_lowercase().as_str(),
            "organizations" | "common" | "consumers" | ""
        ) {
            return Err(AuthError::Protocol(format!(
                "app-only sign-in needs the tenant id (or a verified domain), not `{}`",
                config.tenant
            )));
        }
        Ok(Self {
            config,
            credential,
            timing,
            http: crate::auth::token_http(),
            cached: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &MicrosoftConfig {
        &self.config
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// `https://graph.microsoft.com/.default`: every application permission granted to the app.
    /// Client credentials accept no other scope form.
    pub fn scope(&self) -> String {
        format!(
            "{}/.default",
            self.config.graph_base.origin().ascii_serialization()
        )
    }

    /// A valid token, fetched first when there is none or it is about to expire.
    pub async fn access_token(&self) -> Result<Secret, AuthError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref() {
            if self.timing.now() < token.refresh_at {
                return Ok(token.value.clone());
            }
        }
        let token = self.request_token().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Drops `rejected` (Graph answered 401) unless another caller already replaced it.
    pub async fn discard(&self, rejected: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == *rejected) {
            *cached = None;
        }
    }

    async fn request_token(&self) -> Result<CachedToken, AuthError> {
        let endpoint = self.config.token_endpoint();
        let mut form: Vec<(&str, String)> = vec![
            ("client_id", self.config.client_id.clone()),
            ("scope", self.scope()),
            ("grant_type", "client_credentials".into()),
        ];
        match &self.credential {
            AppCredential::Secret(secret) => {
                form.push(("client_secret", secret.expose().to_owned()));
            }
            AppCredential::Certificate(certificate) => {
                let claims =
                    AssertionClaims::new(&self.config.client_id, &endpoint, self.timing.now());
                let assertion = client_assertion(certificate, &claims)
                    .map_err(|e| AuthError::Protocol(e.to_string()))?;
                form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE.into()));
                form.push(("client_assertion", assertion));
            }
        }
        let (status, body) = self
            .http
            .post_form(&endpoint, &form)
            .await
            .map_err(|e| match e {
                TokenHttpError::TooLarge { limit } => AuthError::ResponseTooLarge { limit },
                TokenHttpError::Transport(reason) => AuthError::Transport(reason),
            })?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<TokenErrorResponse>(&body) {
                Ok(error) => AuthError::from_oauth(&error.error, &error.error_description),
                Err(_) => AuthError::Protocol(format!(
                    "the token endpoint answered HTTP {status} without an OAuth error body"
                )),
            });
        }
        let token: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| AuthError::Protocol(format!("unreadable token response: {e}")))?;
        if token
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(AuthError::Protocol(format!(
                "unexpected token type {:?}",
                token.token_type
            )));
        }
        // Capped like the delegated tokens: a huge `expires_in` would overflow `now + lifetime`.
        let lifetime =
            Duration::from_secs(token.expires_in.unwrap_or(3599)).min(MAX_TOKEN_LIFETIME);
        let margin = EXPIRY_MARGIN.min(lifetime / 2);
        tracing::debug!(?lifetime, "app-only access token obtained");
        Ok(CachedToken {
            value: Secret::new(token.access_token),
            refresh_at: self.timing.now() + lifetime - margin,
        })
    }
}
