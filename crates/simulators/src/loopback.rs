//! Serving a router on 127.0.0.1 only, on a free port, with a clean shutdown, over plain HTTP or
//! (see [`crate::loopback_tls`]) HTTPS.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;

use axum::serve::Listener;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::hang_up::{HangUp, HangUpListener};

/// A server running on loopback. Dropping it stops the server.
pub struct LoopbackServer {
    addr: SocketAddr,
    scheme: &'static str,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Binds `127.0.0.1:port` (0 = any free port) and serves `router` over plain HTTP until stopped.
    pub async fn start(router: Router, port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        Ok(Self::serve(listener, addr, "http", router))
    }

    /// Like [`Self::start`], but a handler can close its connection without answering (the
    /// request carries `ConnectInfo<HangUp>`; see [`crate::hang_up`]).
    pub async fn start_with_hang_up(router: Router, port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let listener = HangUpListener::new(listener);
        let service = router.into_make_service_with_connect_info::<HangUp>();
        Ok(Self::spawn(addr, "http", |stopped| async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(stopped)
                .await
        }))
    }

    /// Serves `router` on an already bound loopback `listener`.
    pub(crate) fn serve<L>(
        listener: L,
        addr: SocketAddr,
        scheme: &'static str,
        router: Router,
    ) -> Self
    where
        L: Listener<Addr = SocketAddr>,
    {
        Self::spawn(addr, scheme, |stopped| async move {
            axum::serve(listener, router.into_make_service())
                .with_graceful_shutdown(stopped)
                .await
        })
    }

    /// Runs the server future `serve(stopped)` until `stopped` resolves (on stop or drop).
    fn spawn<F, Fut>(addr: SocketAddr, scheme: &'static str, serve: F) -> Self
    where
        F: FnOnce(Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut,
        Fut: Future<Output = std::io::Result<()>> + Send + 'static,
    {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let stopped: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async {
            let _ = stopped.await;
        });
        let served = serve(stopped);
        let task = tokio::spawn(async move {
            if let Err(error) = served.await {
                tracing::warn!(%error, "simulator server stopped with an error");
            }
        });
        Self {
            addr,
            scheme,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
