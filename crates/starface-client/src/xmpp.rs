//! Own chat status over XMPP (STARFACE's chat server is Openfire).
//!
//! One [`XmppChatLink`] is one logged-in XMPP resource of the user. It keeps the wanted status
//! and sends it again after every (re)connect; tokio-xmpp reconnects on its own with backoff
//! (1 s doubling to 30 s). Keep-alive: after `keepalive_interval` of silence an XMPP ping is
//! sent, and a link silent for `response_timeout` after that is dropped and reconnected.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use keychain::Secret;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_xmpp::jid::{BareJid, Jid};
use tokio_xmpp::parsers::message::Lang;
use tokio_xmpp::parsers::presence::{Presence, Show, Type as PresenceType};
use tokio_xmpp::xmlstream::Timeouts;
use tokio_xmpp::{Client, Event, Stanza};

use crate::presence_values::ChatPresence;
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
}

#[derive(Debug, Clone)]
pub struct XmppSettings {
    /// The host dialled; also the TLS server name.
    pub host: String,
    pub port: u16,
    /// The XMPP domain (`login@domain`), often the PBX's IP address.
    pub domain: String,
    pub login: String,
    pub password: Secret,
    pub resource: String,
    pub trust: TlsTrust,
    /// Presence priority of this resource; Openfire shows the highest-priority resource.
    pub priority: i8,
    pub keepalive_interval: Duration,
    pub response_timeout: Duration,
}

impl XmppSettings {
    pub fn new(host: &str, domain: &str, login: &str, password: Secret) -> Self {
        Self {
            host: host.to_owned(),
            port: 5222,
            domain: domain.to_owned(),
            login: login.to_owned(),
            password,
            resource: "presence-bridge".to_owned(),
            trust: TlsTrust::default(),
            priority: 0,
            keepalive_interval: Duration::from_secs(60),
            response_timeout: Duration::from_secs(20),
        }
    }

    pub fn bare_jid(&self) -> Result<BareJid, XmppError> {
        let jid = format!("{}@{}", self.login, self.domain);
        BareJid::new(&jid).map_err(|_| XmppError::InvalidJid(jid))
    }
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
        let bare = settings.bare_jid()?;
        let full = format!("{bare}/{}", settings.resource);
        let jid = Jid::new(&full).map_err(|_| XmppError::InvalidJid(full.clone()))?;
        let connector = StartTlsConnector::new(
            &settings.host,
            settings.port,
            tls::client_config(&settings.trust)?,
        )?;
        let timeouts = Timeouts {
            read_timeout: settings.keepalive_interval,
            response_timeout: settings.response_timeout,
        };
        let client = Client::new_with_connector(
            jid,
            settings.password.expose().to_owned(),
            connector,
            timeouts,
        );
        let (commands, receiver) = mpsc::channel(16);
        let (state_tx, state) = watch::channel(XmppLinkState::Connecting);
        let (others_tx, others) = watch::channel(BTreeMap::new());
        let task = tokio::spawn(run(
            client,
            bare,
            settings.priority,
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

    /// Sets the wanted chat status. Sent now if online and different from what this link last
    /// sent; otherwise sent on the next (re)connect.
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

async fn send_presence(
    client: &mut Client,
    status: &ChatStatus,
    priority: i8,
) -> Result<(), XmppError> {
    client
        .send_stanza(Stanza::Presence(presence_stanza(status, priority)))
        .await
        .map(|_| ())
        .map_err(|e| XmppError::Send(e.to_string()))
}

async fn run(
    mut client: Client,
    own: BareJid,
    priority: i8,
    mut commands: mpsc::Receiver<Command>,
    state: watch::Sender<XmppLinkState>,
    others: watch::Sender<BTreeMap<String, ObservedPresence>>,
) {
    let mut wanted: Option<ChatStatus> = None;
    let mut sent: Option<ChatStatus> = None;
    let mut online = false;
    let mut session = 0;
    loop {
        tokio::select! {
            event = client.next() => match event {
                Some(Event::Online { bound_jid, .. }) => {
                    session += 1;
                    online = true;
                    tracing::info!(jid = %bound_jid, session, "XMPP online");
                    // The server forgets presence with the stream: publish again.
                    let status = wanted.clone().unwrap_or(ChatStatus::new(ChatPresence::Available, None));
                    match send_presence(&mut client, &status, priority).await {
                        Ok(()) => sent = Some(status),
                        Err(error) => tracing::warn!(%error, "cannot publish chat status"),
                    }
                    state.send_replace(XmppLinkState::Online { session });
                }
                Some(Event::Disconnected(error)) => {
                    online = false;
                    tracing::warn!(%error, "XMPP disconnected; reconnecting");
                    state.send_replace(XmppLinkState::Connecting);
                }
                Some(Event::Stanza(Stanza::Presence(presence))) => {
                    observe(&presence, &own, &others);
                }
                Some(Event::Stanza(_)) => {}
                None => break,
            },
            command = commands.recv() => match command {
                Some(Command::Set(status, ack)) => {
                    // Only a change of the wanted status is sent: an overwrite by the desktop
                    // client is never answered, so two clients cannot ping-pong.
                    let result = if online && sent.as_ref() != Some(&status) {
                        let result = send_presence(&mut client, &status, priority).await;
                        if result.is_ok() {
                            sent = Some(status.clone());
                        }
                        result
                    } else {
                        Ok(())
                    };
                    wanted = Some(status);
                    let _ = ack.send(result);
                }
                Some(Command::Close(ack)) => {
                    if online {
                        let _ = send_presence(&mut client, &ChatStatus::new(ChatPresence::Unavailable, None), priority).await;
                    }
                    let _ = tokio::time::timeout(Duration::from_secs(3), client.send_end()).await;
                    let _ = ack.send(());
                    state.send_replace(XmppLinkState::Stopped);
                    return;
                }
                None => break,
            }
        }
    }
    state.send_replace(XmppLinkState::Stopped);
}

fn observe(
    presence: &Presence,
    own: &BareJid,
    others: &watch::Sender<BTreeMap<String, ObservedPresence>>,
) {
    let Some(observed) = observed_presence(presence) else {
        return;
    };
    let Some(from) = &presence.from else {
        return;
    };
    if from.to_bare() == *own {
        tracing::debug!(from = %from, status = ?observed.status.presence, "own resource changed its chat status");
    }
    others.send_modify(|map| {
        map.insert(from.to_string(), observed);
    });
}
