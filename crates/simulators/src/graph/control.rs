//! Steering the simulator: Rust methods on [`GraphControl`] and the same under `/_control` (JSON)
//! for the demo and manual testing. Control requests are not recorded in the request log.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::gate::{Fault, FaultKind};
use super::org::SimUser;
use super::presence_sessions::{aggregate_presence, PresenceSession, TEAMS_CLIENT_SESSION};
use super::world::DeviceState;
use super::{Shared, SimClock};
use crate::request_log::RequestLog;

/// Handle to a running simulator's state. Cheap to clone.
#[derive(Clone)]
pub struct GraphControl {
    shared: Arc<Shared>,
}

impl GraphControl {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    pub fn clock(&self) -> &SimClock {
        &self.shared.clock
    }

    /// Moves simulator time forward (token and presence expiry).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Every Graph and Entra request received (not `/_control`).
    pub fn log(&self) -> &RequestLog {
        &self.shared.log
    }

    pub fn client_id(&self) -> String {
        self.shared.world().client_id.clone()
    }

    pub fn tenant_id(&self) -> String {
        self.shared.world().tenant_id.clone()
    }

    /// The user that sign-ins authenticate as.
    pub fn signed_in_user(&self) -> SimUser {
        let world = self.shared.world();
        world
            .user(world.me)
            .cloned()
            .expect("signed-in user exists")
    }

    pub fn users(&self) -> Vec<SimUser> {
        self.shared.world().users.clone()
    }

    /// Ids of everyone except the signed-in user.
    pub fn colleague_ids(&self) -> Vec<Uuid> {
        let world = self.shared.world();
        world
            .users
            .iter()
            .filter(|u| u.id != world.me)
            .map(|u| u.id)
            .collect()
    }

    /// Adds `count` generated colleagues (organisation generator); returns their ids.
    pub fn add_users(&self, count: usize) -> Vec<Uuid> {
        let now = self.now();
        self.shared.world().add_generated_users(count, now)
    }

    /// Renames a user (display name only), e.g. to a hostile string for rendering tests.
    pub fn set_display_name(&self, user: Uuid, display_name: &str) {
        let mut world = self.shared.world();
        if let Some(u) = world.users.iter_mut().find(|u| u.id == user) {
            u.display_name = display_name.to_owned();
        }
    }

    /// Sets the state of the user's Teams client session (what the user "is" in Teams).
    pub fn set_presence(&self, user: Uuid, availability: &str, activity: &str) {
        let now = self.now();
        let mut world = self.shared.world();
        world.presence.entry(user).or_default().set_session(
            TEAMS_CLIENT_SESSION,
            availability,
            activity,
            now,
            None,
        );
        world.sequence();
    }

    /// Signs the user's Teams client out (no session left: Offline unless an app session exists).
    pub fn sign_out_of_teams(&self, user: Uuid) {
        let mut world = self.shared.world();
        if let Some(state) = world.presence.get_mut(&user) {
            state.sessions.remove(TEAMS_CLIENT_SESSION);
        }
    }

    /// Makes Graph return exactly these strings (e.g. `busy` / `inAMeeting`, `Focusing`).
    pub fn set_raw_presence(&self, user: Uuid, availability: &str, activity: &str) {
        let mut world = self.shared.world();
        world.presence.entry(user).or_default().raw_override =
            Some((availability.to_owned(), activity.to_owned()));
    }

    pub fn set_out_of_office(&self, user: Uuid, message: Option<&str>) {
        let mut world = self.shared.world();
        world.presence.entry(user).or_default().out_of_office = message.map(str::to_owned);
    }

    /// The aggregated (availability, activity) others would see now.
    pub fn presence_of(&self, user: Uuid) -> (String, String) {
        let now = self.now();
        let world = self.shared.world();
        world
            .presence
            .get(&user)
            .map(|s| aggregate_presence(s, now))
            .unwrap_or_else(|| ("PresenceUnknown".into(), "PresenceUnknown".into()))
    }

    /// The app's presence session for `user`, if it exists and has not expired.
    pub fn app_session(&self, user: Uuid) -> Option<PresenceSession> {
        let now = self.now();
        let world = self.shared.world();
        let client_id = world.client_id.clone();
        world
            .presence
            .get(&user)
            .and_then(|s| s.sessions.get(&client_id))
            .filter(|s| s.expires_at.is_none_or(|e| e > now))
            .cloned()
    }

    /// The organisation's calendars (free/busy for `getSchedule`).
    pub fn calendars(&self) -> super::calendars::CalendarControl {
        super::calendars::CalendarControl::new(self.shared.clone())
    }

    pub fn inject_fault(&self, fault: Fault) {
        self.shared.world().faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.world().faults.clear();
    }

    /// Presence requests allowed per 30 s window before 429.
    pub fn set_presence_budget(&self, per_30s: u32) {
        self.shared.world().throttle.budget = per_30s;
    }

    /// Every issued access token expires now (Graph answers 401 InvalidAuthenticationToken).
    pub fn expire_access_tokens(&self) {
        let now = self.now();
        for grant in self.shared.world().access_tokens.values_mut() {
            grant.expires_at = now;
        }
    }

    /// While set, Graph answers 401 to every access token, even fresh ones.
    pub fn reject_access_tokens(&self, reject: bool) {
        self.shared.world().reject_access_tokens = reject;
    }

    /// Revokes every refresh token (as after a password reset): refresh -> invalid_grant 50173.
    pub fn revoke_refresh_tokens(&self) {
        for grant in self.shared.world().refresh_tokens.values_mut() {
            grant.revoked = true;
        }
    }

    /// Whether `token` would currently be accepted by the token endpoint.
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.shared
            .world()
            .refresh_tokens
            .get(token)
            .is_some_and(|g| !g.revoked)
    }

    pub fn refresh_tokens_issued(&self) -> usize {
        self.shared.world().refresh_tokens.len()
    }

    /// Refreshes answer `interaction_required` (AADSTS50079, with `claims`) while set.
    pub fn require_mfa_on_refresh(&self, required: bool) {
        self.shared.world().mfa_required_on_refresh = required;
    }

    /// The next authorize request ends with `access_denied` (AADSTS65004, user declined).
    pub fn decline_next_sign_in(&self) {
        self.shared.world().decline_next_sign_in = true;
    }

    /// An admin grants tenant-wide consent for the scopes that need it.
    pub fn grant_admin_consent(&self) {
        self.shared.world().admin_consented = true;
    }

    /// User codes of device sign-ins waiting for the user.
    pub fn pending_user_codes(&self) -> Vec<String> {
        self.shared
            .world()
            .devices
            .values()
            .filter(|d| d.state == DeviceState::Pending)
            .map(|d| d.user_code.clone())
            .collect()
    }

    /// The signed-in user enters `user_code` and consents. Returns false for an unknown code.
    pub fn approve_device_code(&self, user_code: &str) -> bool {
        let mut world = self.shared.world();
        let me = world.me;
        let Some(key) = world
            .devices
            .iter()
            .find(|(_, d)| d.user_code.eq_ignore_ascii_case(user_code))
            .map(|(k, _)| k.clone())
        else {
            return false;
        };
        let scopes = world.devices[&key].scopes.clone();
        let state = if world.blocked(me, &scopes).is_empty() {
            world.consents.entry(me).or_default().extend(scopes);
            DeviceState::Approved(me)
        } else {
            DeviceState::ConsentBlocked
        };
        if let Some(device) = world.devices.get_mut(&key) {
            device.state = state;
        }
        true
    }

    /// The user declines the device sign-in.
    pub fn deny_device_code(&self, user_code: &str) -> bool {
        let mut world = self.shared.world();
        match world
            .devices
            .values_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(user_code))
        {
            Some(device) => {
                device.state = DeviceState::Declined;
                true
            }
            None => false,
        }
    }

    /// The next `polls` device-code polls (while pending) answer `slow_down`.
    pub fn slow_down_device_polls(&self, polls: u32) {
        self.shared.world().slow_down_polls = polls;
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_control/users", get(list_users).post(add_users))
        .route("/_control/users/{id}/presence", put(put_presence))
        .route("/_control/faults", post(add_fault))
        .route("/_control/faults", delete(clear_faults))
        .route("/_control/tokens/expire", post(expire_tokens))
        .route("/_control/tokens/revoke", post(revoke_tokens))
        .route("/_control/devicecodes", get(list_device_codes))
        .route(
            "/_control/devicecodes/{code}/{decision}",
            post(decide_device_code),
        )
        .route("/_control/clock/advance", post(advance_clock))
        .route("/_control/requests", get(requests))
}

fn control(shared: Arc<Shared>) -> GraphControl {
    GraphControl::new(shared)
}

fn user_json(user: &SimUser, presence: (String, String)) -> Value {
    json!({
        "id": user.id, "displayName": user.display_name, "mail": user.mail,
        "jobTitle": user.job_title, "department": user.department,
        "officeLocation": user.office_location, "businessPhones": user.business_phones,
        "availability": presence.0, "activity": presence.1,
    })
}

async fn list_users(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let control = control(shared);
    let users: Vec<Value> = control
        .users()
        .iter()
        .map(|u| user_json(u, control.presence_of(u.id)))
        .collect();
    Json(json!({ "signedInUser": control.signed_in_user().id, "value": users }))
}

#[derive(Deserialize)]
struct AddUsers {
    count: usize,
}

async fn add_users(State(shared): State<Arc<Shared>>, Json(body): Json<AddUsers>) -> Response {
    if body.count > 10_000 {
        return (StatusCode::BAD_REQUEST, "at most 10000 users at once").into_response();
    }
    let ids = control(shared).add_users(body.count);
    Json(json!({ "added": ids })).into_response()
}

#[derive(Deserialize)]
struct PresenceBody {
    availability: String,
    activity: String,
    /// Return the strings verbatim instead of aggregating sessions.
    #[serde(default)]
    raw: bool,
}

async fn put_presence(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<Uuid>,
    Json(body): Json<PresenceBody>,
) -> StatusCode {
    let control = control(shared);
    if body.raw {
        control.set_raw_presence(id, &body.availability, &body.activity);
    } else {
        control.set_presence(id, &body.availability, &body.activity);
    }
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct FaultBody {
    #[serde(default)]
    path_contains: String,
    /// `429`, `503`, `500`, `delay` or `reset`.
    kind: String,
    #[serde(default)]
    retry_after: Option<String>,
    #[serde(default = "one")]
    times: usize,
    #[serde(default)]
    delay_ms: u64,
}

fn one() -> usize {
    1
}

async fn add_fault(State(shared): State<Arc<Shared>>, Json(body): Json<FaultBody>) -> Response {
    let kind = match body.kind.as_str() {
        "429" => FaultKind::TooManyRequests {
            retry_after: body.retry_after,
        },
        "503" => FaultKind::ServiceUnavailable {
            retry_after: body.retry_after,
        },
        "500" => FaultKind::InternalServerError,
        "delay" | "timeout" => FaultKind::Delay(Duration::from_millis(body.delay_ms)),
        "reset" => FaultKind::ConnectionReset,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("unknown fault kind `{other}`"),
            )
                .into_response()
        }
    };
    control(shared).inject_fault(Fault::new(body.path_contains, kind, body.times));
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    control(shared).clear_faults();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    control(shared).expire_access_tokens();
    StatusCode::NO_CONTENT
}

async fn revoke_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    control(shared).revoke_refresh_tokens();
    StatusCode::NO_CONTENT
}

async fn list_device_codes(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "pending": control(shared).pending_user_codes() }))
}

async fn decide_device_code(
    State(shared): State<Arc<Shared>>,
    Path((code, decision)): Path<(String, String)>,
) -> StatusCode {
    let control = control(shared);
    let found = match decision.as_str() {
        "approve" => control.approve_device_code(&code),
        "deny" => control.deny_device_code(&code),
        _ => return StatusCode::BAD_REQUEST,
    };
    if found {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

#[derive(Deserialize)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(State(shared): State<Arc<Shared>>, Json(body): Json<Advance>) -> Response {
    if !(body.seconds.is_finite() && body.seconds >= 0.0) {
        return (StatusCode::BAD_REQUEST, "seconds must be >= 0").into_response();
    }
    control(shared).advance_clock(Duration::from_secs_f64(body.seconds));
    StatusCode::NO_CONTENT.into_response()
}

async fn requests(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let entries: Vec<Value> = shared
        .log
        .entries()
        .into_iter()
        .map(|r| {
            json!({
                "method": r.method, "path": r.path, "query": r.query,
                "status": r.status, "body": r.body,
            })
        })
        .collect();
    Json(json!({ "value": entries }))
}
