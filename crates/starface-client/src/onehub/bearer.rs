//! Where OneHub calls get their bearer token.
//!
//! STARFACE 10 access tokens live 300 s. OneHub wants `authorization: Bearer <access token>` on
//! every call, and a long-lived event stream outlives many tokens, so the token is asked for
//! per call, never stored here: the source refreshes it before it expires and hands out the
//! current one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use keychain::Secret;

use crate::oauth::OAuthError;
use crate::rest::RestClient;
use crate::sign_in::PbxSignIn;

/// Why no token could be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BearerError {
    /// The user must sign in again (refresh rejected, no OAuth configured, nothing stored).
    #[error("STARFACE sign-in needed for OneHub: {0}")]
    SignInNeeded(String),
    /// The token endpoint could not be reached or failed; try again later.
    #[error("no STARFACE access token right now: {0}")]
    Unavailable(String),
}

/// A future returned by [`BearerSource::bearer`].
pub type BearerFuture<'a> = Pin<Box<dyn Future<Output = Result<Secret, BearerError>> + Send + 'a>>;

/// Hands out the current STARFACE 10 OAuth access token (refreshed by the source before it
/// expires). Implemented by [`RestClient`] with `auth = "oauth"`, and by [`SignInBearer`], which
/// takes the token straight from the account's [`PbxSignIn`] (the one token REST, UCI and XMPP
/// use too).
pub trait BearerSource: Send + Sync + 'static {
    /// The access token to send now.
    fn bearer(&self) -> BearerFuture<'_>;

    /// OneHub refused `token` (`Unauthenticated`): drop it so the next [`Self::bearer`] fetches
    /// a fresh one. The default does nothing (sources that refresh by expiry alone).
    fn rejected(&self, token: &Secret) {
        let _ = token;
    }
}

impl BearerSource for RestClient {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(async move {
            match self.bearer_token().await {
                Ok(Some(token)) => Ok(token),
                Ok(None) => Err(BearerError::SignInNeeded(
                    "OneHub needs the STARFACE 10 OAuth sign-in (auth = \"oauth\"); the nonce \
                     login has no bearer token"
                        .to_owned(),
                )),
                Err(error @ crate::rest::RestError::OAuthDenied { .. })
                | Err(error @ crate::rest::RestError::LoginRejected { .. }) => {
                    Err(BearerError::SignInNeeded(error.to_string()))
                }
                Err(error) => Err(BearerError::Unavailable(error.to_string())),
            }
        })
    }
}

/// The OneHub token of a [`PbxSignIn`]: the access token of its shared
/// [`crate::oauth::TokenSource`], so OneHub, REST, UCI and XMPP use one token and one refresh.
/// With the classic login (STARFACE 9, or `auto` without OAuth) there is no token:
/// [`BearerError::SignInNeeded`].
pub struct SignInBearer {
    sign_in: PbxSignIn,
    /// The generation of a token OneHub refused: the next [`BearerSource::bearer`] renews it
    /// (unless another channel already did) instead of handing it out again.
    refused: Mutex<Option<u64>>,
}

impl SignInBearer {
    pub fn new(sign_in: PbxSignIn) -> Self {
        Self {
            sign_in,
            refused: Mutex::new(None),
        }
    }

    fn refused(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
        self.refused.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for SignInBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInBearer")
            .field("sign_in", &self.sign_in)
            .finish_non_exhaustive()
    }
}

fn token_error(error: OAuthError) -> BearerError {
    if error.needs_user() {
        BearerError::SignInNeeded(error.to_string())
    } else {
        BearerError::Unavailable(error.to_string())
    }
}

impl BearerSource for SignInBearer {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(async move {
            let tokens =
                match self.sign_in.oauth_tokens().await.map_err(token_error)? {
                    Some(tokens) => tokens,
                    None => return Err(BearerError::SignInNeeded(
                        "OneHub needs the STARFACE 10 OAuth sign-in; this account signs in with \
                         the classic login, which has no bearer token"
                            .to_owned(),
                    )),
                };
            let token = tokens.fresh().await.map_err(token_error)?;
            let refused = {
                let mut refused = self.refused();
                let same = *refused == Some(token.generation());
                if same {
                    *refused = None;
                }
                same
            };
            let token = if refused {
                tokens
                    .renew_after_rejection(&token)
                    .await
                    .map_err(token_error)?
            } else {
                token
            };
            Ok(token.secret().clone())
        })
    }

    fn rejected(&self, token: &Secret) {
        let Some(tokens) = self.sign_in.tokens() else {
            return;
        };
        if let Some(current) = tokens.current().filter(|c| c.secret() == token) {
            *self.refused() = Some(current.generation());
        }
    }
}
