//! How often to poll presence so that all users of the app in one tenant stay well inside
//! Graph's presence budget (documented as 1,500 requests per 30 s per app per tenant; another
//! page says 10,000, so the smaller figure is assumed).

use std::time::Duration;

use rand::Rng;

/// The presence budget assumed for the whole tenant.
pub const TENANT_PRESENCE_REQUESTS_PER_30S: u32 = 1_500;
/// One client may use this many of them: 1 %, so a hundred users polling at once use 100 %
/// of nothing else and a thousand users still get a usable interval after backing off.
const OWN_SHARE_PER_30S: u32 = TENANT_PRESENCE_REQUESTS_PER_30S / 100;

/// Adaptive poll interval: a base interval, a floor derived from the requests one poll costs,
/// doubling on throttling, and a gradual return afterwards. Delays get ±20 % jitter so clients
/// started together spread out.
#[derive(Debug, Clone)]
pub struct PollPacing {
    base: Duration,
    floor: Duration,
    current: Duration,
    max: Duration,
}

impl PollPacing {
    /// Never faster than every 10 s, never slower than every 5 min.
    pub fn new(base: Duration) -> Self {
        let base = base.clamp(Duration::from_secs(10), Duration::from_secs(300));
        Self {
            base,
            floor: base,
            current: base,
            max: Duration::from_secs(300),
        }
    }

    /// Pacing for a slower clock than presence (free/busy): `base` as given, backing off up to
    /// `max`.
    pub fn with_limits(base: Duration, max: Duration) -> Self {
        Self {
            base,
            floor: base,
            current: base,
            max: max.max(base),
        }
    }

    /// Adapts the floor to the cost of one poll (e.g. 8 requests for 5,000 colleagues).
    pub fn set_requests_per_poll(&mut self, requests: usize) {
        let requests = requests.max(1) as u32;
        let needed = Duration::from_secs(30) * requests / OWN_SHARE_PER_30S;
        self.floor = self.base.max(needed).min(self.max);
        self.current = self.current.max(self.floor);
    }

    /// After a successful poll: halfway back towards the floor.
    pub fn on_success(&mut self) {
        self.current = self.floor + (self.current.saturating_sub(self.floor)) / 2;
    }

    /// After 429/503: at least double, and never sooner than the server's `Retry-After`.
    pub fn on_throttled(&mut self, retry_after: Option<Duration>) {
        let doubled = self.current.saturating_mul(2);
        self.current = doubled.max(retry_after.unwrap_or_default()).min(self.max);
    }

    /// The interval without jitter.
    pub fn interval(&self) -> Duration {
        self.current
    }

    /// The wait before the next poll, with ±20 % jitter.
    pub fn next_delay(&self, rng: &mut impl Rng) -> Duration {
        self.current.mul_f64(rng.gen_range(0.8..=1.2))
    }

    /// Requests per 30 s this client spends at the current interval for `requests_per_poll`.
    pub fn requests_per_30s(&self, requests_per_poll: usize) -> f64 {
        requests_per_poll as f64 * 30.0 / self.current.as_secs_f64()
    }
}

impl Default for PollPacing {
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_inside_the_budget_and_backs_off() {
        let mut pacing = PollPacing::default();
        pacing.set_requests_per_poll(8); // 5,000 colleagues
        assert!(pacing.requests_per_30s(8) <= OWN_SHARE_PER_30S as f64);
        assert_eq!(pacing.interval(), Duration::from_secs(30));

        pacing.set_requests_per_poll(40);
        assert_eq!(pacing.interval(), Duration::from_secs(80));
        assert!(pacing.requests_per_30s(40) <= OWN_SHARE_PER_30S as f64 + 1e-9);

        let mut pacing = PollPacing::default();
        pacing.on_throttled(Some(Duration::from_millis(2128)));
        assert_eq!(pacing.interval(), Duration::from_secs(60));
        pacing.on_throttled(Some(Duration::from_secs(200)));
        assert_eq!(pacing.interval(), Duration::from_secs(200));
        pacing.on_throttled(None);
        assert_eq!(pacing.interval(), Duration::from_secs(300));
        pacing.on_success();
        assert_eq!(pacing.interval(), Duration::from_secs(165));
        for _ in 0..20 {
            pacing.on_success();
        }
        assert!(pacing.interval() < Duration::from_secs(31));

        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            let delay = PollPacing::default().next_delay(&mut rng);
            assert!(delay >= Duration::from_secs(24) && delay <= Duration::from_secs(36));
        }
    }
}
