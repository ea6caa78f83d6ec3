//! A tokio-xmpp connector for STARFACE's Openfire: TCP to the host dialled, STARTTLS with this
//! crate's trust settings (CA file or pin), and the stream addressed to the XMPP domain.
//!
//! The XMPP domain is often the PBX's IP address while the certificate names the host, so the
//! TLS server name (the host dialled) and the stream's `to` (the domain) are kept apart here.

use std::borrow::Cow;
use std::io;
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::io::BufStream;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::error::ProtocolError;
use tokio_xmpp::jid::Jid;
use tokio_xmpp::parsers::starttls;
use tokio_xmpp::xmlstream::{
    initiate_stream, PendingFeaturesRecv, ReadError, StreamHeader, Timeouts, XmppStreamElement,
};
use tokio_xmpp::Error;

#[derive(Clone)]
pub struct StartTlsConnector {
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    tls: Arc<ClientConfig>,
}

impl std::fmt::Debug for StartTlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartTlsConnector")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl StartTlsConnector {
    pub fn new(host: &str, port: u16, tls: ClientConfig) -> Result<Self, crate::tls::TlsError> {
        Ok(Self {
            host: host.to_owned(),
            port,
            server_name: crate::tls::server_name(host)?,
            tls: Arc::new(tls),
        })
    }
}

impl ServerConnector for StartTlsConnector {
    type Stream = BufStream<TlsStream<TcpStream>>;

    async fn connect(
        &self,
        jid: &Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<
        (
            PendingFeaturesRecv<Self::Stream>,
            sasl::common::ChannelBinding,
        ),
        Error,
    > {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        let tcp = TcpStream::connect((host, self.port)).await?;
        let header = || StreamHeader {
            to: Some(Cow::Owned(jid.domain().as_str().to_owned())),
            from: None,
            id: None,
        };
        let plain = initiate_stream(BufStream::new(tcp), ns, header(), timeouts).await?;
        let (features, mut stream) = plain
            .recv_features::<tokio_xmpp::xmlstream::FallibleStreamElement>()
            .await?;
        // Never fall back to plaintext: the password would travel in the clear.
        if !features.can_starttls() {
            return Err(Error::Protocol(ProtocolError::NoTls));
        }
        stream
            .send(&XmppStreamElement::Starttls(starttls::Nonza::Request(
                starttls::Request,
            )))
            .await?;
        loop {
            match stream.next().await.map(|v| {
                v.and_then(|v: tokio_xmpp::xmlstream::FallibleStreamElement| v.into_read_error())
            }) {
                Some(Ok(XmppStreamElement::Starttls(starttls::Nonza::Proceed(_)))) => break,
                Some(Ok(_)) | Some(Err(ReadError::SoftTimeout)) => {}
                Some(Err(ReadError::HardError(e))) => return Err(e.into()),
                Some(Err(ReadError::ParseError(e))) => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e).into())
                }
                None | Some(Err(ReadError::StreamFooterReceived)) => {
                    return Err(Error::Disconnected)
                }
            }
        }
        let tcp = stream.into_inner().into_inner();
        let tls = TlsConnector::from(self.tls.clone())
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| io::Error::new(io::ErrorKind::ConnectionRefused, e))?;
        let secured = initiate_stream(BufStream::new(tls), ns, header(), timeouts).await?;
        // No channel binding: SCRAM without -PLUS works on Openfire and Prosody alike.
        Ok((secured, sasl::common::ChannelBinding::None))
    }
}
