//! Authorization code + PKCE (S256) with the system browser and a loopback redirect.

use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use oauth2::{
    AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use url::Url;

use super::oauth::{entra_client, map_request_error, token_http};
use super::redirect_listener::RedirectListener;
use super::{AuthError, Credentials};
use crate::config::{MicrosoftConfig, ScopeRequest};
use crate::timing::Timing;

#[derive(Debug, Clone)]
pub struct PkceOptions {
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// `select_account`, `login` or `consent`; `None` lets Entra decide.
    pub prompt: Option<String>,
    /// Pre-fills the account name on the sign-in page.
    pub login_hint: Option<String>,
    /// `claims` from an `interaction_required` answer (Conditional Access step-up).
    pub claims: Option<String>,
}

impl Default for PkceOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(300),
            prompt: None,
            login_hint: None,
            claims: None,
        }
    }
}

/// A started browser sign-in: open [`Self::authorize_url`], then await [`Self::complete`].
pub struct PendingBrowserSignIn {
    authorize_url: Url,
    listener: RedirectListener,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    redirect_uri: String,
    config: MicrosoftConfig,
    scopes: ScopeRequest,
    timeout: Duration,
}

impl std::fmt::Debug for PendingBrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingBrowserSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Binds the loopback listener and builds the authorize URL for the system browser.
pub async fn begin_pkce_sign_in(
    config: &MicrosoftConfig,
    scopes: ScopeRequest,
    options: PkceOptions,
) -> Result<PendingBrowserSignIn, AuthError> {
    let listener = RedirectListener::bind().await?;
    let redirect_uri = listener.redirect_uri();
    let client = entra_client(config)?.set_redirect_uri(
        RedirectUrl::new(redirect_uri.clone())
            .map_err(|e| AuthError::Protocol(format!("redirect URI: {e}")))?,
    );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.qualified(config).into_iter().map(Scope::new))
        .set_pkce_challenge(challenge);
    for (name, value) in [
        ("prompt", &options.prompt),
        ("login_hint", &options.login_hint),
        ("claims", &options.claims),
    ] {
        if let Some(value) = value {
            request = request.add_extra_param(name, value.clone());
        }
    }
    let (authorize_url, state) = request.url();
    Ok(PendingBrowserSignIn {
        authorize_url,
        listener,
        state,
        verifier,
        redirect_uri,
        config: config.clone(),
        scopes,
        timeout: options.timeout,
    })
}

impl PendingBrowserSignIn {
    /// The URL to open in the system browser.
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// `http://localhost:PORT/`, the redirect this sign-in listens on.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the redirect, redeems the code and saves the refresh token in `store`.
    pub async fn complete(
        self,
        store: Arc<dyn SecretStore>,
        timing: Timing,
    ) -> Result<Credentials, AuthError> {
        let code = self
            .listener
            .wait(self.state.secret(), self.timeout)
            .await
            .inspect_err(|error| tracing::info!(%error, "no sign-in code from the browser"))?;
        tracing::debug!("sign-in redirect received; redeeming the code");
        let client = entra_client(&self.config)?.set_redirect_uri(
            RedirectUrl::new(self.redirect_uri.clone())
                .map_err(|e| AuthError::Protocol(format!("redirect URI: {e}")))?,
        );
        let http = token_http();
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(self.verifier)
            .request_async(&http)
            .await
            .map_err(map_request_error)
            .inspect_err(|error| {
                tracing::info!(%error, aadsts = ?error.aadsts(), "the sign-in code was not redeemed")
            })?;
        tracing::info!("Microsoft browser sign-in completed");
        Credentials::from_grant(self.config, self.scopes, store, timing, response.into()).await
    }
}
