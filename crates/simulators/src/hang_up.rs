//! Fault injection below HTTP: a connection that is closed without an answer, as when a proxy,
//! a load balancer or the service itself drops it (the client reads a TCP reset where the
//! response should be).
//!
//! A handler cannot close its connection through axum, so each accepted connection carries a
//! [`HangUp`] switch that handlers reach through `ConnectInfo<HangUp>`. Once a handler arms it,
//! the connection refuses every write and every read: hyper drops it, and with `SO_LINGER` 0
//! the kernel answers with RST instead of a FIN. The handler's response is never sent.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The switch of one accepted connection.
#[derive(Debug, Clone, Default)]
pub struct HangUp(Arc<AtomicBool>);

impl HangUp {
    /// Closes the connection instead of sending the response being prepared.
    pub fn arm(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn armed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Connected<IncomingStream<'_, HangUpListener>> for HangUp {
    fn connect_info(stream: IncomingStream<'_, HangUpListener>) -> Self {
        stream.io().switch.clone()
    }
}

/// A loopback TCP listener whose connections can be hung up by their handler.
pub struct HangUpListener {
    inner: TcpListener,
}

impl HangUpListener {
    pub fn new(inner: TcpListener) -> Self {
        Self { inner }
    }
}

impl Listener for HangUpListener {
    type Io = HangUpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        (
            HangUpStream {
                inner: stream,
                switch: HangUp::default(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that fails every read and write once its [`HangUp`] is armed.
pub struct HangUpStream {
    inner: TcpStream,
    switch: HangUp,
}

impl HangUpStream {
    fn hung_up(&self) -> Option<io::Error> {
        if !self.switch.armed() {
            return None;
        }
        // Dropping the socket now sends RST (no FIN, no buffered bytes): a reset connection.
        if let Err(error) = self.inner.set_zero_linger() {
            tracing::debug!(%error, "cannot set SO_LINGER 0; the hang-up closes with FIN");
        }
        Some(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "simulated hang-up",
        ))
    }
}

impl AsyncRead for HangUpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(error) = self.hung_up() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for HangUpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.hung_up() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(error) = self.hung_up() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(error) = self.hung_up() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Marks a handler's response as never sent (its connection was hung up), so the request log
/// records "no answer" (status 0) instead of the placeholder's status.
#[derive(Debug, Clone, Copy)]
pub struct NotAnswered;

/// The placeholder a handler returns after arming its [`HangUp`]; it never reaches the wire.
pub fn not_answered() -> axum::response::Response {
    let mut response = axum::response::Response::default();
    response.extensions_mut().insert(NotAnswered);
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::graph::{Fault, FaultKind, GraphSimSetup, GraphSimulator};

    /// Sends one raw request; returns what came back before the connection ended, or the error.
    async fn exchange(addr: &str, path: &str) -> io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
            .await
            .expect("the simulator answers or hangs up")?;
        Ok(answer)
    }

    use super::*;

    #[tokio::test]
    async fn injected_reset_closes_the_connection_without_an_answer() {
        let graph = GraphSimulator::start(GraphSimSetup::default())
            .await
            .unwrap();
        let addr = graph.base_url().trim_start_matches("http://").to_owned();
        graph.control().inject_fault(Fault::new(
            "/v1.0/me/presence",
            FaultKind::ConnectionReset,
            1,
        ));

        let reset = exchange(&addr, "/v1.0/me/presence").await;
        match reset {
            Err(error) => assert_eq!(error.kind(), io::ErrorKind::ConnectionReset),
            Ok(bytes) => panic!(
                "expected a reset, got an answer: {:?}",
                String::from_utf8_lossy(&bytes)
            ),
        }
        // The fault was used up: the same request is answered again (401: no token).
        let answered = exchange(&addr, "/v1.0/me/presence").await.unwrap();
        assert!(
            answered.starts_with(b"HTTP/1.1 401"),
            "{:?}",
            String::from_utf8_lossy(&answered)
        );
        let statuses: Vec<u16> = graph
            .control()
            .log()
            .entries()
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            statuses,
            [0, 401],
            "the log tells the hang-up from the answer"
        );
    }
}
