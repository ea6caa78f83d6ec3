//! In front of every Graph route: injected faults and the tenant's presence budget.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::clock::iso_utc;
use super::errors::graph_error;
use super::Shared;
use crate::hang_up::{not_answered, HangUp};

/// What an injected fault answers.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// 429 with the documented body; `retry_after` verbatim (e.g. `"2.128"`), or no header.
    TooManyRequests { retry_after: Option<String> },
    /// 503 `ServiceNotAvailable`, optionally with `Retry-After`.
    ServiceUnavailable { retry_after: Option<String> },
    /// 500 `InternalServerError`.
    InternalServerError,
    /// Waits this long before handling the request normally (client timeouts).
    Delay(Duration),
    /// Closes the TCP connection without an answer (RST): a dropped connection, a crashed
    /// front end. The request is not handled.
    ConnectionReset,
}

/// A fault for the next `times` requests whose path contains `path_contains`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub path_contains: String,
    pub kind: FaultKind,
    pub times: usize,
}

impl Fault {
    pub fn new(path_contains: impl Into<String>, kind: FaultKind, times: usize) -> Self {
        Self {
            path_contains: path_contains.into(),
            kind,
            times,
        }
    }
}

/// Presence requests counted per fixed 30 s window (Graph: per app per tenant).
#[derive(Debug, Clone)]
pub(crate) struct ThrottleWindow {
    pub budget: u32,
    started: SystemTime,
    used: u32,
}

impl ThrottleWindow {
    pub fn new(budget: u32, now: SystemTime) -> Self {
        Self {
            budget,
            started: now,
            used: 0,
        }
    }

    /// `Err(wait)` when the budget of the current window is spent.
    fn admit(&mut self, now: SystemTime) -> Result<(), Duration> {
        const WINDOW: Duration = Duration::from_secs(30);
        let elapsed = now.duration_since(self.started).unwrap_or_default();
        if elapsed >= WINDOW {
            self.started = now;
            self.used = 0;
        }
        if self.used >= self.budget {
            return Err(WINDOW.saturating_sub(elapsed).max(Duration::from_millis(1)));
        }
        self.used += 1;
        Ok(())
    }
}

fn is_presence_path(path: &str) -> bool {
    path.contains("/presence") || path.ends_with("/getPresencesByUserId")
}

/// The documented 429 (`Retry-After` in fractional seconds).
pub(crate) fn too_many_requests(retry_after: Option<&str>) -> Response {
    let body = json!({
        "error": {
            "code": "TooManyRequests",
            "innerError": {
                "code": "429",
                "date": iso_utc(SystemTime::now()),
                "message": "Please retry after",
                "request-id": uuid::Uuid::new_v4().to_string(),
                "status": "429"
            },
            "message": "Please retry again later."
        }
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

pub(crate) async fn faults_and_throttling(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let hang_up = request
        .extensions()
        .get::<ConnectInfo<HangUp>>()
        .map(|ConnectInfo(hang_up)| hang_up.clone());
    let now = shared.clock.now();
    let verdict = {
        let mut world = shared.world();
        let fault = world
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && path.contains(&f.path_contains))
            .map(|f| {
                f.times -= 1;
                f.kind.clone()
            });
        world.faults.retain(|f| f.times > 0);
        match fault {
            Some(kind) => Some(kind),
            None if is_presence_path(&path) => match world.throttle.admit(now) {
                Ok(()) => None,
                // Rounded up, so a client waiting exactly this long lands in the next window.
                Err(wait) => Some(FaultKind::TooManyRequests {
                    retry_after: Some(format!(
                        "{:.3}",
                        (wait.as_secs_f64() * 1000.0).ceil() / 1000.0
                    )),
                }),
            },
            None => None,
        }
    };
    match verdict {
        None => next.run(request).await,
        Some(FaultKind::TooManyRequests { retry_after }) => {
            too_many_requests(retry_after.as_deref())
        }
        Some(FaultKind::ServiceUnavailable { retry_after }) => {
            let mut response = graph_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        Some(FaultKind::InternalServerError) => graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An internal server error occurred.",
        ),
        Some(FaultKind::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(FaultKind::ConnectionReset) => match hang_up {
            Some(hang_up) => {
                hang_up.arm();
                not_answered()
            }
            None => {
                tracing::error!("connection reset injected, but the server cannot hang up");
                graph_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    "The simulator cannot reset this connection.",
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_resets_every_30_seconds() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut window = ThrottleWindow::new(2, t0);
        assert!(window.admit(t0).is_ok());
        assert!(window.admit(t0).is_ok());
        let wait = window
            .admit(t0 + Duration::from_millis(27_872))
            .unwrap_err();
        assert_eq!(wait, Duration::from_millis(2_128));
        assert!(window.admit(t0 + Duration::from_secs(30)).is_ok());
    }
}
