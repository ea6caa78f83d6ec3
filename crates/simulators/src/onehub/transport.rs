//! TLS on loopback, HTTP/2 only, one task per connection, so a test can cut every connection at
//! once (a PBX restart) or freeze them (a link that died in standby: no bytes move, pings go
//! unanswered).

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use onehub_proto::chat::chat_service_server::ChatServiceServer;
use onehub_proto::health::health_service_server::HealthServiceServer;
use onehub_proto::me::me_service_server::MeServiceServer;
use onehub_proto::system::system_service_server::SystemServiceServer;
use onehub_proto::useridlookup::user_id_lookup_service_server::UserIdLookupServiceServer;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinHandle};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tonic::codegen::{http, Bytes, Service};
use tonic::server::NamedService;
use tonic::Code;

use super::events::{PreOpened, PresenceRoute};
use super::services::{Chat, Health, Lookup, Me, System};
use super::state::{lock, OneHubMethod, SharedHub};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

type GrpcRequest = http::Request<Full<Bytes>>;
type GrpcResponse = http::Response<tonic::body::Body>;

/// Every service, dispatched by the service name in the path.
#[derive(Clone)]
struct Routes {
    presence: PresenceRoute,
    lookup: UserIdLookupServiceServer<Lookup>,
    me: MeServiceServer<Me>,
    system: SystemServiceServer<System>,
    health: HealthServiceServer<Health>,
    chat: ChatServiceServer<Chat>,
}

impl Routes {
    fn new(hub: &SharedHub) -> Self {
        Self {
            presence: PresenceRoute::new(hub.clone()),
            lookup: UserIdLookupServiceServer::new(Lookup { hub: hub.clone() }),
            me: MeServiceServer::new(Me { hub: hub.clone() }),
            system: SystemServiceServer::new(System { hub: hub.clone() }),
            health: HealthServiceServer::new(Health { hub: hub.clone() }),
            chat: ChatServiceServer::new(Chat { hub: hub.clone() }),
        }
    }

    async fn dispatch(mut self, request: GrpcRequest) -> Result<GrpcResponse, Infallible> {
        let service = request
            .uri()
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        match service.as_str() {
            PresenceRoute::NAME => self.presence.call(request).await,
            name if name == service_name(&self.lookup) => self.lookup.call(request).await,
            name if name == service_name(&self.me) => self.me.call(request).await,
            name if name == service_name(&self.system) => self.system.call(request).await,
            name if name == service_name(&self.health) => self.health.call(request).await,
            name if name == service_name(&self.chat) => self.chat.call(request).await,
            _ => Ok(tonic::Status::unimplemented("unknown service").into_http()),
        }
    }
}

fn service_name<S: NamedService>(_: &S) -> &'static str {
    S::NAME
}

/// Called by hyper on the connection task, in the order the streams arrive: logs the call and,
/// for the event stream, registers it with the PBX at once (so a subscribe that arrives after
/// it on the wire always finds it). Then reads the whole body (every OneHub request is one
/// message) and passes the request on.
fn handle(
    hub: SharedHub,
    routes: Routes,
    request: http::Request<Incoming>,
) -> impl std::future::Future<Output = Result<GrpcResponse, Infallible>> {
    let (mut parts, body) = request.into_parts();
    let method = OneHubMethod::from_path(parts.uri.path());
    let slot = {
        let mut state = lock(&hub);
        let slot = state.log_call(method.clone(), Vec::new());
        if method == OneHubMethod::SubscribePresenceEvents {
            let authorization = parts
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            if let Ok(owner) = state.authenticate(authorization) {
                let events = state.open_stream(&owner);
                parts.extensions.insert(PreOpened::new(events));
            }
        }
        slot
    };
    async move {
        let bytes = body
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        lock(&hub).set_call_body(slot, bytes.to_vec());
        let grpc = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"));
        if !grpc {
            lock(&hub).finish_call(Some(slot), None, 0, Code::Unknown);
            let mut response = http::Response::new(tonic::body::Body::empty());
            *response.status_mut() = http::StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return Ok(response);
        }
        if let OneHubMethod::Other(_) = method {
            lock(&hub).finish_call(Some(slot), None, 0, Code::Unimplemented);
        }
        parts.extensions.insert(slot);
        routes
            .dispatch(http::Request::from_parts(parts, Full::new(bytes)))
            .await
    }
}

struct Connection {
    task: AbortHandle,
    frozen: Arc<AtomicBool>,
}

/// The listening socket and every connection it accepted.
pub(crate) struct Transport {
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<Connection>>>,
}

impl Transport {
    pub async fn start(
        port: u16,
        tls: Arc<ServerConfig>,
        hub: SharedHub,
    ) -> io::Result<(Self, SocketAddr)> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let connections: Arc<Mutex<Vec<Connection>>> = Arc::default();
        let routes = Routes::new(&hub);
        let tracked = connections.clone();
        let accept = tokio::spawn(async move {
            let acceptor = TlsAcceptor::from(tls);
            loop {
                let (tcp, _) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::debug!(%error, "OneHub simulator accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let frozen = Arc::new(AtomicBool::new(false));
                let task = tokio::spawn(serve_connection(
                    acceptor.clone(),
                    tcp,
                    frozen.clone(),
                    hub.clone(),
                    routes.clone(),
                ));
                let mut connections = tracked.lock().unwrap_or_else(|p| p.into_inner());
                connections.retain(|c| !c.task.is_finished());
                connections.push(Connection {
                    task: task.abort_handle(),
                    frozen,
                });
            }
        });
        Ok((
            Self {
                accept,
                connections,
            },
            addr,
        ))
    }

    /// Every open connection stops moving bytes, for good (new connections work).
    pub fn freeze_connections(&self) {
        for connection in self
            .connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            connection.frozen.store(true, Ordering::SeqCst);
        }
    }

    /// Stops listening and cuts every connection without a goodbye.
    pub fn stop(self) {
        self.accept.abort();
        for connection in self
            .connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            connection.task.abort();
        }
    }
}

async fn serve_connection(
    acceptor: TlsAcceptor,
    tcp: tokio::net::TcpStream,
    frozen: Arc<AtomicBool>,
    hub: SharedHub,
    routes: Routes,
) {
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => {
            tracing::debug!(%error, "OneHub simulator TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    let io = TokioIo::new(Freezable { inner: tls, frozen });
    let service =
        hyper::service::service_fn(move |request| handle(hub.clone(), routes.clone(), request));
    if let Err(error) = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await
    {
        tracing::debug!(%error, "OneHub simulator connection ended");
    }
}

/// A stream that stops reading and writing once `frozen` is set, as a TCP connection does when
/// the laptop slept and the network changed underneath it.
struct Freezable<S> {
    inner: S,
    frozen: Arc<AtomicBool>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Freezable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.frozen.load(Ordering::SeqCst) {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Freezable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.frozen.load(Ordering::SeqCst) {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.frozen.load(Ordering::SeqCst) {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.frozen.load(Ordering::SeqCst) {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
