//! OpenID discovery on STARFACE 10 and the check of the token endpoint it names.
//!
//! STARFACE answers `/.well-known/openid-configuration` at its root with a redirect into its
//! Keycloak realm (`/auth/realms/pbx/...`). Exactly one redirect is followed, and only when it
//! stays on the PBX's own origin (and over https, unless plain http is explicitly allowed).
//! The token endpoint the document names receives the user's password and the client secret,
//! so it must be https and on the PBX's own host or the configured identity host.

use std::fmt;

use serde::Deserialize;
use url::Url;

use super::OAuthError;
use crate::config::PbxEndpoint;
use crate::http::{self, MAX_BODY_BYTES};

/// Where the discovery document is asked for.
pub const DISCOVERY_PATH: &str = ".well-known/openid-configuration";
/// The documented token endpoint (`/auth/realms/pbx/oauth2/token`), used when discovery
/// gives none.
pub const DOCUMENTED_TOKEN_PATH: &str = "auth/realms/pbx/oauth2/token";

/// The parts of an OpenID configuration this crate uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OpenIdDocument {
    pub token_endpoint: String,
    #[serde(default)]
    pub issuer: Option<String>,
}

/// Parses a discovery document. Pure; never panics (fuzzed).
pub fn parse_document(bytes: &[u8]) -> Result<OpenIdDocument, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// Why a token endpoint is not trusted with the password and client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointProblem {
    NotAUrl,
    /// `http://` while plain http is not allowed.
    NotHttps,
    UnsupportedScheme(String),
    /// On a host that is neither the PBX's nor the configured identity host.
    ForeignHost(String),
}

impl fmt::Display for EndpointProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointProblem::NotAUrl => f.write_str("it is not an absolute URL"),
            EndpointProblem::NotHttps => f.write_str("it is not https"),
            EndpointProblem::UnsupportedScheme(scheme) => {
                write!(f, "its scheme `{scheme}` is not https")
            }
            EndpointProblem::ForeignHost(host) => write!(
                f,
                "its host `{host}` is neither the PBX's nor the configured identity host \
                 (starface.oauth.identity_host)"
            ),
        }
    }
}

/// Whether `candidate` may receive the password and client secret of a user of the PBX at
/// `pbx`: https (http only with `allow_plain_http`), and the PBX's host or `identity_host`
/// (host names compared without case; the port may differ). Pure; never panics (fuzzed).
pub fn check_token_endpoint(
    pbx: &Url,
    candidate: &str,
    identity_host: Option<&str>,
    allow_plain_http: bool,
) -> Result<Url, EndpointProblem> {
    let url = Url::parse(candidate.trim()).map_err(|_| EndpointProblem::NotAUrl)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_plain_http => {}
        "http" => return Err(EndpointProblem::NotHttps),
        other => return Err(EndpointProblem::UnsupportedScheme(other.to_owned())),
    }
    let host = url.host_str().ok_or(EndpointProblem::NotAUrl)?;
    let same = |other: &str| !other.is_empty() && host.eq_ignore_ascii_case(other.trim());
    if pbx.host_str().is_some_and(same) || identity_host.is_some_and(same) {
        Ok(url)
    } else {
        Err(EndpointProblem::ForeignHost(host.to_owned()))
    }
}

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// An OpenID configuration with a trusted token endpoint: the PBX has Keycloak.
    Found {
        /// Where the document was read (after the one redirect, if any).
        document: Url,
        token_endpoint: Url,
    },
    /// No usable document (e.g. STARFACE 9, which has no Keycloak).
    Absent(DiscoveryAbsence),
}

/// Why discovery found no document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryAbsence {
    /// The PBX answered with this HTTP status.
    Status(u16),
    /// A redirect that leaves the PBX's origin (or https), or a second redirect: not followed.
    RedirectNotFollowed { target: String },
    /// The answer was not an OpenID configuration.
    NotADocument(String),
}

impl fmt::Display for DiscoveryAbsence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryAbsence::Status(status) => {
                write!(f, "/{DISCOVERY_PATH} answered HTTP {status}")
            }
            DiscoveryAbsence::RedirectNotFollowed { target } => write!(
                f,
                "/{DISCOVERY_PATH} redirected to {target}, which is not the PBX's own https origin"
            ),
            DiscoveryAbsence::NotADocument(reason) => {
                write!(
                    f,
                    "/{DISCOVERY_PATH} is not an OpenID configuration ({reason})"
                )
            }
        }
    }
}

/// Asks the PBX for its OpenID configuration (no credentials are sent).
pub(crate) async fn discover(
    http_client: &reqwest::Client,
    endpoint: &PbxEndpoint,
    identity_host: Option<&str>,
) -> Result<Discovery, OAuthError> {
    let mut url = endpoint.url(DISCOVERY_PATH);
    let mut redirected = false;
    let response = loop {
        let response = http_client
            .get(url.clone())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| OAuthError::unreachable(&url, e))?;
        let Some(redirect) = http::redirect_of(&response) else {
            break response;
        };
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| url.join(location).ok());
        let followable = location.as_ref().is_some_and(|target| {
            target.origin() == endpoint.base_url.origin()
                && (target.scheme() == "https" || endpoint.allow_plain_http)
        });
        match location {
            Some(target) if followable && !redirected => {
                redirected = true;
                url = target;
            }
            _ => {
                return Ok(Discovery::Absent(DiscoveryAbsence::RedirectNotFollowed {
                    target: redirect.target,
                }))
            }
        }
    };
    let status = response.status();
    if !status.is_success() {
        return Ok(Discovery::Absent(DiscoveryAbsence::Status(status.as_u16())));
    }
    let body = match http::read_body(response, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(http::BodyError::TooLarge { limit }) => {
            return Err(OAuthError::BodyTooLarge {
                url: url.to_string(),
                limit,
            })
        }
        Err(http::BodyError::Read(e)) => return Err(OAuthError::unreachable(&url, e)),
    };
    let document = match parse_document(&body) {
        Ok(document) => document,
        Err(reason) => return Ok(Discovery::Absent(DiscoveryAbsence::NotADocument(reason))),
    };
    let token_endpoint = check_token_endpoint(
        &endpoint.base_url,
        &document.token_endpoint,
        identity_host,
        endpoint.allow_plain_http,
    )
    .map_err(|problem| OAuthError::UntrustedTokenEndpoint {
        endpoint: http::redirect_target(&url, &document.token_endpoint),
        problem,
    })?;
    Ok(Discovery::Found {
        document: url,
        token_endpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pbx() -> Url {
        Url::parse("https://pbx.example.com").unwrap()
    }

    #[test]
    fn the_pbx_host_over_https_is_trusted() {
        let url = check_token_endpoint(
            &pbx(),
            "https://PBX.example.com:8443/auth/realms/pbx/oauth2/token",
            None,
            false,
        )
        .unwrap();
        assert_eq!(url.port(), Some(8443));
    }

    #[test]
    fn other_hosts_only_when_configured() {
        let elsewhere = "https://sso.example.org/token";
        assert_eq!(
            check_token_endpoint(&pbx(), elsewhere, None, false),
            Err(EndpointProblem::ForeignHost("sso.example.org".into()))
        );
        assert!(check_token_endpoint(&pbx(), elsewhere, Some("sso.example.org"), false).is_ok());
        assert!(check_token_endpoint(&pbx(), elsewhere, Some(""), false).is_err());
    }

    #[test]
    fn plain_http_only_when_allowed() {
        let http = "http://pbx.example.com/auth/realms/pbx/oauth2/token";
        assert_eq!(
            check_token_endpoint(&pbx(), http, None, false),
            Err(EndpointProblem::NotHttps)
        );
        assert!(check_token_endpoint(&pbx(), http, None, true).is_ok());
        assert_eq!(
            check_token_endpoint(&pbx(), "ftp://pbx.example.com/t", None, true),
            Err(EndpointProblem::UnsupportedScheme("ftp".into()))
        );
        assert_eq!(
            check_token_endpoint(&pbx(), "/relative", None, true),
            Err(EndpointProblem::NotAUrl)
        );
    }
}
