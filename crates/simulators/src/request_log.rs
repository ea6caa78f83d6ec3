//! Every request a simulator received, so tests can assert what a connector actually sent.

use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::hang_up::NotAnswered;

/// Bodies above this size are not kept in the log (they are still served).
const MAX_LOGGED_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case with their values.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Status code the simulator answered with; 0 when it closed the connection instead
    /// (an injected connection reset).
    pub status: u16,
    /// What the simulator noticed about this request beyond its answer, e.g. the gap since
    /// the previous UCI `keepAlive`, or that a session had run out.
    pub note: Option<String>,
}

/// A response extension a handler sets to put a [`LoggedRequest::note`] in the log.
#[derive(Debug, Clone)]
pub struct LogNote(pub String);

impl LoggedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A shared, append-only log of requests.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
}

impl RequestLog {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.lock().expect("request log lock").clone()
    }

    /// The requests whose method and path match (path compared exactly).
    pub fn matching(&self, method: &str, path: &str) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .expect("request log lock")
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("request log lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        self.entries.lock().expect("request log lock").clear();
    }

    fn push(&self, request: LoggedRequest) {
        self.entries.lock().expect("request log lock").push(request);
    }
}

/// Axum middleware: `router.layer(axum::middleware::from_fn_with_state(log.clone(), record))`.
pub async fn record(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_LOGGED_BODY).await.unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut entry = LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        status: 0,
        note: None,
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    entry.status = match response.extensions().get::<NotAnswered>() {
        Some(NotAnswered) => 0,
        None => response.status().as_u16(),
    };
    entry.note = response.extensions().get::<LogNote>().map(|n| n.0.clone());
    log.push(entry);
    response
}
