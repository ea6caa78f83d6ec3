//! OneHub failures, typed by what the user or the admin can do about them.

use std::time::Duration;

use tonic::{Code, Status};

use super::bearer::BearerError;
use crate::tls::TlsError;

/// A OneHub call or connection failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OneHubError {
    /// TLS setup (CA file, pin) failed before connecting.
    #[error("OneHub TLS setup failed: {0}")]
    Tls(String),
    /// Not reachable: no connection, TLS refused (wrong pin), timeout, stream cut, dead link.
    #[error("OneHub at {target} is not reachable: {reason}")]
    Unreachable { target: String, reason: String },
    /// The token source had no token.
    #[error(transparent)]
    Bearer(#[from] BearerError),
    /// OneHub refused the token.
    #[error(
        "OneHub refused the STARFACE access token ({detail}); the token is fetched again on the \
         next attempt"
    )]
    Unauthenticated { detail: String },
    /// The user lacks a right on the PBX.
    #[error(
        "the PBX refused {method} for this user ({detail}). Ask your STARFACE administrator to \
         grant the user the rights the STARFACE desktop app needs to show colleagues' presence \
         (Admin → Benutzer → Rechte); STARFACE does not document which right gates OneHub \
         presence"
    )]
    PermissionDenied {
        method: &'static str,
        detail: String,
    },
    /// Rate limited (`ResourceExhausted`, or a proxy's HTTP 429).
    #[error("OneHub asks to wait {retry_after:?} before calling {method} again")]
    RateLimited {
        method: &'static str,
        retry_after: Duration,
    },
    /// The PBX has no OneHub service for this (STARFACE 9 or older, or a module missing).
    #[error("the PBX does not offer {method} (Unimplemented): OneHub needs STARFACE 10 or later")]
    NotSupported { method: &'static str },
    /// Anything else the PBX answered.
    #[error("OneHub answered {method} with {code:?}: {detail}")]
    Status {
        method: &'static str,
        code: Code,
        detail: String,
    },
    /// The answer could not be understood.
    #[error("unexpected OneHub answer to {method}: {reason}")]
    BadResponse {
        method: &'static str,
        reason: String,
    },
}

impl From<TlsError> for OneHubError {
    fn from(error: TlsError) -> Self {
        OneHubError::Tls(error.to_string())
    }
}

/// Used when the PBX asks to slow down without saying how long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The longest `retry-after` honoured; a larger value is capped (a typo must not park the
/// presence for a day).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

impl OneHubError {
    /// Classifies a gRPC status from `method` at `target`.
    pub(crate) fn from_status(method: &'static str, target: &str, status: &Status) -> Self {
        let detail = status.message().to_owned();
        match status.code() {
            Code::PermissionDenied => OneHubError::PermissionDenied { method, detail },
            // STARFACE also reports a missing right as `Internal` with this text.
            Code::Internal if detail.contains("does not have the permission") => {
                OneHubError::PermissionDenied { method, detail }
            }
            Code::Unauthenticated => OneHubError::Unauthenticated { detail },
            Code::ResourceExhausted => OneHubError::RateLimited {
                method,
                retry_after: retry_after(status).unwrap_or(DEFAULT_RETRY_AFTER),
            },
            // A proxy's HTTP 429 surfaces as `Unavailable` mentioning the status.
            Code::Unavailable if detail.contains("429") => OneHubError::RateLimited {
                method,
                retry_after: retry_after(status).unwrap_or(DEFAULT_RETRY_AFTER),
            },
            Code::Unimplemented => OneHubError::NotSupported { method },
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => {
                OneHubError::Unreachable {
                    target: target.to_owned(),
                    reason: if detail.is_empty() {
                        format!("{:?}", status.code())
                    } else {
                        detail
                    },
                }
            }
            code => OneHubError::Status {
                method,
                code,
                detail,
            },
        }
    }
}

/// The `retry-after` metadata in seconds (integer or decimal), capped.
fn retry_after(status: &Status) -> Option<Duration> {
    let text = status.metadata().get("retry-after")?.to_str().ok()?;
    let seconds: f64 = text.trim().parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(seconds).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_retry_after(code: Code, message: &str, value: &str) -> Status {
        let mut status = Status::new(code, message);
        status
            .metadata_mut()
            .insert("retry-after", value.parse().unwrap());
        status
    }

    #[test]
    fn statuses_map_to_what_can_be_done() {
        let target = "pbx:9092";
        let denied = Status::permission_denied("no");
        assert!(matches!(
            OneHubError::from_status("Subscribe", target, &denied),
            OneHubError::PermissionDenied { .. }
        ));
        let internal = Status::internal(
            "The user with account id 4600 does not have the permission voicemail",
        );
        assert!(matches!(
            OneHubError::from_status("Subscribe", target, &internal),
            OneHubError::PermissionDenied { .. }
        ));
        assert!(matches!(
            OneHubError::from_status("Subscribe", target, &Status::internal("boom")),
            OneHubError::Status {
                code: Code::Internal,
                ..
            }
        ));
        assert!(matches!(
            OneHubError::from_status("Subscribe", target, &Status::unimplemented("")),
            OneHubError::NotSupported { .. }
        ));
        assert!(matches!(
            OneHubError::from_status("Subscribe", target, &Status::unavailable("reset")),
            OneHubError::Unreachable { .. }
        ));
    }

    #[test]
    fn retry_after_is_honoured_defaulted_and_capped() {
        let limited = with_retry_after(Code::ResourceExhausted, "slow down", "2");
        let OneHubError::RateLimited { retry_after, .. } =
            OneHubError::from_status("m", "t", &limited)
        else {
            panic!("not rate limited");
        };
        assert_eq!(retry_after, Duration::from_secs(2));

        let proxy = with_retry_after(Code::Unavailable, "HTTP status 429", "0.5");
        assert!(matches!(
            OneHubError::from_status("m", "t", &proxy),
            OneHubError::RateLimited { retry_after, .. } if retry_after == Duration::from_millis(500)
        ));

        let bare = Status::resource_exhausted("slow down");
        assert!(matches!(
            OneHubError::from_status("m", "t", &bare),
            OneHubError::RateLimited { retry_after, .. } if retry_after == DEFAULT_RETRY_AFTER
        ));

        let huge = with_retry_after(Code::ResourceExhausted, "", "999999");
        assert!(matches!(
            OneHubError::from_status("m", "t", &huge),
            OneHubError::RateLimited { retry_after, .. } if retry_after == MAX_RETRY_AFTER
        ));
        let junk = with_retry_after(Code::ResourceExhausted, "", "soon");
        assert!(matches!(
            OneHubError::from_status("m", "t", &junk),
            OneHubError::RateLimited { retry_after, .. } if retry_after == DEFAULT_RETRY_AFTER
        ));
    }
}
