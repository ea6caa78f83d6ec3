//! Graph presence endpoints: read (own, one user, batch) and write (app sessions, preferred).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use uuid::Uuid;

use super::bearer::authenticate;
use super::errors::{bad_request, graph_error};
use super::presence_sessions::{aggregate_presence, PreferredPresence};
use super::world::World;
use super::Shared;

/// Documented maximum for `getPresencesByUserId`.
pub const MAX_IDS: usize = 650;

const READ_OWN: &[&str] = &["Presence.Read", "Presence.Read.All", "Presence.ReadWrite"];
const READ_ALL: &[&str] = &["Presence.Read.All"];
const WRITE: &[&str] = &["Presence.ReadWrite"];

/// Combinations setPresence accepts for an application session.
const SESSION_COMBINATIONS: &[(&str, &str)] = &[
    ("Available", "Available"),
    ("Busy", "InACall"),
    ("Busy", "InAConferenceCall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
];
/// Combinations setUserPreferredPresence accepts.
const PREFERRED_COMBINATIONS: &[(&str, &str)] = &[
    ("Available", "Available"),
    ("Busy", "Busy"),
    ("DoNotDisturb", "DoNotDisturb"),
    ("BeRightBack", "BeRightBack"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1.0/me/presence", get(my_presence))
        .route("/v1.0/users/{id}/presence", get(user_presence))
        .route(
            "/v1.0/communications/getPresencesByUserId",
            post(presences_by_user_id),
        )
        .route("/v1.0/me/presence/{action}", post(my_presence_action))
        .route(
            "/v1.0/users/{id}/presence/{action}",
            post(user_presence_action),
        )
}

pub(crate) fn presence_json(world: &World, id: Uuid, now: SystemTime) -> Value {
    let Some(state) = world.presence.get(&id) else {
        return json!({
            "id": id.to_string(),
            "availability": "PresenceUnknown",
            "activity": "PresenceUnknown",
            "statusMessage": null,
            "outOfOfficeSettings": {"message": null, "isOutOfOffice": false},
        });
    };
    let (availability, activity) = aggregate_presence(state, now);
    json!({
        "id": id.to_string(),
        "availability": availability,
        "activity": activity,
        "statusMessage": null,
        "outOfOfficeSettings": {
            "message": state.out_of_office.clone(),
            "isOutOfOffice": state.out_of_office.is_some(),
        },
        "sequenceNumber": format!("C{:016}", world.next_sequence),
        "workLocation": {"workLocationType": "unspecified", "source": "none", "placeId": null},
    })
}

/// `getPresencesByUserId` for one id: the world's presence if anyone set it, else the roster's
/// generated presence, else Graph's answer for an unknown id.
fn presence_with_roster(shared: &Shared, world: &World, id: Uuid, now: SystemTime) -> Value {
    if world.presence.contains_key(&id) {
        return presence_json(world, id, now);
    }
    let roster = shared.roster();
    let Some(index) = roster.index_of(id) else {
        return presence_json(world, id, now);
    };
    let state = roster.generated_presence(index, now);
    let (availability, activity) = aggregate_presence(&state, now);
    json!({
        "id": id.to_string(),
        "availability": availability,
        "activity": activity,
        "statusMessage": null,
        "outOfOfficeSettings": {"message": null, "isOutOfOffice": false},
    })
}

fn with_context(mut body: Value, context: &str) -> Value {
    body["@odata.context"] = Value::String(format!(
        "https://graph.microsoft.com/v1.0/$metadata#{context}"
    ));
    body
}

async fn my_presence(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    let grant = match authenticate(&world, now, &headers, READ_OWN) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let body = presence_json(&world, grant.user, now);
    Json(with_context(body, "users('me')/presence/$entity")).into_response()
}

fn parse_user_id(raw: &str) -> Result<Uuid, Response> {
    Uuid::try_parse(raw)
        .map_err(|_| bad_request("BadRequest", &format!("Invalid object identifier '{raw}'.")))
}

async fn user_presence(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    if let Err(response) = authenticate(&world, now, &headers, READ_ALL) {
        return response;
    }
    let id = match parse_user_id(&id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    if world.user(id).is_none() {
        return graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        );
    }
    let body = presence_json(&world, id, now);
    Json(with_context(
        body,
        &format!("users('{id}')/presence/$entity"),
    ))
    .into_response()
}

fn json_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|_| {
        bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })
}

async fn presences_by_user_id(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    if let Err(response) = authenticate(&world, now, &headers, READ_ALL) {
        return response;
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(ids) = body.get("ids").and_then(Value::as_array) else {
        return bad_request("BadRequest", "The 'ids' parameter is required.");
    };
    if ids.is_empty() {
        return bad_request("BadRequest", "The 'ids' parameter must not be empty.");
    }
    if ids.len() > MAX_IDS {
        // Graph gives no detail here (microsoft-graph-docs-contrib#777).
        return bad_request("BadRequest", "");
    }
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(text) = id.as_str() else {
            return bad_request("BadRequest", "Every id must be a string.");
        };
        match parse_user_id(text) {
            Ok(id) => parsed.push(id),
            Err(response) => return response,
        }
    }
    let value: Vec<Value> = parsed
        .into_iter()
        .map(|id| presence_with_roster(&shared, &world, id, now))
        .collect();
    Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)",
        "value": value,
    }))
    .into_response()
}

/// `PT5M`, `PT1H30M`, `PT90S`, `P1D`, `PT0.5S`.
pub(crate) fn parse_iso_duration(text: &str) -> Option<Duration> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let mut seconds = 0f64;
    if !date.is_empty() {
        seconds += date.strip_suffix('D')?.parse::<f64>().ok()? * 86_400.0;
    }
    if let Some(mut time) = time {
        if time.is_empty() {
            return None;
        }
        for (unit, factor) in [('H', 3600.0), ('M', 60.0), ('S', 1.0)] {
            if let Some(pos) = time.find(unit) {
                seconds += time[..pos].parse::<f64>().ok()? * factor;
                time = &time[pos + 1..];
            }
        }
        if !time.is_empty() {
            return None;
        }
    }
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

fn invalid_argument(message: &str) -> Response {
    bad_request("InvalidArgument", message)
}

async fn my_presence_action(
    State(shared): State<Arc<Shared>>,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    presence_action(shared, None, action, headers, body)
}

async fn user_presence_action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    presence_action(shared, Some(id), action, headers, body)
}

fn presence_action(
    shared: Arc<Shared>,
    user: Option<String>,
    action: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let mut world = shared.world();
    if !matches!(
        action.as_str(),
        "setPresence" | "clearPresence" | "setUserPreferredPresence" | "clearUserPreferredPresence"
    ) {
        return bad_request(
            "BadRequest",
            &format!("Resource not found for the segment '{action}'."),
        );
    }
    let grant = match authenticate(&world, now, &headers, WRITE) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let target = match user {
        None => grant.user,
        Some(raw) => match parse_user_id(&raw) {
            Ok(id) => id,
            Err(response) => return response,
        },
    };
    if world.user(target).is_none() {
        return graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!("Resource '{target}' does not exist."),
        );
    }
    if target != grant.user {
        // Delegated tokens may only change the signed-in user's presence.
        return graph_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Cannot set the presence of another user with a delegated token.",
        );
    }
    let body = if body.is_empty() {
        json!({})
    } else {
        match json_body(&body) {
            Ok(body) => body,
            Err(response) => return response,
        }
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let expiration = |default: Duration| -> Result<Duration, Response> {
        match text("expirationDuration") {
            None => Ok(default),
            Some(raw) => parse_iso_duration(&raw).ok_or_else(|| {
                invalid_argument(&format!(
                    "[ExpirationDuration]: '{raw}' is not a valid ISO 8601 duration."
                ))
            }),
        }
    };
    let session_id = || -> Result<String, Response> {
        let Some(session_id) = text("sessionId").filter(|s| !s.is_empty()) else {
            return Err(invalid_argument(
                "[SessionId]: The SessionId field is required.",
            ));
        };
        // Graph expects the calling application's id ("Provide the ID of the application").
        if !session_id.eq_ignore_ascii_case(&grant.client_id) {
            return Err(invalid_argument(
                "[SessionId]: The SessionId must be the application (client) ID of the caller.",
            ));
        }
        Ok(grant.client_id.clone())
    };

    let state = world.presence.entry(target).or_default();
    match action.as_str() {
        "setPresence" => {
            let session = match session_id() {
                Ok(session) => session,
                Err(response) => return response,
            };
            let (Some(availability), Some(activity)) = (text("availability"), text("activity"))
            else {
                return invalid_argument(
                    "[Availability, Activity]: The Availability and Activity fields are required.",
                );
            };
            if !SESSION_COMBINATIONS.contains(&(availability.as_str(), activity.as_str())) {
                return invalid_argument(&format!(
                    "The availability '{availability}' with activity '{activity}' is not a supported combination."
                ));
            }
            let duration = match expiration(Duration::from_secs(300)) {
                Ok(duration) => duration,
                Err(response) => return response,
            };
            if duration < Duration::from_secs(300) || duration > Duration::from_secs(4 * 3600) {
                return invalid_argument(
                    "[ExpirationDuration]: The ExpirationDuration must be between PT5M and PT4H.",
                );
            }
            state.set_session(
                &session,
                &availability,
                &activity,
                now,
                Some(now + duration),
            );
        }
        "clearPresence" => {
            let session = match session_id() {
                Ok(session) => session,
                Err(response) => return response,
            };
            if !state.has_session(&session, now) {
                state.sessions.remove(&session);
                return graph_error(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    "The presence session does not exist.",
                );
            }
            state.sessions.remove(&session);
        }
        "setUserPreferredPresence" => {
            let (Some(availability), Some(activity)) = (text("availability"), text("activity"))
            else {
                return invalid_argument(
                    "[Availability, Activity]: The Availability and Activity fields are required.",
                );
            };
            if !PREFERRED_COMBINATIONS.contains(&(availability.as_str(), activity.as_str())) {
                return invalid_argument(&format!(
                    "The availability '{availability}' with activity '{activity}' is not a supported combination."
                ));
            }
            let default = if matches!(availability.as_str(), "DoNotDisturb" | "Busy") {
                Duration::from_secs(86_400)
            } else {
                Duration::from_secs(7 * 86_400)
            };
            let duration = match expiration(default) {
                Ok(duration) => duration,
                Err(response) => return response,
            };
            state.preferred = Some(PreferredPresence {
                availability,
                activity,
                expires_at: now + duration,
            });
        }
        _ => state.preferred = None,
    }
    world.sequence();
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(parse_iso_duration("PT5M"), Some(Duration::from_secs(300)));
        assert_eq!(
            parse_iso_duration("PT1H30M"),
            Some(Duration::from_secs(5400))
        );
        assert_eq!(
            parse_iso_duration("PT4H"),
            Some(Duration::from_secs(14_400))
        );
        assert_eq!(parse_iso_duration("P1D"), Some(Duration::from_secs(86_400)));
        assert_eq!(
            parse_iso_duration("PT0.5S"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_iso_duration("5 minutes"), None);
        assert_eq!(parse_iso_duration("PT"), None);
        assert_eq!(parse_iso_duration("PT5X"), None);
    }
}
