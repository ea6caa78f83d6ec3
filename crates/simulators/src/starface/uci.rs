//! UCI over XML-RPC (`POST /xml-rpc?de.vertico.starface.auth=...` or `...jwt=...`).
//!
//! Strict about the session: `connection.login` opens it, only `connection.keepAlive` keeps it,
//! and `uci_session_timeout` (60 s) after the last keep-alive it is over, however many other
//! calls came in between. Later calls get the documented `UcpNotConnectedException` fault and
//! `keepAlive` answers `false`. Each keep-alive's gap, and each session that ran out, is noted
//! in the request log.

use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use dxr::{Fault, FaultResponse, MethodCall, MethodResponse, Value};
use std::collections::{BTreeMap, HashMap};

use super::organisation::UserRight;
use super::secrets::uci_token;
use super::state::{lock, PbxState, SharedState};
use crate::request_log::LogNote;

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
    if !state.settings.classic_login {
        return None;
    }
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
    let now = state.now();
    let timeout = state.settings.uci_session_timeout;
    let mut note = None;
    let session_alive = match state.uci_sessions.get(&user_id) {
        Some(last) if now.duration_since(*last) < timeout => true,
        Some(last) => {
            // The documented protocol counts only keepAlive: whatever else came, the session
            // ends `timeout` after the last one.
            note = Some(format!(
                "UCI session ended: no keepAlive for {:.1} s",
                now.duration_since(*last).as_secs_f64()
            ));
            state.uci_sessions.remove(&user_id);
            false
        }
        None => false,
    };
    let mut response = match method.as_str() {
        "connection.login" => {
            state.uci_sessions.insert(user_id, now);
            state
                .uci_keep_alive_gaps
                .entry(user_id)
                .or_default()
                .clear();
            ok(Value::Boolean(true))
        }
        "connection.keepAlive" if session_alive => {
            if state.uci_end_at_next_keep_alive.remove(&user_id) {
                state.uci_sessions.remove(&user_id);
                note = Some("UCI session ended on request of the test".to_owned());
                ok(Value::Boolean(false))
            } else {
                let last = state.uci_sessions.insert(user_id, now).unwrap_or(now);
                let gap = now.duration_since(last);
                state
                    .uci_keep_alive_gaps
                    .entry(user_id)
                    .or_default()
                    .push(gap);
                note = Some(format!("keepAlive gap {:.1} s", gap.as_secs_f64()));
                ok(Value::Boolean(true))
            }
        }
        "connection.keepAlive" => ok(Value::Boolean(false)),
        "connection.logout" => {
            state.uci_sessions.remove(&user_id);
            ok(Value::Boolean(true))
        }
        _ if !session_alive => {
            const ANSWER: &str = super::NOTE_NOT_CONNECTED;
            note = Some(match note {
                Some(ended) => format!("{ended}; {ANSWER}"),
                None => ANSWER.to_owned(),
            });
            fault(
                FAULT_NOT_CONNECTED,
                "UcpNotConnectedException: not logged in",
            )
        }
        other => {
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
    };
    if let Some(note) = note {
        response.extensions_mut().insert(LogNote(note));
    }
    response
}
