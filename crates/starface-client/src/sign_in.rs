//! How every channel to one PBX signs in: the classic nonce login (STARFACE up to 9, and 10
//! while the admin allows it) or STARFACE 10 OAuth, chosen by the settings or detected.
//!
//! One [`PbxSignIn`] is shared by REST, UCI and XMPP (and, through [`PbxSignIn::tokens`], the
//! OneHub gRPC client), so they all use the same method and, with OAuth, the same
//! [`TokenSource`].

use std::fmt;
use std::sync::Arc;

use crate::config::{Credentials, OAuthSettings, PbxEndpoint};
use crate::oauth::{self, Discovery, DiscoveryAbsence, OAuthError, TokenSource};
use crate::timing::Timing;

/// `starface.auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Classic,
    OAuth,
    /// OAuth where the PBX has Keycloak and a client secret is stored, else classic.
    Auto,
}

/// The sign-in method in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Nonce login (REST `authToken`), UCI `de.vertico.starface.auth`, XMPP with the password.
    Classic,
    /// OAuth password grant: REST `Bearer`, UCI `de.vertico.starface.jwt`, XMPP with the token.
    OAuth,
}

/// Why that method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthReason {
    /// `starface.auth` names it.
    Configured,
    /// `auto`: the PBX has Keycloak (OpenID discovery found its token endpoint).
    KeycloakFound { token_endpoint: String },
    /// `auto`: no Keycloak on the PBX (STARFACE 9 or older).
    NoKeycloak(DiscoveryAbsence),
    /// `auto`: the PBX has Keycloak, but no client secret is stored.
    NoClientSecret { token_endpoint: String },
}

/// The method in use and why (what `doctor` prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthChoice {
    pub method: AuthMethod,
    pub reason: AuthReason,
}

impl fmt::Display for AuthChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self.method {
            AuthMethod::Classic => "the classic STARFACE login",
            AuthMethod::OAuth => "STARFACE OAuth (password grant)",
        };
        match &self.reason {
            AuthReason::Configured => write!(f, "{method}, as starface.auth says"),
            AuthReason::KeycloakFound { token_endpoint } => write!(
                f,
                "{method}: starface.auth = \"auto\" and the PBX signs in with OAuth ({token_endpoint})"
            ),
            AuthReason::NoKeycloak(why) => write!(
                f,
                "{method}: starface.auth = \"auto\" and the PBX has no OAuth sign-in ({why})"
            ),
            AuthReason::NoClientSecret { token_endpoint } => write!(
                f,
                "{method}: starface.auth = \"auto\"; the PBX offers OAuth ({token_endpoint}) but no \
                 client secret is stored. If the PBX refuses the classic login, enter the secret \
                 with `presence-bridge login starface`"
            ),
        }
    }
}

struct Inner {
    endpoint: PbxEndpoint,
    credentials: Credentials,
    mode: AuthMode,
    identity_host: Option<String>,
    tokens: Option<TokenSource>,
    choice: tokio::sync::Mutex<Option<AuthChoice>>,
    decided: std::sync::Mutex<Option<AuthChoice>>,
}

/// The sign-in of one STARFACE account (cheap to clone; clones share the decision and tokens).
#[derive(Clone)]
pub struct PbxSignIn {
    inner: Arc<Inner>,
}

impl fmt::Debug for PbxSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PbxSignIn")
            .field("mode", &self.inner.mode)
            .field("login", &self.inner.credentials.login)
            .finish_non_exhaustive()
    }
}

impl PbxSignIn {
    /// `mode` with the OAuth client when a secret is known (`oauth: None` without one). `OAuth`
    /// without a client is [`OAuthError::NoClientSecret`].
    pub fn new(
        endpoint: PbxEndpoint,
        credentials: Credentials,
        mode: AuthMode,
        oauth: Option<OAuthSettings>,
        timing: Timing,
    ) -> Result<Self, OAuthError> {
        if mode == AuthMode::OAuth && oauth.is_none() {
            return Err(OAuthError::NoClientSecret);
        }
        let identity_host = oauth.as_ref().and_then(|o| o.identity_host.clone());
        let tokens = match (mode, oauth) {
            (AuthMode::Classic, _) | (_, None) => None,
            (_, Some(settings)) => Some(TokenSource::with_timing(
                endpoint.clone(),
                credentials.clone(),
                settings,
                timing,
            )?),
        };
        let decided = match mode {
            AuthMode::Classic => Some(AuthChoice {
                method: AuthMethod::Classic,
                reason: AuthReason::Configured,
            }),
            AuthMode::OAuth => Some(AuthChoice {
                method: AuthMethod::OAuth,
                reason: AuthReason::Configured,
            }),
            AuthMode::Auto => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                endpoint,
                credentials,
                mode,
                identity_host,
                tokens,
                choice: tokio::sync::Mutex::new(decided.clone()),
                decided: std::sync::Mutex::new(decided),
            }),
        })
    }

    /// The classic nonce login.
    pub fn classic(endpoint: PbxEndpoint, credentials: Credentials) -> Self {
        Self::new(
            endpoint,
            credentials,
            AuthMode::Classic,
            None,
            Timing::real(),
        )
        .expect("the classic login needs no OAuth client")
    }

    /// OAuth with an existing token source.
    pub fn oauth(endpoint: PbxEndpoint, credentials: Credentials, tokens: TokenSource) -> Self {
        let choice = AuthChoice {
            method: AuthMethod::OAuth,
            reason: AuthReason::Configured,
        };
        Self {
            inner: Arc::new(Inner {
                endpoint,
                credentials,
                mode: AuthMode::OAuth,
                identity_host: None,
                tokens: Some(tokens),
                choice: tokio::sync::Mutex::new(Some(choice.clone())),
                decided: std::sync::Mutex::new(Some(choice)),
            }),
        }
    }

    pub fn mode(&self) -> AuthMode {
        self.inner.mode
    }

    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    pub fn endpoint(&self) -> &PbxEndpoint {
        &self.inner.endpoint
    }

    /// The token source, when an OAuth client is configured (whether or not `auto` chose it;
    /// see [`Self::choice`]).
    pub fn tokens(&self) -> Option<&TokenSource> {
        self.inner.tokens.as_ref()
    }

    /// The method in use, deciding it on first use (`auto` asks the PBX for its OpenID
    /// configuration; an unreachable PBX is an error and is asked again next time).
    pub async fn choice(&self) -> Result<AuthChoice, OAuthError> {
        let mut slot = self.inner.choice.lock().await;
        if let Some(choice) = slot.as_ref() {
            return Ok(choice.clone());
        }
        let choice = self.detect().await?;
        tracing::info!(%choice, "STARFACE sign-in method chosen");
        *slot = Some(choice.clone());
        *self.inner.decided.lock().unwrap_or_else(|p| p.into_inner()) = Some(choice.clone());
        Ok(choice)
    }

    /// The method, if decided yet (no network).
    pub fn decided(&self) -> Option<AuthChoice> {
        self.inner
            .decided
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The token source when the method in use is OAuth.
    pub async fn oauth_tokens(&self) -> Result<Option<&TokenSource>, OAuthError> {
        Ok(match self.choice().await?.method {
            AuthMethod::OAuth => Some(
                self.inner
                    .tokens
                    .as_ref()
                    .ok_or(OAuthError::NoClientSecret)?,
            ),
            AuthMethod::Classic => None,
        })
    }

    async fn detect(&self) -> Result<AuthChoice, OAuthError> {
        let found = match &self.inner.tokens {
            // With a client, discovery goes through the source so it is done once.
            Some(tokens) => match tokens.token_endpoint().await {
                Ok((url, oauth::TokenEndpointOrigin::Discovered { .. }))
                | Ok((url, oauth::TokenEndpointOrigin::Configured)) => Ok(url),
                Ok((_, oauth::TokenEndpointOrigin::Documented(why))) => Err(why),
                Err(error) => return Err(error),
            },
            None => {
                match oauth::discover(&self.inner.endpoint, self.inner.identity_host.as_deref())
                    .await?
                {
                    Discovery::Found { token_endpoint, .. } => Ok(token_endpoint),
                    Discovery::Absent(why) => Err(why),
                }
            }
        };
        Ok(match (found, &self.inner.tokens) {
            (Ok(url), Some(_)) => AuthChoice {
                method: AuthMethod::OAuth,
                reason: AuthReason::KeycloakFound {
                    token_endpoint: url.to_string(),
                },
            },
            (Ok(url), None) => AuthChoice {
                method: AuthMethod::Classic,
                reason: AuthReason::NoClientSecret {
                    token_endpoint: url.to_string(),
                },
            },
            (Err(why), _) => AuthChoice {
                method: AuthMethod::Classic,
                reason: AuthReason::NoKeycloak(why),
            },
        })
    }
}
