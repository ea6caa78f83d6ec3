//! UCI over XML-RPC (`POST /xml-rpc?de.vertico.starface.auth=...` or `...jwt=...`).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use dxr::{Fault, FaultResponse, MethodCall, MethodResponse, Value};

use super::organisation::UserRight;
use super::secrets::uci_token;
use super::state::{lock, PbxState, SharedState};

/// Fault codes are not documented; these mirror the javadoc exception kinds.
pub const FAULT_ILLEGAL_ACCESS: i32 = 1;
pub const FAULT_NOT_CONNECTED: i32 = 2;
pub const FAULT_NO_SUCH_METHOD: i32 = 3;
pub const FAULT_BAD_PARAMS: i32 = 4;
pub const FAULT_COMMUNICATION: i32 = 5;

pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/xml-rpc", post(handle))
        .with_state(state)
}

fn xml_response(body: Result<String, dxr::Error>) -> Response {
    match body {
        Ok(xml) => (
            [(CONTENT_TYPE, "text/xml; charset=utf-8")],
            format!("<?xml version=\"1.0\"?>\n{xml}"),
        )
            .into_response(),
        Err(error) => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            error.to_string(),
        )
            .into_response(),
    }
}

fn fault(code: i32, message: &str) -> Response {
    xml_response(
        FaultResponse {
            fault: Fault::new(code, message.to_owned()),
        }
        .to_xml(),
    )
}

fn ok(value: Value) -> Response {
    xml_response(MethodResponse { value }.to_xml())
}

fn authenticated_user(state: &PbxState, query: &HashMap<String, String>) -> Option<i64> {
    if let Some(jwt) = query.get("de.vertico.starface.jwt") {
        return state.oauth_user(jwt);
    }
    let token = query.get("de.vertico.starface.auth")?;
    let (login, _) = token.split_once(':')?;
    let user = state.user_by_login(login)?;
    (uci_token(&user.login, &user.password) == *token).then_some(user.id)
}

async fn handle(
    State(state): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let Ok(call) = MethodCall::from_xml(&body) else {
        return fault(FAULT_BAD_PARAMS, "malformed XML-RPC methodCall");
    };
    let mut state = lock(&state);
    let Some(method) = state
        .settings
        .uci_prefixes
        .iter()
        .find_map(|prefix| {
            call.name
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
        })
        .map(str::to_owned)
    else {
        return fault(
            FAULT_NO_SUCH_METHOD,
            &format!("No such handler: {}", call.name),
        );
    };
    if state.take_uci_fault(&method) {
        return fault(FAULT_COMMUNICATION, "UcpCommunicationException (injected)");
    }
    let Some(user_id) = authenticated_user(&state, &query) else {
        return fault(
            FAULT_ILLEGAL_ACCESS,
            "UciIllegalAccessException: authentication failed",
        );
    };
    let has_right = state
        .user(user_id)
        .is_some_and(|u| u.rights.contains(&UserRight::Uci));
    if !has_right {
        return fault(
            FAULT_ILLEGAL_ACCESS,
            "UciIllegalAccessException: User has no permission for uci",
        );
    }
    let now = Instant::now();
    let timeout = state.settings.uci_session_timeout;
    let session_alive = state
        .uci_sessions
        .get(&user_id)
        .is_some_and(|last| now.duration_since(*last) < timeout);
    if !session_alive {
        state.uci_sessions.remove(&user_id);
    }
    match method.as_str() {
        "connection.login" => {
            state.uci_sessions.insert(user_id, now);
            ok(Value::Boolean(true))
        }
        "connection.keepAlive" => {
            if session_alive {
                state.uci_sessions.insert(user_id, now);
            }
            ok(Value::Boolean(session_alive))
        }
        "connection.logout" => {
            state.uci_sessions.remove(&user_id);
            ok(Value::Boolean(true))
        }
        _ if !session_alive => fault(
            FAULT_NOT_CONNECTED,
            "UcpNotConnectedException: not logged in",
        ),
        other => {
            state.uci_sessions.insert(user_id, now);
            let Some(user) = state.user_mut(user_id) else {
                return fault(FAULT_ILLEGAL_ACCESS, "UciIllegalAccessException");
            };
            match (other, call.params.as_slice()) {
                ("userState.getUserState", []) => {
                    let mut fields = BTreeMap::new();
                    fields.insert("avatarHash".to_owned(), Value::String(String::new()));
                    fields.insert(
                        "chatPresence".to_owned(),
                        Value::String(user.chat_presence.wire_name().to_owned()),
                    );
                    fields.insert(
                        "chatPresenceMessage".to_owned(),
                        Value::String(user.chat_presence_message.clone()),
                    );
                    fields.insert(
                        "telephonyState".to_owned(),
                        Value::String(user.telephony_state().to_owned()),
                    );
                    fields.insert("redirectAlwaysActive".to_owned(), Value::Boolean(false));
                    ok(Value::Struct(fields))
                }
                ("userState.setChatPresenceMessage", [Value::String(message)]) => {
                    user.chat_presence_message = message.clone();
                    ok(Value::Boolean(true))
                }
                ("call.getCallIds", []) => ok(Value::Array(
                    user.call_ids.iter().cloned().map(Value::String).collect(),
                )),
                (
                    "userState.getUserState"
                    | "userState.setChatPresenceMessage"
                    | "call.getCallIds",
                    _,
                ) => fault(FAULT_BAD_PARAMS, &format!("wrong parameters for {other}")),
                _ => fault(
                    FAULT_NO_SUCH_METHOD,
                    &format!("No such handler: {}", call.name),
                ),
            }
        }
    }
}
