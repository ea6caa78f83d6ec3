//! Graph's access-token and permission checks.

use std::time::SystemTime;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use super::errors::graph_error;
use super::world::{AccessGrant, World};

/// The caller's grant, or the 401/403 Graph answers: 401 `InvalidAuthenticationToken` for a
/// missing, unknown or expired token; 403 `Forbidden` when none of `any_of` was granted.
pub(crate) fn authenticate(
    world: &World,
    now: SystemTime,
    headers: &HeaderMap,
    any_of: &[&str],
) -> Result<AccessGrant, Response> {
    let unauthorized = |message: &str| {
        graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or("")
        .trim();
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let Some(grant) = world.access_tokens.get(token) else {
        return Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.).",
        ));
    };
    if world.reject_access_tokens {
        return Err(unauthorized(
            "Continuous access evaluation resulted in challenge with result: InteractionRequired.",
        ));
    }
    if grant.expires_at <= now {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    if !any_of.iter().any(|s| grant.scopes.contains(*s)) {
        let on_request = grant.scopes.iter().cloned().collect::<Vec<_>>().join(",");
        return Err(graph_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "Missing scope permissions on the request. API requires one of '{}'. Scopes on the request '{on_request}'",
                any_of.join(", ")
            ),
        ));
    }
    Ok(grant.clone())
}
