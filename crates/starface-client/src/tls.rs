//! TLS towards the PBX: verification is always on. Self-signed appliances are handled with a
//! CA file or a SHA-256 pin of the certificate, never by switching verification off.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use url::Url;

use crate::certificate_details::CertificateDetails;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "refusing plain http:// for {url}: STARFACE credentials would travel unencrypted. Use \
         https://, or set allow_plain_http explicitly if this is really wanted"
    )]
    PlainHttpRefused { url: String },
    #[error("unsupported URL scheme `{0}` (expected https)")]
    UnsupportedScheme(String),
    #[error("cannot read CA file {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error(
        "invalid certificate pin `{0}`: expected the SHA-256 fingerprint as 64 hex digits \
         (colons allowed)"
    )]
    InvalidPin(String),
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("cannot connect to {host}:{port}: {reason}")]
    Connect {
        host: String,
        port: u16,
        reason: String,
    },
    #[error("the server presented no certificate")]
    NoCertificate,
    #[error("invalid server name `{0}`")]
    ServerName(String),
}

/// SHA-256 fingerprint of a DER certificate, the value an admin pins.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertificatePin([u8; 32]);

impl CertificatePin {
    pub fn of_certificate(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for CertificatePin {
    /// `AB:CD:...`, the format browsers and `openssl x509 -fingerprint -sha256` print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|b| format!("{b:02X}")).collect();
        f.write_str(&parts.join(":"))
    }
}

impl fmt::Debug for CertificatePin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificatePin({self})")
    }
}

impl FromStr for CertificatePin {
    type Err = TlsError;

    /// Accepts `AB:CD:...`, `abcd...` and `sha256/AB:CD...` spellings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let trimmed = trimmed
            .strip_prefix("sha256/")
            .or_else(|| trimmed.strip_prefix("SHA256:"))
            .unwrap_or(trimmed);
        let digits: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ':' | ' '))
            .collect();
        let bytes = hex::decode(&digits).map_err(|_| TlsError::InvalidPin(s.to_owned()))?;
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| TlsError::InvalidPin(s.to_owned()))?;
        Ok(Self(array))
    }
}

/// Which certificates the connector accepts.
#[derive(Debug, Clone, Default)]
pub enum TlsTrust {
    /// The public web PKI (Mozilla's roots), with host name checks.
    #[default]
    PublicRoots,
    /// Certificates issued by the CA(s) in this PEM file, with host name checks.
    CaFile(PathBuf),
    /// Exactly the certificate with this SHA-256 fingerprint. The host name is not checked: the
    /// pin is stronger, and appliances are often reached by IP while their certificate names
    /// the host.
    Pin(CertificatePin),
}

pub(crate) fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificate check for `trust`.
fn verifier(trust: &TlsTrust) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    let provider = crypto_provider();
    let roots = match trust {
        TlsTrust::PublicRoots => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
        TlsTrust::CaFile(path) => {
            let ca_error = |reason: String| TlsError::CaFile {
                path: path.clone(),
                reason,
            };
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| ca_error(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("no PEM certificate in the file".to_owned()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
            }
            roots
        }
        TlsTrust::Pin(pin) => {
            return Ok(Arc::new(EndEntityVerifier::new(
                EndEntityRule::Pinned(*pin),
                provider,
            )))
        }
    };
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| TlsError::Rustls(rustls::Error::General(e.to_string())))
        .map(|v| v as Arc<dyn ServerCertVerifier>)
}

/// A rustls client configuration for `trust`.
pub fn client_config(trust: &TlsTrust) -> Result<ClientConfig, TlsError> {
    Ok(ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier(trust)?)
        .with_no_client_auth())
}

/// Refuses `http://` unless explicitly allowed; when allowed, says so loudly.
pub fn check_scheme(url: &Url, allow_plain_http: bool) -> Result<(), TlsError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_plain_http => {
            tracing::warn!(
                url = %url,
                "plain http:// to the PBX is enabled: credentials and tokens travel unencrypted"
            );
            Ok(())
        }
        "http" => Err(TlsError::PlainHttpRefused {
            url: url.to_string(),
        }),
        other => Err(TlsError::UnsupportedScheme(other.to_owned())),
    }
}

pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_owned()).map_err(|_| TlsError::ServerName(host.to_owned()))
}

/// A check of the server's certificate by itself, not by a chain to a root: the PBX's own
/// self-signed certificate. The handshake signatures are still checked either way, so a copied
/// certificate without its private key fails.
#[derive(Debug)]
struct EndEntityVerifier {
    rule: EndEntityRule,
    provider: Arc<CryptoProvider>,
}

#[derive(Debug)]
enum EndEntityRule {
    /// Accept only the certificate with this fingerprint (the configured pin).
    Pinned(CertificatePin),
    /// Accept any certificate and remember it. Only to *show* the fingerprint in `doctor`: the
    /// connection is closed right after the handshake and carries no data.
    Record(Mutex<Option<Vec<u8>>>),
}

impl EndEntityVerifier {
    fn new(rule: EndEntityRule, provider: Arc<CryptoProvider>) -> Self {
        Self { rule, provider }
    }

    /// The certificate a `Record` verifier saw.
    fn recorded(&self) -> Option<Vec<u8>> {
        match &self.rule {
            EndEntityRule::Record(seen) => seen.lock().unwrap_or_else(|p| p.into_inner()).take(),
            EndEntityRule::Pinned(_) => None,
        }
    }
}

impl ServerCertVerifier for EndEntityVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.rule {
            EndEntityRule::Pinned(pin) => {
                let presented = CertificatePin::of_certificate(end_entity.as_ref());
                if presented == *pin {
                    Ok(ServerCertVerified::assertion())
                } else {
                    tracing::warn!(
                        presented = %presented,
                        pinned = %pin,
                        "the PBX presented a certificate that does not match the configured pin"
                    );
                    Err(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::ApplicationVerificationFailure,
                    ))
                }
            }
            EndEntityRule::Record(seen) => {
                *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(end_entity.to_vec());
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What `doctor` and the window show so the user can judge and pin the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedCertificate {
    pub sha256: CertificatePin,
    /// Whether the certificate also passes the configured trust (CA file, pin or public roots).
    pub trusted: bool,
    /// Subject, issuer and validity, when the certificate could be parsed.
    pub details: Option<CertificateDetails>,
}

/// Connects to `host:port` (direct TLS, as on the HTTPS port), reads the certificate the server
/// presents, and reports its SHA-256 fingerprint and whether `trust` accepts it.
pub async fn fetch_presented_certificate(
    host: &str,
    port: u16,
    trust: &TlsTrust,
    timeout: Duration,
) -> Result<PresentedCertificate, TlsError> {
    let connect_error = |reason: String| TlsError::Connect {
        host: host.to_owned(),
        port,
        reason,
    };
    let provider = crypto_provider();
    let recorder = Arc::new(EndEntityVerifier::new(
        EndEntityRule::Record(Mutex::new(None)),
        provider.clone(),
    ));
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = server_name(host)?;
    let handshake = async {
        let tcp = TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port))
            .await
            .map_err(|e| connect_error(e.to_string()))?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name.clone(), tcp)
            .await
            .map_err(|e| connect_error(e.to_string()))
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| connect_error("timed out".to_owned()))??;
    let der = recorder.recorded().ok_or(TlsError::NoCertificate)?;
    let trusted = is_trusted(&der, &name, trust)?;
    Ok(PresentedCertificate {
        sha256: CertificatePin::of_certificate(&der),
        trusted,
        details: CertificateDetails::of_der(&der),
    })
}

fn is_trusted(der: &[u8], name: &ServerName<'static>, trust: &TlsTrust) -> Result<bool, TlsError> {
    let cert = CertificateDer::from(der.to_vec());
    Ok(verifier(trust)?
        .verify_server_cert(&cert, &[], name, &[], UnixTime::now())
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_parses_both_spellings_and_prints_with_colons() {
        let hex64 = "ab".repeat(32);
        let plain: CertificatePin = hex64.parse().unwrap();
        let colons: CertificatePin = plain.to_string().parse().unwrap();
        assert_eq!(plain, colons);
        assert!(plain.to_string().starts_with("AB:AB:"));
        assert!("abcd".parse::<CertificatePin>().is_err());
        assert!("zz".repeat(32).parse::<CertificatePin>().is_err());
    }

    #[test]
    fn plain_http_needs_explicit_permission() {
        let url = Url::parse("http://pbx.example").unwrap();
        assert!(matches!(
            check_scheme(&url, false),
            Err(TlsError::PlainHttpRefused { .. })
        ));
        assert!(check_scheme(&url, true).is_ok());
        assert!(check_scheme(&Url::parse("https://pbx.example").unwrap(), false).is_ok());
    }
}
