use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Simulator time: real time plus manual jumps ([`SimClock::advance`]), so tests can expire
/// tokens and presence sessions without waiting while the demo still runs in real time.
#[derive(Debug, Clone)]
pub struct SimClock {
    start_wall: SystemTime,
    start: Instant,
    offset: Arc<Mutex<Duration>>,
}

impl SimClock {
    pub fn new() -> Self {
        Self {
            start_wall: SystemTime::now(),
            start: Instant::now(),
            offset: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    pub fn now(&self) -> SystemTime {
        self.start_wall + self.start.elapsed() + *self.offset.lock().expect("clock lock")
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
    }
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new()
    }
}

/// `2026-11-21T22:07:32Z` (UTC, seconds precision) without a date-time dependency.
pub(crate) fn iso_utc(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_762_852);
        assert_eq!(iso_utc(t), "2025-11-21T22:07:32Z");
        assert_eq!(iso_utc(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn advance_moves_time_forward() {
        let clock = SimClock::new();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now().duration_since(before).unwrap() >= Duration::from_secs(3600));
    }
}
