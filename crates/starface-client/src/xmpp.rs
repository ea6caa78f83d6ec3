//! Own chat status over XMPP (STARFACE's chat server is Openfire).
//!
//! One [`XmppChatLink`] is one logged-in XMPP resource of the user. It keeps the wanted status
//! and sends it again after every (re)connect.
//!
//! The link drives tokio-xmpp's `StanzaStream` itself rather than its `Client`: the `Client`
//! shares the stream between its sender and a background worker behind a mutex the worker only
//! `try_lock`s, without being woken again when that fails, so a send racing an incoming event
//! could stall all reception for good; and it hides disconnects (`Suspended` is dropped). Here
//! a disconnect shows up as `Suspended` (the link goes `Connecting` and only keeps the wanted
//! status), tokio-xmpp reconnects (1 s doubling to 30 s) and each new stream's `Reset` publishes
//! the wanted status again. Sends only queue the stanza; a presence not written within
//! `response_timeout` while online, or a stream that ends, makes the link drop the stream and
//! open a new one itself (1 s doubling to 30 s). Keep-alive: after `keepalive_interval` of
//! silence an XMPP ping is sent, and a stream silent for `response_timeout` after that is
//! dropped and reconnected.
//!
//! Credentials ([`XmppLogin`]) are asked for at every stream the link opens. With
//! [`XmppLogin::SignIn`] on STARFACE 10 OAuth the password is the current access token, so
//! tokio-xmpp's own reconnect (which would reuse it) is not used: a dropped stream is given up
//! and the link opens a new one with fresh credentials, and a connected link does the same when
//! its token enters the refresh margin (before it expires) or the chat user name changes.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use keychain::Secret;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::jid::{BareJid, Jid};
use tokio_xmpp::parsers::iq::Iq;
use tokio_xmpp::parsers::message::Lang;
use tokio_xmpp::parsers::ns;
use tokio_xmpp::parsers::presence::{Presence, Show, Type as PresenceType};
use tokio_xmpp::parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use tokio_xmpp::stanzastream::{
    Event as StreamItem, StanzaStage, StanzaState, StanzaStream, StanzaToken, StreamEvent,
};
use tokio_xmpp::xmlstream::{PendingFeaturesRecv, Timeouts};
use tokio_xmpp::Stanza;

use crate::oauth::OAuthError;
use crate::presence_values::ChatPresence;
use crate::sign_in::PbxSignIn;
use crate::tls::{self, TlsError, TlsTrust};
use crate::xmpp_connector::StartTlsConnector;

#[derive(Debug, thiserror::Error)]
pub enum XmppError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("invalid XMPP address `{0}`")]
    InvalidJid(String),
    #[error("the XMPP link has stopped")]
    Stopped,
    #[error("XMPP did not come online within {0:?} (wrong host, port, domain, password or certificate?)")]
    NotOnline(Duration),
    #[error("cannot send presence: {0}")]
    Send(String),
    #[error("no STARFACE sign-in for XMPP: {0}")]
    SignIn(#[from] OAuthError),
}

/// Who the link signs in as; asked afresh at every (re)connect.
#[derive(Clone)]
pub enum XmppLogin {
    /// A fixed user name and password (the STARFACE login id and password up to STARFACE 9).
    Password { user: String, password: Secret },
    /// As the PBX's sign-in decides: with the classic login, the login id and password; with
    /// OAuth (STARFACE 10) the chat user name ([`ChatUser`]) and the current access token as
    /// password. The link then reconnects with a fresh token before the one it logged in with
    /// expires (the margin of [`crate::OAuthSettings::refresh_margin`]).
    SignIn {
        sign_in: PbxSignIn,
        chat_user: ChatUser,
    },
}

impl std::fmt::Debug for XmppLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XmppLogin::Password { user, .. } => write!(f, "Password {{ user: {user:?}, .. }}"),
            XmppLogin::SignIn { sign_in, .. } => write!(f, "SignIn({sign_in:?})"),
        }
    }
}

impl XmppLogin {
    /// The user name as far as known now, for messages.
    pub fn user_hint(&self) -> String {
        match self {
            XmppLogin::Password { user, .. } => user.clone(),
            XmppLogin::SignIn { sign_in, chat_user } => chat_user
                .get()
                .unwrap_or_else(|| sign_in.credentials().login.clone()),
        }
    }
}

/// The XMPP user name on STARFACE 10: the local part of the JID that OneHub's
/// `ChatService.GetChatId` returns for the user. The app fills it once it knows it; until then
/// (and with the classic login) the STARFACE login id is used. Setting a different name makes a
/// connected link reconnect under it.
#[derive(Clone, Debug)]
pub struct ChatUser {
    name: Arc<watch::Sender<Option<String>>>,
}

impl Default for ChatUser {
    fn default() -> Self {
        Self::new()
    }
}

impl ChatUser {
    pub fn new() -> Self {
        Self {
            name: Arc::new(watch::channel(None).0),
        }
    }

    /// `0001@pbx.example.com/resource` or `0001`: the part before `@` is the user name.
    pub fn set_from_chat_id(&self, chat_id: &str) {
        let user = chat_id
            .split('/')
            .next()
            .unwrap_or_default()
            .split('@')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if user.is_empty() {
            return;
        }
        self.name.send_if_modified(|name| {
            let changed = name.as_deref() != Some(user.as_str());
            *name = Some(user);
            changed
        });
    }

    pub fn get(&self) -> Option<String> {
        self.name.borrow().clone()
    }

    fn subscribe(&self) -> watch::Receiver<Option<String>> {
        self.name.subscribe()
    }
}

#[derive(Debug, Clone)]
pub struct XmppSettings {
    /// The host dialled; also the TLS server name.
    pub host: String,
    pub port: u16,
    /// The XMPP domain (`user@domain`), often the PBX's IP address.
    pub domain: String,
    pub login: XmppLogin,
    pub resource: String,
    pub trust: TlsTrust,
    /// Presence priority of this resource; Openfire shows the highest-priority resource.
    pub priority: i8,
    pub keepalive_interval: Duration,
    pub response_timeout: Duration,
}

impl XmppSettings {
    /// A fixed user name and password.
    pub fn new(host: &str, domain: &str, login: &str, password: Secret) -> Self {
        Self::with_login(
            host,
            domain,
            XmppLogin::Password {
                user: login.to_owned(),
                password,
            },
        )
    }

    pub fn with_login(host: &str, domain: &str, login: XmppLogin) -> Self {
        Self {
            host: host.to_owned(),
            port: 5222,
            domain: domain.to_owned(),
            login,
            resource: "presence-bridge".to_owned(),
            trust: TlsTrust::default(),
            priority: 0,
            keepalive_interval: Duration::from_secs(60),
            response_timeout: Duration::from_secs(20),
        }
    }

    /// The JID as far as known now (the user name of [`XmppLogin::SignIn`] may change).
    pub fn bare_jid(&self) -> Result<BareJid, XmppError> {
        bare_jid(&self.login.user_hint(), &self.domain)
    }
}

fn bare_jid(user: &str, domain: &str) -> Result<BareJid, XmppError> {
    let jid = format!("{user}@{domain}");
    BareJid::new(&jid).map_err(|_| XmppError::InvalidJid(jid))
}

/// A chat status: one of the six values plus an optional text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatStatus {
    pub presence: ChatPresence,
    pub text: Option<String>,
}

impl ChatStatus {
    pub fn new(presence: ChatPresence, text: Option<&str>) -> Self {
        Self {
            presence,
            text: text.map(str::to_owned).filter(|t| !t.is_empty()),
        }
    }
}

/// `show` for each chat presence: AVAILABLE has none, UNAVAILABLE is a presence type instead.
pub fn show_for(presence: ChatPresence) -> Option<Show> {
    match presence {
        ChatPresence::Available | ChatPresence::Unavailable => None,
        ChatPresence::FreeForChat => Some(Show::Chat),
        ChatPresence::Away => Some(Show::Away),
        ChatPresence::ExtendedAway => Some(Show::Xa),
        ChatPresence::DoNotDisturb => Some(Show::Dnd),
    }
}

/// The inverse of [`show_for`] for a received presence.
pub fn chat_presence_of(presence: &Presence) -> ChatPresence {
    if presence.type_ == PresenceType::Unavailable {
        return ChatPresence::Unavailable;
    }
    match presence.show {
        None => ChatPresence::Available,
        Some(Show::Chat) => ChatPresence::FreeForChat,
        Some(Show::Away) => ChatPresence::Away,
        Some(Show::Xa) => ChatPresence::ExtendedAway,
        Some(Show::Dnd) => ChatPresence::DoNotDisturb,
    }
}

/// What a received presence says about a resource's chat status; `None` for presences that
/// carry none (no sender, or subscription management). Pure (fuzzed on arbitrary stanzas).
pub fn observed_presence(presence: &Presence) -> Option<ObservedPresence> {
    let from = presence.from.as_ref()?;
    if !matches!(
        presence.type_,
        PresenceType::None | PresenceType::Unavailable
    ) {
        return None;
    }
    let text = presence.statuses.values().next().cloned();
    Some(ObservedPresence {
        status: ChatStatus::new(chat_presence_of(presence), text.as_deref()),
        from: from.to_string(),
    })
}

/// The stanza for `status`.
pub fn presence_stanza(status: &ChatStatus, priority: i8) -> Presence {
    let mut presence = match status.presence {
        ChatPresence::Unavailable => Presence::unavailable(),
        other => {
            let presence = Presence::available().with_priority(priority);
            match show_for(other) {
                Some(show) => presence.with_show(show),
                None => presence,
            }
        }
    };
    if let Some(text) = &status.text {
        presence.set_status(Lang(String::new()), text.clone());
    }
    presence
}

/// Connection state of the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmppLinkState {
    Connecting,
    /// Online; `session` counts (re)connects, starting at 1.
    Online {
        session: u32,
    },
    Stopped,
}

/// A presence another resource or contact sent, as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedPresence {
    pub status: ChatStatus,
    /// Full JID it came from (e.g. `0001@pbx/StarfaceWindows-...`).
    pub from: String,
}

/// Depth of tokio-xmpp's send and receive queues.
const QUEUE_DEPTH: usize = 16;
/// First and longest wait before the link opens a new stream after giving one up.
const RECONNECT_MIN: Duration = Duration::from_secs(1);
const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// How long a closing stream may take to say goodbye; twice this fits in
/// [`XmppChatLink::close`]'s 5 s.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

enum Command {
    Set(ChatStatus, oneshot::Sender<Result<(), XmppError>>),
    Close(oneshot::Sender<()>),
}

/// One XMPP resource of the user that publishes the wanted chat status.
pub struct XmppChatLink {
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<XmppLinkState>,
    others: watch::Receiver<BTreeMap<String, ObservedPresence>>,
    task: Option<JoinHandle<()>>,
}

impl XmppChatLink {
    /// Starts connecting in the background.
    pub fn start(settings: XmppSettings) -> Result<Self, XmppError> {
        // A fixed user must make a valid JID now; a signed-in one is checked at each connect.
        if let XmppLogin::Password { user, .. } = &settings.login {
            let full = format!(
                "{}/{}",
                bare_jid(user, &settings.domain)?,
                settings.resource
            );
            Jid::new(&full).map_err(|_| XmppError::InvalidJid(full.clone()))?;
        }
        let connector = StartTlsConnector::new(
            &settings.host,
            settings.port,
            tls::client_config(&settings.trust)?,
        )?;
        let timeouts = Timeouts {
            read_timeout: settings.keepalive_interval,
            response_timeout: settings.response_timeout,
        };
        let factory = SessionFactory {
            login: settings.login.clone(),
            domain: settings.domain.clone(),
            resource: settings.resource.clone(),
            connector,
            timeouts,
        };
        let (commands, receiver) = mpsc::channel(16);
        let (state_tx, state) = watch::channel(XmppLinkState::Connecting);
        let (others_tx, others) = watch::channel(BTreeMap::new());
        let task = tokio::spawn(run(
            factory,
            settings.priority,
            settings.response_timeout,
            receiver,
            state_tx,
            others_tx,
        ));
        Ok(Self {
            commands,
            state,
            others,
            task: Some(task),
        })
    }

    /// Sets the wanted chat status. Queued for sending now if online and different from what
    /// this link last sent or queued; otherwise sent on the next (re)connect. Returns once
    /// queued, never waiting for the stream to write it.
    pub async fn set_chat_status(&self, status: ChatStatus) -> Result<(), XmppError> {
        let (ack, done) = oneshot::channel();
        self.commands
            .send(Command::Set(status, ack))
            .await
            .map_err(|_| XmppError::Stopped)?;
        done.await.map_err(|_| XmppError::Stopped)?
    }

    pub fn link_state(&self) -> watch::Receiver<XmppLinkState> {
        self.state.clone()
    }

    /// Presences of the user's other resources (e.g. the official desktop client) and of
    /// contacts, by full JID. Watching this is how an overwrite by the desktop client shows up.
    pub fn observed_presences(&self) -> watch::Receiver<BTreeMap<String, ObservedPresence>> {
        self.others.clone()
    }

    /// Waits until the link is online (first connect or after a reconnect).
    pub async fn wait_online(&self, timeout: Duration) -> Result<u32, XmppError> {
        let mut state = self.state.clone();
        let online = tokio::time::timeout(timeout, async {
            loop {
                if let XmppLinkState::Online { session } = *state.borrow_and_update() {
                    return Ok(session);
                }
                if state.changed().await.is_err() {
                    return Err(XmppError::Stopped);
                }
            }
        });
        online.await.map_err(|_| XmppError::NotOnline(timeout))?
    }

    /// Sends `unavailable` and closes the stream.
    pub async fn close(mut self) {
        let (ack, done) = oneshot::channel();
        if self.commands.send(Command::Close(ack)).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), done).await;
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for XmppChatLink {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Builds one tokio-xmpp stanza stream per (re)connect that the link itself decides on.
struct SessionFactory {
    login: XmppLogin,
    domain: String,
    resource: String,
    connector: StartTlsConnector,
    timeouts: Timeouts,
}

/// The credentials of one stream.
struct ResolvedLogin {
    user: String,
    password: String,
    /// With an access token as password: when to reconnect with a fresh one.
    renew_in: Option<Duration>,
}

/// One stanza stream and the switch that keeps it from ever logging in again once retired.
struct Session {
    stream: StanzaStream,
    retired: RetireOnDrop,
}

/// Retires the stream's connector when the session goes, however it goes (also when the
/// link's task is aborted).
struct RetireOnDrop(Arc<AtomicBool>);

impl Drop for RetireOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

impl SessionFactory {
    async fn resolve(&self) -> Result<ResolvedLogin, XmppError> {
        match &self.login {
            XmppLogin::Password { user, password } => Ok(ResolvedLogin {
                user: user.clone(),
                password: password.expose().to_owned(),
                renew_in: None,
            }),
            XmppLogin::SignIn { sign_in, chat_user } => {
                let credentials = sign_in.credentials();
                match sign_in.oauth_tokens().await? {
                    None => Ok(ResolvedLogin {
                        user: credentials.login.clone(),
                        password: credentials.password.expose().to_owned(),
                        renew_in: None,
                    }),
                    Some(tokens) => {
                        let token = tokens.fresh().await?;
                        let valid_for = token.expires_at().saturating_duration_since(tokens.now());
                        Ok(ResolvedLogin {
                            user: chat_user.get().unwrap_or_else(|| credentials.login.clone()),
                            password: token.secret().expose().to_owned(),
                            renew_in: Some(valid_for.saturating_sub(tokens.refresh_margin())),
                        })
                    }
                }
            }
        }
    }

    /// A new stream with credentials asked for now; also when to renew them.
    async fn open(&self) -> Result<(Session, BareJid, Option<Instant>), XmppError> {
        let login = self.resolve().await?;
        let bare = bare_jid(&login.user, &self.domain)?;
        let full = format!("{bare}/{}", self.resource);
        let jid = Jid::new(&full).map_err(|_| XmppError::InvalidJid(full.clone()))?;
        let renew_at = login.renew_in.map(|wait| Instant::now() + wait);
        Ok((self.stream(jid, login.password), bare, renew_at))
    }

    /// Whether the password is an access token, which tokio-xmpp must never reuse on its own
    /// reconnect (it would be stale): with one, every reconnect is the link's.
    fn chat_user_changes(&self) -> Option<watch::Receiver<Option<String>>> {
        match &self.login {
            XmppLogin::SignIn { chat_user, .. } => Some(chat_user.subscribe()),
            XmppLogin::Password { .. } => None,
        }
    }

    fn stream(&self, jid: Jid, password: String) -> Session {
        let retired = Arc::new(AtomicBool::new(false));
        let connector = RetirableConnector {
            inner: self.connector.clone(),
            retired: retired.clone(),
        };
        let stream = StanzaStream::new_c2s(connector, jid, password, self.timeouts, QUEUE_DEPTH);
        Session {
            stream,
            retired: RetireOnDrop(retired),
        }
    }
}

impl Session {
    /// Gives up this stream without waiting for it: a wedged stream may never finish closing.
    fn retire(self) {
        let Session { stream, retired } = self;
        drop(retired);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, stream.close()).await;
        });
    }

    /// Queues a stanza. Never waits for the stanza to be written (that is tracked with the
    /// token), only for room in the queue, and that at most `limit`.
    async fn enqueue(&self, stanza: Stanza, limit: Duration) -> Result<StanzaToken, XmppError> {
        // tokio-xmpp panics when its worker is gone; a dead stream must only cost a reconnect.
        let send = AssertUnwindSafe(self.stream.send(Box::new(stanza))).catch_unwind();
        match tokio::time::timeout(limit, send).await {
            Ok(Ok(token)) => Ok(token),
            Ok(Err(_)) => Err(XmppError::Send("the XMPP stream has ended".to_owned())),
            Err(_) => Err(XmppError::Send(format!(
                "the send queue stayed full for {limit:?}"
            ))),
        }
    }
}

/// [`StartTlsConnector`] that, once its stream is retired, never connects again.
#[derive(Clone, Debug)]
struct RetirableConnector {
    inner: StartTlsConnector,
    retired: Arc<AtomicBool>,
}

impl ServerConnector for RetirableConnector {
    type Stream = <StartTlsConnector as ServerConnector>::Stream;

    async fn connect(
        &self,
        jid: &Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<
        (
            PendingFeaturesRecv<Self::Stream>,
            sasl::common::ChannelBinding,
        ),
        tokio_xmpp::Error,
    > {
        if self.retired.load(Ordering::Acquire) {
            // tokio-xmpp's reconnect loop only ends with a connection. A retired stream that
            // logged in again would bind our resource and kick the current session off it
            // (`<conflict/>`), so its loop is parked instead: no timer, no I/O.
            std::future::pending::<()>().await;
        }
        self.inner.connect(jid, ns, timeouts).await
    }
}

/// A presence queued on the stream that has not been written yet.
struct PendingSend {
    token: StanzaToken,
    status: ChatStatus,
    deadline: Instant,
}

async fn next_event(session: &mut Option<Session>) -> Option<StreamItem> {
    match session {
        Some(session) => session.stream.next().await,
        None => std::future::pending().await,
    }
}

/// Resolves when the pending presence was written (`true`) or failed (`false`); never for
/// `None`. Errors with `Elapsed` at the deadline.
async fn pending_written(
    pending: &mut Option<PendingSend>,
) -> Result<bool, tokio::time::error::Elapsed> {
    let Some(pending) = pending else {
        return std::future::pending().await;
    };
    let written = pending.token.wait_for(StanzaStage::Sent);
    match tokio::time::timeout_at(pending.deadline, written).await? {
        Some(StanzaState::Sent { .. } | StanzaState::Acked { .. }) => Ok(true),
        _ => Ok(false),
    }
}

/// The answer RFC 6120 §8.2.3 requires to a received `get`/`set` IQ: a result for an XMPP ping
/// (XEP-0199; Openfire pings idle clients and drops those that do not answer), otherwise
/// `service-unavailable` (§8.4). `None` for results and errors, which must not be answered.
pub fn iq_reply(iq: &Iq) -> Option<Iq> {
    let (from, id, payload) = match iq {
        Iq::Get {
            from, id, payload, ..
        }
        | Iq::Set {
            from, id, payload, ..
        } => (from, id, payload),
        Iq::Result { .. } | Iq::Error { .. } => return None,
    };
    let is_ping = matches!(iq, Iq::Get { .. }) && payload.is("ping", ns::PING);
    let reply = if is_ping {
        Iq::Result {
            from: None,
            to: None,
            id: id.clone(),
            payload: None,
        }
    } else {
        Iq::from_error(
            id.clone(),
            StanzaError {
                type_: ErrorType::Cancel,
                by: None,
                defined_condition: DefinedCondition::ServiceUnavailable,
                texts: BTreeMap::new(),
                other: None,
            },
        )
    };
    Some(match from {
        Some(from) => reply.with_to(from.clone()),
        None => reply,
    })
}

#[derive(Default)]
struct Backoff {
    next: Option<Duration>,
}

impl Backoff {
    fn step(&mut self) -> Duration {
        let delay = self.next.unwrap_or(RECONNECT_MIN);
        self.next = Some((delay * 2).min(RECONNECT_MAX));
        delay
    }
}

/// Resolves when the chat user name changes; never without one.
async fn chat_user_changed(changes: &mut Option<watch::Receiver<Option<String>>>) {
    match changes {
        Some(receiver) => {
            if receiver.changed().await.is_err() {
                *changes = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn run(
    factory: SessionFactory,
    priority: i8,
    send_timeout: Duration,
    mut commands: mpsc::Receiver<Command>,
    state: watch::Sender<XmppLinkState>,
    others: watch::Sender<BTreeMap<String, ObservedPresence>>,
) {
    // With a signed-in login every reconnect is the link's own, with credentials asked for
    // afresh: tokio-xmpp's would reuse a password that may be a stale access token.
    let signed_in = matches!(factory.login, XmppLogin::SignIn { .. });
    let mut chat_user_changes = factory.chat_user_changes();
    let mut session: Option<Session> = None;
    let mut own: Option<BareJid> = None;
    let mut renew_at: Option<Instant> = None;
    let mut reopen_at = Instant::now();
    let mut backoff = Backoff::default();
    let mut wanted: Option<ChatStatus> = None;
    let mut sent: Option<ChatStatus> = None;
    let mut pending: Option<PendingSend> = None;
    // Online only between a stream reset (bound, or resumed) and the next suspension: stanzas
    // are only sent then, and kept as `wanted` otherwise.
    let mut online = false;
    let mut session_count = 0;
    loop {
        // Set by an arm when the stream is wedged or gone: the link drops it and opens a new one.
        let mut broken: Option<String> = None;
        // Set when the stream is to be replaced at once with fresh credentials.
        let mut replace: Option<&str> = None;
        tokio::select! {
            event = next_event(&mut session) => match event {
                Some(StreamItem::Stream(StreamEvent::Reset { bound_jid, .. })) => {
                    session_count += 1;
                    online = true;
                    backoff = Backoff::default();
                    tracing::info!(jid = %bound_jid, session = session_count, "XMPP online");
                    // The server forgets presence with the stream: publish again.
                    let status = wanted.clone().unwrap_or(ChatStatus::new(ChatPresence::Available, None));
                    sent = None;
                    if let Some(session) = &session {
                        match queue_presence(session, &status, priority, send_timeout, pending.take()).await {
                            Ok(queued) => pending = Some(queued),
                            Err(error) => broken = Some(error.to_string()),
                        }
                    }
                    state.send_replace(XmppLinkState::Online { session: session_count });
                }
                Some(StreamItem::Stream(StreamEvent::Resumed)) => {
                    // XEP-0198 resumption: the server kept the session and its presence.
                    online = true;
                    tracing::info!(session = session_count, "XMPP online (stream resumed)");
                    state.send_replace(XmppLinkState::Online { session: session_count });
                }
                Some(StreamItem::Stream(StreamEvent::Suspended)) if signed_in => {
                    broken = Some("the XMPP connection dropped".to_owned());
                }
                Some(StreamItem::Stream(StreamEvent::Suspended)) => {
                    online = false;
                    // Still queued stanzas go out after the reconnect, before the republish.
                    pending = None;
                    tracing::warn!("XMPP disconnected; reconnecting");
                    state.send_replace(XmppLinkState::Connecting);
                }
                Some(StreamItem::Stanza(Stanza::Presence(presence))) => {
                    observe(&presence, own.as_ref(), &others);
                }
                Some(StreamItem::Stanza(Stanza::Iq(iq))) => {
                    if let (Some(reply), Some(session)) = (iq_reply(&iq), &session) {
                        if let Err(error) = session.enqueue(reply.into(), send_timeout).await {
                            broken = Some(error.to_string());
                        }
                    }
                }
                Some(StreamItem::Stanza(Stanza::Message(_))) => {}
                None => broken = Some("the XMPP stream ended".to_owned()),
            },
            written = pending_written(&mut pending) => {
                let done = pending.take();
                match written {
                    Ok(true) => sent = done.map(|p| p.status),
                    // The stream breaks, reports it and the link republishes after the reset.
                    Ok(false) => tracing::debug!("chat status not sent: the stream broke"),
                    Err(_) if online => {
                        broken = Some(format!("chat status not written within {send_timeout:?}"));
                    }
                    Err(_) => {}
                }
            },
            () = tokio::time::sleep_until(reopen_at), if session.is_none() => {
                tracing::debug!("XMPP opening a new stream");
                match factory.open().await {
                    Ok((opened, bare, renew)) => {
                        session = Some(opened);
                        own = Some(bare);
                        renew_at = renew;
                    }
                    Err(error) => {
                        let delay = backoff.step();
                        tracing::warn!(%error, ?delay, "XMPP cannot sign in; trying again");
                        reopen_at = Instant::now() + delay;
                    }
                }
            },
            () = sleep_until_some(renew_at), if session.is_some() => {
                replace = Some("the access token it signed in with expires soon");
            },
            () = chat_user_changed(&mut chat_user_changes), if session.is_some() => {
                replace = Some("the chat user name changed");
            },
            command = commands.recv() => match command {
                Some(Command::Set(status, ack)) => {
                    // Only a change of the wanted status is sent: an overwrite by the desktop
                    // client is never answered, so two clients cannot ping-pong.
                    let already = pending.as_ref().map(|p| &p.status).or(sent.as_ref());
                    let result = match &session {
                        Some(session) if online && already != Some(&status) => {
                            match queue_presence(session, &status, priority, send_timeout, pending.take()).await {
                                Ok(queued) => {
                                    pending = Some(queued);
                                    Ok(())
                                }
                                Err(error) => {
                                    broken = Some(error.to_string());
                                    Err(error)
                                }
                            }
                        }
                        _ => Ok(()),
                    };
                    wanted = Some(status);
                    let _ = ack.send(result);
                }
                Some(Command::Close(ack)) => {
                    if let Some(session) = session.take() {
                        if online {
                            let bye = ChatStatus::new(ChatPresence::Unavailable, None);
                            if let Ok(mut queued) = queue_presence(&session, &bye, priority, CLOSE_TIMEOUT, None).await {
                                let _ = tokio::time::timeout(CLOSE_TIMEOUT, queued.token.wait_for(StanzaStage::Sent)).await;
                            }
                        }
                        let Session { stream, retired } = session;
                        drop(retired);
                        let _ = tokio::time::timeout(CLOSE_TIMEOUT, stream.close()).await;
                    }
                    let _ = ack.send(());
                    state.send_replace(XmppLinkState::Stopped);
                    return;
                }
                None => break,
            }
        }
        if let Some(reason) = replace {
            tracing::info!(reason, "XMPP reconnecting with fresh credentials");
            if let Some(session) = session.take() {
                session.retire();
            }
            online = false;
            pending = None;
            sent = None;
            renew_at = None;
            reopen_at = Instant::now();
            state.send_replace(XmppLinkState::Connecting);
        }
        if let Some(reason) = broken {
            let delay = backoff.step();
            tracing::warn!(%reason, ?delay, "XMPP stream given up; reconnecting");
            if let Some(session) = session.take() {
                session.retire();
            }
            online = false;
            pending = None;
            sent = None;
            renew_at = None;
            reopen_at = Instant::now() + delay;
            state.send_replace(XmppLinkState::Connecting);
        }
    }
    if let Some(session) = session.take() {
        session.retire();
    }
    state.send_replace(XmppLinkState::Stopped);
}

/// Queues the presence for `status`; the deadline of a presence still unwritten carries over,
/// so a stream that writes nothing is given up even while new statuses keep coming.
async fn queue_presence(
    session: &Session,
    status: &ChatStatus,
    priority: i8,
    send_timeout: Duration,
    earlier: Option<PendingSend>,
) -> Result<PendingSend, XmppError> {
    let token = session
        .enqueue(
            Stanza::Presence(presence_stanza(status, priority)),
            send_timeout,
        )
        .await?;
    let deadline = earlier
        .map(|p| p.deadline)
        .unwrap_or_else(|| Instant::now() + send_timeout);
    Ok(PendingSend {
        token,
        status: status.clone(),
        deadline,
    })
}

fn observe(
    presence: &Presence,
    own: Option<&BareJid>,
    others: &watch::Sender<BTreeMap<String, ObservedPresence>>,
) {
    let Some(observed) = observed_presence(presence) else {
        return;
    };
    let Some(from) = &presence.from else {
        return;
    };
    if own.is_some_and(|own| from.to_bare() == *own) {
        tracing::debug!(from = %from, status = ?observed.status.presence, "own resource changed its chat status");
    }
    others.send_modify(|map| {
        map.insert(from.to_string(), observed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_xmpp::minidom::Element;
    use tokio_xmpp::parsers::ping::Ping;

    fn server() -> Jid {
        Jid::new("pbx.example.com").unwrap()
    }

    #[test]
    fn a_ping_from_the_server_gets_an_empty_result_to_the_sender() {
        let ping = Iq::from_get("p1", Ping).with_from(server());
        let reply = iq_reply(&ping).expect("a get must be answered");
        assert_eq!(reply, Iq::empty_result(server(), "p1"));
    }

    #[test]
    fn an_unknown_request_gets_service_unavailable() {
        let query = Element::builder("query", "jabber:iq:version").build();
        for request in [
            Iq::Get {
                from: Some(server()),
                to: None,
                id: "v1".to_owned(),
                payload: query.clone(),
            },
            // A ping is only a `get`; as a `set` it is not understood either.
            Iq::Set {
                from: Some(server()),
                to: None,
                id: "v1".to_owned(),
                payload: Element::from(Ping),
            },
        ] {
            let reply = iq_reply(&request).expect("a request must be answered");
            let Iq::Error { to, id, error, .. } = reply else {
                panic!("expected an error, got {reply:?}");
            };
            assert_eq!((to, id.as_str()), (Some(server()), "v1"));
            assert_eq!(error.type_, ErrorType::Cancel);
            assert_eq!(
                error.defined_condition,
                DefinedCondition::ServiceUnavailable
            );
        }
    }

    #[test]
    fn results_and_errors_are_never_answered() {
        let result = Iq::empty_result(server(), "r1");
        assert_eq!(iq_reply(&result), None);
        let error = iq_reply(&Iq::Set {
            from: Some(server()),
            to: None,
            id: "e1".to_owned(),
            payload: Element::builder("x", "urn:example").build(),
        })
        .unwrap();
        assert_eq!(iq_reply(&error), None);
    }
}
