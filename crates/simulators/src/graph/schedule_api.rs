//! `POST /me/calendar/getSchedule` (and `/users/{id}/calendar/getSchedule`): free/busy with the
//! documented shape, limits and errors.
//!
//! - Permission: one of `Calendars.ReadBasic` (the least privileged, as Graph's generated
//!   permission table lists it), `Calendars.Read`, `Calendars.ReadWrite`; otherwise 403
//!   `ErrorAccessDenied` as Outlook endpoints answer.
//! - Body: a JSON object (`Content-Type: application/json`); parameter names are matched
//!   case-insensitively as OData does (Graph's concept page itself writes `Schedules`).
//! - `schedules`: 1 to **20** SMTP addresses (the documented limit; the service was seen to
//!   allow 100, but a client must not rely on it): more is 400 `ErrorMailboxDataArrayTooBig`.
//! - `startTime`/`endTime`: `dateTimeTimeZone` with a known Windows or IANA zone (else 400
//!   `TimeZoneNotSupportedException`); the period must be positive and shorter than 62 days
//!   (else 400 `ErrorInvalidTimeInterval`).
//! - `availabilityViewInterval`: 5 to 1440 minutes and not longer than the period (else 400
//!   `ErrorInvalidMergedFreeBusyInterval`), default 30; `null` is answered with a 500, as the
//!   service does (microsoft-graph-docs#4494).
//! - `Prefer: outlook.timezone="…"` sets the zone of the items' times (default UTC).
//! - An address nobody has: an entry with `error` (`responseCode` `5009`), the rest answered.
//! - Items carry `subject`, `location` and `isPrivate` (not for private items), as a mailbox
//!   that shares details does.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::bearer::authenticate;
use super::calendars::{CalendarBook, SimFreeBusy, SimWorkingHours, SimZone};
use super::errors::{bad_request, graph_error};
use super::time_zones::zone_by_name;
use super::world::World;
use super::Shared;

/// Documented maximum of schedules per request.
pub const MAX_SCHEDULES: usize = 20;
/// The period must be shorter than this.
const MAX_PERIOD: SignedDuration = SignedDuration::from_hours(62 * 24);
const CALENDAR_SCOPES: &[&str] = &[
    "Calendars.ReadBasic",
    "Calendars.Read",
    "Calendars.ReadWrite",
];
const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1.0/me/calendar/getSchedule", post(my_schedule))
        .route("/v1.0/me/calendar/getschedule", post(my_schedule))
        .route("/v1.0/users/{id}/calendar/getSchedule", post(user_schedule))
        .route("/v1.0/users/{id}/calendar/getschedule", post(user_schedule))
}

fn access_denied() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

fn invalid_parameter(message: &str) -> Response {
    bad_request("ErrorInvalidParameter", message)
}

fn unsupported_zone(name: &str) -> Response {
    bad_request(
        "TimeZoneNotSupportedException",
        &format!(
            "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'."
        ),
    )
}

async fn my_schedule(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    get_schedule(&shared, None, &headers, &body)
}

async fn user_schedule(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    get_schedule(&shared, Some(id), &headers, &body)
}

/// A parameter by name, ignoring case.
fn parameter<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// `dateTimeTimeZone` -> instant.
fn instant(value: Option<&Value>, name: &str) -> Result<Timestamp, Response> {
    let Some(Value::Object(object)) = value else {
        return Err(invalid_parameter(&format!(
            "The parameter '{name}' is required and must be a dateTimeTimeZone."
        )));
    };
    let text = parameter(object, "dateTime").and_then(Value::as_str);
    let zone_name = parameter(object, "timeZone").and_then(Value::as_str);
    let (Some(text), Some(zone_name)) = (text, zone_name) else {
        return Err(invalid_parameter(&format!(
            "The parameter '{name}' needs both 'dateTime' and 'timeZone'."
        )));
    };
    let zone = zone_by_name(zone_name).ok_or_else(|| unsupported_zone(zone_name))?;
    let (text, zone) = match text.strip_suffix('Z') {
        Some(utc) => (utc, TimeZone::UTC),
        None => (text, zone),
    };
    let local: DateTime = text.parse().map_err(|_| {
        invalid_parameter(&format!(
            "The value '{text}' of '{name}.dateTime' is not a valid date and time."
        ))
    })?;
    zone.to_timestamp(local)
        .map_err(|_| invalid_parameter(&format!("'{name}' is out of range.")))
}

/// `outlook.timezone="X"` from `Prefer`, if present.
fn preferred_zone(headers: &HeaderMap) -> Result<(TimeZone, String), Response> {
    let prefer = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|item| {
            let (key, value) = item.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("outlook.timezone")
                .then(|| value.trim().trim_matches('"').to_owned())
        });
    match prefer {
        None => Ok((TimeZone::UTC, "UTC".to_owned())),
        Some(name) => zone_by_name(&name)
            .map(|zone| (zone, name.clone()))
            .ok_or_else(|| unsupported_zone(&name)),
    }
}

fn interval(body: &Map<String, Value>, period: SignedDuration) -> Result<i64, Response> {
    let minutes = match parameter(body, "availabilityViewInterval") {
        None => 30,
        Some(Value::Null) => {
            return Err(graph_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ErrorInternalServerError",
                "An internal server error occurred. The operation failed.",
            ))
        }
        Some(Value::Number(number)) => number.as_i64().ok_or_else(|| {
            invalid_parameter("The parameter 'availabilityViewInterval' must be an integer.")
        })?,
        // Graph's concept page sends it as a string ("15").
        Some(Value::String(text)) => text.trim().parse().map_err(|_| {
            invalid_parameter("The parameter 'availabilityViewInterval' must be an integer.")
        })?,
        Some(_) => {
            return Err(invalid_parameter(
                "The parameter 'availabilityViewInterval' must be an integer.",
            ))
        }
    };
    if !(5..=1440).contains(&minutes) || SignedDuration::from_mins(minutes) > period {
        return Err(bad_request(
            "ErrorInvalidMergedFreeBusyInterval",
            "The specified merged free/busy interval is not valid. Specify an interval that is less than the free/busy time window and  between 5 and 1440 minutes.",
        ));
    }
    Ok(minutes)
}

fn format_time(at: Timestamp, zone: &TimeZone) -> String {
    format!(
        "{}.0000000",
        zone.to_datetime(at).strftime("%Y-%m-%dT%H:%M:%S")
    )
}

fn working_hours_json(hours: &SimWorkingHours) -> Value {
    let days: Vec<&str> = DAY_NAMES
        .iter()
        .zip(hours.days)
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect();
    let time_of_day = |t: jiff::civil::Time| format!("{}.0000000", t.strftime("%H:%M:%S"));
    let time_zone = match hours.zone {
        SimZone::Windows(name) => json!({ "name": name }),
        SimZone::CustomPacific => json!({
            "@odata.type": "#microsoft.graph.customTimeZone",
            "bias": 480,
            "name": "Customized Time Zone",
            "standardOffset": {"time": "02:00:00.0000000", "dayOccurrence": 1, "dayOfWeek": "sunday", "month": 11, "year": 0},
            "daylightOffset": {"daylightBias": -60, "time": "02:00:00.0000000", "dayOccurrence": 2, "dayOfWeek": "sunday", "month": 3, "year": 0},
        }),
    };
    json!({
        "daysOfWeek": days,
        "startTime": time_of_day(hours.start_time()),
        "endTime": time_of_day(hours.end_time()),
        "timeZone": time_zone,
    })
}

struct Period {
    start: Timestamp,
    end: Timestamp,
    interval: i64,
}

fn schedule_json(
    book: &CalendarBook,
    user: Uuid,
    id: &str,
    period: &Period,
    zone: &TimeZone,
    zone_name: &str,
) -> Value {
    let events = book.events(user, period.start, period.end);
    let bounds = |e: &super::calendars::SimEvent| {
        (
            Timestamp::try_from(e.start).unwrap_or(period.start),
            Timestamp::try_from(e.end).unwrap_or(period.end),
        )
    };
    let slot = SignedDuration::from_mins(period.interval);
    let mut view = String::new();
    let mut slot_start = period.start;
    while slot_start < period.end {
        let slot_end = slot_start.checked_add(slot).unwrap_or(period.end);
        let status = events
            .iter()
            .filter(|e| {
                let (start, end) = bounds(e);
                start < slot_end && end > slot_start
            })
            .map(|e| e.status)
            .max_by_key(|status| status.weight())
            .unwrap_or(SimFreeBusy::Free);
        view.push(status.digit());
        slot_start = slot_end;
    }
    let items: Vec<Value> = events
        .iter()
        .map(|event| {
            let (start, end) = bounds(event);
            let mut item = json!({
                "isPrivate": event.private,
                "status": event.status.wire(),
                "start": {"dateTime": format_time(start, zone), "timeZone": zone_name},
                "end": {"dateTime": format_time(end, zone), "timeZone": zone_name},
            });
            if !event.private {
                item["subject"] = Value::String(event.subject.clone());
                item["location"] = Value::String(event.location.clone());
            }
            item
        })
        .collect();
    json!({
        "scheduleId": id,
        "availabilityView": view,
        "scheduleItems": items,
        "workingHours": working_hours_json(&book.working_hours(user)),
    })
}

fn find_user(world: &World, address: &str) -> Option<Uuid> {
    world
        .users
        .iter()
        .find(|u| {
            u.mail.eq_ignore_ascii_case(address)
                || u.user_principal_name.eq_ignore_ascii_case(address)
        })
        .map(|u| u.id)
}

fn get_schedule(
    shared: &Shared,
    user_in_path: Option<String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    let grant = match authenticate(&world, now, headers, CALENDAR_SCOPES) {
        Ok(grant) => grant,
        Err(response) if response.status() == StatusCode::FORBIDDEN => return access_denied(),
        Err(response) => return response,
    };
    if shared.calendars.lock().expect("calendar lock").refused {
        return access_denied();
    }
    if let Some(id) = user_in_path {
        // Delegated access: the signed-in user's own calendar only.
        let me = world.user(grant.user);
        let is_me = Uuid::try_parse(&id).is_ok_and(|uuid| uuid == grant.user)
            || me.is_some_and(|u| u.user_principal_name.eq_ignore_ascii_case(&id));
        if !is_me {
            return access_denied();
        }
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    let (true, Some(body)) = (is_json, parsed) else {
        return bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        );
    };
    let Some(Value::Array(schedules)) = parameter(&body, "schedules") else {
        return invalid_parameter(
            "The parameter 'schedules' is required and must be a collection of SMTP addresses.",
        );
    };
    if schedules.is_empty() {
        return invalid_parameter("The parameter 'schedules' must not be empty.");
    }
    if schedules.len() > MAX_SCHEDULES {
        return bad_request(
            "ErrorMailboxDataArrayTooBig",
            &format!(
                "There are too many target users in the EmailAddress array. The allowed size = {MAX_SCHEDULES}; the actual size = {}.",
                schedules.len()
            ),
        );
    }
    let Some(addresses) = schedules
        .iter()
        .map(Value::as_str)
        .collect::<Option<Vec<&str>>>()
    else {
        return invalid_parameter("Every entry of 'schedules' must be a string.");
    };
    let start = match instant(parameter(&body, "startTime"), "startTime") {
        Ok(at) => at,
        Err(response) => return response,
    };
    let end = match instant(parameter(&body, "endTime"), "endTime") {
        Ok(at) => at,
        Err(response) => return response,
    };
    let length = end.duration_since(start);
    if length <= SignedDuration::ZERO || length >= MAX_PERIOD {
        return bad_request(
            "ErrorInvalidTimeInterval",
            "The time duration specified for FreeBusyViewOptions.TimeWindow is invalid.",
        );
    }
    let interval = match interval(&body, length) {
        Ok(minutes) => minutes,
        Err(response) => return response,
    };
    let (zone, zone_name) = match preferred_zone(headers) {
        Ok(zone) => zone,
        Err(response) => return response,
    };
    let period = Period {
        start,
        end,
        interval,
    };
    let book = shared.calendars.lock().expect("calendar lock");
    let value: Vec<Value> = addresses
        .iter()
        .map(|address| match find_user(&world, address) {
            Some(user) => schedule_json(&book, user, address, &period, &zone, &zone_name),
            None => json!({
                "scheduleId": address,
                "error": {
                    "message": format!("Unable to resolve e-mail address {address} to an Active Directory object."),
                    "responseCode": "5009",
                },
            }),
        })
        .collect();
    Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
        "value": value,
    }))
    .into_response()
}
