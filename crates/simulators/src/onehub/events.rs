//! `SubscribePresenceEvents`, served beside the generated `PresenceServiceServer` because the
//! simulator must also send bytes no `.proto` describes (an event variant from a newer PBX).
//!
//! The quirk is reproduced exactly: the handler returns, and so the response headers leave,
//! only when the first event exists.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, StreamExt};
use onehub_proto::presence::presence_service_server::PresenceServiceServer;
use tokio::sync::mpsc;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::{Code, Request, Response, Status};

use super::services::{authorized, Presence};
use super::state::{lock, CallSlot, OneHubMethod, SharedHub};
use super::wire::WireEvent;

type EventStream = BoxStream<'static, Result<WireEvent, Status>>;
type EventReceiver = mpsc::UnboundedReceiver<Result<WireEvent, Status>>;

/// An event stream registered when its request arrived (see `transport::handle`), handed to
/// the handler through the request's extensions.
#[derive(Clone)]
pub(crate) struct PreOpened(Arc<Mutex<Option<EventReceiver>>>);

impl PreOpened {
    pub fn new(events: EventReceiver) -> Self {
        Self(Arc::new(Mutex::new(Some(events))))
    }

    fn take(&self) -> Option<EventReceiver> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The events method as a tower service for `tonic::server::Grpc::server_streaming`.
#[derive(Clone)]
struct EventsMethod(SharedHub);

impl tonic::codegen::Service<Request<()>> for EventsMethod {
    type Response = Response<EventStream>;
    type Error = Status;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Status>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        let hub = self.0.clone();
        Box::pin(async move {
            let slot = request.extensions().get::<CallSlot>().copied();
            let method = OneHubMethod::SubscribePresenceEvents;
            let (owner, mut events) = {
                let mut state = lock(&hub);
                let owner = match authorized(&mut state, &request, &method) {
                    Ok(owner) => owner,
                    Err(status) => {
                        let account = state.authenticate(bearer(&request)).ok();
                        state.finish_call(slot, account.as_deref(), 0, status.code());
                        return Err(status);
                    }
                };
                let events = match request
                    .extensions()
                    .get::<PreOpened>()
                    .and_then(PreOpened::take)
                {
                    Some(events) => events,
                    None => state.open_stream(&owner),
                };
                (owner, events)
            };
            // The quirk: no headers until there is an event to send with them.
            let first = events.recv().await;
            let mut state = lock(&hub);
            let code = match &first {
                Some(Ok(_)) => Code::Ok,
                Some(Err(status)) => status.code(),
                None => Code::Unavailable,
            };
            state.finish_call(slot, Some(&owner), 0, code);
            let first = match first {
                Some(Ok(event)) => event,
                Some(Err(status)) => return Err(status),
                None => return Err(Status::unavailable("the PBX closed the event stream")),
            };
            let rest = stream::unfold(events, |mut events| async move {
                events.recv().await.map(|item| (item, events))
            });
            let stream: EventStream = stream::once(async move { Ok(first) }).chain(rest).boxed();
            Ok(Response::new(stream))
        })
    }
}

fn bearer<T>(request: &Request<T>) -> Option<&str> {
    request
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
}

/// The generated `PresenceServiceServer` for the unary methods, with `SubscribePresenceEvents`
/// answered by [`EventsMethod`].
#[derive(Clone)]
pub(crate) struct PresenceRoute {
    generated: PresenceServiceServer<Presence>,
    hub: SharedHub,
}

impl PresenceRoute {
    pub fn new(hub: SharedHub) -> Self {
        Self {
            generated: PresenceServiceServer::new(Presence::new(hub.clone())),
            hub,
        }
    }
}

impl NamedService for PresenceRoute {
    const NAME: &'static str = <PresenceServiceServer<Presence> as NamedService>::NAME;
}

impl<B> tonic::codegen::Service<http::Request<B>> for PresenceRoute
where
    B: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    B::Error: Into<tonic::codegen::StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != OneHubMethod::SubscribePresenceEvents.path() {
            return Box::pin(tonic::codegen::Service::call(&mut self.generated, request));
        }
        let method = EventsMethod(self.hub.clone());
        Box::pin(async move {
            let codec = tonic_prost::ProstCodec::<WireEvent, ()>::default();
            let mut grpc = tonic::server::Grpc::new(codec);
            Ok(grpc.server_streaming(method, request).await)
        })
    }
}
