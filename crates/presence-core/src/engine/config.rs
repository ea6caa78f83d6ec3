//! Engine configuration: the mapping plus timing, working hours and the conflict heuristic.
//!
//! ```toml
//! [sync]
//! debounce_seconds = 3
//! session_minutes = 5
//! session_refresh_margin_seconds = 60
//! own_session_echo_seconds = 300
//! [sync.conflict]
//! reverts = 3
//! revert_within_seconds = 120
//! period_minutes = 30
//! [sync.working_hours]
//! days = ["mon", "tue", "wed", "thu", "fri"]
//! start = "08:00"
//! end = "17:30"
//! outside = "leave_as_is"
//! [mapping.busy_meeting]
//! dnd = "activate"
//! ```

use crate::mapping::Mapping;
use crate::working_hours::WorkingHours;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use thiserror::Error;

/// Everything the engine needs to decide.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// Per-row mapping and reverse mode.
    #[serde(default)]
    pub mapping: Mapping,
    /// Timing, working hours and conflict detection.
    #[serde(default)]
    pub sync: SyncOptions,
}

impl EngineConfig {
    /// Checks the ranges serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.sync.validate()
    }
}

/// Timing, working hours and conflict detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncOptions {
    /// How long a new Teams state must hold before the engine acts (flicker filter).
    #[serde(default = "default_debounce_seconds")]
    pub debounce_seconds: u32,
    /// When the sync may write to STARFACE; absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// `expirationDuration` of the Teams presence session during a STARFACE call (Graph allows 5 to 240).
    #[serde(default = "default_session_minutes")]
    pub session_minutes: u32,
    /// Re-send the session this long before it expires while the call lasts.
    #[serde(default = "default_refresh_margin_seconds")]
    pub session_refresh_margin_seconds: u32,
    /// After clearing the session, Teams may show it for a few more minutes (it polls); for this long
    /// the engine still treats that presence as its own echo.
    #[serde(default = "default_echo_seconds")]
    pub own_session_echo_seconds: u32,
    /// The "another sync is active" heuristic.
    #[serde(default)]
    pub conflict: ConflictHeuristic,
}

fn default_debounce_seconds() -> u32 {
    3
}
// 5 minutes is Graph's minimum and its default; one Q&A reports expirationDuration being ignored, so a
// short session refreshed every 4 minutes works whether or not Graph honours the value.
fn default_session_minutes() -> u32 {
    5
}
fn default_refresh_margin_seconds() -> u32 {
    60
}
// Graph docs: "it takes a few minutes" for the Teams client to show presence changes.
fn default_echo_seconds() -> u32 {
    300
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            debounce_seconds: default_debounce_seconds(),
            working_hours: None,
            session_minutes: default_session_minutes(),
            session_refresh_margin_seconds: default_refresh_margin_seconds(),
            own_session_echo_seconds: default_echo_seconds(),
            conflict: ConflictHeuristic::default(),
        }
    }
}

impl SyncOptions {
    /// Checks the ranges serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(5..=240).contains(&self.session_minutes) {
            return Err(ConfigError::SessionMinutes(self.session_minutes));
        }
        if self.session_refresh_margin_seconds == 0
            || u64::from(self.session_refresh_margin_seconds)
                >= u64::from(self.session_minutes) * 60
        {
            return Err(ConfigError::RefreshMargin {
                margin: self.session_refresh_margin_seconds,
                session_minutes: self.session_minutes,
            });
        }
        if self.conflict.reverts < 2 {
            return Err(ConfigError::ConflictReverts(self.conflict.reverts));
        }
        if self.conflict.revert_within_seconds == 0 || self.conflict.period_minutes == 0 {
            return Err(ConfigError::ConflictWindow);
        }
        Ok(())
    }

    pub(crate) fn debounce(&self) -> Duration {
        Duration::from_secs(self.debounce_seconds.into())
    }

    pub(crate) fn session(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_minutes) * 60)
    }

    pub(crate) fn refresh_after(&self) -> Duration {
        self.session().saturating_sub(Duration::from_secs(
            self.session_refresh_margin_seconds.into(),
        ))
    }

    pub(crate) fn echo(&self) -> Duration {
        Duration::from_secs(self.own_session_echo_seconds.into())
    }
}

/// When the engine concludes that another presence sync writes STARFACE DND.
///
/// A *revert* is an observed DND change, not made by the engine, that undoes a DND value the engine
/// wrote successfully no more than `revert_within_seconds` earlier. Other syncs poll every ~10 s, so
/// they undo our write within seconds; a person rarely undoes the same automatic change that quickly,
/// again and again. When `reverts` reverts fall within `period_minutes`, the engine raises the warning
/// and stops writing until the user decides. Every single revert is still respected as a manual change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictHeuristic {
    /// Reverts needed to raise the warning (at least 2).
    #[serde(default = "default_reverts")]
    pub reverts: u32,
    /// A change counts as revert only this soon after the engine's write.
    #[serde(default = "default_revert_within")]
    pub revert_within_seconds: u32,
    /// The reverts must fall within this period.
    #[serde(default = "default_period")]
    pub period_minutes: u32,
}

fn default_reverts() -> u32 {
    3
}
fn default_revert_within() -> u32 {
    120
}
fn default_period() -> u32 {
    30
}

impl Default for ConflictHeuristic {
    fn default() -> Self {
        Self {
            reverts: default_reverts(),
            revert_within_seconds: default_revert_within(),
            period_minutes: default_period(),
        }
    }
}

/// A configuration value out of range.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// Graph accepts session durations from 5 minutes to 4 hours.
    #[error("session_minutes must be between 5 and 240 (Graph's range), got {0}")]
    SessionMinutes(u32),
    /// The refresh must happen before the session expires.
    #[error("session_refresh_margin_seconds must be above 0 and below the session length ({session_minutes} min), got {margin}")]
    RefreshMargin {
        /// The configured margin.
        margin: u32,
        /// The configured session length.
        session_minutes: u32,
    },
    /// One revert is a manual change, not a pattern.
    #[error("conflict.reverts must be at least 2, got {0}")]
    ConflictReverts(u32),
    /// Zero-length windows would never detect anything.
    #[error("conflict.revert_within_seconds and conflict.period_minutes must be above 0")]
    ConflictWindow,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let config = EngineConfig::default();
        config.validate().unwrap();
        let text = toml::to_string(&config).unwrap();
        assert_eq!(toml::from_str::<EngineConfig>(&text).unwrap(), config);
        assert_eq!(toml::from_str::<EngineConfig>("").unwrap(), config);
    }

    #[test]
    fn documented_example_parses() {
        let text = r#"
            [sync]
            debounce_seconds = 5
            [sync.working_hours]
            days = ["mon", "tue"]
            start = "08:00"
            end = "17:30"
            outside = "dnd_on"
            [mapping.busy_meeting]
            dnd = "activate"
        "#;
        let config: EngineConfig = toml::from_str(text).unwrap();
        assert_eq!(config.sync.debounce_seconds, 5);
        assert!(config.sync.working_hours.is_some());
        assert!(toml::from_str::<EngineConfig>("[sync]\ndebounce = 5").is_err());
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let mut options = SyncOptions {
            session_minutes: 4,
            ..SyncOptions::default()
        };
        assert_eq!(options.validate(), Err(ConfigError::SessionMinutes(4)));
        options.session_minutes = 5;
        options.session_refresh_margin_seconds = 300;
        assert!(matches!(
            options.validate(),
            Err(ConfigError::RefreshMargin { .. })
        ));
        options.session_refresh_margin_seconds = 60;
        options.conflict.reverts = 1;
        assert_eq!(options.validate(), Err(ConfigError::ConflictReverts(1)));
    }
}
