//! Where OneHub is and how to open an HTTP/2 channel to it.
//!
//! On-premises PBXs serve OneHub at `https://<pbx host>:9092`. Cloud PBXs name a gateway in
//! `GET /rpc/oauth/login-config` (`gRpcUrl`, e.g. `grpcs://ucapi.unified-cloud.eu`, port 443 by
//! default); older PBXs do not have that endpoint, and then the default applies.
//!
//! TLS uses the same verifier as REST ([`crate::tls`]: public roots, a CA file or the pinned
//! certificate), with ALPN `h2`. HTTP/2 keep-alive pings run even while idle, so a stream that
//! died during standby is noticed within `keepalive_interval + keepalive_timeout`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tonic::transport::{Channel, Endpoint, Uri};
use url::Url;

use super::error::OneHubError;
use crate::config::PbxEndpoint;
use crate::http::error_chain;
use crate::tls::{self, TlsTrust};

/// OneHub's port on an on-premises PBX.
pub const ONEHUB_PORT: u16 = 9092;
/// The port of a cloud gateway named without one.
const GATEWAY_PORT: u16 = 443;
const LOGIN_CONFIG_PATH: &str = "rpc/oauth/login-config";

/// How the target was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSource {
    /// The PBX host on port 9092.
    OnPremises,
    /// The `gRpcUrl` of the PBX's login config (cloud PBX).
    CloudGateway,
}

/// Where OneHub is.
#[derive(Debug, Clone)]
pub struct OneHubTarget {
    pub host: String,
    pub port: u16,
    pub trust: TlsTrust,
    pub source: TargetSource,
}

impl OneHubTarget {
    pub fn new(host: impl Into<String>, port: u16, trust: TlsTrust) -> Self {
        Self {
            host: host.into(),
            port,
            trust,
            source: TargetSource::OnPremises,
        }
    }

    /// The PBX's own host on port 9092, with the PBX's trust settings.
    pub fn on_premises(pbx: &PbxEndpoint) -> Result<Self, OneHubError> {
        let host = pbx.host().ok_or_else(|| OneHubError::Unreachable {
            target: pbx.base_url.to_string(),
            reason: "the PBX URL has no host".to_owned(),
        })?;
        Ok(Self::new(host, ONEHUB_PORT, pbx.trust.clone()))
    }

    /// Asks the PBX for its login config and takes its `gRpcUrl` if it names one; otherwise
    /// (no such endpoint before the cloud releases, or no gateway) the PBX host on port 9092.
    pub async fn discover(pbx: &PbxEndpoint) -> Result<Self, OneHubError> {
        let default = Self::on_premises(pbx)?;
        let url = pbx.url(LOGIN_CONFIG_PATH);
        let http = pbx.http_client()?;
        let response = http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| OneHubError::Unreachable {
                target: url.to_string(),
                reason: error.to_string(),
            })?;
        if !response.status().is_success() {
            tracing::debug!(status = %response.status(), "no OneHub login config; using port 9092");
            return Ok(default);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|error| OneHubError::Unreachable {
                target: url.to_string(),
                reason: error.to_string(),
            })?;
        let config: LoginConfig = match serde_json::from_slice(&bytes) {
            Ok(config) => config,
            Err(error) => {
                tracing::warn!(%error, "unreadable OneHub login config; using port 9092");
                return Ok(default);
            }
        };
        match config.grpc_url.as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some(grpc_url) => Self::gateway(grpc_url, pbx.trust.clone()),
        }
    }

    /// `grpcs://host[:port]` (or `https://`); plain `grpc://` is refused like `http://` is.
    fn gateway(grpc_url: &str, trust: TlsTrust) -> Result<Self, OneHubError> {
        let bad = |reason: &str| OneHubError::BadResponse {
            method: "login-config",
            reason: format!("gRpcUrl `{grpc_url}`: {reason}"),
        };
        let url = Url::parse(grpc_url).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "grpcs" | "https") {
            return Err(bad("only TLS (grpcs://, https://) is accepted"));
        }
        let host = url.host_str().ok_or_else(|| bad("no host"))?;
        Ok(Self {
            host: host.to_owned(),
            port: url.port().unwrap_or(GATEWAY_PORT),
            trust,
            source: TargetSource::CloudGateway,
        })
    }

    /// `https://host:port`, as errors and `doctor` show it.
    pub fn url(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("https://[{}]:{}", self.host, self.port)
        } else {
            format!("https://{}:{}", self.host, self.port)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginConfig {
    #[serde(rename = "gRpcUrl", default)]
    grpc_url: Option<String>,
}

/// Timeouts of one OneHub connection.
#[derive(Debug, Clone)]
pub struct ChannelSettings {
    /// HTTP/2 ping interval, also while idle.
    pub keepalive_interval: Duration,
    /// A ping unanswered this long closes the connection (and every stream on it).
    pub keepalive_timeout: Duration,
    pub connect_timeout: Duration,
    /// Limit for each unary call (not for the event stream).
    pub request_timeout: Duration,
}

impl Default for ChannelSettings {
    /// 20 s pings with a 10 s timeout: a dead link is noticed within 30 s.
    fn default() -> Self {
        Self {
            keepalive_interval: Duration::from_secs(20),
            keepalive_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(15),
        }
    }
}

/// Opens a channel to `target` (TCP + TLS + HTTP/2 now, not lazily).
pub(crate) async fn open_channel(
    target: &OneHubTarget,
    settings: &ChannelSettings,
) -> Result<Channel, OneHubError> {
    let mut config = tls::client_config(&target.trust)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = TlsConnector {
        config: Arc::new(config),
        host: target.host.clone(),
        port: target.port,
        server_name: tls::server_name(&target.host)?,
        timeout: settings.connect_timeout,
    };
    let unreachable = |reason: String| OneHubError::Unreachable {
        target: target.url(),
        reason,
    };
    let endpoint = Endpoint::from_shared(target.url())
        .map_err(|e| unreachable(e.to_string()))?
        .user_agent(concat!("presence-bridge/", env!("CARGO_PKG_VERSION")))
        .map_err(|e| unreachable(e.to_string()))?
        .connect_timeout(settings.connect_timeout)
        .http2_keep_alive_interval(settings.keepalive_interval)
        .keep_alive_timeout(settings.keepalive_timeout)
        .keep_alive_while_idle(true);
    endpoint
        .connect_with_connector(connector)
        .await
        .map_err(|e| unreachable(error_chain(&e)))
}

/// TCP + TLS to the fixed target (tonic's own TLS is not compiled in: this way OneHub and REST
/// share one verifier and pin).
#[derive(Clone)]
struct TlsConnector {
    config: Arc<ClientConfig>,
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    timeout: Duration,
}

impl tower_service::Service<Uri> for TlsConnector {
    type Response = TokioIo<TlsStream<TcpStream>>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, io::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move {
            let connect = async {
                let host = connector.host.trim_start_matches('[').trim_end_matches(']');
                let tcp = TcpStream::connect((host, connector.port)).await?;
                tcp.set_nodelay(true)?;
                let tls = tokio_rustls::TlsConnector::from(connector.config.clone())
                    .connect(connector.server_name.clone(), tcp)
                    .await?;
                if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
                    return Err(io::Error::other(
                        "the server did not agree to HTTP/2 (ALPN h2)",
                    ));
                }
                Ok(TokioIo::new(tls))
            };
            tokio::time::timeout(connector.timeout, connect)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls_default_to_443_and_refuse_plain_grpc() {
        let target =
            OneHubTarget::gateway("grpcs://ucapi.unified-cloud.eu", TlsTrust::PublicRoots).unwrap();
        assert_eq!(target.host, "ucapi.unified-cloud.eu");
        assert_eq!(target.port, 443);
        assert_eq!(target.source, TargetSource::CloudGateway);
        let with_port =
            OneHubTarget::gateway("https://gw.example:8443", TlsTrust::PublicRoots).unwrap();
        assert_eq!(with_port.port, 8443);
        assert!(OneHubTarget::gateway("grpc://gw.example", TlsTrust::PublicRoots).is_err());
        assert!(OneHubTarget::gateway("not a url", TlsTrust::PublicRoots).is_err());
    }

    #[test]
    fn on_premises_is_the_pbx_host_on_9092() {
        let pbx = PbxEndpoint::new("https://pbx.example.com/".parse().unwrap());
        let target = OneHubTarget::on_premises(&pbx).unwrap();
        assert_eq!(target.url(), "https://pbx.example.com:9092");
    }
}
