//! Microsoft Graph calls: presence, directory, reverse presence, free/busy.

mod directory;
mod error;
mod ids;
mod pacing;
mod presence;
mod retry;
mod reverse;
mod schedule;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

pub use directory::{
    merge_colleagues, parse_people, parse_user_search, Colleague, DirectoryUser, Person, Phone,
    UserProfile,
};
pub use error::GraphError;
pub use ids::is_object_id;
pub use pacing::PollPacing;
pub use presence::{
    parse_presence, parse_presence_batch, ColleaguePresence, PresenceRecord, PresenceSnapshot,
    MAX_IDS_PER_PRESENCE_REQUEST,
};
pub use retry::{parse_retry_after, RetryPolicy};
pub use reverse::{
    format_iso_duration, AppPresenceSession, AppPresenceStatus, ClearOutcome, MAX_EXPIRATION,
    MIN_EXPIRATION,
};
pub use schedule::{
    parse_schedules, resolve_zone, FreeBusyCache, FreeBusyReading, FreeBusyTiming, RefreshReport,
    ScheduleAnswer, ScheduleFetch, ScheduleResult, ScheduleUnavailable, ScheduleWindow,
    AVAILABILITY_VIEW_INTERVAL_MINUTES, MAX_SCHEDULES_PER_REQUEST, MAX_SCHEDULE_PERIOD,
};

use crate::auth::{AuthError, Credentials};
use crate::body::{read_capped, BodyError, MAX_ERROR_BODY, MAX_GRAPH_BODY};
pub(crate) use error::parse_error_body;

/// Every response body goes through here: a malformed body is a [`GraphError::Decode`], never a
/// panic (fuzzed in `tests/fuzz_graph_json.rs`).
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, GraphError> {
    serde_json::from_slice(body).map_err(|e| GraphError::Decode(e.to_string()))
}

/// Graph client for one signed-in user. Cheap to clone.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    credentials: Arc<Credentials>,
    retry: RetryPolicy,
    /// Parallel presence requests when more than 650 ids are polled; small, because they share
    /// the tenant's presence budget with every other user of this app.
    presence_concurrency: usize,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient").finish_non_exhaustive()
    }
}

/// A request the retry loop can send again.
pub(crate) struct GraphRequest<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: Vec<(&'a str, String)>,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<serde_json::Value>,
}

impl<'a> GraphRequest<'a> {
    pub fn get(path: &'a str) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: &'a str, body: serde_json::Value) -> Self {
        Self {
            method: Method::POST,
            body: Some(body),
            ..Self::get(path)
        }
    }
}

impl GraphClient {
    pub fn new(credentials: Arc<Credentials>) -> Self {
        Self::with_options(credentials, RetryPolicy::default(), Duration::from_secs(30))
    }

    /// `request_timeout` bounds each HTTP request (a hung connection must not stall polling).
    pub fn with_options(
        credentials: Arc<Credentials>,
        retry: RetryPolicy,
        request_timeout: Duration,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .build()
            .expect("a reqwest client without custom TLS settings always builds");
        Self {
            inner: Arc::new(Inner {
                http,
                credentials,
                retry,
                presence_concurrency: 2,
            }),
        }
    }

    pub fn credentials(&self) -> &Arc<Credentials> {
        &self.inner.credentials
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.inner.credentials.config().client_id
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        request: GraphRequest<'_>,
    ) -> Result<T, GraphError> {
        let body = self.get_bytes(request).await?;
        decode_json(&body)
    }

    /// The raw body of a successful response (for the pure `parse_*` decoders), at most
    /// [`MAX_GRAPH_BODY`] bytes.
    pub(crate) async fn get_bytes(&self, request: GraphRequest<'_>) -> Result<Vec<u8>, GraphError> {
        let path = request.path.to_owned();
        let response = self.send(request).await?;
        read_capped(response, MAX_GRAPH_BODY)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge { limit } => {
                    tracing::warn!(path, limit, "Graph answer too large; not read");
                    GraphError::ResponseTooLarge { path, limit }
                }
                BodyError::Transport(e) => GraphError::Transport(e.to_string()),
            })
    }

    /// Sends `request`, retrying 429/503/504 (honouring `Retry-After`, else exponential backoff
    /// with jitter) and refreshing the token once on 401.
    pub(crate) async fn send(
        &self,
        request: GraphRequest<'_>,
    ) -> Result<reqwest::Response, GraphError> {
        let credentials = &self.inner.credentials;
        let timing = credentials.timing();
        let url = credentials.config().graph_url(request.path);
        let mut refreshed = false;
        let mut retries = 0u32;
        loop {
            let token = credentials.access_token().await?;
            let mut builder = self
                .inner
                .http
                .request(request.method.clone(), &url)
                .bearer_auth(token.expose());
            if !request.query.is_empty() {
                builder = builder.query(&request.query);
            }
            for (name, value) in &request.headers {
                builder = builder.header(*name, *value);
            }
            if let Some(body) = &request.body {
                builder = builder.json(body);
            }
            let response = builder
                .send()
                .await
                .map_err(|e| GraphError::Transport(e.to_string()))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry::parse_retry_after);
            // Only `code` and `message` are wanted; an oversized error body counts as none.
            let body = read_capped(response, MAX_ERROR_BODY)
                .await
                .unwrap_or_default();
            let error = parse_error_body(&String::from_utf8_lossy(&body));

            if status == StatusCode::UNAUTHORIZED {
                if refreshed {
                    return Err(GraphError::Auth(AuthError::SignInRequired {
                        reason: format!(
                            "Microsoft Graph still rejects the refreshed token ({}: {})",
                            error.code, error.message
                        ),
                        aadsts: None,
                    }));
                }
                tracing::debug!(code = %error.code, "Graph rejected the access token; refreshing once");
                credentials.refresh_unless_replaced(&token).await?;
                refreshed = true;
                continue;
            }

            if matches!(status.as_u16(), 429 | 503 | 504) {
                let wait = retry_after
                    .unwrap_or_else(|| self.inner.retry.backoff(retries, &mut rand::thread_rng()));
                if retries >= self.inner.retry.max_retries || wait > self.inner.retry.max_wait {
                    return Err(GraphError::Throttled {
                        status: status.as_u16(),
                        retry_after,
                    });
                }
                tracing::info!(
                    status = status.as_u16(),
                    ?wait,
                    path = request.path,
                    "Graph asked to back off; retrying"
                );
                timing.sleep(wait).await;
                retries += 1;
                continue;
            }

            return Err(GraphError::Api {
                status: status.as_u16(),
                code: if error.code.is_empty() {
                    status.canonical_reason().unwrap_or("Error").to_owned()
                } else {
                    error.code
                },
                message: error.message,
                request_id: error.inner.and_then(|i| i.request_id),
            });
        }
    }
}
