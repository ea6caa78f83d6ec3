//! Where OneHub calls get their bearer token.
//!
//! STARFACE 10 access tokens live 300 s. OneHub wants `authorization: Bearer <access token>` on
//! every call, and a long-lived event stream outlives many tokens, so the token is asked for
//! per call, never stored here: the source refreshes it before it expires and hands out the
//! current one.

use std::future::Future;
use std::pin::Pin;

use keychain::Secret;

use crate::rest::RestClient;

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
/// expires). Implemented by [`RestClient`] with `auth = "oauth"`; the app's OAuth sign-in
/// handle can implement it directly.
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
