//! A strict STARFACE PBX on loopback: REST (`/rest`), STARFACE 10 OAuth (`/auth/realms/pbx`)
//! and UCI XML-RPC (`/xml-rpc`), with a control API for tests and the demo.
//!
//! Chat status over XMPP is deliberately not simulated: tests run a real Prosody for that.
//!
//! Which PBX it plays ([`SimSettings`]): by default a STARFACE 10 with Keycloak and the classic
//! login still allowed; [`SimSettings::starface_9`] (no Keycloak: discovery and the token
//! endpoint are 404) and [`SimSettings::starface_10_oauth_only`] (`/rest/login` answers 403 and
//! UCI refuses the legacy token). Strict where the documentation is: a UCI session lives 60 s
//! after its last `keepAlive` only; OAuth as described in `oauth.rs` (root discovery redirect,
//! client authentication in the form or as HTTP Basic, rotating refresh tokens, revocable
//! sessions, the password-grant right). Its clock can be moved ([`StarfaceSimulator::clock`]).
//!
//! ```no_run
//! # async fn demo() {
//! use simulators::starface::{Organisation, StarfaceSimulator};
//! let pbx = StarfaceSimulator::start(Organisation::demo()).await.unwrap();
//! pbx.press_dnd_on_phone("0001", true);
//! let call = pbx.start_call("0001");
//! pbx.end_call("0001", &call);
//! # }
//! ```

mod oauth;
mod organisation;
mod rest;
mod secrets;
mod state;
mod uci;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio::sync::Mutex as AsyncMutex;

use crate::loopback::LoopbackServer;
use crate::loopback_tls::LoopbackTlsError;
use crate::request_log::{record, RequestLog};

pub use oauth::{
    CLIENT_ID as OAUTH_CLIENT_ID, REALM_DISCOVERY_PATH as OAUTH_REALM_DISCOVERY_PATH,
    TOKEN_PATH as OAUTH_TOKEN_PATH,
};
pub use organisation::{Organisation, SimChatPresence, SimPhoneConfig, SimUser, UserRight};
pub use state::{SimClientAuth, SimSettings};

/// The request-log note on every UCI call answered with the "not connected" fault.
pub const NOTE_NOT_CONNECTED: &str = "answered UcpNotConnectedException";
pub use uci::{
    FAULT_BAD_PARAMS, FAULT_COMMUNICATION, FAULT_ILLEGAL_ACCESS, FAULT_NOT_CONNECTED,
    FAULT_NO_SUCH_METHOD,
};

use state::{lock, InjectedAnswer, InjectedFault, PbxState, SharedState};

#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("cannot bind the simulator port: {0}")]
    Bind(#[from] std::io::Error),
    #[error(transparent)]
    Tls(#[from] LoopbackTlsError),
}

#[derive(Clone)]
struct TlsMaterial {
    cert_pem: String,
    key_pem: String,
}

/// The simulated PBX's clock: real time plus the jumps made with [`PbxClock::advance`].
#[derive(Clone)]
pub struct PbxClock {
    state: SharedState,
}

impl PbxClock {
    pub fn advance(&self, by: Duration) {
        lock(&self.state).clock_offset += by;
    }
}

/// A running simulated PBX. Dropping it stops the server.
pub struct StarfaceSimulator {
    state: SharedState,
    log: RequestLog,
    port: u16,
    tls: Option<TlsMaterial>,
    listener: AsyncMutex<Option<LoopbackServer>>,
}

impl StarfaceSimulator {
    /// Plain HTTP on a free loopback port with default settings.
    pub async fn start(org: Organisation) -> Result<Self, SimulatorError> {
        Self::start_with(org, SimSettings::default()).await
    }

    pub async fn start_with(
        org: Organisation,
        settings: SimSettings,
    ) -> Result<Self, SimulatorError> {
        Self::launch(org, settings, None).await
    }

    /// HTTPS with the given certificate (PEM chain) and key, e.g. a self-signed one from a test.
    pub async fn start_tls(
        org: Organisation,
        settings: SimSettings,
        cert_pem: &str,
        key_pem: &str,
    ) -> Result<Self, SimulatorError> {
        let tls = TlsMaterial {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
        };
        Self::launch(org, settings, Some(tls)).await
    }

    async fn launch(
        org: Organisation,
        settings: SimSettings,
        tls: Option<TlsMaterial>,
    ) -> Result<Self, SimulatorError> {
        let state: SharedState = Arc::new(Mutex::new(PbxState::new(org, settings)));
        let log = RequestLog::new();
        let listener = serve(&state, &log, 0, tls.as_ref()).await?;
        let port = listener.addr().port();
        let scheme = if tls.is_some() { "https" } else { "http" };
        lock(&state).public_base_url = format!("{scheme}://127.0.0.1:{port}");
        Ok(Self {
            state,
            log,
            port,
            tls,
            listener: AsyncMutex::new(Some(listener)),
        })
    }

    /// `http(s)://127.0.0.1:PORT` (no trailing slash); stays the same across [`Self::restart`].
    pub fn base_url(&self) -> String {
        lock(&self.state).public_base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every HTTP request received (REST, OAuth and UCI), across restarts.
    pub fn request_log(&self) -> &RequestLog {
        &self.log
    }

    pub fn oauth_client_secret(&self) -> String {
        lock(&self.state).settings.oauth_client_secret.clone()
    }

    /// Stops the server and starts it again on the same port. Tokens, nonces and UCI sessions
    /// are forgotten, users and their phone state are kept (as on a real PBX reboot).
    pub async fn restart(&self) -> Result<(), SimulatorError> {
        let mut slot = self.listener.lock().await;
        if let Some(listener) = slot.take() {
            listener.stop().await;
        }
        lock(&self.state).forget_sessions();
        // The port may linger briefly after the old socket closed.
        let mut attempt = 0;
        loop {
            match serve(&self.state, &self.log, self.port, self.tls.as_ref()).await {
                Ok(listener) => {
                    *slot = Some(listener);
                    return Ok(());
                }
                Err(error) if attempt < 50 => {
                    attempt += 1;
                    tracing::debug!(%error, "simulator port not free yet, retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    pub async fn stop(&self) {
        if let Some(listener) = self.listener.lock().await.take() {
            listener.stop().await;
        }
    }

    // --- the phone and the desk: things a person does on the PBX side ---

    /// The user presses the DND key on their desk phone.
    pub fn press_dnd_on_phone(&self, login: &str, on: bool) {
        self.with_user(login, |u| u.phone_config.do_not_disturb = on);
    }

    pub fn phone_config(&self, login: &str) -> SimPhoneConfig {
        self.with_user(login, |u| u.phone_config)
    }

    /// Replaces the whole phone config (to give the other three fields distinctive values).
    pub fn set_phone_config(&self, login: &str, config: SimPhoneConfig) {
        self.with_user(login, |u| u.phone_config = config);
    }

    /// A call starts for `login`; returns its call id. `telephonyState` becomes `ACTIVE`.
    pub fn start_call(&self, login: &str) -> String {
        let mut state = lock(&self.state);
        let id = state.next_call_id();
        let user = state
            .user_by_login_mut(login)
            .unwrap_or_else(|| panic!("no simulated user {login}"));
        user.call_ids.push(id.clone());
        id
    }

    pub fn end_call(&self, login: &str, call_id: &str) {
        self.with_user(login, |u| u.call_ids.retain(|c| c != call_id));
    }

    /// The chat status changes on the PBX side (e.g. the official desktop client set it).
    pub fn set_chat_presence(&self, login: &str, presence: SimChatPresence) {
        self.with_user(login, |u| u.chat_presence = presence);
    }

    pub fn chat_presence_message(&self, login: &str) -> String {
        self.with_user(login, |u| u.chat_presence_message.clone())
    }

    /// The user's password changes on the PBX (e.g. the admin reset it).
    pub fn set_password(&self, login: &str, password: &str) {
        self.with_user(login, |u| u.password = password.to_owned());
    }

    pub fn grant_right(&self, login: &str, right: UserRight) {
        self.with_user(login, |u| {
            u.rights.insert(right);
        });
    }

    pub fn revoke_right(&self, login: &str, right: UserRight) {
        self.with_user(login, |u| {
            u.rights.remove(&right);
        });
    }

    pub fn add_user(&self, user: SimUser) {
        lock(&self.state).org.users.push(user);
    }

    pub fn users(&self) -> Vec<SimUser> {
        lock(&self.state).org.users.clone()
    }

    // --- failures ---

    /// Every REST/OAuth token stops working now (the next call gets `401`).
    pub fn expire_tokens(&self) {
        let mut state = lock(&self.state);
        state.rest_tokens.clear();
        state.oauth_access_tokens.clear();
    }

    /// The admin ends `login`'s OAuth sessions: their access tokens stop working at once and
    /// their refresh tokens are refused (`invalid_grant`, "Session not active").
    pub fn revoke_oauth_sessions(&self, login: &str) {
        let mut state = lock(&self.state);
        let id = state
            .user_by_login(login)
            .unwrap_or_else(|| panic!("no simulated user {login}"))
            .id;
        for session in state.oauth_sessions.values_mut() {
            if session.user_id == id {
                session.revoked = true;
            }
        }
    }

    /// The account id (REST `accountId`) of the user a valid OAuth access token belongs to
    /// (not expired, session not revoked); `None` for any other token. The office hands this to
    /// its OneHub, which accepts the PBX's tokens like a real STARFACE 10.
    pub fn oauth_account_id(&self, access_token: &str) -> Option<i64> {
        let state = lock(&self.state);
        let user_id = state.oauth_user(access_token)?;
        state
            .org
            .users
            .iter()
            .find(|u| u.id == user_id)
            .map(|u| u.account_id)
    }

    /// Names `grpc_url` (`grpcs://host:port`) as the OneHub in `/rpc/oauth/login-config`, as a
    /// cloud PBX names its gateway; `None` makes that endpoint 404 again. Needs Keycloak.
    pub fn set_onehub_gateway(&self, grpc_url: Option<&str>) {
        lock(&self.state).onehub_gateway = grpc_url.map(str::to_owned);
    }

    /// How many OAuth sessions (password grants) `login` has started.
    pub fn oauth_sessions_started(&self, login: &str) -> usize {
        let state = lock(&self.state);
        let Some(id) = state.user_by_login(login).map(|u| u.id) else {
            return 0;
        };
        state
            .oauth_sessions
            .values()
            .filter(|s| s.user_id == id)
            .count()
    }

    /// Switches the classic login (`/rest/login`, UCI legacy token) on or off.
    pub fn set_classic_login(&self, enabled: bool) {
        lock(&self.state).settings.classic_login = enabled;
    }

    /// Drops all UCI login sessions (as if keep-alives had stopped).
    pub fn expire_uci_sessions(&self) {
        lock(&self.state).uci_sessions.clear();
    }

    /// The next `connection.keepAlive` of `login` finds its session ended and answers `false`.
    pub fn end_uci_session_at_next_keep_alive(&self, login: &str) {
        let mut state = lock(&self.state);
        let id = state
            .user_by_login(login)
            .unwrap_or_else(|| panic!("no simulated user {login}"))
            .id;
        state.uci_end_at_next_keep_alive.insert(id);
    }

    /// The time between consecutive `keepAlive`s of `login`'s current UCI session (the login
    /// counts as the first), by the PBX's clock.
    pub fn uci_keep_alive_gaps(&self, login: &str) -> Vec<Duration> {
        let state = lock(&self.state);
        state
            .user_by_login(login)
            .and_then(|u| state.uci_keep_alive_gaps.get(&u.id))
            .cloned()
            .unwrap_or_default()
    }

    /// Moves the PBX's clock forward: tokens, OAuth sessions and UCI sessions run out as if
    /// `by` had passed.
    pub fn advance_clock(&self, by: Duration) {
        self.clock().advance(by);
    }

    /// A handle on the PBX's clock that outlives borrows of the simulator (e.g. to move it
    /// along with a client's simulated clock).
    pub fn clock(&self) -> PbxClock {
        PbxClock {
            state: self.state.clone(),
        }
    }

    /// The next `times` REST requests whose path starts with `path_prefix` get `status`.
    pub fn inject_rest_failure(&self, path_prefix: &str, status: u16, times: usize) {
        lock(&self.state).faults.push(InjectedFault::Rest {
            path_prefix: path_prefix.to_owned(),
            status,
            times,
        });
    }

    /// The next `times` requests (any route) whose path starts with `path_prefix` are answered
    /// with a redirect (`status`, e.g. 302 or 307) to `location`.
    pub fn inject_redirect(&self, path_prefix: &str, status: u16, location: &str, times: usize) {
        lock(&self.state).faults.push(InjectedFault::Redirect {
            path_prefix: path_prefix.to_owned(),
            status,
            location: location.to_owned(),
            times,
        });
    }

    /// The next `times` requests (any route) whose path starts with `path_prefix` are answered
    /// `200` with `body` (e.g. an oversized one).
    pub fn inject_body(&self, path_prefix: &str, content_type: &str, body: String, times: usize) {
        lock(&self.state).faults.push(InjectedFault::Body {
            path_prefix: path_prefix.to_owned(),
            content_type: content_type.to_owned(),
            body: Arc::new(body),
            times,
        });
    }

    /// The next `times` UCI calls whose method ends with `method_suffix` get a fault.
    pub fn inject_uci_fault(&self, method_suffix: &str, times: usize) {
        lock(&self.state).faults.push(InjectedFault::Uci {
            method_suffix: method_suffix.to_owned(),
            times,
        });
    }

    /// Which UCI method prefixes the PBX answers (e.g. only `ucp.v22.requests` for an old PBX).
    pub fn set_uci_prefixes(&self, prefixes: &[&str]) {
        lock(&self.state).settings.uci_prefixes = prefixes.iter().map(|p| p.to_string()).collect();
    }

    pub fn uci_session_active(&self, login: &str) -> bool {
        let state = lock(&self.state);
        let timeout = state.settings.uci_session_timeout;
        let now = state.now();
        state
            .user_by_login(login)
            .and_then(|u| state.uci_sessions.get(&u.id))
            .is_some_and(|last| now.duration_since(*last) < timeout)
    }

    fn with_user<T>(&self, login: &str, f: impl FnOnce(&mut SimUser) -> T) -> T {
        let mut state = lock(&self.state);
        let user = state
            .user_by_login_mut(login)
            .unwrap_or_else(|| panic!("no simulated user {login}"));
        f(user)
    }
}

fn app(state: &SharedState, log: &RequestLog) -> Router {
    rest::router(state.clone())
        .merge(oauth::router(state.clone()))
        .merge(uci::router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            injected_answers,
        ))
        .layer(axum::middleware::from_fn_with_state(log.clone(), record))
}

/// Serves the redirects and bodies a test injected instead of the real answer.
async fn injected_answers(
    axum::extract::State(state): axum::extract::State<SharedState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let injected = lock(&state).take_injected_answer(request.uri().path());
    match injected {
        Some(InjectedAnswer::Redirect { status, location }) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND),
            [(header::LOCATION, location)],
        )
            .into_response(),
        Some(InjectedAnswer::Body { content_type, body }) => (
            [(header::CONTENT_TYPE, content_type)],
            body.as_str().to_owned(),
        )
            .into_response(),
        None => next.run(request).await,
    }
}

async fn serve(
    state: &SharedState,
    log: &RequestLog,
    port: u16,
    tls: Option<&TlsMaterial>,
) -> Result<LoopbackServer, SimulatorError> {
    let router = app(state, log);
    Ok(match tls {
        None => LoopbackServer::start(router, port).await?,
        Some(tls) => LoopbackServer::start_tls(router, port, &tls.cert_pem, &tls.key_pem).await?,
    })
}
