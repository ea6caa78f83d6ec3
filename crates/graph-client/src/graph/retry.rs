//! When and how long to wait before retrying a throttled or unavailable Graph request.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt for 429/503/504.
    pub max_retries: u32,
    /// First backoff step when the server gave no `Retry-After`; doubles each retry.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Longer `Retry-After` values are not slept through inside one call; the error goes back to
    /// the caller (whose poll pacing backs off instead of blocking a task for minutes).
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(32),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with "equal jitter": half fixed, half random, so many clients
    /// throttled together do not retry in lockstep.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let step = self
            .base_backoff
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(rng.gen_range(0.0..=1.0))
    }
}

/// `Retry-After` in seconds; Graph sends fractional values such as `2.128`. HTTP dates and junk
/// yield `None` (the caller then backs off exponentially).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (0.0..86_400.0)
        .contains(&seconds)
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;

    #[test]
    fn parses_fractional_retry_after() {
        assert_eq!(
            parse_retry_after("2.128"),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let policy = RetryPolicy::default();
        let mut rng = StepRng::new(u64::MAX / 2, 0);
        let first = policy.backoff(0, &mut rng);
        let third = policy.backoff(2, &mut rng);
        assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
        assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
        assert!(policy.backoff(30, &mut rng) <= policy.max_backoff);
    }
}
