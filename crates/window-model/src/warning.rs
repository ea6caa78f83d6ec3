//! The warnings "My status" shows (`Warning` in docs/UI-CONTRACT.md): `{kind, params}`, one
//! variant per kind, built from the bridge's typed state and warnings. Nothing is classified by
//! its text: each bridge warning has exactly one kind here.

use bridge::{AnotherSyncView, BridgeSnapshot, BridgeWarning, Service, SyncStateView};
use presence_core::engine::WriteTarget;
use serde::Serialize;

/// One warning, in the order the window shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case")]
pub enum Warning {
    /// Another presence sync seems to undo DND: keep syncing or stop.
    AnotherSync {
        /// What the engine counted; without it the window words it without numbers.
        #[serde(flatten)]
        counts: Option<Counts>,
    },
    /// The Microsoft sign-in expired or was revoked.
    SignInRequired {},
    /// The PBX rejects the STARFACE login (wrong login id or password).
    StarfaceLoginRejected {
        message: String,
    },
    Paused {
        /// Wall clock (ms) at which the pause ends.
        until: u64,
    },
    /// The user let another sync do the work.
    Stopped {},
    /// Writes to this target fail again and again.
    WritesFailing {
        target: WriteTarget,
    },
    /// A Microsoft Graph poll failed.
    GraphUnreachable {
        message: String,
    },
    StarfaceUnreachable {
        message: String,
    },
    /// The PBX presents a certificate nobody trusts (the fingerprint, to compare and pin).
    CertificateUntrusted {
        fingerprint: String,
    },
    /// Colleagues' presence needs an administrator's consent (`Presence.Read.All`).
    NeedsAdminConsent {},
    OutsideHours {},
    /// The settings file or the policy has errors: the app keeps the last valid settings.
    SettingsFileInvalid {
        message: String,
    },
}

/// The evidence behind [`Warning::AnotherSync`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub reverts: u32,
    pub period_minutes: u32,
}

impl From<AnotherSyncView> for Counts {
    fn from(view: AnotherSyncView) -> Self {
        Self {
            reverts: view.reverts,
            period_minutes: view.period_minutes,
        }
    }
}

impl From<&BridgeWarning> for Warning {
    fn from(warning: &BridgeWarning) -> Self {
        match warning {
            BridgeWarning::SignInNeeded {
                service: Service::Microsoft,
                ..
            } => Warning::SignInRequired {},
            BridgeWarning::SignInNeeded {
                service: Service::Starface,
                reason,
            } => Warning::StarfaceLoginRejected {
                message: reason.clone(),
            },
            BridgeWarning::NeedsAdminConsent => Warning::NeedsAdminConsent {},
            BridgeWarning::GraphUnreachable { reason } => Warning::GraphUnreachable {
                message: reason.clone(),
            },
            BridgeWarning::StarfaceUnreachable { reason } => Warning::StarfaceUnreachable {
                message: reason.clone(),
            },
            BridgeWarning::CertificateUntrusted { presented } => Warning::CertificateUntrusted {
                fingerprint: presented.clone(),
            },
        }
    }
}

/// The warnings for `snapshot`: the sync's hold (with `paused_until` as wall clock), failing
/// writes, the services' problems, then the settings file's (`settings_problem`).
pub fn warnings(
    snapshot: &BridgeSnapshot,
    paused_until: Option<u64>,
    settings_problem: Option<&str>,
) -> Vec<Warning> {
    let sync = &snapshot.sync;
    let hold = match (&sync.state, paused_until) {
        (SyncStateView::AnotherSyncSuspected, _) => Some(Warning::AnotherSync {
            counts: sync.another_sync.map(Counts::from),
        }),
        (SyncStateView::Paused { .. }, Some(until)) => Some(Warning::Paused { until }),
        (SyncStateView::Stopped, _) => Some(Warning::Stopped {}),
        (SyncStateView::OutsideWorkingHours, _) => Some(Warning::OutsideHours {}),
        _ => None,
    };
    hold.into_iter()
        .chain(
            sync.failing
                .iter()
                .map(|target| Warning::WritesFailing { target: *target }),
        )
        .chain(sync.warnings.iter().map(Warning::from))
        .chain(
            settings_problem.map(|message| Warning::SettingsFileInvalid {
                message: message.to_owned(),
            }),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{json, Value};

    use super::*;

    fn wire(warning: Warning) -> Value {
        serde_json::to_value(warning).unwrap()
    }

    #[test]
    fn each_bridge_warning_has_its_own_kind() {
        let reason = || "connection refused".to_owned();
        let mapped = [
            BridgeWarning::SignInNeeded {
                service: Service::Microsoft,
                reason: reason(),
            },
            BridgeWarning::SignInNeeded {
                service: Service::Starface,
                reason: reason(),
            },
            BridgeWarning::NeedsAdminConsent,
            BridgeWarning::GraphUnreachable { reason: reason() },
            BridgeWarning::StarfaceUnreachable { reason: reason() },
            BridgeWarning::CertificateUntrusted {
                presented: "AB:CD".into(),
            },
        ]
        .iter()
        .map(|w| wire(Warning::from(w)))
        .collect::<Vec<_>>();
        assert_eq!(
            mapped,
            [
                json!({"kind": "sign_in_required", "params": {}}),
                json!({"kind": "starface_login_rejected", "params": {"message": "connection refused"}}),
                json!({"kind": "needs_admin_consent", "params": {}}),
                json!({"kind": "graph_unreachable", "params": {"message": "connection refused"}}),
                json!({"kind": "starface_unreachable", "params": {"message": "connection refused"}}),
                json!({"kind": "certificate_untrusted", "params": {"fingerprint": "AB:CD"}}),
            ]
        );
    }

    /// A Graph failure whose text speaks of certificates and consent is still a Graph failure.
    #[test]
    fn a_graph_failure_is_never_a_starface_or_consent_warning() {
        let warning = BridgeWarning::GraphUnreachable {
            reason: "invalid peer certificate: UnknownIssuer (admin consent?)".into(),
        };
        assert_eq!(
            wire(Warning::from(&warning))["kind"],
            json!("graph_unreachable")
        );
    }

    #[test]
    fn another_sync_carries_the_counts_or_none() {
        assert_eq!(
            wire(Warning::AnotherSync {
                counts: Some(Counts {
                    reverts: 3,
                    period_minutes: 30
                })
            }),
            json!({"kind": "another_sync", "params": {"reverts": 3, "period_minutes": 30}})
        );
        assert_eq!(
            wire(Warning::AnotherSync { counts: None }),
            json!({"kind": "another_sync", "params": {}})
        );
    }

    fn repo_file(path: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// One of each variant (the compiler checks the list is complete).
    fn one_of_each() -> Vec<Warning> {
        let message = String::new;
        let all = vec![
            Warning::AnotherSync { counts: None },
            Warning::SignInRequired {},
            Warning::StarfaceLoginRejected { message: message() },
            Warning::Paused { until: 0 },
            Warning::Stopped {},
            Warning::WritesFailing {
                target: WriteTarget::Dnd,
            },
            Warning::GraphUnreachable { message: message() },
            Warning::StarfaceUnreachable { message: message() },
            Warning::CertificateUntrusted {
                fingerprint: message(),
            },
            Warning::NeedsAdminConsent {},
            Warning::OutsideHours {},
            Warning::SettingsFileInvalid { message: message() },
        ];
        for warning in &all {
            match warning {
                Warning::AnotherSync { .. }
                | Warning::SignInRequired {}
                | Warning::StarfaceLoginRejected { .. }
                | Warning::Paused { .. }
                | Warning::Stopped {}
                | Warning::WritesFailing { .. }
                | Warning::GraphUnreachable { .. }
                | Warning::StarfaceUnreachable { .. }
                | Warning::CertificateUntrusted { .. }
                | Warning::NeedsAdminConsent {}
                | Warning::OutsideHours {}
                | Warning::SettingsFileInvalid { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_kind_is_in_the_contract_and_has_words_in_both_languages() {
        let kinds: BTreeSet<String> = one_of_each()
            .into_iter()
            .map(|w| wire(w)["kind"].as_str().unwrap().to_owned())
            .collect();
        let contract = repo_file("docs/UI-CONTRACT.md");
        let section = contract
            .split("### Warnings")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("the contract has a Warnings section");
        let documented: BTreeSet<String> = section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|row| row.split('`').next())
            .map(str::to_owned)
            .collect();
        assert_eq!(kinds, documented);
        for kind in &kinds {
            for lang in [crate::i18n::Lang::En, crate::i18n::Lang::De] {
                assert!(
                    crate::i18n::lookup(lang, &format!("warning.{kind}.title")).is_some(),
                    "warning.{kind}.title missing ({lang:?})"
                );
            }
        }
    }
}
