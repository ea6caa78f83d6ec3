//! Microsoft identity platform v2 endpoints: authorize (auth code + PKCE), token (code, refresh,
//! device code), devicecode.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::errors::{entra_error, entra_error_page};
use super::world::AccessGrant;
use super::world::{parse_scope_param, AuthCode, DeviceGrant, DeviceState, RefreshGrant, World};
use super::Shared;

const AUTH_CODE_LIFETIME: Duration = Duration::from_secs(600);
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device_code))
}

fn tenant_known(world: &World, tenant: &str) -> bool {
    [
        "organizations",
        "common",
        "contoso.com",
        "contoso.onmicrosoft.com",
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(tenant))
        || tenant.eq_ignore_ascii_case(&world.tenant_id)
}

/// Registered redirect URIs match exactly, except that the port is ignored for loopback hosts
/// (`localhost`, `127.0.0.1`; each matches only itself). The IPv6 loopback `[::1]` is not
/// supported by Entra (`reply-url.md`), registered or not.
fn redirect_registered(registered: &[String], requested: &str) -> bool {
    let Ok(requested) = url::Url::parse(requested) else {
        return false;
    };
    if requested.host() == Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST)) {
        return false;
    }
    registered.iter().any(|candidate| {
        let Ok(candidate) = url::Url::parse(candidate) else {
            return false;
        };
        let loopback = matches!(candidate.host_str(), Some("localhost" | "127.0.0.1"));
        candidate.scheme() == requested.scheme()
            && candidate.host_str() == requested.host_str()
            && candidate.path() == requested.path()
            && requested.query().is_none()
            && requested.fragment().is_none()
            && (loopback || candidate.port_or_known_default() == requested.port_or_known_default())
    })
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = url::Url::parse(redirect_uri).expect("validated redirect URI");
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn redirect_error(
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    code: u32,
    message: &str,
) -> Response {
    let description = format!("AADSTS{code}: {message}");
    let mut params = vec![
        ("error", error),
        ("error_description", description.as_str()),
    ];
    if let Some(state) = state {
        params.push(("state", state));
    }
    redirect_with(redirect_uri, &params)
}

async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = shared.clock.now();
    let mut world = shared.world();
    if !tenant_known(&world, &tenant) {
        return entra_error_page(90002, &format!("Tenant '{tenant}' not found."));
    }
    let Some(client_id) = params.get("client_id") else {
        return entra_error_page(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if *client_id != world.client_id {
        return entra_error_page(
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                world.tenant_id
            ),
        );
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !redirect_registered(&world.redirect_uris, &redirect_uri) {
        return entra_error_page(
            50011,
            &format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the \
                 redirect URIs configured for the application '{client_id}'."
            ),
        );
    }
    let state = params.get("state").map(String::as_str);
    let fail = |error: &str, code: u32, message: &str| {
        redirect_error(&redirect_uri, state, error, code, message)
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return fail(
            "unsupported_response_type",
            700054,
            "response_type 'code' is required by this simulator's public client.",
        );
    }
    let Some(scope) = params.get("scope") else {
        return fail(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let scopes = match parse_scope_param(scope) {
        Ok(scopes) => scopes,
        Err(unknown) => {
            return fail(
                "invalid_scope",
                70011,
                &format!("The provided value for the input parameter 'scope' is not valid. The scope {unknown} is not valid."),
            )
        }
    };
    let (Some(challenge), method) = (
        params.get("code_challenge").cloned(),
        params
            .get("code_challenge_method")
            .cloned()
            .unwrap_or_else(|| "plain".into()),
    ) else {
        return fail(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for this public client.",
        );
    };
    if method != "S256" && method != "plain" {
        return fail(
            "invalid_request",
            50149,
            "The code_challenge_method is not supported; use S256.",
        );
    }
    let user = params
        .get("login_hint")
        .and_then(|hint| world.user_by_upn(hint))
        .map(|u| u.id)
        .unwrap_or(world.me);
    if std::mem::take(&mut world.decline_next_sign_in) {
        return fail(
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        );
    }
    let mut graph = scopes.graph.clone();
    if scopes.default {
        graph.extend(world.consented(user));
    }
    let blocked = world.blocked(user, &graph);
    if !blocked.is_empty() {
        return fail(
            "access_denied",
            90094,
            &format!(
                "The grant requires admin permission. Scopes needing admin approval: {}.",
                blocked.join(" ")
            ),
        );
    }
    // The simulated user accepts the consent prompt.
    world
        .consents
        .entry(user)
        .or_default()
        .extend(graph.iter().cloned());
    let code = World::new_token("sim-code");
    world.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            challenge_method: method,
            scopes: graph,
            offline: scopes.offline,
            user,
            expires_at: now + AUTH_CODE_LIFETIME,
            redeemed: false,
        },
    );
    let session_state = Uuid::new_v4().to_string();
    let mut out = vec![("code", code.as_str())];
    if let Some(state) = state {
        out.push(("state", state));
    }
    out.push(("session_state", session_state.as_str()));
    redirect_with(&redirect_uri, &out)
}

fn form(headers: &HeaderMap, body: &Bytes) -> Result<HashMap<String, String>, Response> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        ));
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

fn missing(parameter: &str) -> Response {
    entra_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{parameter}'."),
    )
}

fn invalid_grant(code: u32, message: &str) -> Response {
    entra_error(StatusCode::BAD_REQUEST, "invalid_grant", code, message)
}

/// Checks tenant and client id; the error response otherwise.
fn check_client(
    world: &World,
    tenant: &str,
    params: &HashMap<String, String>,
) -> Result<String, Response> {
    if !tenant_known(world, tenant) {
        return Err(entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        ));
    }
    let Some(client_id) = params.get("client_id") else {
        return Err(missing("client_id"));
    };
    if *client_id != world.client_id {
        return Err(entra_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                world.tenant_id
            ),
        ));
    }
    Ok(client_id.clone())
}

fn issue_tokens(
    world: &mut World,
    now: std::time::SystemTime,
    user: Uuid,
    client_id: &str,
    scopes: BTreeSet<String>,
    offline: bool,
) -> Response {
    let access = World::new_token("eyJ0eXAiOiJKV1QiLCJzaW0iOnRydWV9.sim-access");
    let lifetime = world.access_token_lifetime;
    world.access_tokens.insert(
        access.clone(),
        AccessGrant {
            user,
            client_id: client_id.to_owned(),
            scopes: scopes.clone(),
            expires_at: now + lifetime,
        },
    );
    let scope_text = scopes.iter().cloned().collect::<Vec<_>>().join(" ");
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_text,
        "expires_in": lifetime.as_secs(),
        "ext_expires_in": lifetime.as_secs(),
        "access_token": access,
    });
    if offline {
        let refresh = World::new_token("sim-refresh");
        world.refresh_tokens.insert(
            refresh.clone(),
            RefreshGrant {
                user,
                client_id: client_id.to_owned(),
                scopes,
                revoked: false,
            },
        );
        body["refresh_token"] = Value::String(refresh);
    }
    (StatusCode::OK, Json(body)).into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match form(&headers, &body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let now = shared.clock.now();
    let mut world = shared.world();
    if super::app_only::is_client_credentials(&params) {
        let known = tenant_known(&world, &tenant);
        let mut app = shared.app_only();
        return super::app_only::client_credentials(
            &mut app, &mut world, now, &tenant, &headers, &params, known,
        );
    }
    let client_id = match check_client(&world, &tenant, &params) {
        Ok(client_id) => client_id,
        Err(response) => return response,
    };
    if params.contains_key("client_secret") || params.contains_key("client_assertion") {
        return entra_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
    }
    match params.get("grant_type").map(String::as_str) {
        None => missing("grant_type"),
        Some("authorization_code") => redeem_code(&mut world, now, &client_id, &params),
        Some("refresh_token") => redeem_refresh(&mut world, now, &client_id, &params),
        Some("urn:ietf:params:oauth:grant-type:device_code") => {
            redeem_device(&mut world, now, &client_id, &params)
        }
        Some(other) => entra_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "S256" => {
            let digest = Sha256::digest(verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == challenge
        }
        _ => verifier == challenge,
    }
}

fn redeem_code(
    world: &mut World,
    now: std::time::SystemTime,
    client_id: &str,
    params: &HashMap<String, String>,
) -> Response {
    let Some(code) = params.get("code") else {
        return missing("code");
    };
    let Some(grant) = world.codes.get(code).cloned() else {
        return invalid_grant(9002313, "Invalid request. Request is malformed or invalid.");
    };
    if grant.redeemed {
        return invalid_grant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
    }
    if grant.expires_at <= now {
        return invalid_grant(70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
    }
    if grant.client_id != client_id {
        return invalid_grant(70000, "The provided value for the 'code' parameter is not valid. The code was issued to a different client.");
    }
    let redirect_uri = params.get("redirect_uri").map(String::as_str).unwrap_or("");
    if redirect_uri != grant.redirect_uri {
        return invalid_grant(
            500112,
            &format!(
                "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                grant.redirect_uri
            ),
        );
    }
    let Some(verifier) = params.get("code_verifier") else {
        return invalid_grant(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
    };
    if !pkce_matches(&grant.challenge, &grant.challenge_method, verifier) {
        return invalid_grant(50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.");
    }
    if let Some(code) = world.codes.get_mut(code) {
        code.redeemed = true;
    }
    issue_tokens(
        world,
        now,
        grant.user,
        client_id,
        grant.scopes,
        grant.offline,
    )
}

fn redeem_refresh(
    world: &mut World,
    now: std::time::SystemTime,
    client_id: &str,
    params: &HashMap<String, String>,
) -> Response {
    let Some(token) = params.get("refresh_token") else {
        return missing("refresh_token");
    };
    let Some(grant) = world.refresh_tokens.get(token).cloned() else {
        return invalid_grant(9002313, "Invalid request. Request is malformed or invalid.");
    };
    if grant.client_id != client_id {
        return invalid_grant(
            700005,
            "Provided Authorization Code is intended to use against other tenant or client.",
        );
    }
    if grant.revoked {
        return invalid_grant(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
    }
    if world.mfa_required_on_refresh {
        let mut body = super::errors::entra_error_body(
            "interaction_required",
            50079,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication.",
        );
        body["suberror"] = Value::String("basic_action".into());
        body["claims"] = Value::String(
            "{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"sim-policy\"]}}}"
                .into(),
        );
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let scopes = match params.get("scope") {
        None => grant.scopes.clone(),
        Some(scope) => match parse_scope_param(scope) {
            Ok(parsed) => {
                let consented = world.consented(grant.user);
                let missing: Vec<&String> = parsed.graph.iter().filter(|s| !consented.contains(*s)).collect();
                if !missing.is_empty() {
                    return invalid_grant(
                        65001,
                        &format!(
                            "The user or administrator has not consented to use the application with ID '{client_id}' named 'Presence Bridge'. Send an interactive authorization request for this user and resource. Missing: {}",
                            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
                        ),
                    );
                }
                if parsed.default || parsed.graph.is_empty() {
                    consented
                } else {
                    parsed.graph
                }
            }
            Err(unknown) => {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    70011,
                    &format!("The provided value for the input parameter 'scope' is not valid. The scope {unknown} is not valid."),
                )
            }
        },
    };
    // Rotation: a new refresh token every time; the used one stays valid (as in Entra).
    issue_tokens(world, now, grant.user, client_id, scopes, true)
}

fn redeem_device(
    world: &mut World,
    now: std::time::SystemTime,
    client_id: &str,
    params: &HashMap<String, String>,
) -> Response {
    if !world.public_client_flows {
        return entra_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    let Some(device_code) = params.get("device_code") else {
        return missing("device_code");
    };
    let Some(grant) = world.devices.get(device_code).cloned() else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "bad_verification_code",
            70000,
            "The provided value for the 'device_code' parameter is not valid.",
        );
    };
    if grant.client_id != client_id {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "bad_verification_code",
            70000,
            "The device code was issued to a different client.",
        );
    }
    if grant.expires_at <= now {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "expired_token",
            70019,
            "Verification code expired.",
        );
    }
    if world.slow_down_polls > 0 && grant.state == DeviceState::Pending {
        world.slow_down_polls -= 1;
        return entra_error(
            StatusCode::BAD_REQUEST,
            "slow_down",
            70016,
            "OAuth 2.0 device flow error. Polling too fast; add 5 seconds to the interval.",
        );
    }
    match grant.state {
        DeviceState::Pending => entra_error(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
        DeviceState::Declined => entra_error(
            StatusCode::BAD_REQUEST,
            "authorization_declined",
            70000,
            "The user declined the sign-in request.",
        ),
        DeviceState::ConsentBlocked => invalid_grant(90094, "The grant requires admin permission."),
        DeviceState::Redeemed => entra_error(
            StatusCode::BAD_REQUEST,
            "bad_verification_code",
            70000,
            "The device code was already redeemed.",
        ),
        DeviceState::Approved(user) => {
            if let Some(grant) = world.devices.get_mut(device_code) {
                grant.state = DeviceState::Redeemed;
            }
            issue_tokens(world, now, user, client_id, grant.scopes, grant.offline)
        }
    }
}

fn user_code() -> String {
    // Entra's codes are 9 letters without easily confused ones.
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::thread_rng();
    (0..9)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn device_code(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match form(&headers, &body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let now = shared.clock.now();
    let mut world = shared.world();
    let client_id = match check_client(&world, &tenant, &params) {
        Ok(client_id) => client_id,
        Err(response) => return response,
    };
    let Some(scope) = params.get("scope") else {
        return missing("scope");
    };
    let scopes = match parse_scope_param(scope) {
        Ok(scopes) => scopes,
        Err(unknown) => {
            return entra_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70011,
                &format!("The provided value for the input parameter 'scope' is not valid. The scope {unknown} is not valid."),
            )
        }
    };
    let device_code = World::new_token("sim-device");
    let code = user_code();
    world.devices.insert(
        device_code.clone(),
        DeviceGrant {
            user_code: code.clone(),
            client_id,
            scopes: scopes.graph,
            offline: scopes.offline,
            expires_at: now + DEVICE_CODE_LIFETIME,
            state: DeviceState::Pending,
        },
    );
    let verification_uri = "https://microsoft.com/devicelogin";
    (
        StatusCode::OK,
        Json(json!({
            "user_code": code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": DEVICE_CODE_LIFETIME.as_secs(),
            "interval": world.device_code_interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {code} to authenticate."),
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_ignore_the_port_only() {
        let registered = vec!["http://localhost".to_owned()];
        assert!(redirect_registered(&registered, "http://localhost:53123/"));
        assert!(redirect_registered(&registered, "http://localhost:53123"));
        assert!(!redirect_registered(&registered, "http://127.0.0.1:53123/"));
        assert!(!redirect_registered(
            &registered,
            "http://localhost:53123/callback"
        ));
        assert!(!redirect_registered(
            &registered,
            "https://localhost:53123/"
        ));
        assert!(!redirect_registered(&registered, "http://[::1]:53123/"));
        let both = vec!["http://127.0.0.1".to_owned(), "http://[::1]".to_owned()];
        assert!(redirect_registered(&both, "http://127.0.0.1:53123/"));
        assert!(!redirect_registered(&both, "http://localhost:53123/"));
        assert!(!redirect_registered(&both, "http://[::1]/"));
        let web = vec!["https://app.example/cb".to_owned()];
        assert!(!redirect_registered(&web, "https://app.example:8443/cb"));
    }

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            "other"
        ));
    }
}
