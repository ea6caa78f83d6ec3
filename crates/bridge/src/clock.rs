//! The one place the bridge reads time from.
//!
//! Every decision time (engine inputs, freshness of colleagues' presence, pause ends) comes from a
//! [`BridgeClock`]. Production uses [`SystemBridgeClock`]; tests use [`ManualBridgeClock`], which
//! only moves when told to, so debounce, session refresh and staleness are tested without waiting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use presence_core::{LocalTime, Now, Timestamp, Weekday};

/// Monotonic time for the engine plus the local wall clock for working hours and the journal file.
pub trait BridgeClock: Send + Sync {
    /// What the engine gets with every input.
    fn now(&self) -> Now;
    /// Wall-clock time (journal file timestamps, `doctor`'s clock-skew check).
    fn wall(&self) -> SystemTime;
}

/// Shared handle to a clock.
pub type SharedClock = Arc<dyn BridgeClock>;

/// The real clock: monotonic milliseconds since start, local time from the OS offset.
#[derive(Debug, Clone)]
pub struct SystemBridgeClock {
    start: Instant,
    /// Wall-clock time at `start`: front ends turn the engine's milliseconds into wall time with it.
    started_at: SystemTime,
    offset: time::UtcOffset,
}

impl SystemBridgeClock {
    /// Reads the local UTC offset once (falls back to UTC when the OS cannot tell safely).
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            started_at: SystemTime::now(),
            offset: local_offset(),
        }
    }

    /// A clock that goes on counting from this one's start, with the local UTC offset read afresh.
    /// A bridge that goes on from another one's carry-over needs this: the carried times (a
    /// pause's end) are readings of the old bridge's clock.
    pub fn continued(&self) -> Self {
        Self {
            offset: local_offset(),
            ..self.clone()
        }
    }

    /// Wall-clock time when the monotonic count began.
    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }
}

fn local_offset() -> time::UtcOffset {
    time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC)
}

impl Default for SystemBridgeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl BridgeClock for SystemBridgeClock {
    fn now(&self) -> Now {
        let mono = Timestamp::from_millis(self.start.elapsed().as_millis() as u64);
        Now::new(mono, local_time(self.wall(), self.offset))
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Converts a wall-clock time to the engine's local weekday and minute.
pub fn local_time(wall: SystemTime, offset: time::UtcOffset) -> LocalTime {
    let utc = time::OffsetDateTime::from(wall);
    let local = utc.to_offset(offset);
    let weekday = match local.weekday() {
        time::Weekday::Monday => Weekday::Mon,
        time::Weekday::Tuesday => Weekday::Tue,
        time::Weekday::Wednesday => Weekday::Wed,
        time::Weekday::Thursday => Weekday::Thu,
        time::Weekday::Friday => Weekday::Fri,
        time::Weekday::Saturday => Weekday::Sat,
        time::Weekday::Sunday => Weekday::Sun,
    };
    LocalTime::new(weekday, local.hour(), local.minute())
}

#[derive(Debug)]
struct ManualState {
    mono: Duration,
    wall: SystemTime,
    local: LocalTime,
}

/// A clock that only moves when [`ManualBridgeClock::advance`] is called (tests, benchmarks).
/// Local time stays at the configured weekday and minute unless set.
#[derive(Debug, Clone)]
pub struct ManualBridgeClock {
    state: Arc<Mutex<ManualState>>,
}

impl ManualBridgeClock {
    /// Starts at monotonic zero, on a Tuesday at 10:00 (inside any usual working hours).
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                mono: Duration::ZERO,
                wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_978_400),
                local: LocalTime::new(Weekday::Tue, 10, 0),
            })),
        }
    }

    /// Moves monotonic and wall time forward.
    pub fn advance(&self, by: Duration) {
        let mut state = self.lock();
        state.mono += by;
        state.wall += by;
    }

    /// Sets the local weekday and time the engine sees.
    pub fn set_local(&self, local: LocalTime) {
        self.lock().local = local;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for ManualBridgeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl BridgeClock for ManualBridgeClock {
    fn now(&self) -> Now {
        let state = self.lock();
        Now::new(
            Timestamp::from_millis(state.mono.as_millis() as u64),
            state.local,
        )
    }

    fn wall(&self) -> SystemTime {
        self.lock().wall
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualBridgeClock::new();
        let before = clock.now().mono;
        assert_eq!(clock.now().mono, before);
        clock.advance(Duration::from_secs(3));
        assert_eq!(
            clock.now().mono.saturating_since(before),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn a_continued_system_clock_counts_from_the_same_start() {
        let minute = Duration::from_secs(60);
        let clock = SystemBridgeClock {
            start: Instant::now().checked_sub(minute).expect("up for a minute"),
            ..SystemBridgeClock::new()
        };
        let continued = clock.continued();
        assert_eq!(continued.started_at(), clock.started_at());
        // A clock of its own would start again near zero.
        assert!(continued.now().mono >= Timestamp::from_millis(60_000));
    }

    #[test]
    fn local_time_uses_the_offset() {
        // 2026-11-23 (a Monday) 23:30 UTC is Tuesday 00:30 at +01:00.
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_476_600);
        let plus_one = time::UtcOffset::from_hms(1, 0, 0).unwrap();
        let local = local_time(wall, plus_one);
        assert_eq!(local, LocalTime::new(Weekday::Tue, 0, 30));
    }
}
