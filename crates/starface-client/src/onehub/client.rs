//! One connected OneHub channel with a bearer token on every call: the typed calls Presence
//! Bridge makes.

use std::sync::Arc;

use futures::stream;
use keychain::Secret;
use onehub_proto::chat::chat_service_client::ChatServiceClient;
use onehub_proto::chat::GetChatIdRequest;
use onehub_proto::health::health_service_client::HealthServiceClient;
use onehub_proto::me::me_service_client::MeServiceClient;
use onehub_proto::presence::presence_service_client::PresenceServiceClient;
use onehub_proto::presence::{
    presence_state, subscribe_presence_states_request, unsubscribe_presence_states_request,
    PresenceEventResponse, SubscribePresenceStatesRequest, UnsubscribePresenceStatesRequest,
    UserIdList,
};
use onehub_proto::system::system_service_client::SystemServiceClient;
use onehub_proto::types::UserId;
use onehub_proto::useridlookup::user_id_lookup_service_client::UserIdLookupServiceClient;
use onehub_proto::useridlookup::{user_identifier, BatchGetUserIdentifiersRequest, UserIdentifier};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::codec::Streaming;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Status};

use super::bearer::BearerSource;
use super::error::OneHubError;
use super::phone::{AccountId, PhoneState};
use super::target::{open_channel, ChannelSettings, OneHubTarget};

const EVENTS_PATH: &str = "/gamma.onehub.api.v1.presence.PresenceService/SubscribePresenceEvents";

/// The signed-in user as OneHub knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneHubUser {
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// An account's OneHub ids from `BatchGetUserIdentifiers` (either may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIds {
    pub account: AccountId,
    pub user_id: String,
    pub one_hub_user_id: String,
}

impl UserIds {
    /// The non-empty ids, each once: events may carry either, so both are subscribed.
    pub fn ids(&self) -> Vec<String> {
        let mut ids = Vec::with_capacity(2);
        for id in [&self.user_id, &self.one_hub_user_id] {
            if !id.is_empty() && !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }
}

/// The event stream being opened: `sent` fires once the request is on its way (its headers
/// are queued on the connection before any later call's), `stream` resolves when the PBX
/// sends the response headers, which it does only with the first event.
pub struct OpeningEvents {
    pub sent: oneshot::Receiver<()>,
    pub stream: JoinHandle<Result<Streaming<PresenceEventResponse>, OneHubError>>,
}

/// A OneHub connection. Cheap to clone (one HTTP/2 connection underneath).
#[derive(Clone)]
pub struct OneHubClient {
    channel: Channel,
    bearer: Arc<dyn BearerSource>,
    target: String,
    settings: ChannelSettings,
}

impl std::fmt::Debug for OneHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneHubClient")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl OneHubClient {
    /// Connects now (TCP, TLS with the configured trust, HTTP/2).
    pub async fn connect(
        target: &OneHubTarget,
        settings: ChannelSettings,
        bearer: Arc<dyn BearerSource>,
    ) -> Result<Self, OneHubError> {
        let channel = open_channel(target, &settings).await?;
        Ok(Self {
            channel,
            bearer,
            target: target.url(),
            settings,
        })
    }

    /// The underlying channel, for calls this type does not wrap (tests, diagnostics). The
    /// caller must add the `authorization` metadata itself.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// `SystemService.GetServerVersion`, e.g. `10.0.2.6`.
    pub async fn server_version(&self) -> Result<String, OneHubError> {
        let mut client = SystemServiceClient::new(self.channel.clone());
        let method = "SystemService.GetServerVersion";
        let (request, token) = self.authorized(()).await?;
        let response = self
            .unary(method, &token, client.get_server_version(request))
            .await?;
        Ok(response.version)
    }

    /// `MeService.GetUser`: who the token belongs to.
    pub async fn me(&self) -> Result<OneHubUser, OneHubError> {
        let mut client = MeServiceClient::new(self.channel.clone());
        let method = "MeService.GetUser";
        let (request, token) = self.authorized(()).await?;
        let user = self
            .unary(method, &token, client.get_user(request))
            .await?
            .user
            .ok_or_else(|| OneHubError::BadResponse {
                method,
                reason: "no user".to_owned(),
            })?;
        Ok(OneHubUser {
            user_id: user.user_id.map(|id| id.id).unwrap_or_default(),
            first_name: user.first_name,
            last_name: user.last_name,
            email: user.email,
        })
    }

    /// `MeService.GetPermissions`: the user's rights, lower-cased.
    pub async fn permissions(&self) -> Result<Vec<String>, OneHubError> {
        let mut client = MeServiceClient::new(self.channel.clone());
        let method = "MeService.GetPermissions";
        let (request, token) = self.authorized(()).await?;
        let response = self
            .unary(method, &token, client.get_permissions(request))
            .await?;
        Ok(response
            .permissions
            .into_iter()
            .map(|p| p.to_lowercase())
            .collect())
    }

    /// `HealthService.Check`.
    pub async fn health(&self) -> Result<(), OneHubError> {
        let mut client = HealthServiceClient::new(self.channel.clone());
        let method = "HealthService.Check";
        let (request, token) = self.authorized(()).await?;
        self.unary(method, &token, client.check(request)).await
    }

    /// `ChatService.GetChatId`: the XMPP JID of a OneHub user.
    pub async fn chat_id(&self, user_id: &str) -> Result<String, OneHubError> {
        let mut client = ChatServiceClient::new(self.channel.clone());
        let method = "ChatService.GetChatId";
        let (request, token) = self
            .authorized(GetChatIdRequest {
                user_id: Some(UserId {
                    id: user_id.to_owned(),
                }),
            })
            .await?;
        let response = self
            .unary(method, &token, client.get_chat_id(request))
            .await?;
        Ok(response.chat_id.map(|c| c.id).unwrap_or_default())
    }

    /// `UserIdLookupService.BatchGetUserIdentifiers` for these accounts (one call; chunking is
    /// the caller's). Accounts the PBX does not know are missing from the answer.
    pub async fn lookup(&self, accounts: &[AccountId]) -> Result<Vec<UserIds>, OneHubError> {
        let mut client = UserIdLookupServiceClient::new(self.channel.clone());
        let method = "UserIdLookupService.BatchGetUserIdentifiers";
        let message = BatchGetUserIdentifiersRequest {
            user_identifiers: accounts
                .iter()
                .map(|account| UserIdentifier {
                    identifier: Some(user_identifier::Identifier::AccountId(
                        account.0.to_string(),
                    )),
                })
                .collect(),
        };
        let (request, token) = self.authorized(message).await?;
        let response = self
            .unary(method, &token, client.batch_get_user_identifiers(request))
            .await?;
        let mut found = Vec::new();
        for identifiers in response.user_identifiers_list {
            let Ok(account) = identifiers.account_id.trim().parse::<i64>() else {
                tracing::debug!(
                    account_id = %identifiers.account_id,
                    "OneHub id lookup answered an account id that is not a number; skipped"
                );
                continue;
            };
            found.push(UserIds {
                account: AccountId(account),
                user_id: identifiers.user_id.map(|u| u.id).unwrap_or_default(),
                one_hub_user_id: identifiers
                    .one_hub_user_id
                    .map(|u| u.id)
                    .unwrap_or_default(),
            });
        }
        Ok(found)
    }

    /// `PresenceService.SubscribePresenceStates` with `return_presence_states = true` (one call;
    /// chunking is the caller's): the current state of each subscribed user, by the id the PBX
    /// put in it. Group states in the answer are skipped.
    pub async fn subscribe(
        &self,
        ids: &[String],
    ) -> Result<Vec<(String, PhoneState)>, OneHubError> {
        let mut client = PresenceServiceClient::new(self.channel.clone());
        let method = "PresenceService.SubscribePresenceStates";
        let message = SubscribePresenceStatesRequest {
            presence_ids: Some(subscribe_presence_states_request::PresenceIds::UserIdList(
                user_id_list(ids),
            )),
            return_presence_states: true,
        };
        let (request, token) = self.authorized(message).await?;
        let response = self
            .unary(method, &token, client.subscribe_presence_states(request))
            .await?;
        Ok(response
            .presence_states
            .into_iter()
            .filter_map(|state| match state.presence_state {
                Some(presence_state::PresenceState::UserPresenceState(user)) => {
                    let id = user.user_id.as_ref()?.id.clone();
                    Some((id, PhoneState::from_wire(&user)))
                }
                _ => None,
            })
            .collect())
    }

    /// `PresenceService.UnsubscribePresenceStates` (one call).
    pub async fn unsubscribe(&self, ids: &[String]) -> Result<(), OneHubError> {
        let mut client = PresenceServiceClient::new(self.channel.clone());
        let method = "PresenceService.UnsubscribePresenceStates";
        let message = UnsubscribePresenceStatesRequest {
            presence_ids: Some(
                unsubscribe_presence_states_request::PresenceIds::UserIdList(user_id_list(ids)),
            ),
        };
        let (request, token) = self.authorized(message).await?;
        self.unary(method, &token, client.unsubscribe_presence_states(request))
            .await
    }

    /// Starts `PresenceService.SubscribePresenceEvents` in a task and returns at once.
    ///
    /// The PBX sends this stream's response headers only with its first event, and the first
    /// event may be the next real change, so the caller must not wait for the stream before it
    /// subscribes. It waits for `sent` instead: the request is then queued on the connection
    /// before the subscribe, so the PBX knows the stream when the subscription arrives.
    ///
    /// The call goes through tonic's bidirectional-capable `streaming` with a one-message request
    /// stream (the same bytes on the wire as a server-streaming call) because that is the only
    /// way to learn when the request has left.
    pub async fn open_events(&self) -> Result<OpeningEvents, OneHubError> {
        let method = "PresenceService.SubscribePresenceEvents";
        let token = self.token().await?;
        let (sent_tx, sent) = oneshot::channel();
        let body = stream::once(async move {
            let _ = sent_tx.send(());
        });
        let mut request = tonic::Request::new(body);
        insert_bearer(&mut request, &token)?;
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        let client = self.clone();
        let stream = tokio::spawn(async move {
            grpc.ready().await.map_err(|e| OneHubError::Unreachable {
                target: client.target.clone(),
                reason: e.to_string(),
            })?;
            let codec = tonic_prost::ProstCodec::<(), PresenceEventResponse>::default();
            let path = tonic::codegen::http::uri::PathAndQuery::from_static(EVENTS_PATH);
            match grpc.streaming(request, path, codec).await {
                Ok(response) => Ok(response.into_inner()),
                Err(status) => Err(client.failed(method, &status, &token)),
            }
        });
        Ok(OpeningEvents { sent, stream })
    }

    /// The next event of an open stream; `Ok(None)` when the PBX ended it.
    pub async fn next_event(
        &self,
        stream: &mut Streaming<PresenceEventResponse>,
    ) -> Result<Option<PresenceEventResponse>, OneHubError> {
        stream
            .message()
            .await
            .map_err(|status| self.stream_failed(&status))
    }

    fn stream_failed(&self, status: &Status) -> OneHubError {
        OneHubError::from_status(
            "PresenceService.SubscribePresenceEvents",
            &self.target,
            status,
        )
    }

    async fn token(&self) -> Result<Secret, OneHubError> {
        Ok(self.bearer.bearer().await?)
    }

    /// A request carrying the current bearer token (and the token, to report it if refused).
    async fn authorized<T>(&self, message: T) -> Result<(tonic::Request<T>, Secret), OneHubError> {
        let token = self.token().await?;
        let mut request = tonic::Request::new(message);
        insert_bearer(&mut request, &token)?;
        Ok((request, token))
    }

    /// Runs one unary call within the request timeout and classifies a failure.
    async fn unary<R>(
        &self,
        method: &'static str,
        token: &Secret,
        call: impl std::future::Future<Output = Result<tonic::Response<R>, Status>>,
    ) -> Result<R, OneHubError> {
        match tokio::time::timeout(self.settings.request_timeout, call).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(self.failed(method, &status, token)),
            Err(_) => Err(OneHubError::Unreachable {
                target: self.target.clone(),
                reason: format!(
                    "{method} got no answer within {:?}",
                    self.settings.request_timeout
                ),
            }),
        }
    }

    fn failed(&self, method: &'static str, status: &Status, token: &Secret) -> OneHubError {
        if status.code() == Code::Unauthenticated {
            self.bearer.rejected(token);
        }
        OneHubError::from_status(method, &self.target, status)
    }
}

fn insert_bearer<T>(request: &mut tonic::Request<T>, token: &Secret) -> Result<(), OneHubError> {
    let value = MetadataValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
        OneHubError::Bearer(super::bearer::BearerError::Unavailable(
            "the access token contains characters not allowed in a header".to_owned(),
        ))
    })?;
    request.metadata_mut().insert("authorization", value);
    Ok(())
}

fn user_id_list(ids: &[String]) -> UserIdList {
    UserIdList {
        user_ids: ids.iter().map(|id| UserId { id: id.clone() }).collect(),
    }
}
