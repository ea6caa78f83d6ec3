//! The unary OneHub methods, strict: a valid, unexpired bearer token on every call, the id limit
//! per call, the presence right, and injected failures.

use onehub_proto::chat::chat_service_server::ChatService;
use onehub_proto::chat::{ChatId, GetChatIdRequest, GetChatIdResponse};
use onehub_proto::health::health_service_server::HealthService;
use onehub_proto::me::me_service_server::MeService;
use onehub_proto::me::GetPermissionsResponse;
use onehub_proto::presence::presence_event_response::PresenceEvent;
use onehub_proto::presence::presence_service_server::PresenceService;
use onehub_proto::presence::{
    presence_state_unsubscribed_event, subscribe_presence_states_request,
    unsubscribe_presence_states_request, PresenceStateSubscribedEvent,
    PresenceStateUnsubscribedEvent, SubscribePresenceStatesRequest,
    SubscribePresenceStatesResponse, UnsubscribePresenceStatesRequest,
};
use onehub_proto::system::system_service_server::SystemService;
use onehub_proto::system::ServerVersionResponse;
use onehub_proto::types::{GetUserResponse, User, UserId};
use onehub_proto::useridlookup::user_id_lookup_service_server::UserIdLookupService;
use onehub_proto::useridlookup::{
    user_identifier, BatchGetUserIdentifiersRequest, BatchGetUserIdentifiersResponse,
    UserIdentifiers,
};
use tonic::{Code, Request, Response, Status};

use super::directory::PermissionStyle;
use super::state::{lock, CallSlot, HubState, OneHubMethod, SharedHub};
use super::wire::{unreachable_events, UnusedEventStream};

/// The caller's account if its token is valid, else `Unauthenticated`; then any injected fault.
pub(crate) fn authorized<T>(
    state: &mut HubState,
    request: &Request<T>,
    method: &OneHubMethod,
) -> Result<String, Status> {
    let authorization = request
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let owner = state.authenticate(authorization)?;
    match state.take_fault(method) {
        Some(status) => Err(status),
        None => Ok(owner),
    }
}

/// Runs one unary call: checks, then `answer` with the caller's account; logs the outcome.
fn serve<T, R>(
    hub: &SharedHub,
    request: Request<T>,
    method: OneHubMethod,
    answer: impl FnOnce(&mut HubState, &str, T) -> Result<(R, usize), Status>,
) -> Result<Response<R>, Status> {
    let slot = request.extensions().get::<CallSlot>().copied();
    let mut state = lock(hub);
    let owner = match authorized(&mut state, &request, &method) {
        Ok(owner) => owner,
        Err(status) => {
            let account = request
                .metadata()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| state.authenticate(Some(v)).ok());
            state.finish_call(slot, account.as_deref(), 0, status.code());
            return Err(status);
        }
    };
    match answer(&mut state, &owner, request.into_inner()) {
        Ok((response, ids)) => {
            state.finish_call(slot, Some(&owner), ids, Code::Ok);
            Ok(Response::new(response))
        }
        Err(status) => {
            state.finish_call(slot, Some(&owner), 0, status.code());
            Err(status)
        }
    }
}

fn check_id_count(state: &HubState, count: usize) -> Result<(), Status> {
    if count > state.settings.max_ids_per_call {
        return Err(Status::invalid_argument(format!(
            "at most {} ids per call, got {count}",
            state.settings.max_ids_per_call
        )));
    }
    Ok(())
}

fn user_ids(
    ids: Option<subscribe_presence_states_request::PresenceIds>,
) -> Result<Vec<String>, Status> {
    match ids {
        Some(subscribe_presence_states_request::PresenceIds::UserIdList(list)) => {
            Ok(list.user_ids.into_iter().map(|u| u.id).collect())
        }
        // No groups on this PBX: a group subscription names nothing.
        Some(subscribe_presence_states_request::PresenceIds::GroupIdList(_)) => Ok(Vec::new()),
        None => Err(Status::invalid_argument("presence_ids is required")),
    }
}

pub(crate) struct Presence {
    hub: SharedHub,
}

impl Presence {
    pub fn new(hub: SharedHub) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl PresenceService for Presence {
    async fn subscribe_presence_states(
        &self,
        request: Request<SubscribePresenceStatesRequest>,
    ) -> Result<Response<SubscribePresenceStatesResponse>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::SubscribePresenceStates,
            |state, owner, request| {
                let ids = user_ids(request.presence_ids)?;
                check_id_count(state, ids.len())?;
                let allowed = state
                    .user_by_account(owner)
                    .is_some_and(|u| u.may_subscribe_presence);
                if !allowed {
                    let text = format!(
                        "The user with account id {owner} does not have the permission to \
                         subscribe presence states"
                    );
                    return Err(match state.settings.permission_style {
                        PermissionStyle::PermissionDenied => Status::permission_denied(text),
                        PermissionStyle::Internal => Status::internal(text),
                    });
                }
                let mut users = state.subscribe(owner, &ids);
                users.dedup_by(|a, b| a.account_id == b.account_id);
                let states: Vec<_> = users.iter().map(|u| state.presence_state(u)).collect();
                if state.settings.announce_subscriptions {
                    for presence in &states {
                        state.publish_to(
                            owner,
                            PresenceEvent::PresenceStateSubscribed(PresenceStateSubscribedEvent {
                                presence_state: Some(presence.clone()),
                            }),
                        );
                    }
                }
                let presence_states = if request.return_presence_states {
                    states
                } else {
                    Vec::new()
                };
                Ok((
                    SubscribePresenceStatesResponse { presence_states },
                    ids.len(),
                ))
            },
        )
    }

    async fn unsubscribe_presence_states(
        &self,
        request: Request<UnsubscribePresenceStatesRequest>,
    ) -> Result<Response<()>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::UnsubscribePresenceStates,
            |state, owner, request| {
                let ids: Vec<String> = match request.presence_ids {
                    Some(unsubscribe_presence_states_request::PresenceIds::UserIdList(list)) => {
                        list.user_ids.into_iter().map(|u| u.id).collect()
                    }
                    Some(unsubscribe_presence_states_request::PresenceIds::GroupIdList(_)) => {
                        Vec::new()
                    }
                    None => return Err(Status::invalid_argument("presence_ids is required")),
                };
                check_id_count(state, ids.len())?;
                state.unsubscribe(owner, &ids);
                if state.settings.announce_subscriptions {
                    for id in &ids {
                        state.publish_to(
                            owner,
                            PresenceEvent::PresenceStateUnsubscribed(
                                PresenceStateUnsubscribedEvent {
                                    target: Some(
                                        presence_state_unsubscribed_event::Target::UserId(UserId {
                                            id: id.clone(),
                                        }),
                                    ),
                                },
                            ),
                        );
                    }
                }
                Ok(((), ids.len()))
            },
        )
    }

    type SubscribePresenceEventsStream = UnusedEventStream;

    async fn subscribe_presence_events(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::SubscribePresenceEventsStream>, Status> {
        Err(unreachable_events())
    }
}

pub(crate) struct Lookup {
    pub hub: SharedHub,
}

#[tonic::async_trait]
impl UserIdLookupService for Lookup {
    async fn batch_get_user_identifiers(
        &self,
        request: Request<BatchGetUserIdentifiersRequest>,
    ) -> Result<Response<BatchGetUserIdentifiersResponse>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::BatchGetUserIdentifiers,
            |state, _owner, request| {
                let count = request.user_identifiers.len();
                check_id_count(state, count)?;
                let mut list = Vec::new();
                for identifier in request.user_identifiers {
                    let user = match identifier.identifier {
                        Some(user_identifier::Identifier::AccountId(account)) => {
                            state.user_by_account(&account)
                        }
                        Some(user_identifier::Identifier::UserId(id))
                        | Some(user_identifier::Identifier::OneHubUserId(id)) => {
                            state.user_by_id(&id.id)
                        }
                        None => {
                            return Err(Status::invalid_argument("identifier is required"));
                        }
                    };
                    // Unknown accounts are left out of the answer.
                    if let Some(user) = user {
                        list.push(UserIdentifiers {
                            account_id: user.account_id.clone(),
                            user_id: Some(UserId {
                                id: user.user_id.clone(),
                            }),
                            one_hub_user_id: Some(UserId {
                                id: user.one_hub_user_id.clone(),
                            }),
                        });
                    }
                }
                Ok((
                    BatchGetUserIdentifiersResponse {
                        user_identifiers_list: list,
                    },
                    count,
                ))
            },
        )
    }
}

pub(crate) struct Me {
    pub hub: SharedHub,
}

#[tonic::async_trait]
impl MeService for Me {
    async fn get_user(&self, request: Request<()>) -> Result<Response<GetUserResponse>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::GetUser,
            |state, owner, ()| {
                let user = state
                    .user_by_account(owner)
                    .ok_or_else(|| Status::not_found("no such user"))?;
                Ok((
                    GetUserResponse {
                        user: Some(User {
                            user_id: Some(UserId {
                                id: user.user_id.clone(),
                            }),
                            first_name: user.first_name.clone(),
                            last_name: user.last_name.clone(),
                            email: user.email.clone(),
                        }),
                    },
                    0,
                ))
            },
        )
    }

    async fn get_permissions(
        &self,
        request: Request<()>,
    ) -> Result<Response<GetPermissionsResponse>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::GetPermissions,
            |state, owner, ()| {
                let permissions = state
                    .user_by_account(owner)
                    .map(|u| u.permissions.clone())
                    .unwrap_or_default();
                Ok((GetPermissionsResponse { permissions }, 0))
            },
        )
    }
}

pub(crate) struct System {
    pub hub: SharedHub,
}

#[tonic::async_trait]
impl SystemService for System {
    async fn get_server_version(
        &self,
        request: Request<()>,
    ) -> Result<Response<ServerVersionResponse>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::GetServerVersion,
            |state, _owner, ()| {
                Ok((
                    ServerVersionResponse {
                        version: state.settings.server_version.clone(),
                    },
                    0,
                ))
            },
        )
    }
}

pub(crate) struct Health {
    pub hub: SharedHub,
}

#[tonic::async_trait]
impl HealthService for Health {
    async fn check(&self, request: Request<()>) -> Result<Response<()>, Status> {
        serve(&self.hub, request, OneHubMethod::HealthCheck, |_, _, ()| {
            Ok(((), 0))
        })
    }
}

pub(crate) struct Chat {
    pub hub: SharedHub,
}

#[tonic::async_trait]
impl ChatService for Chat {
    async fn get_chat_id(
        &self,
        request: Request<GetChatIdRequest>,
    ) -> Result<Response<GetChatIdResponse>, Status> {
        serve(
            &self.hub,
            request,
            OneHubMethod::GetChatId,
            |state, _owner, request| {
                let id = request
                    .user_id
                    .ok_or_else(|| Status::invalid_argument("user_id is required"))?;
                let user = state
                    .user_by_id(&id.id)
                    .ok_or_else(|| Status::not_found("no such user"))?;
                Ok((
                    GetChatIdResponse {
                        chat_id: Some(ChatId {
                            id: format!("{}@starface.local", user.account_id),
                        }),
                    },
                    1,
                ))
            },
        )
    }
}
