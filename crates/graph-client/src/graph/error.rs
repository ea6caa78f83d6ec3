use std::time::Duration;

use crate::auth::AuthError;

/// A failed Graph call, with Graph's own `code` and `message` where it sent them.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Token problem; [`AuthError::needs_sign_in`] tells whether the user must sign in again.
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("Microsoft Graph answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// Still throttled after the allowed retries (or asked to wait longer than we block for).
    #[error("Microsoft Graph is throttling requests (HTTP {status}); retry after {retry_after:?}")]
    Throttled {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("cannot reach Microsoft Graph: {0}")]
    Transport(String),
    /// The answer was longer than this client reads ([`crate::body::MAX_GRAPH_BODY`]); nothing of
    /// it was used.
    #[error("Microsoft Graph sent more than {limit} bytes for {path}; the answer was not read")]
    ResponseTooLarge { path: String, limit: usize },
    #[error("unexpected response from Microsoft Graph: {0}")]
    Decode(String),
    /// The caller asked for something Graph would reject (checked before sending).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl GraphError {
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, Self::Auth(e) if e.needs_sign_in())
    }

    /// 403: a permission is missing (not granted, or the tenant needs admin consent).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Api { status: 403, .. })
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Throttled { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Graph's error code (`TooManyRequests`, `InvalidAuthenticationToken`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Graph's error envelope: `{"error":{"code":..,"message":..,"innerError":{"request-id":..}}}`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorBody,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, rename = "innerError", alias = "innererror")]
    pub inner: Option<InnerError>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct InnerError {
    #[serde(default, rename = "request-id")]
    pub request_id: Option<String>,
}

pub(crate) fn parse_error_body(body: &str) -> ErrorBody {
    serde_json::from_str::<ErrorEnvelope>(body)
        .map(|e| e.error)
        .unwrap_or_default()
}
