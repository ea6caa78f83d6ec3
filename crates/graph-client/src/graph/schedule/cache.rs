//! Free/busy kept briefly in memory and read again on a slow clock of its own, apart from the
//! presence poll: calendars change far less often than presence, and `getSchedule` is an Outlook
//! call with its own throttling.
//!
//! Pure bookkeeping plus one async [`FreeBusyCache::refresh`]; every decision takes `now` from
//! the caller, so the runtime owns the clock and tests move it by hand. Nothing is written to
//! disk; colleagues no longer on screen are forgotten at the next refresh.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use presence_core::free_busy::{describe, FreeBusyLine};
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::Timestamp;

use super::{ScheduleResult, ScheduleUnavailable, ScheduleWindow};
use crate::auth::FreeBusyAccess;
use crate::graph::{GraphClient, GraphError, PollPacing};

/// The slow clock's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreeBusyTiming {
    /// How often the calendars on screen are read again (±20 % jitter).
    pub refresh_every: Duration,
    /// The longest wait after throttling or failures.
    pub max_backoff: Duration,
    /// How long a reading is still shown while reading again fails; older ones are unknown.
    pub show_for: Duration,
    /// After Graph refused free/busy (403), when to ask again.
    pub after_refusal: Duration,
}

impl Default for FreeBusyTiming {
    fn default() -> Self {
        Self {
            refresh_every: Duration::from_secs(5 * 60),
            max_backoff: Duration::from_secs(30 * 60),
            show_for: Duration::from_secs(30 * 60),
            after_refusal: Duration::from_secs(60 * 60),
        }
    }
}

/// What the card, the list and a notification can say about one colleague's free/busy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FreeBusyReading {
    /// Not read yet, or too long ago to show.
    Unknown,
    /// The sign-in has no calendar permission.
    NotGranted,
    /// The organisation refuses free/busy (Graph answered 403).
    Refused,
    /// This colleague's calendar could not be read.
    Unavailable(ScheduleUnavailable),
    Line(FreeBusyLine),
}

/// What one [`FreeBusyCache::refresh`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshReport {
    /// `getSchedule` requests sent.
    pub requests: usize,
    /// Colleagues whose calendar was asked for.
    pub asked: usize,
    pub access: Option<FreeBusyAccess>,
}

#[derive(Debug, Clone)]
struct Entry {
    read_at: SystemTime,
    window: ScheduleWindow,
    result: ScheduleResult,
}

/// Colleagues' free/busy for the people on screen.
#[derive(Debug)]
pub struct FreeBusyCache {
    timing: FreeBusyTiming,
    pacing: PollPacing,
    entries: HashMap<String, Entry>,
    access: Option<FreeBusyAccess>,
    /// When everyone on screen is read again; `None` before the first round.
    next_round: Option<SystemTime>,
    /// No request before this (throttled, failed, refused).
    quiet_until: Option<SystemTime>,
}

fn instant(now: SystemTime) -> Timestamp {
    Timestamp::try_from(now).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn key(address: &str) -> String {
    address.trim().to_lowercase()
}

impl FreeBusyCache {
    pub fn new(timing: FreeBusyTiming) -> Self {
        Self {
            timing,
            pacing: PollPacing::with_limits(timing.refresh_every, timing.max_backoff),
            entries: HashMap::new(),
            access: None,
            next_round: None,
            quiet_until: None,
        }
    }

    /// Whether free/busy can be read, as of the last refresh (`None` before the first).
    pub fn access(&self) -> Option<FreeBusyAccess> {
        self.access
    }

    /// The addresses a [`Self::refresh`] at `now` would ask for: everyone in `wanted` when the
    /// slow clock is due, else only those never read or read for another day; nobody while
    /// throttled.
    pub fn due(&self, wanted: &[String], now: SystemTime, viewer: &TimeZone) -> Vec<String> {
        if self.quiet_until.is_some_and(|until| now < until) {
            return Vec::new();
        }
        let window = ScheduleWindow::today_and_tomorrow(instant(now), viewer);
        let round = self.next_round.is_none_or(|at| now >= at);
        let mut due: Vec<String> = Vec::new();
        for address in wanted.iter().map(|a| key(a)) {
            let stale = self
                .entries
                .get(&address)
                .is_none_or(|entry| entry.window != window);
            if (round || stale) && !due.contains(&address) {
                due.push(address);
            }
        }
        due
    }

    /// When to call [`Self::refresh`] next although nobody new came on screen.
    pub fn next_refresh(&self) -> Option<SystemTime> {
        match (self.next_round, self.quiet_until) {
            (Some(round), Some(quiet)) => Some(round.max(quiet)),
            (round, quiet) => round.or(quiet),
        }
    }

    /// Reads the calendars of `wanted` that are [due](Self::due) in as few requests as allowed
    /// and forgets everyone not in `wanted`. Throttling (also a `Retry-After` longer than the
    /// client waits inside one call) and failures push the slow clock back, never below the
    /// server's `Retry-After`.
    pub async fn refresh(
        &mut self,
        graph: &GraphClient,
        wanted: &[String],
        now: SystemTime,
        viewer: &TimeZone,
    ) -> Result<RefreshReport, GraphError> {
        let keep: Vec<String> = wanted.iter().map(|a| key(a)).collect();
        self.entries.retain(|address, _| keep.contains(address));
        let due = self.due(wanted, now, viewer);
        let round = self.next_round.is_none_or(|at| now >= at);
        let mut report = RefreshReport {
            requests: 0,
            asked: due.len(),
            access: self.access,
        };
        if due.is_empty() {
            return Ok(report);
        }
        let window = ScheduleWindow::today_and_tomorrow(instant(now), viewer);
        let fetch = match graph.get_schedules(&due, window).await {
            Ok(fetch) => fetch,
            Err(error) => {
                let retry_after = match &error {
                    GraphError::Throttled { retry_after, .. } => *retry_after,
                    _ => None,
                };
                self.pacing.on_throttled(retry_after);
                let wait = self.pacing.interval().max(retry_after.unwrap_or_default());
                self.quiet_until = Some(now + wait);
                tracing::info!(?wait, "free/busy not read; trying again later");
                return Err(error);
            }
        };
        report.requests = fetch.requests;
        report.access = Some(fetch.access);
        self.access = Some(fetch.access);
        match fetch.access {
            FreeBusyAccess::Granted => {
                for (address, result) in fetch.schedules {
                    self.entries.insert(
                        address,
                        Entry {
                            read_at: now,
                            window,
                            result,
                        },
                    );
                }
                self.pacing.on_success();
                self.quiet_until = None;
                if round {
                    self.next_round = Some(now + self.pacing.next_delay(&mut rand::thread_rng()));
                }
            }
            // No request was sent: look again on the normal clock (a new sign-in may add it).
            FreeBusyAccess::NotGranted => {
                self.entries.clear();
                self.next_round = Some(now + self.timing.refresh_every);
            }
            FreeBusyAccess::Refused => {
                self.entries.clear();
                self.quiet_until = Some(now + self.timing.after_refusal);
                self.next_round = self.quiet_until;
            }
        }
        Ok(report)
    }

    /// What to show for `address` at `now` in `viewer`'s time zone.
    pub fn reading(&self, address: &str, now: SystemTime, viewer: &TimeZone) -> FreeBusyReading {
        match self.access {
            Some(FreeBusyAccess::NotGranted) => return FreeBusyReading::NotGranted,
            Some(FreeBusyAccess::Refused) => return FreeBusyReading::Refused,
            _ => {}
        }
        let Some(entry) = self.entries.get(&key(address)) else {
            return FreeBusyReading::Unknown;
        };
        if now >= entry.read_at + self.timing.show_for {
            return FreeBusyReading::Unknown;
        }
        match &entry.result {
            Err(unavailable) => FreeBusyReading::Unavailable(unavailable.clone()),
            Ok(schedule) => describe(schedule, instant(now), viewer)
                .map_or(FreeBusyReading::Unknown, FreeBusyReading::Line),
        }
    }
}

impl Default for FreeBusyCache {
    fn default() -> Self {
        Self::new(FreeBusyTiming::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use presence_core::free_busy::Schedule;

    fn cache_with(address: &str, read_at: SystemTime, viewer: &TimeZone) -> FreeBusyCache {
        let mut cache = FreeBusyCache::default();
        let window = ScheduleWindow::today_and_tomorrow(instant(read_at), viewer);
        cache.entries.insert(
            address.to_owned(),
            Entry {
                read_at,
                window,
                result: Ok(Schedule {
                    known_from: window.start,
                    known_until: window.end,
                    items: Vec::new(),
                    work_week: None,
                }),
            },
        );
        cache.access = Some(FreeBusyAccess::Granted);
        cache.next_round = Some(read_at + Duration::from_secs(300));
        cache
    }

    #[test]
    fn only_new_people_are_due_between_rounds() {
        let utc = TimeZone::UTC;
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_733_396_400); // 11:00 UTC
        let cache = cache_with("anna@contoso.com", t0, &utc);
        let wanted = vec!["Anna@Contoso.com".to_owned(), "ben@contoso.com".to_owned()];
        assert_eq!(
            cache.due(&wanted, t0 + Duration::from_secs(60), &utc),
            vec!["ben@contoso.com"]
        );
        assert_eq!(
            cache.due(&wanted, t0 + Duration::from_secs(300), &utc),
            vec!["anna@contoso.com", "ben@contoso.com"]
        );
        // After midnight yesterday's reading covers the wrong days: due again at once.
        let mut next_day = cache_with("anna@contoso.com", t0, &utc);
        next_day.next_round = Some(t0 + Duration::from_secs(86_400));
        assert_eq!(
            next_day.due(&wanted[..1], t0 + Duration::from_secs(13 * 3600 + 60), &utc),
            vec!["anna@contoso.com"]
        );
    }

    #[test]
    fn nothing_is_due_while_quiet_and_old_readings_are_not_shown() {
        let utc = TimeZone::UTC;
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_733_396_400);
        let mut cache = cache_with("anna@contoso.com", t0, &utc);
        cache.quiet_until = Some(t0 + Duration::from_secs(600));
        let wanted = vec!["ben@contoso.com".to_owned()];
        assert!(cache
            .due(&wanted, t0 + Duration::from_secs(599), &utc)
            .is_empty());
        assert_eq!(cache.next_refresh(), Some(t0 + Duration::from_secs(600)));
        assert!(matches!(
            cache.reading("ANNA@contoso.com", t0 + Duration::from_secs(60), &utc),
            FreeBusyReading::Line(FreeBusyLine::Free { until: None })
        ));
        assert_eq!(
            cache.reading("anna@contoso.com", t0 + Duration::from_secs(1800), &utc),
            FreeBusyReading::Unknown
        );
        cache.access = Some(FreeBusyAccess::NotGranted);
        assert_eq!(
            cache.reading("anna@contoso.com", t0, &utc),
            FreeBusyReading::NotGranted
        );
    }
}
