//! A strict STARFACE OneHub (the gRPC API of STARFACE 10, port 9092) on loopback, built from the
//! same `.proto` as the client (`onehub-proto`), with a control API for tests, benchmarks and
//! the demo.
//!
//! What it holds the client to, as the real PBX does or may do:
//! - TLS only (HTTP/2 with ALPN `h2`), with the certificate the test supplies.
//! - `authorization: Bearer <token>` on every call; tokens from [`OneHubSimulator::issue_token`]
//!   expire after 300 s on the simulator's clock ([`OneHubSimulator::advance_clock`]).
//! - `SubscribePresenceEvents` sends its response headers only with its first event.
//! - Every user has a `user_id` and a different `one_hub_user_id`; states and events carry the
//!   kind chosen in [`OneHubSettings::event_id_kind`]. Events flow only for subscribed ids.
//! - At most [`OneHubSettings::max_ids_per_call`] ids per subscribe or lookup call.
//! - Faults on demand: `PermissionDenied` (or `Internal "... does not have the permission ..."`),
//!   `ResourceExhausted` with `retry-after`, any status, a dropped event stream, a frozen link
//!   (no ping answers), a PBX restart (connections cut, subscriptions forgotten).
//! - Events of every variant, unknown enum numbers, and an event variant no `.proto` knows (raw
//!   bytes).
//!
//! Every call is logged with its raw request body ([`OneHubSimulator::calls`]).
//!
//! ```no_run
//! # async fn demo(cert_pem: &str, key_pem: &str) {
//! use simulators::onehub::{office, OneHubSettings, OneHubSimulator};
//! use onehub_proto::presence::TelephonyState;
//! let hub = OneHubSimulator::start(office(3), OneHubSettings::default(), cert_pem, key_pem)
//!     .await
//!     .unwrap();
//! let token = hub.issue_token("1001");
//! hub.set_telephony("1002", TelephonyState::Active);
//! # }
//! ```

mod directory;
mod events;
mod services;
mod state;
mod transport;
mod wire;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onehub_proto::presence::presence_event_response::PresenceEvent;
use onehub_proto::presence::{
    redirect_status_changed_event, telephony_state_changed_event, ChatState, ChatStateChangedEvent,
    ChatStateMessageChangedEvent, DoNotDisturbStatusChangedEvent, PresenceEventResponse,
    RedirectStatusChangedEvent, TelephonyState, TelephonyStateChangedEvent,
};
use onehub_proto::types::{GroupId, UserId};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tonic::{Code, Status};

pub use directory::{office, EventIdKind, OneHubSettings, OneHubUser, PermissionStyle};
pub use state::{OneHubCall, OneHubMethod};
pub use wire::WireEvent;

use state::{lock, HubState, SharedHub};
use transport::Transport;

#[derive(Debug, thiserror::Error)]
pub enum OneHubSimulatorError {
    #[error("invalid certificate or key PEM: {0}")]
    Pem(String),
    #[error("TLS configuration rejected: {0}")]
    Tls(#[from] tokio_rustls::rustls::Error),
    #[error("cannot bind the loopback port: {0}")]
    Bind(#[from] std::io::Error),
}

/// A running simulated OneHub. Dropping it cuts every connection.
pub struct OneHubSimulator {
    hub: SharedHub,
    port: u16,
    tls: Arc<ServerConfig>,
    transport: Mutex<Option<Transport>>,
}

impl OneHubSimulator {
    /// Serves `users` over TLS with the given certificate (PEM chain) and key on a free
    /// loopback port.
    pub async fn start(
        users: Vec<OneHubUser>,
        settings: OneHubSettings,
        cert_pem: &str,
        key_pem: &str,
    ) -> Result<Self, OneHubSimulatorError> {
        let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| OneHubSimulatorError::Pem(e.to_string()))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| OneHubSimulatorError::Pem(e.to_string()))?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        let tls = Arc::new(config);
        let hub: SharedHub = Arc::new(Mutex::new(HubState::new(users, settings)));
        let (transport, addr) = Transport::start(0, tls.clone(), hub.clone()).await?;
        Ok(Self {
            hub,
            port: addr.port(),
            tls,
            transport: Mutex::new(Some(transport)),
        })
    }

    /// `https://127.0.0.1:PORT`; stays the same across [`Self::restart`].
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    // --- tokens and time ---

    /// A bearer token for `account` (as the PBX's Keycloak would issue), valid for
    /// [`OneHubSettings::token_lifetime`] on the simulator's clock.
    pub fn issue_token(&self, account: &str) -> String {
        lock(&self.hub).issue_token(account)
    }

    /// Moves the simulator's clock forward (tokens expire by it).
    pub fn advance_clock(&self, by: Duration) {
        lock(&self.hub).advance_clock(by);
    }

    /// Also accepts the access tokens `authority` vouches for: it answers the account a token
    /// belongs to, or `None` for one it did not issue, that expired or whose session ended. The
    /// office hands it the PBX's Keycloak, so the tokens the app gets from the PBX work here as
    /// on a real STARFACE 10.
    pub fn accept_tokens_from(
        &self,
        authority: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) {
        lock(&self.hub).authority = Some(Arc::new(authority));
    }

    /// Every token stops working now.
    pub fn revoke_tokens(&self) {
        lock(&self.hub).revoke_tokens();
    }

    // --- the phones: things that happen on the PBX ---

    pub fn set_telephony(&self, account: &str, state: TelephonyState) {
        self.set_telephony_raw(account, state as i32);
    }

    /// Any number, including ones no version knows.
    pub fn set_telephony_raw(&self, account: &str, value: i32) {
        self.change(account, |user| {
            (user.telephony != value).then(|| {
                user.telephony = value;
                move |id: UserId| {
                    PresenceEvent::TelephonyStateChanged(TelephonyStateChangedEvent {
                        target: Some(telephony_state_changed_event::Target::UserId(id)),
                        telephony_state: value,
                    })
                }
            })
        });
    }

    pub fn set_dnd(&self, account: &str, on: bool) {
        self.change(account, |user| {
            (user.dnd != on).then(|| {
                user.dnd = on;
                move |id: UserId| {
                    PresenceEvent::DoNotDisturbStatusChanged(DoNotDisturbStatusChangedEvent {
                        user_id: Some(id),
                        dnd_enabled: on,
                    })
                }
            })
        });
    }

    pub fn set_redirect(&self, account: &str, on: bool) {
        self.change(account, |user| {
            (user.redirect != on).then(|| {
                user.redirect = on;
                move |id: UserId| {
                    PresenceEvent::RedirectStatusChanged(RedirectStatusChangedEvent {
                        target: Some(redirect_status_changed_event::Target::UserId(id)),
                        redirect_enabled: on,
                    })
                }
            })
        });
    }

    pub fn set_chat(&self, account: &str, state: ChatState) {
        self.set_chat_raw(account, state as i32);
    }

    pub fn set_chat_raw(&self, account: &str, value: i32) {
        self.change(account, |user| {
            (user.chat != value).then(|| {
                user.chat = value;
                move |id: UserId| {
                    PresenceEvent::ChatStateChanged(ChatStateChangedEvent {
                        user_id: Some(id),
                        chat_state: value,
                    })
                }
            })
        });
    }

    pub fn set_chat_message(&self, account: &str, message: &str) {
        let message = message.to_owned();
        self.change(account, |user| {
            (user.chat_message != message).then(|| {
                user.chat_message = message.clone();
                move |id: UserId| {
                    PresenceEvent::ChatStateMessageChanged(ChatStateMessageChangedEvent {
                        user_id: Some(id),
                        chat_state_message: message.clone(),
                    })
                }
            })
        });
    }

    /// A group's telephony state changes; sent to every open stream (a client watching users
    /// only must ignore it).
    pub fn send_group_telephony(&self, group_id: &str, state: TelephonyState) {
        let event = PresenceEventResponse {
            presence_event: Some(PresenceEvent::TelephonyStateChanged(
                TelephonyStateChangedEvent {
                    target: Some(telephony_state_changed_event::Target::GroupId(GroupId {
                        id: group_id.to_owned(),
                    })),
                    telephony_state: state as i32,
                },
            )),
        };
        lock(&self.hub).broadcast(WireEvent::Known(event));
    }

    /// Sends `bytes` as one event message to every open stream, e.g. a variant no `.proto`
    /// knows (`[0x4a, 0x02, 0x7a, 0x7a]` is field 9).
    pub fn send_raw_event(&self, bytes: &[u8]) {
        lock(&self.hub).broadcast(WireEvent::Raw(bytes.to_vec()));
    }

    /// Applies `edit` to the user; if it returns an event builder, publishes the event to every
    /// stream watching them.
    fn change<F>(&self, account: &str, edit: impl FnOnce(&mut OneHubUser) -> Option<F>)
    where
        F: FnOnce(UserId) -> PresenceEvent,
    {
        let mut state = lock(&self.hub);
        let user = state
            .users
            .iter_mut()
            .find(|u| u.account_id == account)
            .unwrap_or_else(|| panic!("no simulated OneHub user {account}"));
        let Some(event) = edit(user) else {
            return;
        };
        let user = user.clone();
        let id = UserId {
            id: state.event_id(&user),
        };
        state.publish_about(&user, event(id));
    }

    // --- rights and failures ---

    /// Whether `account` may subscribe colleagues' presence.
    pub fn set_presence_permission(&self, account: &str, allowed: bool) {
        let mut state = lock(&self.hub);
        if let Some(user) = state.users.iter_mut().find(|u| u.account_id == account) {
            user.may_subscribe_presence = allowed;
        }
    }

    /// The next `times` calls of `method` fail with `code` and `message`.
    pub fn fail_next(&self, method: OneHubMethod, code: Code, message: &str, times: usize) {
        lock(&self.hub).faults.push(state::Fault {
            method,
            code,
            message: message.to_owned(),
            retry_after: None,
            times,
        });
    }

    /// The next `times` calls of `method` get `ResourceExhausted` with `retry-after: <seconds>`.
    pub fn rate_limit_next(&self, method: OneHubMethod, retry_after_seconds: u32, times: usize) {
        lock(&self.hub).faults.push(state::Fault {
            method,
            code: Code::ResourceExhausted,
            message: "rate limit exceeded".to_owned(),
            retry_after: Some(retry_after_seconds.to_string()),
            times,
        });
    }

    /// Ends every open event stream with `Unavailable` (the connection stays).
    pub fn drop_streams(&self) {
        lock(&self.hub).end_streams(Status::unavailable("stream reset by the PBX"));
    }

    /// Every open connection goes silent for good: no data, no answer to HTTP/2 pings.
    pub fn freeze_connections(&self) {
        if let Some(transport) = self.transport_guard().as_ref() {
            transport.freeze_connections();
        }
    }

    /// Cuts every connection and serves again on the same port. Subscriptions and streams are
    /// forgotten; users, their phones and tokens stay (as on a real reboot).
    pub async fn restart(&self) -> Result<(), OneHubSimulatorError> {
        self.stop();
        lock(&self.hub).forget_sessions();
        let mut attempt = 0;
        loop {
            match Transport::start(self.port, self.tls.clone(), self.hub.clone()).await {
                Ok((transport, _)) => {
                    *self.transport_guard() = Some(transport);
                    return Ok(());
                }
                Err(error) if attempt < 50 => {
                    attempt += 1;
                    tracing::debug!(%error, "OneHub simulator port not free yet, retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Stops listening and cuts every connection.
    pub fn stop(&self) {
        if let Some(transport) = self.transport_guard().take() {
            transport.stop();
        }
    }

    fn transport_guard(&self) -> std::sync::MutexGuard<'_, Option<Transport>> {
        self.transport.lock().unwrap_or_else(|p| p.into_inner())
    }

    // --- what happened ---

    /// Every call received, in order, across restarts.
    pub fn calls(&self) -> Vec<OneHubCall> {
        lock(&self.hub).log.clone()
    }

    pub fn calls_of(&self, method: &OneHubMethod) -> Vec<OneHubCall> {
        lock(&self.hub)
            .log
            .iter()
            .filter(|c| &c.method == method)
            .cloned()
            .collect()
    }

    pub fn clear_calls(&self) {
        lock(&self.hub).log.clear();
    }

    /// The ids `account` has subscribed right now.
    pub fn subscribed(&self, account: &str) -> BTreeSet<String> {
        lock(&self.hub).subscribed(account)
    }

    /// How many event streams are open (headers sent or not).
    pub fn open_streams(&self) -> usize {
        lock(&self.hub).open_streams()
    }

    pub fn user(&self, account: &str) -> OneHubUser {
        lock(&self.hub)
            .user_by_account(account)
            .cloned()
            .unwrap_or_else(|| panic!("no simulated OneHub user {account}"))
    }

    pub fn users(&self) -> Vec<OneHubUser> {
        lock(&self.hub).users.clone()
    }

    pub fn add_user(&self, user: OneHubUser) {
        lock(&self.hub).users.push(user);
    }
}

impl Drop for OneHubSimulator {
    fn drop(&mut self) {
        self.stop();
    }
}
