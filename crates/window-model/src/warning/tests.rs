//! Every bridge warning has its own kind, in the contract and in both languages.

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
            details: None,
        },
        BridgeWarning::StarfaceSecretNeeded {
            secret: bridge::secrets::StarfaceSecret::Password,
            need: bridge::secrets::SecretNeed::Missing,
        },
        BridgeWarning::PhoneStateRefused { detail: reason() },
        BridgeWarning::PhoneStateUnreachable { reason: reason() },
        BridgeWarning::PhoneStateNotSupported,
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
            json!({"kind": "certificate_untrusted", "params": {"fingerprint": "AB:CD", "certificate": {
                "fingerprint": "AB:CD", "subject": null, "issuer": null, "not_before": null,
                "not_after": null, "trusted": false}}}),
            json!({"kind": "starface_secret_needed", "params": {
                "secret": "password", "need": "missing", "stored_for": null, "detail": null}}),
            json!({"kind": "phone_state_refused", "params": {"message": "connection refused"}}),
            json!({"kind": "phone_state_unreachable", "params": {"message": "connection refused"}}),
            json!({"kind": "phone_state_not_supported", "params": {}}),
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
            certificate: crate::sign_in::Certificate::new(message(), None, false),
        },
        Warning::StarfaceSecretNeeded(crate::sign_in::SecretNeeded::new(
            bridge::secrets::StarfaceSecret::OAuthClientSecret,
            &bridge::secrets::SecretNeed::Missing,
        )),
        Warning::NeedsAdminConsent {},
        Warning::PhoneStateRefused { message: message() },
        Warning::PhoneStateUnreachable { message: message() },
        Warning::PhoneStateNotSupported {},
        Warning::OutsideHours {},
        Warning::SettingsFileInvalid { message: message() },
        Warning::PolicyInvalid {
            message: message(),
            holds: PolicyHolds::ListedKeys,
        },
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
            | Warning::StarfaceSecretNeeded(_)
            | Warning::NeedsAdminConsent {}
            | Warning::PhoneStateRefused { .. }
            | Warning::PhoneStateUnreachable { .. }
            | Warning::PhoneStateNotSupported {}
            | Warning::OutsideHours {}
            | Warning::SettingsFileInvalid { .. }
            | Warning::PolicyInvalid { .. } => {}
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

#[test]
fn a_broken_policy_is_a_warning_that_says_what_stays_locked() {
    for (holds, wire_holds, body) in [
        (
            settings::FailClosed::ListedKeys,
            "listed_keys",
            "warning.policy_invalid.body_listed_keys",
        ),
        (
            settings::FailClosed::EverySetting,
            "every_setting",
            "warning.policy_invalid.body_every_setting",
        ),
    ] {
        let broken = settings::BrokenPolicy {
            problem: "/etc/presence-bridge/policy.toml: line 1, column 11: syntax error".into(),
            holds,
        };
        assert_eq!(
            wire(Warning::from(&broken)),
            serde_json::json!({
                "kind": "policy_invalid",
                "params": {"message": broken.problem, "holds": wire_holds}
            })
        );
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::De] {
            let text = crate::i18n::lookup(lang, body).unwrap_or_default();
            assert!(text.contains("{message}"), "{body} ({lang:?}): {text}");
        }
    }
}
