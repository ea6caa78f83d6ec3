//! Colleagues' free/busy: `POST /me/calendar/getSchedule`, at most 20 addresses per request.
//!
//! Documented limits (`concepts/outlook-get-free-busy-schedule.md`, `calendar-getschedule.md`):
//! up to **20** schedules per request, a period of **less than 62 days**, an
//! `availabilityViewInterval` of 5 to 1440 minutes (and not longer than the period). The service
//! has been seen to accept 100 addresses (microsoftgraph/microsoft-graph-docs#7047); the
//! documented 20 is what is relied on.
//!
//! **Privacy.** Graph returns an item's `subject`, `location` and `isPrivate` when the mailbox
//! shares them. The wire types below have no fields for them, so serde skips them while parsing:
//! they never become a value of ours, are never logged and never stored. Only status, start, end
//! and the working hours are read. Logs carry counts, never addresses.
//!
//! Times are asked for in UTC (`Prefer: outlook.timezone="UTC"`) and turned into instants; an
//! item that still comes in another zone (Windows or IANA name) is converted with that zone's
//! rules. Working hours stay in the colleague's own zone, resolved here against the system's tz
//! database (the one I/O of free/busy outside HTTP), so presence-core can compute across
//! daylight-saving changes without I/O.

mod cache;

use std::collections::HashMap;

use presence_core::free_busy::zones::{windows_to_iana, CustomZone, Transition};
use presence_core::free_busy::{FreeBusyStatus, Schedule, ScheduleItem, WorkWeek};
use presence_core::jiff::civil::{DateTime, Time};
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::{SignedDuration, Timestamp};
use presence_core::Weekday;
use serde::Deserialize;
use serde_json::json;

use super::{decode_json, GraphClient, GraphError, GraphRequest};
use crate::auth::FreeBusyAccess;

pub use cache::{FreeBusyCache, FreeBusyReading, FreeBusyTiming, RefreshReport};

/// Graph's documented maximum of schedules in one `getSchedule` request.
pub const MAX_SCHEDULES_PER_REQUEST: usize = 20;
/// Graph: the period "must be less than 62 days".
pub const MAX_SCHEDULE_PERIOD: SignedDuration = SignedDuration::from_hours(62 * 24);
/// More items than this for one person is a broken answer, not a calendar (two days hold a few
/// dozen; Graph's documentation mentions 1,000 as the most it returns).
pub const MAX_ITEMS_PER_SCHEDULE: usize = 1_000;
/// Length of an `availabilityView` slot asked for (Graph's default). Only used when a mailbox
/// answers with the view but without items.
pub const AVAILABILITY_VIEW_INTERVAL_MINUTES: i64 = 30;

/// The period a calendar is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduleWindow {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl ScheduleWindow {
    /// Today and tomorrow on `zone`'s calendar: from today's first instant to the first instant
    /// of the day after tomorrow (47, 48 or 49 hours around a daylight-saving change).
    pub fn today_and_tomorrow(now: Timestamp, zone: &TimeZone) -> Self {
        let today = zone.to_datetime(now).date();
        let day_start = |date: presence_core::jiff::civil::Date| {
            date.to_zoned(zone.clone())
                .map(|z| z.timestamp())
                .unwrap_or(now)
        };
        let after_tomorrow = today.tomorrow().and_then(|d| d.tomorrow()).unwrap_or(today);
        Self {
            start: day_start(today),
            end: day_start(after_tomorrow),
        }
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }

    fn check(&self) -> Result<(), GraphError> {
        let length = self.end.duration_since(self.start);
        if length <= SignedDuration::ZERO || length >= MAX_SCHEDULE_PERIOD {
            return Err(GraphError::InvalidRequest(format!(
                "a free/busy period must be longer than zero and shorter than 62 days, not {length:#}"
            )));
        }
        Ok(())
    }
}

/// Why one colleague's free/busy is missing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScheduleUnavailable {
    /// Graph could not read this calendar and said why (`responseCode`, e.g. `5009` for an
    /// address it cannot resolve).
    Graph { response_code: String },
    /// Not an e-mail address; nothing was sent for it.
    NotAnAddress,
    /// Graph did not answer for this address.
    NotAnswered,
    /// The answer had a time or zone this client cannot read.
    Unreadable,
}

pub type ScheduleResult = Result<Schedule, ScheduleUnavailable>;

/// One `scheduleInformation` of a `getSchedule` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleAnswer {
    /// Graph's `scheduleId`, lower case.
    pub schedule_id: Option<String>,
    pub result: ScheduleResult,
}

/// The outcome of [`GraphClient::get_schedules`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleFetch {
    /// Whether free/busy can be read at all; when not [`FreeBusyAccess::Granted`] the map is
    /// empty and no request was sent (or Graph refused the first one).
    pub access: FreeBusyAccess,
    /// By lower-case address as asked.
    pub schedules: HashMap<String, ScheduleResult>,
    /// `getSchedule` requests sent.
    pub requests: usize,
}

#[derive(Deserialize)]
struct ScheduleList {
    value: Vec<ScheduleInformationWire>,
}

/// `scheduleInformation` without `scheduleItems[].subject`/`location`/`isPrivate` and without
/// the error's `message` (which may repeat the address): see the module's privacy note.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInformationWire {
    #[serde(default)]
    schedule_id: Option<String>,
    #[serde(default)]
    availability_view: Option<String>,
    #[serde(default)]
    schedule_items: Option<Vec<ScheduleItemWire>>,
    #[serde(default)]
    working_hours: Option<WorkingHoursWire>,
    #[serde(default)]
    error: Option<FreeBusyErrorWire>,
}

#[derive(Deserialize)]
struct ScheduleItemWire {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    start: Option<DateTimeTimeZoneWire>,
    #[serde(default)]
    end: Option<DateTimeTimeZoneWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateTimeTimeZoneWire {
    #[serde(default)]
    date_time: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkingHoursWire {
    #[serde(default)]
    days_of_week: Vec<String>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    #[serde(default)]
    time_zone: Option<TimeZoneWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimeZoneWire {
    #[serde(default, rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    bias: Option<i32>,
    #[serde(default)]
    standard_offset: Option<ZoneOffsetWire>,
    #[serde(default)]
    daylight_offset: Option<ZoneOffsetWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZoneOffsetWire {
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    day_occurrence: Option<u8>,
    #[serde(default)]
    day_of_week: Option<String>,
    #[serde(default)]
    month: Option<u8>,
    #[serde(default)]
    daylight_bias: Option<i32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FreeBusyErrorWire {
    #[serde(default)]
    response_code: Option<String>,
}

/// A zone as Graph names it: `UTC`, a Windows name (`W. Europe Standard Time`) or an IANA name,
/// looked up in the system's tz database. `None` when unknown.
pub fn resolve_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if ["UTC", "Etc/UTC", "tzone://Microsoft/Utc"]
        .iter()
        .any(|utc| utc.eq_ignore_ascii_case(name))
    {
        return Some(TimeZone::UTC);
    }
    let iana = windows_to_iana(name).unwrap_or(name);
    // Only plain zone names reach the database.
    let plain = !iana.is_empty()
        && iana.len() <= 64
        && !iana.contains("..")
        && iana
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    plain
        .then(|| presence_core::jiff::tz::db().get(iana).ok())
        .flatten()
}

fn weekday(name: &str) -> Option<Weekday> {
    const NAMES: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    NAMES
        .iter()
        .position(|day| day.eq_ignore_ascii_case(name.trim()))
        .map(|index| Weekday::ALL[index])
}

fn time_of_day(text: &str) -> Option<Time> {
    text.trim().parse().ok()
}

/// `dateTime` + `timeZone` as an instant (a trailing `Z` is tolerated).
fn instant(wire: &DateTimeTimeZoneWire) -> Option<Timestamp> {
    let text = wire.date_time.as_deref()?.trim();
    let (text, zulu) = match text.strip_suffix('Z') {
        Some(stripped) => (stripped, true),
        None => (text, false),
    };
    let local: DateTime = text.parse().ok()?;
    let zone = if zulu {
        TimeZone::UTC
    } else {
        resolve_zone(wire.time_zone.as_deref().unwrap_or("UTC"))?
    };
    zone.to_timestamp(local).ok()
}

fn transition(wire: &ZoneOffsetWire) -> Option<Option<Transition>> {
    match wire.month {
        None | Some(0) => Some(None),
        Some(month) => Some(Some(Transition {
            month,
            occurrence: wire.day_occurrence?,
            weekday: weekday(wire.day_of_week.as_deref()?)?,
            time: time_of_day(wire.time.as_deref().unwrap_or("00:00:00"))?,
        })),
    }
}

fn working_zone(wire: &TimeZoneWire) -> Option<TimeZone> {
    let custom = wire
        .odata_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().contains("customtimezone"))
        || wire.bias.is_some();
    if !custom {
        return resolve_zone(wire.name.as_deref()?);
    }
    let standard = match &wire.standard_offset {
        Some(offset) => transition(offset)?,
        None => None,
    };
    let daylight = match &wire.daylight_offset {
        Some(offset) => transition(offset)?,
        None => None,
    };
    CustomZone {
        bias_minutes: wire.bias.unwrap_or(0),
        daylight_bias_minutes: wire
            .daylight_offset
            .as_ref()
            .and_then(|o| o.daylight_bias)
            .unwrap_or(0),
        standard,
        daylight,
    }
    .to_time_zone()
}

fn work_week(wire: &WorkingHoursWire) -> Option<WorkWeek> {
    Some(WorkWeek {
        days: wire
            .days_of_week
            .iter()
            .filter_map(|d| weekday(d))
            .collect(),
        start: time_of_day(wire.start_time.as_deref()?)?,
        end: time_of_day(wire.end_time.as_deref()?)?,
        zone: working_zone(wire.time_zone.as_ref()?)?,
    })
}

/// Items from the `availabilityView` string, for a mailbox that sends the view only.
fn items_from_view(view: &str, window: ScheduleWindow) -> Vec<ScheduleItem> {
    let slot = SignedDuration::from_mins(AVAILABILITY_VIEW_INTERVAL_MINUTES);
    let mut items = Vec::new();
    let mut start = window.start;
    for digit in view.chars() {
        let Some(end) = start.checked_add(slot).ok().map(|end| end.min(window.end)) else {
            break;
        };
        if let Some(status) = FreeBusyStatus::from_availability_digit(digit) {
            items.push(ScheduleItem { start, end, status });
        }
        if end >= window.end {
            break;
        }
        start = end;
    }
    items
}

fn schedule(wire: ScheduleInformationWire, window: ScheduleWindow) -> ScheduleResult {
    if let Some(error) = wire.error {
        return Err(ScheduleUnavailable::Graph {
            response_code: error
                .response_code
                .filter(|code| !code.is_empty())
                .unwrap_or_else(|| "unknown".to_owned()),
        });
    }
    let items = match (wire.schedule_items, wire.availability_view) {
        (Some(items), _) if items.len() > MAX_ITEMS_PER_SCHEDULE => {
            return Err(ScheduleUnavailable::Unreadable)
        }
        (Some(items), _) => items
            .iter()
            .map(|item| {
                Some(ScheduleItem {
                    start: instant(item.start.as_ref()?)?,
                    end: instant(item.end.as_ref()?)?,
                    status: FreeBusyStatus::from_graph(item.status.as_deref().unwrap_or("")),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(ScheduleUnavailable::Unreadable)?,
        (None, Some(view)) => items_from_view(&view, window),
        (None, None) => Vec::new(),
    };
    Ok(Schedule {
        known_from: window.start,
        known_until: window.end,
        items,
        work_week: wire.working_hours.as_ref().and_then(work_week),
    })
}

/// Decodes a `getSchedule` answer for `window` (pure: fuzzed in `crates/hardening`).
pub fn parse_schedules(
    body: &[u8],
    window: ScheduleWindow,
) -> Result<Vec<ScheduleAnswer>, GraphError> {
    let list: ScheduleList = decode_json(body)?;
    Ok(list
        .value
        .into_iter()
        .map(|wire| ScheduleAnswer {
            schedule_id: wire.schedule_id.as_deref().map(str::to_lowercase),
            result: schedule(wire, window),
        })
        .collect())
}

/// What Graph takes as an SMTP address here: something with one `@` in the middle and no spaces.
fn is_address(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && !domain.is_empty())
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && text.len() <= 320
}

fn date_time_time_zone(at: Timestamp) -> serde_json::Value {
    json!({
        "dateTime": TimeZone::UTC.to_datetime(at).strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        "timeZone": "UTC",
    })
}

impl GraphClient {
    /// Free/busy and working hours of `addresses` (e-mail addresses or UPNs) over `window`, in as
    /// few `getSchedule` requests as the documented limit of 20 allows, one after the other.
    ///
    /// Without a calendar permission no request is sent and the fetch says
    /// [`FreeBusyAccess::NotGranted`]; a 403 from Graph ends the fetch with
    /// [`FreeBusyAccess::Refused`]. Neither is an error: presence goes on without free/busy.
    /// 429/503 are retried inside [`GraphClient::send`] (honouring `Retry-After`); longer waits
    /// come back as [`GraphError::Throttled`] for the caller's slow clock to back off.
    pub async fn get_schedules(
        &self,
        addresses: &[String],
        window: ScheduleWindow,
    ) -> Result<ScheduleFetch, GraphError> {
        window.check()?;
        self.credentials().access_token().await?;
        let access = self.credentials().granted_scopes().await.free_busy_access();
        let mut fetch = ScheduleFetch {
            access,
            schedules: HashMap::new(),
            requests: 0,
        };
        if access != FreeBusyAccess::Granted {
            return Ok(fetch);
        }
        let mut wanted: Vec<String> = Vec::new();
        for address in addresses {
            let key = address.trim().to_lowercase();
            if !is_address(&key) {
                fetch
                    .schedules
                    .insert(key, Err(ScheduleUnavailable::NotAnAddress));
            } else if !wanted.contains(&key) {
                wanted.push(key);
            }
        }
        for chunk in wanted.chunks(MAX_SCHEDULES_PER_REQUEST) {
            let request = GraphRequest {
                headers: vec![("Prefer", "outlook.timezone=\"UTC\"")],
                ..GraphRequest::post(
                    "me/calendar/getSchedule",
                    json!({
                        "schedules": chunk,
                        "startTime": date_time_time_zone(window.start),
                        "endTime": date_time_time_zone(window.end),
                        "availabilityViewInterval": AVAILABILITY_VIEW_INTERVAL_MINUTES,
                    }),
                )
            };
            fetch.requests += 1;
            let body = match self.get_bytes(request).await {
                Ok(body) => body,
                Err(error) if error.is_forbidden() => {
                    tracing::warn!(code = ?error.code(), "Graph refuses free/busy (403)");
                    fetch.access = FreeBusyAccess::Refused;
                    fetch.schedules.clear();
                    return Ok(fetch);
                }
                Err(error) => return Err(error),
            };
            let answers = parse_schedules(&body, window)?;
            let positional = answers.len() == chunk.len();
            for (index, answer) in answers.into_iter().enumerate() {
                let key = match answer.schedule_id {
                    Some(id) if chunk.contains(&id) => id,
                    // Graph answers in request order; an id spelt differently (an alias) still
                    // belongs to the address at its position.
                    _ if positional => chunk[index].clone(),
                    _ => continue,
                };
                fetch.schedules.insert(key, answer.result);
            }
            for address in chunk {
                fetch
                    .schedules
                    .entry(address.clone())
                    .or_insert(Err(ScheduleUnavailable::NotAnswered));
            }
        }
        tracing::debug!(
            schedules = wanted.len(),
            requests = fetch.requests,
            "free/busy read"
        );
        Ok(fetch)
    }
}

#[cfg(test)]
mod tests;
