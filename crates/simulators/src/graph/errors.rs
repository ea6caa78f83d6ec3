//! Error payloads in the shapes Graph and Entra send.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use uuid::Uuid;

use super::clock::iso_utc;

/// Graph: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
pub(crate) fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": iso_utc(std::time::SystemTime::now()),
                "request-id": request_id,
                "client-request-id": request_id,
            }
        }
    });
    (status, Json(body)).into_response()
}

pub(crate) fn bad_request(code: &str, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, message)
}

/// Unknown Graph paths: Graph answers 400 naming the segment it could not resolve.
pub(crate) async fn unknown_segment(uri: axum::http::Uri) -> Response {
    let segment = uri.path().rsplit('/').next().unwrap_or_default().to_owned();
    bad_request(
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

/// Entra's OAuth error body (`error`, `error_description` with `AADSTSnnn:` and trace lines,
/// `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`).
pub(crate) fn entra_error_body(error: &str, code: u32, message: &str) -> Value {
    let trace = Uuid::new_v4();
    let correlation = Uuid::new_v4();
    let timestamp = iso_utc(std::time::SystemTime::now());
    json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"
        ).replacen(" Trace ID:", "\r\nTrace ID:", 1)
         .replacen(" Correlation ID:", "\r\nCorrelation ID:", 1)
         .replacen(" Timestamp:", "\r\nTimestamp:", 1),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
}

pub(crate) fn entra_error(status: StatusCode, error: &str, code: u32, message: &str) -> Response {
    (status, Json(entra_error_body(error, code, message))).into_response()
}

/// Errors Entra shows on its own page instead of redirecting (untrusted redirect URI etc.).
pub(crate) fn entra_error_page(code: u32, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<html><body><h1>Sign in</h1><p>Sorry, but we're having trouble signing you in.</p>\
             <p>AADSTS{code}: {message}</p></body></html>"
        ),
    )
        .into_response()
}
