//! Requests at the Keycloak token endpoint: the password grant and the refresh grant, with the
//! client (`rest-client-headless` + the admin's secret) authenticated in the form or with
//! HTTP Basic.
//!
//! Which of the two a PBX wants is "je nach Keycloak-Konfiguration" (depends on its Keycloak
//! configuration), so [`ClientAuthentication::Auto`] (the default) sends the documented form
//! first and, when the client is refused (`invalid_client`/`unauthorized_client`, or a 401
//! without a grant error), the same request once more with HTTP Basic, then keeps to whichever
//! worked. Never both in one request (RFC 6749 §2.3: one method per request).

use base64::Engine;
use keychain::Secret;
use serde_json::Value;
use url::Url;

use super::answer::{self, OAuthTokens};
use super::OAuthError;
pub use crate::config::ClientAuthentication;
use crate::http::{self, BodyError, MAX_BODY_BYTES};

/// One way of authenticating the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    Form,
    Basic,
}

impl ClientAuthMethod {
    pub(crate) fn other(self) -> Self {
        match self {
            ClientAuthMethod::Form => ClientAuthMethod::Basic,
            ClientAuthMethod::Basic => ClientAuthMethod::Form,
        }
    }
}

/// What the request asks for.
pub(crate) enum Grant<'a> {
    Password {
        username: &'a str,
        password: &'a Secret,
        scope: &'a str,
    },
    Refresh {
        token: &'a Secret,
    },
}

/// The client's identity at the token endpoint.
pub(crate) struct Client<'a> {
    pub id: &'a str,
    pub secret: &'a Secret,
}

/// A refusal by the token endpoint, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub kind: RefusalKind,
    /// `error: error_description` (or the start of the body), for messages.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The client id, secret or way of authenticating it was refused.
    InvalidClient,
    /// The password (password grant) or the refresh token (refresh grant) was refused.
    InvalidGrant,
    /// The user may not do this (a missing right).
    AccessDenied,
    Other,
}

/// Classifies a refused token request from its status and body (RFC 6749 §5.2). Pure; never
/// panics (fuzzed).
pub fn classify_refusal(status: u16, body: &[u8]) -> Refusal {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(printable)
    };
    let error = field("error");
    let kind = match error.as_deref() {
        Some("invalid_client" | "unauthorized_client") => RefusalKind::InvalidClient,
        Some("invalid_grant") => RefusalKind::InvalidGrant,
        Some("access_denied") => RefusalKind::AccessDenied,
        Some(_) => RefusalKind::Other,
        // RFC 6749: 401 is the answer to failed client authentication.
        None if status == 401 => RefusalKind::InvalidClient,
        None if status == 403 => RefusalKind::AccessDenied,
        None => RefusalKind::Other,
    };
    let detail = match (error, field("error_description")) {
        (Some(error), Some(description)) if !description.is_empty() => {
            format!("{error}: {description}")
        }
        (Some(error), _) => error,
        (None, _) => printable(&String::from_utf8_lossy(body)),
    };
    Refusal {
        status,
        kind,
        detail,
    }
}

/// At most 200 characters, no control characters: server text ends up in logs and messages.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// Why a token request did not give tokens.
pub(crate) enum RequestFailure {
    Refused(Refusal),
    Failed(OAuthError),
}

/// One token request with one way of authenticating the client.
pub(crate) async fn request(
    http_client: &reqwest::Client,
    url: &Url,
    client: &Client<'_>,
    method: ClientAuthMethod,
    grant: &Grant<'_>,
) -> Result<OAuthTokens, RequestFailure> {
    let mut form: Vec<(&str, &str)> = match grant {
        Grant::Password {
            username,
            password,
            scope,
        } => {
            let mut form = vec![
                ("grant_type", "password"),
                ("username", *username),
                ("password", password.expose()),
            ];
            if !scope.is_empty() {
                form.push(("scope", *scope));
            }
            form
        }
        Grant::Refresh { token } => {
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", token.expose()),
            ]
        }
    };
    let mut request = http_client
        .post(url.clone())
        .header("Accept", "application/json");
    match method {
        ClientAuthMethod::Form => {
            form.push(("client_id", client.id));
            form.push(("client_secret", client.secret.expose()));
        }
        ClientAuthMethod::Basic => {
            let encode =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let credentials = format!("{}:{}", encode(client.id), encode(client.secret.expose()));
            let value = base64::engine::general_purpose::STANDARD.encode(credentials);
            request = request.header("Authorization", format!("Basic {value}"));
        }
    }
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| RequestFailure::Failed(OAuthError::unreachable(url, e)))?;
    if let Some(redirect) = http::redirect_of(&response) {
        return Err(RequestFailure::Failed(OAuthError::Redirected {
            url: url.to_string(),
            redirect,
        }));
    }
    let status = response.status();
    let body = http::read_body(response, MAX_BODY_BYTES)
        .await
        .map_err(|error| {
            RequestFailure::Failed(match error {
                BodyError::TooLarge { limit } => OAuthError::BodyTooLarge {
                    url: url.to_string(),
                    limit,
                },
                BodyError::Read(e) => OAuthError::unreachable(url, e),
            })
        })?;
    if !status.is_success() {
        return Err(RequestFailure::Refused(classify_refusal(
            status.as_u16(),
            &body,
        )));
    }
    answer::tokens(&body).map_err(|e| {
        RequestFailure::Failed(OAuthError::BadResponse {
            url: url.to_string(),
            reason: e.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_classified_by_their_oauth_error() {
        let refusal = classify_refusal(
            400,
            br#"{"error":"invalid_grant","error_description":"Session not active"}"#,
        );
        assert_eq!(refusal.kind, RefusalKind::InvalidGrant);
        assert_eq!(refusal.detail, "invalid_grant: Session not active");
        assert_eq!(
            classify_refusal(401, br#"{"error":"unauthorized_client"}"#).kind,
            RefusalKind::InvalidClient
        );
        assert_eq!(
            classify_refusal(401, b"<html>nope</html>").kind,
            RefusalKind::InvalidClient
        );
        assert_eq!(classify_refusal(403, b"").kind, RefusalKind::AccessDenied);
        assert_eq!(classify_refusal(500, b"\x1b[31mboom").detail, "[31mboom");
    }
}
