//! HTTPS for [`LoopbackServer`], with a certificate the caller supplies (tests generate a
//! self-signed one to exercise CA files and certificate pins).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::loopback::LoopbackServer;

/// A slow or hostile client must not stall the accept loop for long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum LoopbackTlsError {
    #[error("invalid certificate or key PEM: {0}")]
    Pem(String),
    #[error("TLS configuration rejected: {0}")]
    Config(#[from] tokio_rustls::rustls::Error),
    #[error("cannot bind the loopback port: {0}")]
    Bind(#[from] std::io::Error),
}

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (tcp, peer) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!(%error, "loopback TLS accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            // A client that rejects our certificate (wrong pin) ends here; that is expected.
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => return (tls, peer),
                Ok(Err(error)) => tracing::debug!(%error, "loopback TLS handshake failed"),
                Err(_) => tracing::debug!("loopback TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

impl LoopbackServer {
    /// Serves `router` over TLS on `127.0.0.1:port` (0 = any free port).
    pub async fn start_tls(
        router: Router,
        port: u16,
        cert_chain_pem: &str,
        private_key_pem: &str,
    ) -> Result<Self, LoopbackTlsError> {
        let certs = CertificateDer::pem_slice_iter(cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LoopbackTlsError::Pem(e.to_string()))?;
        let key = PrivateKeyDer::from_pem_slice(private_key_pem.as_bytes())
            .map_err(|e| LoopbackTlsError::Pem(e.to_string()))?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = tcp.local_addr()?;
        let listener = TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        };
        Ok(Self::serve(listener, addr, "https", router))
    }
}
