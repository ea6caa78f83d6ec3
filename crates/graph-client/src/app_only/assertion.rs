//! The client assertion: a JWT signed with the relay's certificate key (RFC 7523, as Entra
//! documents for certificate credentials: `alg` RS256, `x5t#S256` naming the certificate, `aud`
//! the token endpoint, `iss` = `sub` = the client id, a unique `jti`, short `exp`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rand::RngCore;
use serde::Serialize;

use super::credential::{CertificateCredential, CredentialError};

/// How long an assertion is valid. Entra accepts up to ten minutes; it is used once, right away.
pub const CLIENT_ASSERTION_LIFETIME: Duration = Duration::from_secs(5 * 60);

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(rename = "x5t#S256")]
    x5t_s256: &'a str,
    x5t: &'a str,
}

/// The claims of one assertion (public for the simulator's tests and for `doctor`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AssertionClaims {
    pub aud: String,
    pub iss: String,
    pub sub: String,
    pub jti: String,
    pub nbf: u64,
    pub iat: u64,
    pub exp: u64,
}

impl AssertionClaims {
    pub fn new(client_id: &str, token_endpoint: &str, now: SystemTime) -> Self {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut jti = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut jti);
        Self {
            aud: token_endpoint.to_owned(),
            iss: client_id.to_owned(),
            sub: client_id.to_owned(),
            jti: hex_lower(&jti),
            nbf: now,
            iat: now,
            exp: now + CLIENT_ASSERTION_LIFETIME.as_secs(),
        }
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `header.claims.signature`, each part base64url without padding.
pub fn client_assertion(
    certificate: &CertificateCredential,
    claims: &AssertionClaims,
) -> Result<String, CredentialError> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = Header {
        alg: "RS256",
        typ: "JWT",
        x5t_s256: certificate.thumbprint_sha256(),
        x5t: certificate.thumbprint_sha1(),
    };
    let header = serde_json::to_vec(&header).expect("a JWT header always serialises");
    let claims = serde_json::to_vec(claims).expect("JWT claims always serialise");
    let signing_input = format!("{}.{}", b64.encode(header), b64.encode(claims));
    let signature = certificate.sign_rs256(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", b64.encode(signature)))
}
