//! Entra's client-credentials grant for a confidential app (the presence relay): a client
//! secret or a certificate assertion, checked as strictly as Entra does.
//!
//! The assertion is a JWT signed RS256 by the app's private key. It is accepted only when its
//! `x5t#S256` (or `x5t`) header names a certificate registered on the app, the signature verifies
//! against that certificate's public key, `aud` is this tenant's token endpoint, `iss` and `sub`
//! are the client id, `nbf <= now < exp`, and its `jti` was not used before. The token carries
//! the application permissions granted to the app (`roles`), never a user.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};
use uuid::Uuid;

use super::errors::entra_error;
use super::world::{AccessGrant, World};

/// Client id of the confidential app registration (the relay) the simulator knows by default.
pub const RELAY_CLIENT_ID: &str = "0b7e6a8c-3f0d-4d5e-9b1c-2a4f6e8d0c11";
/// The grant type of RFC 6749 §4.4.
const CLIENT_CREDENTIALS: &str = "client_credentials";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Entra tolerates this much clock skew on `nbf` / `exp`.
const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// The confidential app registration.
#[derive(Debug, Clone)]
pub struct AppOnlySetup {
    pub client_id: String,
    /// Client secrets ("Certificates & secrets" > "Client secrets").
    pub secrets: Vec<String>,
    /// Uploaded certificates, DER.
    pub certificates: Vec<Vec<u8>>,
    /// Application permissions an admin granted (the token's `roles`).
    pub roles: Vec<String>,
}

impl Default for AppOnlySetup {
    fn default() -> Self {
        Self {
            client_id: RELAY_CLIENT_ID.into(),
            secrets: Vec::new(),
            certificates: Vec::new(),
            roles: vec!["Presence.Read.All".into(), "User.Read.All".into()],
        }
    }
}

struct RegisteredCertificate {
    der: Vec<u8>,
    x5t_s256: String,
    x5t: String,
}

/// Registrations and used assertion ids.
pub(crate) struct AppOnlyState {
    client_id: String,
    secrets: Vec<String>,
    certificates: Vec<RegisteredCertificate>,
    roles: BTreeSet<String>,
    /// `jti` -> when its assertion expires (kept until then, so a replay is caught).
    used_jti: HashMap<String, SystemTime>,
    /// App tokens issued (for tests).
    pub issued: usize,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl AppOnlyState {
    pub fn new(setup: &AppOnlySetup) -> Self {
        let mut state = Self {
            client_id: setup.client_id.clone(),
            secrets: setup.secrets.clone(),
            certificates: Vec::new(),
            roles: setup.roles.iter().cloned().collect(),
            used_jti: HashMap::new(),
            issued: 0,
        };
        for der in &setup.certificates {
            state.register_certificate(der.clone());
        }
        state
    }

    pub fn register_certificate(&mut self, der: Vec<u8>) {
        let x5t_s256 = b64url(ring::digest::digest(&ring::digest::SHA256, &der).as_ref());
        let x5t =
            b64url(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref());
        self.certificates
            .push(RegisteredCertificate { der, x5t_s256, x5t });
    }

    pub fn add_secret(&mut self, secret: String) {
        self.secrets.push(secret);
    }

    pub fn set_roles(&mut self, roles: &[&str]) {
        self.roles = roles.iter().map(|r| (*r).to_owned()).collect();
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

/// Whether a token request is the client-credentials grant for the confidential app (the
/// public-client path in `entra.rs` handles everything else).
pub(crate) fn is_client_credentials(params: &HashMap<String, String>) -> bool {
    params.get("grant_type").map(String::as_str) == Some(CLIENT_CREDENTIALS)
}

fn invalid_client(code: u32, message: &str) -> Response {
    entra_error(StatusCode::UNAUTHORIZED, "invalid_client", code, message)
}

fn invalid_request(code: u32, message: &str) -> Response {
    entra_error(StatusCode::BAD_REQUEST, "invalid_request", code, message)
}

/// `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn client_credentials(
    app: &mut AppOnlyState,
    world: &mut World,
    now: SystemTime,
    tenant: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    tenant_known: bool,
) -> Response {
    if !tenant_known {
        return invalid_request(90002, &format!("Tenant '{tenant}' not found."));
    }
    if ["organizations", "common", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
    {
        return invalid_request(
            700016,
            "Use a tenant-specific endpoint or configure the application to be multi-tenant: the client credentials grant needs the tenant id.",
        );
    }
    let Some(client_id) = params.get("client_id") else {
        return invalid_request(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if *client_id != app.client_id {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                world.tenant_id
            ),
        );
    }
    let scope = params.get("scope").map(String::as_str).unwrap_or("");
    if scope.is_empty() {
        return invalid_request(
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    if scope.split_whitespace().count() != 1 || !scope.ends_with("/.default") {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
        );
    }
    let expected_audience = format!(
        "http://{}/{tenant}/oauth2/v2.0/token",
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    match (params.get("client_secret"), params.get("client_assertion")) {
        (Some(_), Some(_)) => {
            return invalid_request(
                7000217,
                "'client_assertion' and 'client_secret' cannot both be presented.",
            )
        }
        (None, None) => {
            return invalid_client(
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            )
        }
        (Some(secret), None) => {
            if !app.secrets.iter().any(|s| s == secret) {
                return invalid_client(
                    7000215,
                    &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
                );
            }
        }
        (None, Some(assertion)) => {
            if params.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
                return invalid_request(
                    50027,
                    "Invalid JWT token: client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                );
            }
            if let Err(response) =
                verify_assertion(app, assertion, client_id, &expected_audience, now)
            {
                return response;
            }
        }
    }
    let access = World::new_token("eyJ0eXAiOiJKV1QiLCJzaW0iOnRydWUsImFwcCI6dHJ1ZX0.sim-app");
    let lifetime = world.access_token_lifetime;
    world.access_tokens.insert(
        access.clone(),
        AccessGrant {
            // App-only: no user. The nil id never matches a directory user.
            user: Uuid::nil(),
            client_id: client_id.clone(),
            scopes: app.roles.clone(),
            expires_at: now + lifetime,
        },
    );
    app.issued += 1;
    (
        StatusCode::OK,
        Json(json!({
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": access,
        })),
    )
        .into_response()
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

fn verify_assertion(
    app: &mut AppOnlyState,
    assertion: &str,
    client_id: &str,
    expected_audience: &str,
    now: SystemTime,
) -> Result<(), Response> {
    let malformed = || {
        invalid_client(
            50027,
            "Invalid JWT token. The token is not in a valid format.",
        )
    };
    let mut parts = assertion.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .ok()
    };
    let header: Value = decode(header_b64)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let claims: Value = decode(claims_b64)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let signature = decode(signature_b64).ok_or_else(malformed)?;

    if header["alg"] != "RS256" {
        return Err(invalid_client(
            5002738,
            &format!(
                "Invalid JWT token. '{}' is not a supported signature algorithm.",
                header["alg"]
            ),
        ));
    }
    let by_s256 = header["x5t#S256"].as_str();
    let by_sha1 = header["x5t"].as_str();
    let certificate = app
        .certificates
        .iter()
        .find(|c| by_s256.is_some_and(|t| t == c.x5t_s256) || by_sha1.is_some_and(|t| t == c.x5t));
    let Some(certificate) = certificate else {
        return Err(invalid_client(
            700027,
            &format!(
                "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{}']",
                by_s256.or(by_sha1).unwrap_or("")
            ),
        ));
    };
    let der = rustls_pki_types::CertificateDer::from(certificate.der.as_slice());
    let verified = webpki::EndEntityCert::try_from(&der)
        .ok()
        .and_then(|cert| {
            cert.verify_signature(
                webpki::ring::RSA_PKCS1_2048_8192_SHA256,
                format!("{header_b64}.{claims_b64}").as_bytes(),
                &signature,
            )
            .ok()
        })
        .is_some();
    if !verified {
        return Err(invalid_client(
            700027,
            "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]",
        ));
    }
    if claims["aud"].as_str() != Some(expected_audience) {
        return Err(invalid_client(
            700023,
            &format!("Client assertion audience claim does not match Realm issuer. Expected '{expected_audience}'."),
        ));
    }
    if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
        return Err(invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let (Some(nbf), Some(exp)) = (claims["nbf"].as_u64(), claims["exp"].as_u64()) else {
        return Err(malformed());
    };
    let skew = CLOCK_SKEW.as_secs();
    let now_s = unix(now);
    if nbf > now_s + skew || exp + skew <= now_s {
        return Err(invalid_client(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    let Some(jti) = claims["jti"].as_str().filter(|j| !j.is_empty()) else {
        return Err(malformed());
    };
    app.used_jti
        .retain(|_, expires| *expires + CLOCK_SKEW > now);
    let expires = UNIX_EPOCH + Duration::from_secs(exp);
    if app.used_jti.insert(jti.to_owned(), expires).is_some() {
        // Entra refuses a replayed assertion; the simulator answers with the signature-validation
        // family, as the identity platform does not document a separate code for it.
        return Err(invalid_client(
            700027,
            "Client assertion failed signature validation. [Reason - The assertion has already been used (jti replay).]",
        ));
    }
    Ok(())
}

/// Steering the confidential app registration from tests.
impl super::control::GraphControl {
    /// Uploads another certificate (DER) to the relay's app registration.
    pub fn register_app_certificate(&self, der: Vec<u8>) {
        self.shared().app_only().register_certificate(der);
    }

    /// Adds a client secret to the relay's app registration.
    pub fn add_app_secret(&self, secret: &str) {
        self.shared().app_only().add_secret(secret.to_owned());
    }

    /// The application permissions granted from now on (e.g. none, to test a missing grant).
    pub fn set_app_roles(&self, roles: &[&str]) {
        self.shared().app_only().set_roles(roles);
    }

    /// App-only tokens issued so far.
    pub fn app_tokens_issued(&self) -> usize {
        self.shared().app_only().issued
    }

    /// The confidential app's client id.
    pub fn app_client_id(&self) -> String {
        self.shared().app_only().client_id().to_owned()
    }
}
