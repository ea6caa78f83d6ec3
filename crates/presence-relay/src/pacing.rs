//! How fast the relay may poll: a share of the tenant's presence budget, spread evenly.
//!
//! Every person is read once per cycle, 650 per request. A cycle takes the configured interval,
//! or longer when that many requests would exceed the relay's share of the budget; the requests
//! of a cycle are spaced evenly across it (no bursts for Graph to throttle).

use std::time::Duration;

use graph_client::graph::MAX_IDS_PER_PRESENCE_REQUEST;

const WINDOW: Duration = Duration::from_secs(30);

/// The schedule of one poll cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CyclePlan {
    /// Presence requests per cycle.
    pub batches: usize,
    /// How long one cycle takes (each person is read once per cycle).
    pub cycle: Duration,
    /// Wait between two requests.
    pub gap: Duration,
}

impl CyclePlan {
    pub fn new(people: usize, interval: Duration, allowed_per_30s: u32) -> Self {
        let batches = people.div_ceil(MAX_IDS_PER_PRESENCE_REQUEST);
        let min_gap = WINDOW / allowed_per_30s.max(1);
        let cycle = interval.max(min_gap * batches as u32);
        let gap = if batches == 0 {
            cycle
        } else {
            cycle / batches as u32
        };
        Self {
            batches,
            cycle,
            gap,
        }
    }

    /// Presence requests per 30 s at this plan.
    pub fn requests_per_30s(&self) -> f64 {
        if self.batches == 0 {
            return 0.0;
        }
        WINDOW.as_secs_f64() / self.gap.as_secs_f64()
    }
}

/// The wait after Graph throttled us: its `Retry-After`, else doubling from 1 s up to 60 s.
#[derive(Debug, Default, Clone)]
pub struct ThrottleBackoff {
    consecutive: u32,
}

impl ThrottleBackoff {
    pub fn on_throttled(&mut self, retry_after: Option<Duration>) -> Duration {
        self.consecutive += 1;
        retry_after.unwrap_or_else(|| {
            Duration::from_secs(1u64 << (self.consecutive - 1).min(6)).min(Duration::from_secs(60))
        })
    }

    pub fn on_success(&mut self) {
        self.consecutive = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_stays_inside_the_share_of_the_budget() {
        // 50,000 people at 5 s would be 77 requests per 5 s = 462 per 30 s, more than the 300
        // of a 20 % share: the cycle stretches to 7.7 s.
        let plan = CyclePlan::new(50_000, Duration::from_secs(5), 300);
        assert_eq!(plan.batches, 77);
        assert_eq!(plan.cycle, Duration::from_millis(7_700));
        assert!(plan.requests_per_30s() <= 300.0 + 1e-6);
        // 5,000 people fit: 8 requests every 5 s = 48 per 30 s.
        let small = CyclePlan::new(5_000, Duration::from_secs(5), 300);
        assert_eq!(small.cycle, Duration::from_secs(5));
        assert_eq!(small.gap, Duration::from_millis(625));
        assert!((small.requests_per_30s() - 48.0).abs() < 1e-6);
        let empty = CyclePlan::new(0, Duration::from_secs(5), 300);
        assert_eq!(empty.batches, 0);
        assert_eq!(empty.requests_per_30s(), 0.0);
    }

    #[test]
    fn throttling_honours_retry_after_and_backs_off_without_it() {
        let mut backoff = ThrottleBackoff::default();
        assert_eq!(
            backoff.on_throttled(Some(Duration::from_millis(2_128))),
            Duration::from_millis(2_128)
        );
        assert_eq!(backoff.on_throttled(None), Duration::from_secs(2));
        assert_eq!(backoff.on_throttled(None), Duration::from_secs(4));
        for _ in 0..10 {
            backoff.on_throttled(None);
        }
        assert_eq!(backoff.on_throttled(None), Duration::from_secs(60));
        backoff.on_success();
        assert_eq!(backoff.on_throttled(None), Duration::from_secs(1));
    }
}
