//! The `/rest` API as far as the connector uses it, strict about headers and bodies.

// Helpers return the finished error response; boxing it would only add noise on a test server.
#![allow(clippy::result_large_err)]

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::organisation::{SimUser, UserRight};
use super::secrets::sha512_hex;
use super::state::{lock, random_token, Grant, PbxState, SharedState};

pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route(
            "/rest/login",
            get(get_login).post(post_login).delete(delete_login),
        )
        .route("/rest/users/me", get(get_me))
        .route("/rest/users", get(get_users))
        .route(
            "/rest/users/{user_id}/phoneconfig",
            get(get_phone_config).put(put_phone_config),
        )
        .route("/rest/accounts", get(get_accounts))
        .route("/rest/contacts", get(get_contacts))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            strict_headers,
        ))
        .with_state(state)
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = json!({ "code": status.as_u16().to_string(), "message": message.into() });
    (status, Json(body)).into_response()
}

/// Every REST call must carry `X-Version: 2`; injected failures are served here too.
async fn strict_headers(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    match request.headers().get("x-version").map(|v| v.to_str()) {
        Some(Ok("2")) => {}
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported X-Version (expected 2)",
            )
        }
        None => return error(StatusCode::BAD_REQUEST, "missing header X-Version"),
    }
    if let Some(status) = lock(&state).take_rest_fault(request.uri().path()) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return error(status, "Unexpected error.");
    }
    next.run(request).await
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The authenticated user, or the `401` STARFACE answers without a valid token.
fn authenticate(state: &PbxState, headers: &HeaderMap) -> Result<i64, Response> {
    let auth_token = header(headers, "authtoken");
    let bearer = header(headers, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    state
        .rest_user(auth_token, bearer)
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "authentication required"))
}

fn require_right(user: &SimUser, right: UserRight) -> Result<(), Response> {
    if user.rights.contains(&right) {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            format!(
                "User with id {} has no permission for {}",
                user.id,
                right.permission_name()
            ),
        ))
    }
}

fn require_json(headers: &HeaderMap) -> Result<(), Response> {
    match header(headers, "content-type") {
        Some(ct) if ct.starts_with("application/json") => Ok(()),
        _ => Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        )),
    }
}

/// What a PBX without the classic login answers on `/rest/login` (the real text is not
/// documented; the status is what the client relies on).
fn classic_login_disabled() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Login with user name and password is disabled on this PBX; sign in with OAuth",
    )
}

async fn get_login(State(state): State<SharedState>) -> Response {
    let mut state = lock(&state);
    if !state.settings.classic_login {
        return classic_login_disabled();
    }
    let nonce = random_token(26);
    state.nonces.insert(nonce.clone());
    // The real PBX sends `"secret": null`; the API description types it as string, so it is left
    // out here (clients must accept both).
    Json(json!({ "loginType": state.settings.login_type, "nonce": nonce })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LoginBody {
    login_type: String,
    nonce: String,
    secret: Option<String>,
}

fn expected_secret(login_type: &str, user: &SimUser, nonce: &str) -> String {
    if login_type == "ActiveDirectory" {
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}{}{}", user.login, nonce, user.password))
    } else {
        let inner = sha512_hex(&user.password);
        format!(
            "{}:{}",
            user.login,
            sha512_hex(&format!("{}{}{}", user.login, nonce, inner))
        )
    }
}

async fn post_login(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(response) = require_json(&headers) {
        return response;
    }
    let Ok(body) = serde_json::from_str::<LoginBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "malformed Login object");
    };
    let mut state = lock(&state);
    if !state.settings.classic_login {
        return classic_login_disabled();
    }
    // Nonces are single-use whatever the outcome, so a replayed POST always fails.
    if !state.nonces.remove(&body.nonce) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid login (unknown or used nonce)",
        );
    }
    if body.login_type != state.settings.login_type {
        return error(StatusCode::BAD_REQUEST, "invalid login (wrong loginType)");
    }
    let Some(secret) = body.secret else {
        return error(StatusCode::BAD_REQUEST, "invalid login (no secret)");
    };
    let login = if body.login_type == "ActiveDirectory" {
        // The AD secret has no `login:` prefix: find the user whose secret matches.
        state
            .org
            .users
            .iter()
            .find(|u| expected_secret(&body.login_type, u, &body.nonce) == secret)
            .map(|u| u.login.clone())
    } else {
        secret.split_once(':').map(|(login, _)| login.to_owned())
    };
    let Some(user) = login.and_then(|l| state.user_by_login(&l).cloned()) else {
        return error(StatusCode::BAD_REQUEST, "invalid login");
    };
    if expected_secret(&body.login_type, &user, &body.nonce) != secret {
        return error(StatusCode::BAD_REQUEST, "invalid login");
    }
    let token = random_token(32);
    let expires_at = state.now() + state.settings.rest_token_lifetime;
    state.rest_tokens.insert(
        token.clone(),
        Grant {
            user_id: user.id,
            expires_at,
        },
    );
    Json(json!({ "token": token })).into_response()
}

async fn delete_login(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let mut state = lock(&state);
    if let Some(token) = header(&headers, "authtoken") {
        state.rest_tokens.remove(token);
    }
    StatusCode::NO_CONTENT.into_response()
}

fn user_json(user: &SimUser) -> Value {
    json!({
        "id": user.id,
        "login": user.login,
        "firstName": user.first_name,
        "familyName": user.family_name,
        "email": user.email,
        "language": user.language,
        "personId": format!("person-{}", user.id),
        "namespace": "local",
        "faxCallerId": "",
        "faxCoverPage": false,
        "faxEmailJournal": false,
        "faxHeader": "",
        "missedCallReport": false,
        "password": "",
    })
}

async fn get_me(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let state = lock(&state);
    match authenticate(&state, &headers) {
        Ok(id) => match state.user(id) {
            Some(user) => Json(user_json(user)).into_response(),
            None => error(StatusCode::INTERNAL_SERVER_ERROR, "Unexpected error."),
        },
        Err(response) => response,
    }
}

/// The caller after authentication and a rights check.
fn caller(state: &PbxState, headers: &HeaderMap, right: UserRight) -> Result<SimUser, Response> {
    let id = authenticate(state, headers)?;
    let user = state
        .user(id)
        .cloned()
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "authentication required"))?;
    require_right(&user, right)?;
    Ok(user)
}

#[derive(Deserialize)]
struct UsersQuery {
    #[serde(rename = "searchTerm")]
    search_term: Option<String>,
}

async fn get_users(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<UsersQuery>,
) -> Response {
    let state = lock(&state);
    if let Err(response) = caller(&state, &headers, UserRight::UserDirectory) {
        return response;
    }
    let term = query.search_term.unwrap_or_default().to_lowercase();
    let users: Vec<Value> = state
        .org
        .users
        .iter()
        .filter(|u| {
            term.is_empty()
                || format!("{} {} {}", u.first_name, u.family_name, u.email)
                    .to_lowercase()
                    .contains(&term)
        })
        .map(user_json)
        .collect();
    Json(Value::Array(users)).into_response()
}

fn own_user_id(user: &SimUser, path_id: &str) -> Result<(), Response> {
    match path_id.parse::<i64>() {
        Ok(id) if id == user.id => Ok(()),
        Ok(id) => Err(error(
            StatusCode::FORBIDDEN,
            format!("User with id {} has no permission for user {id}", user.id),
        )),
        Err(_) => Err(error(StatusCode::BAD_REQUEST, "userId must be an integer")),
    }
}

async fn get_phone_config(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Response {
    let state = lock(&state);
    let user = match caller(&state, &headers, UserRight::PhoneSettings) {
        Ok(user) => user,
        Err(response) => return response,
    };
    if let Err(response) = own_user_id(&user, &user_id) {
        return response;
    }
    let pc = user.phone_config;
    Json(json!({
        "callWaiting": pc.call_waiting,
        "displayNumberId": pc.display_number_id,
        "doNotDisturb": pc.do_not_disturb,
        "primaryPhoneId": pc.primary_phone_id,
    }))
    .into_response()
}

/// All four fields must be present with the right JSON types; nothing else is accepted.
fn parse_phone_config(body: &str) -> Result<super::organisation::SimPhoneConfig, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| format!("malformed JSON: {e}"))?;
    let object = value.as_object().ok_or("PhoneConfig must be an object")?;
    for key in object.keys() {
        if ![
            "callWaiting",
            "displayNumberId",
            "doNotDisturb",
            "primaryPhoneId",
        ]
        .contains(&key.as_str())
        {
            return Err(format!("unknown field {key}"));
        }
    }
    let boolean = |key: &str| {
        object
            .get(key)
            .ok_or(format!("missing required field {key}"))?
            .as_bool()
            .ok_or(format!("{key} must be a boolean"))
    };
    let integer = |key: &str| {
        object
            .get(key)
            .ok_or(format!("missing required field {key}"))?
            .as_i64()
            .ok_or(format!("{key} must be an integer"))
    };
    Ok(super::organisation::SimPhoneConfig {
        call_waiting: boolean("callWaiting")?,
        display_number_id: integer("displayNumberId")?,
        do_not_disturb: boolean("doNotDisturb")?,
        primary_phone_id: integer("primaryPhoneId")?,
    })
}

async fn put_phone_config(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: String,
) -> Response {
    if let Err(response) = require_json(&headers) {
        return response;
    }
    let mut state = lock(&state);
    let user = match caller(&state, &headers, UserRight::PhoneSettings) {
        Ok(user) => user,
        Err(response) => return response,
    };
    if let Err(response) = own_user_id(&user, &user_id) {
        return response;
    }
    let config = match parse_phone_config(&body) {
        Ok(config) => config,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    if let Some(target) = state.user_mut(user.id) {
        target.phone_config = config;
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn get_accounts(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let state = lock(&state);
    if let Err(response) = caller(&state, &headers, UserRight::UserDirectory) {
        return response;
    }
    let accounts: Vec<Value> = state
        .org
        .users
        .iter()
        .map(|u| {
            json!({
                "accountId": u.account_id,
                "displayInformation": format!("{} {} ({})", u.first_name, u.family_name, u.internal_number),
                "federationname": "",
                "firstname": u.first_name,
                "lastname": u.family_name,
                "local": true,
                "primaryInternalPhoneNumber": u.internal_number,
                "type": "USER",
            })
        })
        .collect();
    Json(Value::Array(accounts)).into_response()
}

#[derive(Deserialize)]
struct ContactsQuery {
    page: Option<usize>,
    pagesize: Option<usize>,
}

async fn get_contacts(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<ContactsQuery>,
) -> Response {
    let state = lock(&state);
    if let Err(response) = caller(&state, &headers, UserRight::AddressBook) {
        return response;
    }
    let page = query.page.unwrap_or(0);
    let pagesize = query.pagesize.unwrap_or(20).max(1);
    let total = state.org.users.len();
    let total_pages = total.div_ceil(pagesize);
    let contacts: Vec<Value> = state
        .org
        .users
        .iter()
        .skip(page * pagesize)
        .take(pagesize)
        .map(|u| {
            json!({
                "id": format!("contact-{}", u.id),
                "summaryValues": [u.family_name, u.first_name, u.email],
                "phoneNumberValues": [u.internal_number],
                "additionalValues": { "INTERNALPHONE": u.internal_number },
            })
        })
        .collect();
    let attribute = |name: &str, key: &str| json!({ "name": name, "displayKey": key });
    Json(json!({
        "contacts": contacts,
        "metadata": {
            "page": page,
            "pagesize": pagesize,
            "sort": "NAME",
            "sortdirection": "ASC",
            "totalPages": total_pages,
        },
        "summaryBlockSchema": {
            "name": "summary",
            "resourceKey": "de.vertico.starface.addressbook.block.summary",
            "attributes": [
                attribute("surname", "SURNAME"),
                attribute("name", "NAME"),
                attribute("email", "EMAIL"),
            ],
        },
        "phoneNumbersBlockSchema": {
            "name": "phonenumbers",
            "resourceKey": "de.vertico.starface.addressbook.block.phonenumbers",
            "attributes": [attribute("phone", "OFFICE_PHONE_NUMBER")],
        },
    }))
    .into_response()
}
