//! The warnings "My status" shows (`Warning` in docs/UI-CONTRACT.md): `{kind, params}`, one
//! variant per kind, built from the bridge's typed state and warnings. Nothing is classified by
//! its text: each bridge warning has exactly one kind here.

use bridge::{AnotherSyncView, BridgeSnapshot, BridgeWarning, Service, SyncStateView};
use presence_core::engine::WriteTarget;
use serde::Serialize;

use crate::sign_in::{Certificate, SecretNeeded};

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
    /// The PBX presents a certificate nobody trusts (the fingerprint, to compare and pin, and
    /// what the certificate says about itself).
    CertificateUntrusted {
        fingerprint: String,
        certificate: Certificate,
    },
    /// A STARFACE secret must be entered (again) before the PBX can be used.
    StarfaceSecretNeeded(SecretNeeded),
    /// Colleagues' presence needs an administrator's consent (`Presence.Read.All`).
    NeedsAdminConsent {},
    /// STARFACE refuses colleagues' phone state to the user: the administrator must grant the
    /// rights the STARFACE app needs to show colleagues' presence.
    PhoneStateRefused {
        message: String,
    },
    /// OneHub (colleagues' phone state) cannot be reached.
    PhoneStateUnreachable {
        message: String,
    },
    /// The PBX signs in with OAuth but has no OneHub: no phone state of colleagues.
    PhoneStateNotSupported {},
    OutsideHours {},
    /// The settings file has errors: the app keeps the last valid settings.
    SettingsFileInvalid {
        message: String,
    },
    /// The admin policy exists but cannot be used: it failed closed (what it would lock keeps
    /// its built-in value, locked) until it is fixed.
    PolicyInvalid {
        message: String,
        holds: PolicyHolds,
    },
}

/// What a broken policy keeps locked ([`settings::FailClosed`] on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyHolds {
    /// The keys the policy lists keep their built-in values.
    ListedKeys,
    /// Every setting keeps its built-in value: nothing is synced.
    EverySetting,
}

impl From<&settings::BrokenPolicy> for Warning {
    fn from(broken: &settings::BrokenPolicy) -> Self {
        Warning::PolicyInvalid {
            message: broken.problem.clone(),
            holds: match broken.holds {
                settings::FailClosed::ListedKeys => PolicyHolds::ListedKeys,
                settings::FailClosed::EverySetting => PolicyHolds::EverySetting,
            },
        }
    }
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
            // The phone state signs in with the STARFACE account.
            BridgeWarning::SignInNeeded {
                service: Service::Starface | Service::PhoneState,
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
            BridgeWarning::CertificateUntrusted { presented, details } => {
                Warning::CertificateUntrusted {
                    fingerprint: presented.clone(),
                    certificate: Certificate::new(presented.clone(), details.as_ref(), false),
                }
            }
            BridgeWarning::StarfaceSecretNeeded { secret, need } => {
                Warning::StarfaceSecretNeeded(SecretNeeded::new(*secret, need))
            }
            BridgeWarning::PhoneStateRefused { detail } => Warning::PhoneStateRefused {
                message: detail.clone(),
            },
            BridgeWarning::PhoneStateUnreachable { reason } => Warning::PhoneStateUnreachable {
                message: reason.clone(),
            },
            BridgeWarning::PhoneStateNotSupported => Warning::PhoneStateNotSupported {},
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
mod tests;
