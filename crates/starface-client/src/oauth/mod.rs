//! STARFACE 10 OAuth (Keycloak realm `pbx`): one [`TokenSource`] per PBX account, shared by
//! every channel.
//!
//! - REST: `Authorization: Bearer <access token>` (+ `X-Version: 2`).
//! - UCI: `/xml-rpc?de.vertico.starface.jwt=<access token>`; each call takes the current token,
//!   so a refreshed one is used from the next call on.
//! - XMPP: the access token is the password; the link reconnects with a refreshed token before
//!   the one it logged in with expires.
//! - OneHub gRPC: `authorization: Bearer <access token>` metadata on every call.
//!
//! The source refreshes in one place, under one lock: about a minute
//! ([`crate::OAuthSettings::refresh_margin`]) before the access token expires, when any channel
//! asks for [`TokenSource::fresh`]. A rotated refresh token replaces the old one at once. A
//! refresh the server rejects (`invalid_grant`, e.g. the session was revoked or ran out) is
//! followed by a silent new password grant with the stored password and client secret; only
//! when that fails too is the user asked ([`OAuthError::SignInNeeded`] and friends,
//! [`OAuthError::needs_user`]). Such a refusal is then answered from memory for
//! [`REFUSAL_HOLD`], so polling channels do not lock the account with repeated wrong passwords.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use keychain::Secret;
//! use starface_client::oauth::TokenSource;
//! use starface_client::{Credentials, OAuthSettings, PbxEndpoint};
//!
//! let endpoint = PbxEndpoint::new("https://pbx.example.com".parse()?);
//! let credentials = Credentials::new("0001", Secret::new("password from the keychain"));
//! let settings = OAuthSettings::new(Secret::new("client secret from the keychain"));
//! let tokens = TokenSource::new(endpoint, credentials, settings)?;
//! let token = tokens.fresh().await?; // valid for at least the refresh margin
//! let header = format!("Bearer {}", token.secret().expose());
//! # let _ = header;
//! # Ok(()) }
//! ```

pub mod answer;
pub mod discovery;
pub mod grant;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keychain::Secret;
use tokio::sync::watch;
use url::Url;

use crate::config::{Credentials, OAuthSettings, PbxEndpoint};
use crate::http::Redirect;
use crate::timing::Timing;
use crate::tls::TlsError;

pub use discovery::{
    check_token_endpoint, Discovery, DiscoveryAbsence, EndpointProblem, OpenIdDocument,
};
pub use grant::{classify_refusal, ClientAuthMethod, ClientAuthentication, Refusal, RefusalKind};

use grant::{Client, Grant, RequestFailure};

/// The German name of the user right the password grant needs, as the admin interface shows it.
pub const PASSWORD_GRANT_RIGHT_DE: &str = "API Zugriff mit OAuth Password Grant";
/// The same right in English.
pub const PASSWORD_GRANT_RIGHT_EN: &str = "API access with OAuth Password Grant";

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot reach the STARFACE sign-in at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "refusing to send the STARFACE password and client secret to the token endpoint \
         {endpoint} named by the PBX's OpenID configuration: {problem}"
    )]
    UntrustedTokenEndpoint {
        endpoint: String,
        problem: EndpointProblem,
    },
    #[error(
        "the STARFACE sign-in at {url} answered with a redirect ({}) to {}; redirects are not \
         followed so that credentials stay with the PBX. Check starface.url",
        redirect.status, redirect.target
    )]
    Redirected { url: String, redirect: Redirect },
    #[error("the answer of {url} is larger than {limit} bytes; refused")]
    BodyTooLarge { url: String, limit: usize },
    #[error("unexpected answer of the STARFACE sign-in at {url}: {reason}")]
    BadResponse { url: String, reason: String },
    /// OAuth is configured but no client secret is stored.
    #[error(
        "no STARFACE OAuth client secret is stored. Copy it from the STARFACE admin interface \
         (Server → Status → REST-API) and enter it with `presence-bridge login starface`"
    )]
    NoClientSecret,
    #[error(
        "STARFACE did not accept the OAuth client ({status}: {detail}), with the secret neither \
         in the form nor as HTTP Basic. Check the client secret (STARFACE admin: Server → Status \
         → REST-API) and starface.oauth.client_id; a user without the right \"{}\" (\"{}\") may \
         be refused this way too",
        PASSWORD_GRANT_RIGHT_EN,
        PASSWORD_GRANT_RIGHT_DE
    )]
    ClientRejected { status: u16, detail: String },
    #[error(
        "STARFACE user {login} may not sign in with OAuth ({detail}). Ask your STARFACE \
         administrator to grant the right \"{}\" (German: \"{}\")",
        PASSWORD_GRANT_RIGHT_EN,
        PASSWORD_GRANT_RIGHT_DE
    )]
    MissingRight { login: String, detail: String },
    /// The password was refused: only the user can fix this.
    #[error(
        "STARFACE did not accept the login id and password of {login} ({detail}); sign in again \
         with `presence-bridge login starface`"
    )]
    SignInNeeded { login: String, detail: String },
    #[error("the STARFACE sign-in refused the request ({status}: {detail})")]
    Refused { status: u16, detail: String },
}

impl OAuthError {
    pub(crate) fn unreachable(url: &Url, error: reqwest::Error) -> Self {
        OAuthError::Unreachable {
            url: without_query(url),
            reason: crate::http::error_chain(&error),
        }
    }

    /// Whether only the user or the admin can fix this (password, client secret, a right),
    /// as opposed to the network or the PBX having a bad moment.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            OAuthError::NoClientSecret
                | OAuthError::ClientRejected { .. }
                | OAuthError::MissingRight { .. }
                | OAuthError::SignInNeeded { .. }
        )
    }
}

fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

/// Asks the PBX for its OpenID configuration (nothing secret is sent).
pub async fn discover(
    endpoint: &PbxEndpoint,
    identity_host: Option<&str>,
) -> Result<Discovery, OAuthError> {
    let http_client = endpoint.http_client()?;
    discovery::discover(&http_client, endpoint, identity_host).await
}

/// An access token and when it expires (by the source's clock).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    secret: Secret,
    expires_at: Instant,
    generation: u64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// By the clock of the [`TokenSource`] that issued it ([`TokenSource::now`]).
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// Counts the tokens a source obtained: a new number means a new token.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// How the token endpoint was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenEndpointOrigin {
    /// Set in [`OAuthSettings::token_endpoint`].
    Configured,
    /// Named by the PBX's OpenID configuration at `document`.
    Discovered { document: Url },
    /// The documented path, as discovery gave nothing.
    Documented(DiscoveryAbsence),
}

/// Counters for tests and `doctor`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenStats {
    /// Password grants that gave tokens.
    pub password_grants: u64,
    /// Refresh grants that gave tokens.
    pub refreshes: u64,
    /// Refresh grants the server rejected (`invalid_grant`), each followed by a password grant.
    pub rejected_refreshes: u64,
}

struct RefreshToken {
    secret: Secret,
    expires_at: Option<Instant>,
}

/// A refusal only the user or admin can fix, remembered so that the account is not asked
/// again and again with the same wrong password (Keycloak locks accounts after repeated
/// failures) until [`REFUSAL_HOLD`] has passed or the source is rebuilt with new credentials.
#[derive(Clone)]
enum HeldRefusal {
    Client { status: u16, detail: String },
    MissingRight { detail: String },
    SignIn { detail: String },
}

/// How long a refused sign-in is answered from memory.
pub const REFUSAL_HOLD: Duration = Duration::from_secs(5 * 60);

#[derive(Default)]
struct State {
    held_refusal: Option<(Instant, HeldRefusal)>,
    token_endpoint: Option<(Url, TokenEndpointOrigin)>,
    /// The client authentication that worked last.
    client_auth: Option<ClientAuthMethod>,
    access: Option<AccessToken>,
    refresh: Option<RefreshToken>,
    generation: u64,
}

struct Inner {
    http: reqwest::Client,
    endpoint: PbxEndpoint,
    credentials: Credentials,
    settings: OAuthSettings,
    timing: Timing,
    /// Held for every token request: there is one refresh at a time, and a rotated refresh
    /// token is stored before anyone can use the old one.
    state: tokio::sync::Mutex<State>,
    published: watch::Sender<Option<AccessToken>>,
    stats: Mutex<TokenStats>,
}

/// The access token of one STARFACE account, shared by every channel (cheap to clone).
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("base_url", &self.inner.endpoint.base_url.as_str())
            .field("login", &self.inner.credentials.login)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// No network yet: the first [`Self::fresh`] signs in.
    pub fn new(
        endpoint: PbxEndpoint,
        credentials: Credentials,
        settings: OAuthSettings,
    ) -> Result<Self, OAuthError> {
        Self::with_timing(endpoint, credentials, settings, Timing::real())
    }

    pub fn with_timing(
        endpoint: PbxEndpoint,
        credentials: Credentials,
        settings: OAuthSettings,
        timing: Timing,
    ) -> Result<Self, OAuthError> {
        let (published, _) = watch::channel(None);
        Ok(Self {
            inner: Arc::new(Inner {
                http: endpoint.http_client()?,
                endpoint,
                credentials,
                settings,
                timing,
                state: tokio::sync::Mutex::new(State::default()),
                published,
                stats: Mutex::new(TokenStats::default()),
            }),
        })
    }

    /// The last token obtained, without asking the network; it may be close to expiry or
    /// expired. For callers that cannot wait (e.g. a synchronous gRPC interceptor).
    pub fn current(&self) -> Option<AccessToken> {
        self.inner.published.borrow().clone()
    }

    /// A token valid for at least the refresh margin: the current one, a refreshed one, or one
    /// from a new password grant. Concurrent callers share one refresh.
    pub async fn fresh(&self) -> Result<AccessToken, OAuthError> {
        let mut state = self.inner.state.lock().await;
        if let Some(access) = &state.access {
            if self.inner.timing.now() + self.inner.settings.refresh_margin < access.expires_at {
                return Ok(access.clone());
            }
        }
        self.inner.renew(&mut state).await
    }

    /// A server refused `rejected` (HTTP 401 or the like) before it expired, e.g. because the
    /// session was revoked: get another one, unless someone already did.
    pub async fn renew_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, OAuthError> {
        let mut state = self.inner.state.lock().await;
        if let Some(access) = &state.access {
            if access.generation != rejected.generation
                && self.inner.timing.now() + self.inner.settings.refresh_margin < access.expires_at
            {
                return Ok(access.clone());
            }
        }
        tracing::info!("STARFACE refused the access token before it expired; renewing it");
        state.access = None;
        self.inner.renew(&mut state).await
    }

    /// Every new token, as it is obtained (e.g. to reconnect a link that logged in with the
    /// old one).
    pub fn subscribe(&self) -> watch::Receiver<Option<AccessToken>> {
        self.inner.published.subscribe()
    }

    /// The time by the source's clock (what [`AccessToken::expires_at`] is measured on).
    pub fn now(&self) -> Instant {
        self.inner.timing.now()
    }

    /// How long before expiry a token is renewed.
    pub fn refresh_margin(&self) -> Duration {
        self.inner.settings.refresh_margin
    }

    /// The token endpoint and how it was found (discovering it if not done yet).
    pub async fn token_endpoint(&self) -> Result<(Url, TokenEndpointOrigin), OAuthError> {
        let mut state = self.inner.state.lock().await;
        self.inner.token_endpoint(&mut state).await
    }

    /// The client authentication that worked last, if any did yet.
    pub async fn client_auth_in_use(&self) -> Option<ClientAuthMethod> {
        self.inner.state.lock().await.client_auth
    }

    pub fn stats(&self) -> TokenStats {
        *self.inner.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn login(&self) -> &str {
        &self.inner.credentials.login
    }

    /// Forgets the tokens (e.g. on sign-out); the next [`Self::fresh`] signs in again.
    pub async fn forget(&self) {
        let mut state = self.inner.state.lock().await;
        state.access = None;
        state.refresh = None;
        state.held_refusal = None;
        self.inner.published.send_replace(None);
    }
}

impl Inner {
    fn count(&self, update: impl FnOnce(&mut TokenStats)) {
        update(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    async fn token_endpoint(
        &self,
        state: &mut State,
    ) -> Result<(Url, TokenEndpointOrigin), OAuthError> {
        if let Some(known) = &state.token_endpoint {
            return Ok(known.clone());
        }
        let found = match &self.settings.token_endpoint {
            Some(url) => (url.clone(), TokenEndpointOrigin::Configured),
            None => match discovery::discover(
                &self.http,
                &self.endpoint,
                self.settings.identity_host.as_deref(),
            )
            .await?
            {
                Discovery::Found {
                    document,
                    token_endpoint,
                } => (token_endpoint, TokenEndpointOrigin::Discovered { document }),
                Discovery::Absent(why) => {
                    tracing::info!(%why, "no OpenID discovery; using the documented token path");
                    (
                        self.endpoint.url(discovery::DOCUMENTED_TOKEN_PATH),
                        TokenEndpointOrigin::Documented(why),
                    )
                }
            },
        };
        state.token_endpoint = Some(found.clone());
        Ok(found)
    }

    /// A new access token: by refresh if a refresh token is there, else (or when the refresh is
    /// rejected) by the password grant.
    async fn renew(&self, state: &mut State) -> Result<AccessToken, OAuthError> {
        let now = self.timing.now();
        if let Some((until, held)) = &state.held_refusal {
            if now < *until {
                return Err(self.held_error(held.clone()));
            }
            state.held_refusal = None;
        }
        let usable_refresh = state
            .refresh
            .take()
            .filter(|r| r.expires_at.is_none_or(|at| now < at));
        if let Some(refresh) = usable_refresh {
            let grant = Grant::Refresh {
                token: &refresh.secret,
            };
            match self.request(state, &grant).await {
                Ok(tokens) => {
                    self.count(|s| s.refreshes += 1);
                    tracing::debug!("STARFACE access token refreshed");
                    return Ok(self.install(state, tokens, Some(refresh)));
                }
                Err(RequestFailure::Refused(refusal))
                    if refusal.kind == RefusalKind::InvalidGrant =>
                {
                    self.count(|s| s.rejected_refreshes += 1);
                    tracing::info!(
                        reason = %refusal.detail,
                        "STARFACE rejected the refresh token; signing in again with the stored password"
                    );
                }
                Err(failure) => {
                    // Not the token's fault (network, PBX): keep it for the next try.
                    state.refresh = Some(refresh);
                    return Err(self.refresh_failure(failure));
                }
            }
        }
        let grant = Grant::Password {
            username: &self.credentials.login,
            password: &self.credentials.password,
            scope: &self.settings.scope,
        };
        match self.request(state, &grant).await {
            Ok(tokens) => {
                self.count(|s| s.password_grants += 1);
                tracing::info!(login = %self.credentials.login, "signed in to STARFACE with OAuth");
                Ok(self.install(state, tokens, None))
            }
            Err(failure) => {
                let error = self.password_failure(failure);
                let held = match &error {
                    OAuthError::ClientRejected { status, detail } => Some(HeldRefusal::Client {
                        status: *status,
                        detail: detail.clone(),
                    }),
                    OAuthError::MissingRight { detail, .. } => Some(HeldRefusal::MissingRight {
                        detail: detail.clone(),
                    }),
                    OAuthError::SignInNeeded { detail, .. } => Some(HeldRefusal::SignIn {
                        detail: detail.clone(),
                    }),
                    _ => None,
                };
                if let Some(held) = held {
                    state.held_refusal = Some((self.timing.now() + REFUSAL_HOLD, held));
                }
                Err(error)
            }
        }
    }

    fn held_error(&self, held: HeldRefusal) -> OAuthError {
        let login = self.credentials.login.clone();
        match held {
            HeldRefusal::Client { status, detail } => OAuthError::ClientRejected { status, detail },
            HeldRefusal::MissingRight { detail } => OAuthError::MissingRight { login, detail },
            HeldRefusal::SignIn { detail } => OAuthError::SignInNeeded { login, detail },
        }
    }

    /// Stores a token answer; a rotated refresh token replaces the old one here, at once.
    fn install(
        &self,
        state: &mut State,
        tokens: answer::OAuthTokens,
        previous_refresh: Option<RefreshToken>,
    ) -> AccessToken {
        let now = self.timing.now();
        state.generation += 1;
        let access = AccessToken {
            secret: tokens.access,
            expires_at: now + tokens.lifetime,
            generation: state.generation,
        };
        state.refresh = match tokens.refresh {
            Some(secret) => Some(RefreshToken {
                secret,
                expires_at: tokens.refresh_lifetime.map(|lifetime| now + lifetime),
            }),
            // No rotation: the old refresh token stays valid.
            None => previous_refresh,
        };
        state.access = Some(access.clone());
        self.published.send_replace(Some(access.clone()));
        access
    }

    /// One grant, authenticating the client as configured (see [`grant`]).
    async fn request(
        &self,
        state: &mut State,
        grant: &Grant<'_>,
    ) -> Result<answer::OAuthTokens, RequestFailure> {
        let (url, _) = self
            .token_endpoint(state)
            .await
            .map_err(RequestFailure::Failed)?;
        let client = Client {
            id: &self.settings.client_id,
            secret: &self.settings.client_secret,
        };
        let methods: Vec<ClientAuthMethod> = match self.settings.client_auth {
            ClientAuthentication::Form => vec![ClientAuthMethod::Form],
            ClientAuthentication::Basic => vec![ClientAuthMethod::Basic],
            ClientAuthentication::Auto => {
                let first = state.client_auth.unwrap_or(ClientAuthMethod::Form);
                vec![first, first.other()]
            }
        };
        let mut last = None;
        for method in methods {
            match grant::request(&self.http, &url, &client, method, grant).await {
                Ok(tokens) => {
                    if state.client_auth != Some(method) {
                        tracing::debug!(
                            ?method,
                            "STARFACE token endpoint accepts this client authentication"
                        );
                    }
                    state.client_auth = Some(method);
                    return Ok(tokens);
                }
                Err(RequestFailure::Refused(refusal))
                    if refusal.kind == RefusalKind::InvalidClient =>
                {
                    tracing::debug!(?method, reason = %refusal.detail, "client authentication refused");
                    last = Some(RequestFailure::Refused(refusal));
                }
                Err(other) => return Err(other),
            }
        }
        Err(last.expect("at least one client authentication method is tried"))
    }

    fn password_failure(&self, failure: RequestFailure) -> OAuthError {
        let login = self.credentials.login.clone();
        match failure {
            RequestFailure::Failed(error) => error,
            RequestFailure::Refused(Refusal {
                status,
                kind,
                detail,
            }) => match kind {
                RefusalKind::InvalidClient => OAuthError::ClientRejected { status, detail },
                RefusalKind::InvalidGrant => OAuthError::SignInNeeded { login, detail },
                RefusalKind::AccessDenied => OAuthError::MissingRight { login, detail },
                RefusalKind::Other => OAuthError::Refused { status, detail },
            },
        }
    }

    fn refresh_failure(&self, failure: RequestFailure) -> OAuthError {
        match failure {
            RequestFailure::Failed(error) => error,
            RequestFailure::Refused(Refusal {
                status,
                kind,
                detail,
            }) => match kind {
                RefusalKind::InvalidClient => OAuthError::ClientRejected { status, detail },
                _ => OAuthError::Refused { status, detail },
            },
        }
    }
}
