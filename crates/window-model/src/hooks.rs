//! The status hooks on "My status" and in the settings (docs/UI-CONTRACT.md `HookResult`,
//! `test_hook`): each running hook's last attempt, when it last delivered, whether the MQTT
//! broker is connected. Built from `status_hooks::HookResults`; hooks that are off have none.

use serde::Serialize;
use settings::HookKind;
use status_hooks::{Attempt, HookError, HookResults, Occasion};
use time::OffsetDateTime;

/// One running hook's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookResult {
    /// `mqtt`, `webhook` or `command`.
    pub hook: HookKind,
    /// The last attempt; `None` until the first.
    pub last: Option<HookAttempt>,
    /// Wall clock (ms) of the last delivery that succeeded.
    pub last_ok: Option<u64>,
    /// MQTT: whether the broker connection is up; `None` for the other hooks.
    pub connected: Option<bool>,
}

/// One attempt and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookAttempt {
    /// Wall clock (ms).
    pub at: u64,
    pub occasion: HookOccasion,
    /// `None`: delivered.
    pub error: Option<String>,
}

/// Why a hook delivered: `change`, `connected`, `home_assistant_online`, `test`, `connection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookOccasion {
    Change,
    Connected,
    HomeAssistantOnline,
    Test,
    Connection,
}

impl From<Occasion> for HookOccasion {
    fn from(occasion: Occasion) -> Self {
        match occasion {
            Occasion::Change => HookOccasion::Change,
            Occasion::Connected => HookOccasion::Connected,
            Occasion::HomeAssistantOnline => HookOccasion::HomeAssistantOnline,
            Occasion::Test => HookOccasion::Test,
            Occasion::Connection => HookOccasion::Connection,
        }
    }
}

/// What `test_hook` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookTest {
    pub ok: bool,
    /// Why not, in the hook crate's words (they name the target by scheme, host and port only).
    pub error: Option<String>,
}

impl From<Result<(), HookError>> for HookTest {
    fn from(result: Result<(), HookError>) -> Self {
        Self {
            ok: result.is_ok(),
            error: result.err().map(|error| error.to_string()),
        }
    }
}

fn wall_ms(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or_default()
}

fn attempt(attempt: &Attempt) -> HookAttempt {
    HookAttempt {
        at: wall_ms(attempt.at),
        occasion: attempt.occasion.into(),
        error: attempt.result.as_ref().err().map(ToString::to_string),
    }
}

/// The running hooks' results, in the order MQTT, webhook, command.
pub fn hook_results(results: &HookResults) -> Vec<HookResult> {
    results
        .iter()
        .map(|(hook, report)| HookResult {
            hook,
            last: report.last.as_ref().map(attempt),
            last_ok: report.last_ok.map(wall_ms),
            connected: report.connected,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_test_says_why_and_a_success_has_no_error() {
        let failed = HookTest::from(Err(HookError::Timeout {
            target: "mqtts://127.0.0.1:8883".into(),
            seconds: 10,
        }));
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({"ok": false, "error": "mqtts://127.0.0.1:8883 did not answer within 10 s"})
        );
        assert_eq!(
            HookTest::from(Ok(())),
            HookTest {
                ok: true,
                error: None
            }
        );
        assert_eq!(
            serde_json::to_value(HookOccasion::from(Occasion::HomeAssistantOnline)).unwrap(),
            serde_json::json!("home_assistant_online")
        );
        assert!(hook_results(&HookResults::default()).is_empty());
    }
}
