//! STARFACE 10's Keycloak realm `pbx`, reduced to discovery and the token endpoint, strict
//! where Keycloak is:
//!
//! - `/.well-known/openid-configuration` at the root answers with a redirect into the realm
//!   (`/auth/realms/pbx/.well-known/openid-configuration`), which serves the document.
//! - The token endpoint takes `application/x-www-form-urlencoded` only, authenticates the client
//!   (`rest-client-headless` + the admin's secret) in the form or with HTTP Basic as
//!   [`SimClientAuth`] says, and refuses a request using both (RFC 6749 §2.3).
//! - Password grant: wrong password `401 invalid_grant`; a user without the right "API Zugriff
//!   mit OAuth Password Grant" `403 access_denied`. Each starts a Keycloak session.
//! - Refresh grant: refresh tokens rotate (a used one is refused as stale), expire after
//!   `oauth_refresh_lifetime`, and die with their session when it is revoked
//!   (`400 invalid_grant`, "Session not active").
//!
//! On a STARFACE 9 ([`SimSettings::keycloak`] off) all of these are 404.
//!
//! [`SimSettings::keycloak`]: super::SimSettings::keycloak

// Helpers return the finished error response; boxing it would only add noise on a test server.
#![allow(clippy::result_large_err)]

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::organisation::UserRight;
use super::state::{lock, random_token, OAuthGrant, OAuthSession, PbxState, SharedState};
use super::SimClientAuth;

pub const TOKEN_PATH: &str = "/auth/realms/pbx/oauth2/token";
/// Where a STARFACE 10 names its OAuth configuration and, on cloud PBXs, the OneHub gateway.
pub const LOGIN_CONFIG_PATH: &str = "/rpc/oauth/login-config";
pub const CLIENT_ID: &str = "rest-client-headless";
/// Where the root discovery redirects to.
pub const REALM_DISCOVERY_PATH: &str = "/auth/realms/pbx/.well-known/openid-configuration";
/// The scopes the realm knows (`login` per the vendor wiki, `pbx-login` as other clients use).
const SCOPES: [&str; 3] = ["login", "pbx-login", "openid"];

pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(root_discovery))
        .route(REALM_DISCOVERY_PATH, get(realm_discovery))
        .route(TOKEN_PATH, post(token))
        .route(LOGIN_CONFIG_PATH, get(login_config))
        .with_state(state)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

async fn root_discovery(State(state): State<SharedState>) -> Response {
    let state = lock(&state);
    if !state.settings.keycloak {
        return not_found();
    }
    let location = format!("{}{REALM_DISCOVERY_PATH}", state.public_base_url);
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn realm_discovery(State(state): State<SharedState>) -> Response {
    let state = lock(&state);
    if !state.settings.keycloak {
        return not_found();
    }
    let base = state.public_base_url.clone();
    let token_endpoint = state
        .settings
        .discovery_token_endpoint
        .clone()
        .unwrap_or_else(|| format!("{base}{TOKEN_PATH}"));
    Json(json!({
        "issuer": format!("{base}/auth/realms/pbx"),
        "token_endpoint": token_endpoint,
        "authorization_endpoint": format!("{base}/auth/realms/pbx/oauth2/auth"),
        "grant_types_supported": ["password", "refresh_token", "authorization_code"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    }))
    .into_response()
}

/// `{oauthConfigUrl, edgeNodeId, gRpcUrl}` when a OneHub gateway is set (cloud PBXs answer
/// this way); 404 otherwise, as PBXs without the endpoint do.
async fn login_config(State(state): State<SharedState>) -> Response {
    let state = lock(&state);
    let Some(grpc_url) = state
        .onehub_gateway
        .clone()
        .filter(|_| state.settings.keycloak)
    else {
        return not_found();
    };
    Json(json!({
        "oauthConfigUrl": format!("{}{REALM_DISCOVERY_PATH}", state.public_base_url),
        "edgeNodeId": null,
        "gRpcUrl": grpc_url,
    }))
    .into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
}

/// `Authorization: Basic` as RFC 6749 §2.3.1 has it: form-encoded id and secret.
fn basic_client(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

/// The client check: `Err` is the answer.
fn authenticate_client(
    state: &PbxState,
    headers: &HeaderMap,
    form: &TokenForm,
) -> Result<(), Response> {
    let basic = basic_client(headers);
    let in_form = form.client_secret.is_some();
    let (id, secret, method_allowed) = match (basic, in_form) {
        (Some(_), true) => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Multiple client authentication methods",
            ))
        }
        (Some((id, secret)), false) => {
            // A client_id in the form must then be the same client.
            if form
                .client_id
                .as_deref()
                .is_some_and(|form_id| form_id != id)
            {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_id does not match the authenticated client",
                ));
            }
            let allowed = state.settings.oauth_client_auth != SimClientAuth::FormOnly;
            (Some(id), Some(secret), allowed)
        }
        (None, _) => (
            form.client_id.clone(),
            form.client_secret.clone(),
            state.settings.oauth_client_auth != SimClientAuth::BasicOnly,
        ),
    };
    let valid = method_allowed
        && id.as_deref() == Some(CLIENT_ID)
        && secret.as_deref() == Some(state.settings.oauth_client_secret.as_str());
    if valid {
        Ok(())
    } else {
        Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        ))
    }
}

async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let mut state = lock(&state);
    if !state.settings.keycloak {
        return not_found();
    }
    if let Err(response) = authenticate_client(&state, &headers, &form) {
        return response;
    }
    let session = match form.grant_type.as_str() {
        "password" => match password_grant(&mut state, &form) {
            Ok(session) => session,
            Err(response) => return response,
        },
        "refresh_token" => match refresh_grant(&mut state, &form) {
            Ok(session) => session,
            Err(response) => return response,
        },
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant_type",
            )
        }
    };
    issue(&mut state, session)
}

fn password_grant(state: &mut PbxState, form: &TokenForm) -> Result<u64, Response> {
    let (Some(username), Some(password)) = (&form.username, &form.password) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing parameter: username",
        ));
    };
    if let Some(scope) = &form.scope {
        if scope.split(' ').any(|s| !SCOPES.contains(&s)) {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "Invalid scopes",
            ));
        }
    }
    let user_id = match state.user_by_login(username) {
        Some(user) if &user.password == password => {
            if !user.rights.contains(&UserRight::OAuthPasswordGrant) {
                return Err(oauth_error(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    "User has no permission for oauth_password_grant",
                ));
            }
            user.id
        }
        _ => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "Invalid user credentials",
            ))
        }
    };
    let session = state.next_oauth_session;
    state.next_oauth_session += 1;
    state.oauth_sessions.insert(
        session,
        OAuthSession {
            user_id,
            revoked: false,
        },
    );
    Ok(session)
}

fn refresh_grant(state: &mut PbxState, form: &TokenForm) -> Result<u64, Response> {
    let presented = form.refresh_token.as_deref().unwrap_or_default();
    let refused =
        |description: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description);
    if state.oauth_used_refresh_tokens.contains(presented) {
        return Err(refused("Stale token"));
    }
    let Some(grant) = state.oauth_refresh_tokens.remove(presented) else {
        return Err(refused("Invalid refresh token"));
    };
    // Rotation: this refresh token is used up whatever happens next.
    state.oauth_used_refresh_tokens.insert(presented.to_owned());
    let session = state.oauth_sessions.get(&grant.session).copied();
    match session {
        Some(session) if !session.revoked => {}
        _ => return Err(refused("Session not active")),
    }
    if grant.expires_at <= state.now() {
        return Err(refused("Token is not active"));
    }
    Ok(grant.session)
}

fn issue(state: &mut PbxState, session: u64) -> Response {
    let now = state.now();
    let lifetime = state.settings.oauth_access_lifetime;
    let refresh_lifetime = state.settings.oauth_refresh_lifetime;
    let access = format!("eyJsim.{}", random_token(40));
    let refresh = format!("eyJsimrefresh.{}", random_token(40));
    state.oauth_access_tokens.insert(
        access.clone(),
        OAuthGrant {
            session,
            expires_at: now + lifetime,
        },
    );
    state.oauth_refresh_tokens.insert(
        refresh.clone(),
        OAuthGrant {
            session,
            expires_at: now + refresh_lifetime,
        },
    );
    Json(json!({
        "access_token": access,
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
        "refresh_expires_in": refresh_lifetime.as_secs(),
        "token_type": "Bearer",
        "scope": "login",
    }))
    .into_response()
}
