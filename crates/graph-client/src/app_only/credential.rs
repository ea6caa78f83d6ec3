//! What the relay proves its identity with: a certificate and its private key, or a secret.

use keychain::Secret;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate credential could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no PEM certificate found in {0}")]
    NoCertificate(String),
    #[error("no PEM private key found in {0}")]
    NoPrivateKey(String),
    #[error(
        "the private key in {0} is not an RSA key Entra accepts (RS256 needs RSA, 2048 bits or more): {1}"
    )]
    UnsupportedKey(String, String),
    #[error("signing the client assertion failed")]
    Signing,
}

/// How the relay authenticates to Entra.
#[derive(Clone)]
pub enum AppCredential {
    /// A client secret from the app registration ("Certificates & secrets"). Simpler, but it
    /// travels with every token request and expires after at most two years.
    Secret(Secret),
    /// A certificate whose public part is uploaded to the app registration; only a signature
    /// made with the private key travels.
    Certificate(std::sync::Arc<CertificateCredential>),
}

impl std::fmt::Debug for AppCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("AppCredential::Secret(***)"),
            Self::Certificate(cert) => f
                .debug_tuple("AppCredential::Certificate")
                .field(&cert.thumbprint_sha256())
                .finish(),
        }
    }
}

/// An X.509 certificate (DER) with its RSA private key.
pub struct CertificateCredential {
    certificate: Vec<u8>,
    key: RsaKeyPair,
    /// base64url(SHA-256(DER)): the `x5t#S256` header Entra matches against the uploaded certificate.
    x5t_s256: String,
    /// base64url(SHA-1(DER)): the older `x5t` header, still sent for older Entra deployments.
    x5t: String,
}

impl CertificateCredential {
    /// From PEM text: the first `CERTIFICATE` block and the first private key (PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). `source` names the file(s) in errors.
    pub fn from_pem(
        certificate_pem: &[u8],
        key_pem: &[u8],
        source: &str,
    ) -> Result<Self, CredentialError> {
        let certificate = CertificateDer::from_pem_slice(certificate_pem)
            .map_err(|_| CredentialError::NoCertificate(source.to_owned()))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|_| CredentialError::NoPrivateKey(source.to_owned()))?;
        let unsupported = |e: ring::error::KeyRejected| {
            CredentialError::UnsupportedKey(source.to_owned(), e.to_string())
        };
        let key = match &key {
            PrivateKeyDer::Pkcs8(der) => {
                RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).map_err(unsupported)?
            }
            PrivateKeyDer::Pkcs1(der) => {
                RsaKeyPair::from_der(der.secret_pkcs1_der()).map_err(unsupported)?
            }
            _ => {
                return Err(CredentialError::UnsupportedKey(
                    source.to_owned(),
                    "an elliptic-curve key; Entra's client assertions are RS256".into(),
                ))
            }
        };
        Ok(Self::new(certificate.as_ref().to_vec(), key))
    }

    fn new(certificate: Vec<u8>, key: RsaKeyPair) -> Self {
        use base64::Engine as _;
        let b64 = |digest: ring::digest::Digest| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
        };
        let x5t_s256 = b64(ring::digest::digest(&ring::digest::SHA256, &certificate));
        let x5t = b64(ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            &certificate,
        ));
        Self {
            certificate,
            key,
            x5t_s256,
            x5t,
        }
    }

    /// The certificate as DER (what the app registration holds).
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// `x5t#S256`: base64url of the certificate's SHA-256 thumbprint.
    pub fn thumbprint_sha256(&self) -> &str {
        &self.x5t_s256
    }

    /// `x5t`: base64url of the certificate's SHA-1 thumbprint.
    pub fn thumbprint_sha1(&self) -> &str {
        &self.x5t
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`).
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialError> {
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| CredentialError::Signing)?;
        Ok(signature)
    }
}
