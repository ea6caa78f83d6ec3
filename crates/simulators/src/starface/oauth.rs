//! STARFACE 10's Keycloak realm `pbx`, reduced to discovery and the token endpoint.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::organisation::UserRight;
use super::state::{lock, random_token, Grant, SharedState};

pub const TOKEN_PATH: &str = "/auth/realms/pbx/oauth2/token";
pub const CLIENT_ID: &str = "rest-client-headless";

pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route(TOKEN_PATH, post(token))
        .with_state(state)
}

async fn discovery(State(state): State<SharedState>) -> Response {
    let state = lock(&state);
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
        "grant_types_supported": ["password", "refresh_token"],
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
    #[allow(dead_code)]
    scope: Option<String>,
}

async fn token(State(state): State<SharedState>, Form(form): Form<TokenForm>) -> Response {
    let mut state = lock(&state);
    if form.client_id.as_deref() != Some(CLIENT_ID)
        || form.client_secret.as_deref() != Some(state.settings.oauth_client_secret.as_str())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        );
    }
    let user_id = match form.grant_type.as_str() {
        "password" => {
            let (Some(username), Some(password)) = (&form.username, &form.password) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing parameter",
                );
            };
            match state.user_by_login(username) {
                Some(user) if &user.password == password => {
                    if !user.rights.contains(&UserRight::OAuthPasswordGrant) {
                        return oauth_error(
                            StatusCode::FORBIDDEN,
                            "access_denied",
                            "User has no permission for oauth_password_grant",
                        );
                    }
                    user.id
                }
                _ => {
                    return oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_grant",
                        "Invalid user credentials",
                    )
                }
            }
        }
        "refresh_token" => {
            let known = form
                .refresh_token
                .as_deref()
                .and_then(|t| state.oauth_refresh_tokens.remove(t));
            match known {
                Some(user_id) => user_id,
                None => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Session not active",
                    )
                }
            }
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant_type",
            )
        }
    };
    let lifetime = state.settings.oauth_access_lifetime;
    let expires_at = state.now() + lifetime;
    let access = format!("eyJsim.{}", random_token(40));
    let refresh = format!("eyJsimrefresh.{}", random_token(40));
    state.oauth_access_tokens.insert(
        access.clone(),
        Grant {
            user_id,
            expires_at,
        },
    );
    // Refresh tokens rotate: the old one was removed above.
    state.oauth_refresh_tokens.insert(refresh.clone(), user_id);
    Json(json!({
        "access_token": access,
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
        "refresh_expires_in": 21600,
        "token_type": "Bearer",
        "scope": "login",
    }))
    .into_response()
}
