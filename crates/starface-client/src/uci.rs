//! UCI over XML-RPC: own telephony state and chat presence (read), chat message (write).
//!
//! The XML-RPC format is done by `dxr`; this module only adds STARFACE's URL authentication,
//! the `ucp.v30` → `ucp.v22` fallback and the login/keep-alive/logout session.
//!
//! STARFACE's UCI documentation: "To stay connected to the server the client is required to
//! send continuous keepAlive() requests". Whether other calls also count is not documented, so
//! the client counts only `keepAlive` (and the login) and sends one every 45 s (the server's
//! session timeout is about 60 s), however busy it is otherwise.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use dxr::{MethodCall, TryFromValue, Value};
use keychain::Secret;
use tokio::task::JoinHandle;

use crate::config::{Credentials, PbxEndpoint};
use crate::http::{self, BodyError, Redirect, MAX_BODY_BYTES};
use crate::login_secret;
use crate::oauth::{AccessToken, OAuthError};
use crate::presence_values::{ChatPresence, TelephonyState};
use crate::sign_in::PbxSignIn;
use crate::timing::Timing;
use crate::tls::TlsError;

#[derive(Debug, thiserror::Error)]
pub enum UciError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot reach UCI at the PBX: {0}")]
    Unreachable(String),
    #[error(
        "STARFACE refused the UCI login ({0}). Check login id and password, and that the user \
         may use UCI (STARFACE UCI / client access right)"
    )]
    AuthFailed(String),
    #[error("the UCI session ended ({0}); log in again")]
    NotLoggedIn(String),
    #[error("UCI method {method} failed with fault {code}: {message}")]
    Fault {
        method: String,
        code: i32,
        message: String,
    },
    #[error("UCI answered HTTP {0}")]
    Http(u16),
    #[error(
        "UCI answered with a redirect ({}) to {}; redirects are not followed so that the UCI \
         token stays with the PBX. Check starface.url (https, exact host name)",
        .0.status, .0.target
    )]
    Redirected(Redirect),
    #[error("the UCI answer is larger than {0} bytes; refused")]
    BodyTooLarge(usize),
    #[error("unexpected UCI answer to {method}: {reason}")]
    BadResponse { method: String, reason: String },
    #[error("no STARFACE sign-in for UCI: {0}")]
    SignIn(#[from] OAuthError),
}

/// How UCI requests authenticate (a query parameter on `/xml-rpc`).
#[derive(Clone)]
pub enum UciAuth {
    /// `de.vertico.starface.auth=login:sha512hex(login*sha512hex(password))`.
    LegacyToken(Secret),
    /// As the shared sign-in decides: the legacy token with the classic login, or
    /// `de.vertico.starface.jwt=` with the current OAuth access token (STARFACE 10), taken
    /// before every call so a refreshed token is used from the next call on.
    SignIn(PbxSignIn),
}

impl UciAuth {
    pub fn legacy(credentials: &Credentials) -> Self {
        UciAuth::LegacyToken(login_secret::uci_auth_token(
            &credentials.login,
            &credentials.password,
        ))
    }
}

impl std::fmt::Debug for UciAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UciAuth::LegacyToken(_) => f.write_str("UciAuth::LegacyToken(***)"),
            UciAuth::SignIn(sign_in) => write!(f, "UciAuth::SignIn({:?})", sign_in.mode()),
        }
    }
}

/// The UCI method namespace the PBX answered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UciApiVersion {
    /// `ucp.v30.requests.*` (STARFACE 7.3 and later).
    V30,
    /// `ucp.v22.requests.*` (older PBXs).
    V22,
}

impl UciApiVersion {
    pub fn prefix(self) -> &'static str {
        match self {
            UciApiVersion::V30 => "ucp.v30.requests",
            UciApiVersion::V22 => "ucp.v22.requests",
        }
    }
}

/// `userState.getUserState` for the own user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub telephony: TelephonyState,
    /// `None` if the PBX sent a value this crate does not know.
    pub chat_presence: Option<ChatPresence>,
    pub chat_presence_message: String,
}

/// How the UCI login session is kept.
#[derive(Debug, Clone)]
pub struct UciSessionOptions {
    pub timing: Timing,
    /// `connection.keepAlive` this long after the last one (or the login). The PBX ends a
    /// session after about 60 s without one, whatever other calls it got.
    pub keep_alive_interval: Duration,
    /// Wait after a failed keep-alive before trying again.
    pub retry_delay: Duration,
}

impl Default for UciSessionOptions {
    fn default() -> Self {
        Self {
            timing: Timing::real(),
            keep_alive_interval: Duration::from_secs(45),
            retry_delay: Duration::from_secs(10),
        }
    }
}

/// What [`UciClient::keep_alive_if_due`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepAliveOutcome {
    /// The last keep-alive is recent enough.
    NotDue,
    /// Not logged in (never, or logged out): nothing to keep.
    NoSession,
    /// `keepAlive` answered `true`.
    Kept,
    /// `keepAlive` answered `false` (the PBX had ended the session) and the client logged in
    /// again at once.
    LoggedInAgain,
}

/// Counters of the UCI session, for tests and `doctor`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UciSessionStats {
    /// Successful `connection.login` calls.
    pub logins: u64,
    /// `connection.keepAlive` calls answered `true`.
    pub keep_alives: u64,
    /// `connection.keepAlive` calls answered `false` (each followed by a new login).
    pub sessions_lost: u64,
}

#[derive(Debug)]
struct SessionState {
    logged_in: bool,
    /// The last `keepAlive` answered `true`, or the login.
    last_keep_alive: Instant,
}

struct UciInner {
    http: reqwest::Client,
    endpoint: PbxEndpoint,
    auth: UciAuth,
    options: UciSessionOptions,
    version: Mutex<UciApiVersion>,
    /// Held across a keep-alive and the login that may follow, so two callers never both log in.
    session: tokio::sync::Mutex<SessionState>,
    stats: Mutex<UciSessionStats>,
    keeper: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for UciInner {
    fn drop(&mut self) {
        if let Some(keeper) = lock(&self.keeper).take() {
            keeper.abort();
        }
    }
}

/// One UCI connection to the PBX. After [`Self::login`] it keeps the session itself: a
/// background task sends `connection.keepAlive` whenever [`UciSessionOptions::keep_alive_interval`]
/// has passed since the last one, and every other call first sends one if it is due. A `false`
/// answer means the PBX ended the session: the client logs in again at once, before the call.
pub struct UciClient {
    inner: Arc<UciInner>,
}

impl std::fmt::Debug for UciClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UciClient")
            .field("base_url", &self.inner.endpoint.base_url.as_str())
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl UciClient {
    pub fn new(endpoint: PbxEndpoint, auth: UciAuth) -> Result<Self, UciError> {
        Self::with_options(endpoint, auth, UciSessionOptions::default())
    }

    pub fn with_options(
        endpoint: PbxEndpoint,
        auth: UciAuth,
        options: UciSessionOptions,
    ) -> Result<Self, UciError> {
        let now = options.timing.now();
        Ok(Self {
            inner: Arc::new(UciInner {
                http: endpoint.http_client()?,
                endpoint,
                auth,
                options,
                version: Mutex::new(UciApiVersion::V30),
                session: tokio::sync::Mutex::new(SessionState {
                    logged_in: false,
                    last_keep_alive: now,
                }),
                stats: Mutex::new(UciSessionStats::default()),
                keeper: Mutex::new(None),
            }),
        })
    }

    pub fn api_version(&self) -> UciApiVersion {
        *lock(&self.inner.version)
    }

    /// The clock this client keeps its session by.
    pub fn timing(&self) -> &Timing {
        &self.inner.options.timing
    }

    pub fn session_stats(&self) -> UciSessionStats {
        *lock(&self.inner.stats)
    }

    /// `connection.login`, trying `ucp.v30` first and `ucp.v22` if the PBX does not know it.
    /// Starts keeping the session alive.
    pub async fn login(&self) -> Result<UciApiVersion, UciError> {
        let mut session = self.inner.session.lock().await;
        let version = self.inner.login(&mut session).await?;
        drop(session);
        self.start_keeper();
        Ok(version)
    }

    /// `connection.keepAlive` now; `false` means the session is gone and a new login is needed.
    pub async fn keep_alive(&self) -> Result<bool, UciError> {
        let mut session = self.inner.session.lock().await;
        let alive = self.inner.send_keep_alive().await?;
        if alive {
            session.last_keep_alive = self.inner.options.timing.now();
        } else {
            session.logged_in = false;
        }
        Ok(alive)
    }

    /// Sends `connection.keepAlive` if the interval has passed since the last one, and logs in
    /// again at once if it answers `false`.
    pub async fn keep_alive_if_due(&self) -> Result<KeepAliveOutcome, UciError> {
        self.inner.keep_alive_if_due().await
    }

    /// When the next keep-alive is due; `None` without a session.
    pub async fn next_keep_alive_at(&self) -> Option<Instant> {
        let session = self.inner.session.lock().await;
        session
            .logged_in
            .then(|| session.last_keep_alive + self.inner.options.keep_alive_interval)
    }

    /// `connection.logout`; stops keeping the session alive.
    pub async fn logout(&self) -> Result<(), UciError> {
        if let Some(keeper) = lock(&self.inner.keeper).take() {
            keeper.abort();
        }
        let mut session = self.inner.session.lock().await;
        session.logged_in = false;
        self.inner
            .call("connection.logout", Vec::new())
            .await
            .map(|_| ())
    }

    /// `userState.getUserState`: telephony state (ACTIVE = on a call), chat presence and text.
    pub async fn user_state(&self) -> Result<UserState, UciError> {
        const METHOD: &str = "userState.getUserState";
        user_state_from(&self.request(METHOD, Vec::new()).await?)
    }

    /// `userState.setChatPresenceMessage(text)`.
    pub async fn set_chat_presence_message(&self, text: &str) -> Result<(), UciError> {
        self.request(
            "userState.setChatPresenceMessage",
            vec![Value::String(text.to_owned())],
        )
        .await
        .map(|_| ())
    }

    /// `call.getCallIds`: the calls the user holds (a cross-check for `telephonyState`).
    pub async fn call_ids(&self) -> Result<Vec<String>, UciError> {
        call_ids_from(&self.request("call.getCallIds", Vec::new()).await?)
    }

    /// A request within the session: a due keep-alive goes first, so a session the PBX ended
    /// is noticed (and logged in again) before the request, not by its failure.
    async fn request(&self, method: &str, params: Vec<Value>) -> Result<Value, UciError> {
        self.inner.keep_alive_if_due().await?;
        self.inner.call(method, params).await
    }

    fn start_keeper(&self) {
        let mut keeper = lock(&self.inner.keeper);
        if keeper.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let inner = Arc::downgrade(&self.inner);
        let timing = self.inner.options.timing.clone();
        *keeper = Some(tokio::spawn(keep_session(inner, timing)));
    }
}

/// The background half of the keep-alive: wakes when the next one is due. Holds the client
/// only while working, so dropping the client ends it.
async fn keep_session(client: Weak<UciInner>, timing: Timing) {
    loop {
        let wait = {
            let Some(inner) = client.upgrade() else {
                return;
            };
            let session = inner.session.lock().await;
            if !session.logged_in {
                return;
            }
            session.last_keep_alive + inner.options.keep_alive_interval
        };
        timing.sleep_until(wait).await;
        let Some(inner) = client.upgrade() else {
            return;
        };
        let retry_delay = inner.options.retry_delay;
        match inner.keep_alive_if_due().await {
            Ok(KeepAliveOutcome::NoSession) => return,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "UCI keep-alive failed; trying again");
                drop(inner);
                timing.sleep(retry_delay).await;
            }
        }
    }
}

impl UciInner {
    async fn login(&self, session: &mut SessionState) -> Result<UciApiVersion, UciError> {
        let mut last_error = None;
        for version in [UciApiVersion::V30, UciApiVersion::V22] {
            match self.call_as(version, "connection.login", Vec::new()).await {
                Ok(Value::Boolean(true)) => {
                    *lock(&self.version) = version;
                    session.logged_in = true;
                    session.last_keep_alive = self.options.timing.now();
                    lock(&self.stats).logins += 1;
                    tracing::info!(api = version.prefix(), "logged in to STARFACE UCI");
                    return Ok(version);
                }
                Ok(_) => {
                    return Err(UciError::AuthFailed(
                        "connection.login returned false".into(),
                    ))
                }
                Err(
                    error @ (UciError::AuthFailed(_)
                    | UciError::Unreachable(_)
                    | UciError::Tls(_)
                    | UciError::Redirected(_)
                    | UciError::BodyTooLarge(_)),
                ) => return Err(error),
                Err(error) => {
                    tracing::debug!(api = version.prefix(), %error, "UCI login failed; trying older API");
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| UciError::AuthFailed("no UCI API answered".into())))
    }

    async fn send_keep_alive(&self) -> Result<bool, UciError> {
        let value = self.call("connection.keepAlive", Vec::new()).await?;
        bool::try_from_value(&value).map_err(|e| bad("connection.keepAlive", e))
    }

    async fn keep_alive_if_due(&self) -> Result<KeepAliveOutcome, UciError> {
        let mut session = self.session.lock().await;
        if !session.logged_in {
            return Ok(KeepAliveOutcome::NoSession);
        }
        let now = self.options.timing.now();
        if now < session.last_keep_alive + self.options.keep_alive_interval {
            return Ok(KeepAliveOutcome::NotDue);
        }
        if self.send_keep_alive().await? {
            session.last_keep_alive = self.options.timing.now();
            lock(&self.stats).keep_alives += 1;
            return Ok(KeepAliveOutcome::Kept);
        }
        lock(&self.stats).sessions_lost += 1;
        session.logged_in = false;
        tracing::info!(
            "the PBX ended the UCI session (keepAlive answered false); logging in again"
        );
        self.login(&mut session).await?;
        Ok(KeepAliveOutcome::LoggedInAgain)
    }

    async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, UciError> {
        let version = *lock(&self.version);
        self.call_as(version, method, params).await
    }

    async fn call_as(
        &self,
        version: UciApiVersion,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Value, UciError> {
        let name = format!("{}.{method}", version.prefix());
        let body = dxr_client::utils::request_to_body(&MethodCall {
            name: name.as_str().into(),
            params,
        })
        .map_err(|e| bad(method, e))?;
        let credential = self.credential().await?;
        let result = self.post(method, &body, &credential).await;
        match (result, credential) {
            // A token the PBX refused before it expired (a revoked session): renew it once.
            (Err(UciError::AuthFailed(reason)), UciCredential::Jwt(rejected)) => {
                let Some(tokens) = self.sign_in_tokens() else {
                    return Err(UciError::AuthFailed(reason));
                };
                tracing::info!("UCI refused the access token; renewing it");
                let renewed = tokens.renew_after_rejection(&rejected).await?;
                self.post(method, &body, &UciCredential::Jwt(renewed)).await
            }
            (result, _) => result,
        }
    }

    fn sign_in_tokens(&self) -> Option<&crate::oauth::TokenSource> {
        match &self.auth {
            UciAuth::SignIn(sign_in) => sign_in.tokens(),
            UciAuth::LegacyToken(_) => None,
        }
    }

    /// What this call authenticates with.
    async fn credential(&self) -> Result<UciCredential, UciError> {
        Ok(match &self.auth {
            UciAuth::LegacyToken(token) => UciCredential::Legacy(token.clone()),
            UciAuth::SignIn(sign_in) => match sign_in.oauth_tokens().await? {
                Some(tokens) => UciCredential::Jwt(tokens.fresh().await?),
                None => UciCredential::Legacy(login_secret::uci_auth_token(
                    &sign_in.credentials().login,
                    &sign_in.credentials().password,
                )),
            },
        })
    }

    async fn post(
        &self,
        method: &str,
        body: &str,
        credential: &UciCredential,
    ) -> Result<Value, UciError> {
        let mut url = self.endpoint.url("xml-rpc");
        match credential {
            UciCredential::Legacy(token) => {
                url.query_pairs_mut()
                    .append_pair("de.vertico.starface.auth", token.expose());
            }
            UciCredential::Jwt(token) => {
                url.query_pairs_mut()
                    .append_pair("de.vertico.starface.jwt", token.secret().expose());
            }
        }
        // The URL carries the credential: strip it from every error before it can be logged.
        let response = self
            .http
            .post(url)
            .header("Content-Type", "text/xml")
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| UciError::Unreachable(e.without_url().to_string()))?;
        if let Some(redirect) = http::redirect_of(&response) {
            return Err(UciError::Redirected(redirect));
        }
        let status = response.status();
        if !status.is_success() {
            return Err(UciError::Http(status.as_u16()));
        }
        let body =
            http::read_body(response, MAX_BODY_BYTES)
                .await
                .map_err(|error| match error {
                    BodyError::TooLarge { limit } => UciError::BodyTooLarge(limit),
                    BodyError::Read(e) => UciError::Unreachable(e.without_url().to_string()),
                })?;
        decode_response(method, &String::from_utf8_lossy(&body))
    }
}

enum UciCredential {
    Legacy(Secret),
    Jwt(AccessToken),
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// An XML-RPC response body as the value it returns, or the classified fault. Pure, so fuzz
/// tests run exactly what the client runs on the PBX's answer.
pub fn decode_response(method: &str, text: &str) -> Result<Value, UciError> {
    match dxr_client::utils::response_to_result(text) {
        Ok(Ok(response)) => Ok(response.value),
        Ok(Err(fault)) => Err(classify_fault(
            method,
            fault.fault.code(),
            fault.fault.string(),
        )),
        Err(error) => Err(bad(method, error)),
    }
}

/// The `userState.getUserState` struct as a [`UserState`]; unknown chat presences become `None`.
pub fn user_state_from(value: &Value) -> Result<UserState, UciError> {
    const METHOD: &str = "userState.getUserState";
    let Value::Struct(fields) = value else {
        return Err(bad(METHOD, "not a struct"));
    };
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let telephony = text("telephonyState").ok_or_else(|| bad(METHOD, "no telephonyState"))?;
    Ok(UserState {
        telephony: TelephonyState::from_uci_name(&telephony),
        chat_presence: text("chatPresence").and_then(|p| ChatPresence::from_uci_name(&p)),
        chat_presence_message: text("chatPresenceMessage").unwrap_or_default(),
    })
}

/// The `call.getCallIds` array.
pub fn call_ids_from(value: &Value) -> Result<Vec<String>, UciError> {
    Vec::<String>::try_from_value(value).map_err(|e| bad("call.getCallIds", e))
}

/// Fault codes are undocumented; the javadoc exception names in the text are what is stable.
fn classify_fault(method: &str, code: i32, message: &str) -> UciError {
    if message.contains("IllegalAccess") || message.to_lowercase().contains("authentication") {
        UciError::AuthFailed(message.to_owned())
    } else if message.contains("NotConnected") || message.to_lowercase().contains("not logged in") {
        UciError::NotLoggedIn(message.to_owned())
    } else {
        UciError::Fault {
            method: method.to_owned(),
            code,
            message: message.to_owned(),
        }
    }
}

fn bad(method: &str, error: impl std::fmt::Display) -> UciError {
    UciError::BadResponse {
        method: method.to_owned(),
        reason: error.to_string(),
    }
}
