//! How long a pause lasts: the window's `pause_sync` durations and the tray's pause items.

use std::time::Duration;

use serde::Deserialize;

const DAY_SECONDS: u64 = 24 * 60 * 60;

/// A pause length the user can choose.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum PauseLength {
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "1h")]
    OneHour,
    /// Until the next local midnight.
    #[serde(rename = "tomorrow")]
    UntilTomorrow,
}

impl PauseLength {
    /// How long the pause lasts when chosen `seconds_into_day` after local midnight. A pause
    /// until tomorrow chosen just before midnight still lasts a minute.
    pub fn duration(self, seconds_into_day: u64) -> Duration {
        match self {
            Self::FifteenMinutes => Duration::from_secs(15 * 60),
            Self::OneHour => Duration::from_secs(60 * 60),
            Self::UntilTomorrow => {
                Duration::from_secs(DAY_SECONDS.saturating_sub(seconds_into_day).max(60))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_as_the_window_names_them() {
        let parse = |text: &str| serde_json::from_value::<PauseLength>(text.into());
        assert_eq!(parse("15m").unwrap(), PauseLength::FifteenMinutes);
        assert_eq!(parse("1h").unwrap(), PauseLength::OneHour);
        assert_eq!(parse("tomorrow").unwrap(), PauseLength::UntilTomorrow);
        assert!(parse("forever").is_err());
    }

    #[test]
    fn tomorrow_ends_at_local_midnight() {
        let at = |h: u64, m: u64| h * 3600 + m * 60;
        assert_eq!(
            PauseLength::UntilTomorrow.duration(at(17, 30)),
            Duration::from_secs(at(6, 30))
        );
        assert_eq!(
            PauseLength::UntilTomorrow.duration(at(23, 59) + 50),
            Duration::from_secs(60)
        );
        assert_eq!(
            PauseLength::OneHour.duration(at(23, 59)),
            Duration::from_secs(3600)
        );
    }
}
