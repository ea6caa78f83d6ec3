//! Mutable state of the simulated OneHub, shared by the gRPC handlers and the control API.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use onehub_proto::presence::{
    presence_event_response::PresenceEvent, presence_state, PresenceEventResponse, PresenceState,
    UserPresenceState,
};
use onehub_proto::types::UserId;
use rand::distributions::Alphanumeric;
use rand::Rng;
use tokio::sync::mpsc;
use tonic::{Code, Status};

use super::directory::{EventIdKind, OneHubSettings, OneHubUser};
use super::wire::WireEvent;

pub(crate) type SharedHub = Arc<Mutex<HubState>>;

pub(crate) fn lock(hub: &SharedHub) -> MutexGuard<'_, HubState> {
    hub.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A gRPC method of the simulated OneHub (the request log's key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OneHubMethod {
    SubscribePresenceStates,
    UnsubscribePresenceStates,
    SubscribePresenceEvents,
    BatchGetUserIdentifiers,
    GetUser,
    GetPermissions,
    GetServerVersion,
    HealthCheck,
    GetChatId,
    /// A path the simulator does not serve (answered `Unimplemented`).
    Other(String),
}

impl OneHubMethod {
    pub fn path(&self) -> &str {
        match self {
            OneHubMethod::SubscribePresenceStates => {
                "/gamma.onehub.api.v1.presence.PresenceService/SubscribePresenceStates"
            }
            OneHubMethod::UnsubscribePresenceStates => {
                "/gamma.onehub.api.v1.presence.PresenceService/UnsubscribePresenceStates"
            }
            OneHubMethod::SubscribePresenceEvents => {
                "/gamma.onehub.api.v1.presence.PresenceService/SubscribePresenceEvents"
            }
            OneHubMethod::BatchGetUserIdentifiers => {
                "/gamma.onehub.api.v1.useridlookup.UserIdLookupService/BatchGetUserIdentifiers"
            }
            OneHubMethod::GetUser => "/gamma.onehub.api.v1.me.MeService/GetUser",
            OneHubMethod::GetPermissions => "/gamma.onehub.api.v1.me.MeService/GetPermissions",
            OneHubMethod::GetServerVersion => {
                "/gamma.onehub.api.v1.system.SystemService/GetServerVersion"
            }
            OneHubMethod::HealthCheck => "/gamma.onehub.api.v1.health.HealthService/Check",
            OneHubMethod::GetChatId => "/gamma.onehub.api.v1.chat.ChatService/GetChatId",
            OneHubMethod::Other(path) => path,
        }
    }

    pub(crate) fn from_path(path: &str) -> Self {
        [
            OneHubMethod::SubscribePresenceStates,
            OneHubMethod::UnsubscribePresenceStates,
            OneHubMethod::SubscribePresenceEvents,
            OneHubMethod::BatchGetUserIdentifiers,
            OneHubMethod::GetUser,
            OneHubMethod::GetPermissions,
            OneHubMethod::GetServerVersion,
            OneHubMethod::HealthCheck,
            OneHubMethod::GetChatId,
        ]
        .into_iter()
        .find(|method| method.path() == path)
        .unwrap_or_else(|| OneHubMethod::Other(path.to_owned()))
    }
}

/// One gRPC call the simulator received.
#[derive(Debug, Clone)]
pub struct OneHubCall {
    pub method: OneHubMethod,
    /// The request body as it came off the wire (gRPC length-prefixed message frames).
    pub body: Vec<u8>,
    /// Whose token it carried (`None` when it had none or an invalid one).
    pub account: Option<String>,
    /// How many ids the call carried (subscribe, unsubscribe, id lookup).
    pub ids: usize,
    /// How the call was answered; `None` while a stream's headers are still held back.
    pub code: Option<Code>,
    /// The simulator's clock when it arrived.
    pub at: Instant,
}

/// Which log entry a request belongs to (put into the request's extensions by the transport).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallSlot(pub usize);

#[derive(Debug, Clone)]
struct Token {
    account: String,
    expires_at: Instant,
}

/// A failure a test asked for: the next `times` calls of `method` fail.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub method: OneHubMethod,
    pub code: Code,
    pub message: String,
    pub retry_after: Option<String>,
    pub times: usize,
}

/// An open `SubscribePresenceEvents` stream.
struct EventSink {
    owner: String,
    tx: mpsc::UnboundedSender<Result<WireEvent, Status>>,
}

/// Another issuer whose access tokens the hub accepts (the PBX's Keycloak in the office): the
/// account a valid token belongs to, `None` for a token it did not issue or that expired.
pub(crate) type TokenAuthority = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub(crate) struct HubState {
    pub users: Vec<OneHubUser>,
    pub settings: OneHubSettings,
    clock_offset: Duration,
    tokens: HashMap<String, Token>,
    pub authority: Option<TokenAuthority>,
    /// Per owner account: the ids they subscribed.
    subscriptions: HashMap<String, BTreeSet<String>>,
    sinks: Vec<EventSink>,
    pub faults: Vec<Fault>,
    pub log: Vec<OneHubCall>,
}

impl HubState {
    pub fn new(users: Vec<OneHubUser>, settings: OneHubSettings) -> Self {
        Self {
            users,
            settings,
            clock_offset: Duration::ZERO,
            tokens: HashMap::new(),
            authority: None,
            subscriptions: HashMap::new(),
            sinks: Vec::new(),
            faults: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The simulator's clock: real time plus what tests advanced it by.
    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    pub fn advance_clock(&mut self, by: Duration) {
        self.clock_offset += by;
    }

    pub fn issue_token(&mut self, account: &str) -> String {
        let token: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let expires_at = self.now() + self.settings.token_lifetime;
        self.tokens.insert(
            token.clone(),
            Token {
                account: account.to_owned(),
                expires_at,
            },
        );
        token
    }

    pub fn revoke_tokens(&mut self) {
        self.tokens.clear();
    }

    /// The account a bearer token belongs to, or why it is refused.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<String, Status> {
        let Some(value) = authorization else {
            return Err(Status::unauthenticated("missing authorization metadata"));
        };
        let Some(token) = value.strip_prefix("Bearer ") else {
            return Err(Status::unauthenticated(
                "authorization is not a Bearer token",
            ));
        };
        match self.tokens.get(token) {
            None => match self
                .authority
                .as_ref()
                .and_then(|authority| authority(token))
            {
                Some(account) => Ok(account),
                None => Err(Status::unauthenticated("invalid token")),
            },
            Some(grant) if grant.expires_at <= self.now() => {
                Err(Status::unauthenticated("token expired"))
            }
            Some(grant) => Ok(grant.account.clone()),
        }
    }

    /// An injected failure for this call, if one is pending.
    pub fn take_fault(&mut self, method: &OneHubMethod) -> Option<Status> {
        let index = self
            .faults
            .iter()
            .position(|f| &f.method == method && f.times > 0)?;
        let fault = &mut self.faults[index];
        fault.times -= 1;
        let mut status = Status::new(fault.code, fault.message.clone());
        if let Some(seconds) = &fault.retry_after {
            if let Ok(value) = seconds.parse() {
                status.metadata_mut().insert("retry-after", value);
            }
        }
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(status)
    }

    pub fn log_call(&mut self, method: OneHubMethod, body: Vec<u8>) -> CallSlot {
        let at = self.now();
        self.log.push(OneHubCall {
            method,
            body,
            account: None,
            ids: 0,
            code: None,
            at,
        });
        CallSlot(self.log.len() - 1)
    }

    pub fn set_call_body(&mut self, CallSlot(index): CallSlot, body: Vec<u8>) {
        if let Some(entry) = self.log.get_mut(index) {
            entry.body = body;
        }
    }

    pub fn finish_call(
        &mut self,
        slot: Option<CallSlot>,
        account: Option<&str>,
        ids: usize,
        code: Code,
    ) {
        if let Some(entry) = slot.and_then(|CallSlot(i)| self.log.get_mut(i)) {
            entry.account = account.map(str::to_owned);
            entry.ids = ids;
            entry.code = Some(code);
        }
    }

    pub fn user_by_account(&self, account: &str) -> Option<&OneHubUser> {
        self.users.iter().find(|u| u.account_id == account)
    }

    pub fn user_by_id(&self, id: &str) -> Option<&OneHubUser> {
        self.users.iter().find(|u| u.has_id(id))
    }

    /// The id of `user` that presence states and events carry.
    pub fn event_id(&self, user: &OneHubUser) -> String {
        match self.settings.event_id_kind {
            EventIdKind::UserId => user.user_id.clone(),
            EventIdKind::OneHubUserId => user.one_hub_user_id.clone(),
        }
    }

    pub fn presence_state(&self, user: &OneHubUser) -> PresenceState {
        PresenceState {
            presence_state: Some(presence_state::PresenceState::UserPresenceState(
                UserPresenceState {
                    user_id: Some(UserId {
                        id: self.event_id(user),
                    }),
                    telephony_state: user.telephony,
                    chat_state: user.chat,
                    chat_state_message: user.chat_message.clone(),
                    dnd_enabled: user.dnd,
                    redirect_enabled: user.redirect,
                },
            )),
        }
    }

    /// Adds `ids` to `owner`'s subscriptions; returns the users they name.
    pub fn subscribe(&mut self, owner: &str, ids: &[String]) -> Vec<OneHubUser> {
        let known: Vec<OneHubUser> = ids
            .iter()
            .filter_map(|id| self.user_by_id(id).cloned())
            .collect();
        self.subscriptions
            .entry(owner.to_owned())
            .or_default()
            .extend(ids.iter().cloned());
        known
    }

    pub fn unsubscribe(&mut self, owner: &str, ids: &[String]) {
        if let Some(set) = self.subscriptions.get_mut(owner) {
            for id in ids {
                set.remove(id);
            }
        }
    }

    /// The ids `owner` has subscribed right now.
    pub fn subscribed(&self, owner: &str) -> BTreeSet<String> {
        self.subscriptions.get(owner).cloned().unwrap_or_default()
    }

    pub fn open_stream(
        &mut self,
        owner: &str,
    ) -> mpsc::UnboundedReceiver<Result<WireEvent, Status>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.sinks.push(EventSink {
            owner: owner.to_owned(),
            tx,
        });
        rx
    }

    pub fn open_streams(&self) -> usize {
        self.sinks.iter().filter(|s| !s.tx.is_closed()).count()
    }

    /// Sends an event about `subject` to every stream whose owner subscribed one of its ids.
    pub fn publish_about(&mut self, subject: &OneHubUser, event: PresenceEvent) {
        let message = WireEvent::Known(PresenceEventResponse {
            presence_event: Some(event),
        });
        let subscriptions = &self.subscriptions;
        self.sinks.retain(|sink| {
            let watching = subscriptions
                .get(&sink.owner)
                .is_some_and(|ids| subject.ids().iter().any(|id| ids.contains(*id)));
            !watching || sink.tx.send(Ok(message.clone())).is_ok()
        });
    }

    /// Sends an event to `owner`'s own streams (answers to their subscribe and unsubscribe).
    pub fn publish_to(&mut self, owner: &str, event: PresenceEvent) {
        let message = WireEvent::Known(PresenceEventResponse {
            presence_event: Some(event),
        });
        self.sinks
            .retain(|sink| sink.owner != owner || sink.tx.send(Ok(message.clone())).is_ok());
    }

    /// Sends `event` to every open stream, whatever it subscribed.
    pub fn broadcast(&mut self, event: WireEvent) {
        self.sinks
            .retain(|sink| sink.tx.send(Ok(event.clone())).is_ok());
    }

    /// Ends every open event stream with `status`.
    pub fn end_streams(&mut self, status: Status) {
        for sink in self.sinks.drain(..) {
            let _ = sink.tx.send(Err(status.clone()));
        }
    }

    /// What a PBX reboot forgets: subscriptions and open streams (tokens are signed by
    /// Keycloak and stay valid).
    pub fn forget_sessions(&mut self) {
        self.subscriptions.clear();
        self.sinks.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehub::directory::office;
    use onehub_proto::presence::DoNotDisturbStatusChangedEvent;

    #[test]
    fn tokens_expire_on_the_simulator_clock() {
        let mut hub = HubState::new(office(2), OneHubSettings::default());
        let token = hub.issue_token("1001");
        let bearer = format!("Bearer {token}");
        assert_eq!(hub.authenticate(Some(&bearer)).unwrap(), "1001");
        hub.advance_clock(Duration::from_secs(299));
        assert!(hub.authenticate(Some(&bearer)).is_ok());
        hub.advance_clock(Duration::from_secs(1));
        let expired = hub.authenticate(Some(&bearer)).unwrap_err();
        assert_eq!(expired.code(), Code::Unauthenticated);
        assert!(hub.authenticate(Some(&token)).is_err(), "scheme required");
        assert!(hub.authenticate(None).is_err());
    }

    #[test]
    fn events_go_only_to_streams_that_subscribed_the_user() {
        let mut hub = HubState::new(office(3), OneHubSettings::default());
        let mut watching = hub.open_stream("1001");
        let mut other = hub.open_stream("1003");
        let subject = hub.user_by_account("1002").unwrap().clone();
        hub.subscribe("1001", std::slice::from_ref(&subject.user_id));
        hub.publish_about(
            &subject,
            PresenceEvent::DoNotDisturbStatusChanged(DoNotDisturbStatusChangedEvent {
                user_id: None,
                dnd_enabled: true,
            }),
        );
        assert!(matches!(watching.try_recv(), Ok(Ok(WireEvent::Known(_)))));
        assert!(other.try_recv().is_err());
        hub.forget_sessions();
        assert!(hub.subscribed("1001").is_empty());
        assert_eq!(hub.open_streams(), 0);
    }

    #[test]
    fn faults_fire_the_given_number_of_times_with_retry_after() {
        let mut hub = HubState::new(office(1), OneHubSettings::default());
        hub.faults.push(Fault {
            method: OneHubMethod::GetUser,
            code: Code::ResourceExhausted,
            message: "slow".into(),
            retry_after: Some("3".into()),
            times: 2,
        });
        for _ in 0..2 {
            let status = hub.take_fault(&OneHubMethod::GetUser).unwrap();
            assert_eq!(status.metadata().get("retry-after").unwrap(), "3");
        }
        assert!(hub.take_fault(&OneHubMethod::GetUser).is_none());
        assert_eq!(
            OneHubMethod::from_path(OneHubMethod::HealthCheck.path()),
            OneHubMethod::HealthCheck
        );
    }
}
