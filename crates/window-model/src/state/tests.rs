//! The state the window gets for bridge snapshots.

use bridge::{AnotherSyncView, ColleagueView, SyncView};
use presence_core::watch_list::AlertMode;
use presence_core::{ChatStatus, Person, TeamsPresence};
use serde_json::{json, Value};

use super::*;

const STARTED: u64 = 1_750_000_000_000;

fn ctx() -> StateContext {
    StateContext {
        started_wall_ms: STARTED,
        sync_enabled: true,
        microsoft_configured: true,
        starface_configured: true,
        ..StateContext::default()
    }
}

/// Running, both sides read.
fn running() -> BridgeSnapshot {
    let mut snapshot = BridgeSnapshot {
        sync: SyncView {
            state: SyncStateView::Running,
            last_sync_ms: Some(42_000),
            ..SyncView::default()
        },
        ..BridgeSnapshot::default()
    };
    snapshot.own.display_name = Some("Anna Berg".into());
    snapshot.own.teams = Some(TeamsPresence::new("Available", "Available"));
    snapshot.own.row = Some(StatusRow::Available);
    snapshot.own.starface_dnd = Some(false);
    snapshot
}

fn with_warning(warning: BridgeWarning) -> BridgeSnapshot {
    let mut snapshot = running();
    snapshot.sync.warnings.push(warning);
    snapshot
}

fn wire(snapshot: &BridgeSnapshot) -> Value {
    serde_json::to_value(state(snapshot, &ctx())).unwrap()
}

fn kinds(json: &Value) -> Vec<&str> {
    json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn last_sync_is_the_time_of_the_last_sync_not_of_the_question() {
    let json = wire(&running());
    assert_eq!(json["sync"]["last_sync"], json!(STARTED + 42_000));
    let mut never = running();
    never.sync.last_sync_ms = None;
    assert_eq!(wire(&never)["sync"]["last_sync"], Value::Null);
}

#[test]
fn own_chat_is_what_the_app_set_and_null_until_then() {
    let mut snapshot = BridgeSnapshot::default();
    snapshot.own.starface_dnd = Some(true);
    let json = wire(&snapshot);
    assert_eq!(json["own"]["starface"]["chat"], Value::Null);
    assert_eq!(json["own"]["teams"], Value::Null);

    snapshot.own.starface_chat = Some(ChatStatus::new(
        presence_core::ChatPresence::DoNotDisturb,
        "In a meeting (Teams)",
    ));
    assert_eq!(
        wire(&snapshot)["own"]["starface"]["chat"],
        json!({"presence": "do_not_disturb", "message": "In a meeting (Teams)"})
    );
}

#[test]
fn another_sync_warning_carries_the_counts() {
    let mut snapshot = running();
    snapshot.sync.state = SyncStateView::AnotherSyncSuspected;
    snapshot.sync.another_sync = Some(AnotherSyncView {
        reverts: 3,
        period_minutes: 30,
    });
    let json = wire(&snapshot);
    assert_eq!(json["sync"]["mode"], json!("conflict"));
    assert_eq!(
        json["warnings"][0],
        json!({"kind": "another_sync", "params": {"reverts": 3, "period_minutes": 30}})
    );
    snapshot.sync.another_sync = None;
    assert_eq!(wire(&snapshot)["warnings"][0]["params"], json!({}));
}

#[test]
fn paused_until_is_the_pause_end_in_wall_clock() {
    let mut snapshot = running();
    snapshot.sync.state = SyncStateView::Paused {
        until_ms: 3_660_000,
    };
    let json = wire(&snapshot);
    assert_eq!(json["sync"]["mode"], json!("paused"));
    assert_eq!(json["sync"]["paused_until"], json!(STARTED + 3_660_000));
    assert_eq!(
        json["warnings"][0],
        json!({"kind": "paused", "params": {"until": STARTED + 3_660_000}})
    );
}

#[test]
fn a_failing_graph_poll_is_a_microsoft_365_problem_not_a_starface_one() {
    let json = wire(&with_warning(BridgeWarning::GraphUnreachable {
        reason: "cannot reach Microsoft Graph: invalid peer certificate".into(),
    }));
    assert_eq!(kinds(&json), ["graph_unreachable"]);
    assert_eq!(
        json["warnings"][0]["params"]["message"],
        json!("cannot reach Microsoft Graph: invalid peer certificate")
    );
    assert_eq!(json["accounts"]["starface"]["state"], json!("connected"));
    assert_eq!(json["accounts"]["microsoft"]["state"], json!("signed_in"));
}

#[test]
fn an_untrusted_pbx_certificate_offers_its_fingerprint_subject_and_validity() {
    let json = wire(&with_warning(BridgeWarning::CertificateUntrusted {
        presented: "AB:CD".into(),
        details: Some(bridge::CertificateDetails {
            subject: "CN=pbx.example.com".into(),
            issuer: "CN=pbx.example.com".into(),
            not_before: 1_735_776_000,
            not_after: 1_804_118_400,
        }),
    }));
    assert_eq!(kinds(&json), ["certificate_untrusted"]);
    let certificate = json!({
        "fingerprint": "AB:CD", "subject": "CN=pbx.example.com", "issuer": "CN=pbx.example.com",
        "not_before": 1_735_776_000_000u64, "not_after": 1_804_118_400_000u64, "trusted": false
    });
    assert_eq!(
        json["accounts"]["starface"],
        json!({"state": "certificate_untrusted", "message": null, "presented_fingerprint": "AB:CD",
               "certificate": certificate, "needs": null})
    );
    assert_eq!(
        json["warnings"][0]["params"],
        json!({"fingerprint": "AB:CD", "certificate": certificate})
    );
    // Without the warning, what the window looked at last.
    let context = StateContext {
        certificate: Some(Certificate::new("EF:01".into(), None, true)),
        ..ctx()
    };
    let looked = serde_json::to_value(state(&running(), &context)).unwrap();
    assert_eq!(
        looked["accounts"]["starface"]["presented_fingerprint"],
        json!("EF:01")
    );
    assert_eq!(
        looked["accounts"]["starface"]["certificate"]["trusted"],
        json!(true)
    );
    // The sync's refusal wins over an older look that found it trusted: never a stale "pinned".
    let mut refused = with_warning(BridgeWarning::CertificateUntrusted {
        presented: "99:88".into(),
        details: None,
    });
    refused.sync.state = SyncStateView::Running;
    let now = serde_json::to_value(state(&refused, &context)).unwrap();
    assert_eq!(
        now["accounts"]["starface"]["certificate"],
        json!({"fingerprint": "99:88", "subject": null, "issuer": null, "not_before": null,
               "not_after": null, "trusted": false})
    );
}

#[test]
fn a_secret_to_enter_says_which_and_why() {
    use bridge::secrets::{SecretNeed, StarfaceSecret};
    let moved = wire(&with_warning(BridgeWarning::StarfaceSecretNeeded {
        secret: StarfaceSecret::Password,
        need: SecretNeed::StoredForAnotherServer {
            stored_for: "0001 at https://pbx.example.com".into(),
        },
    }));
    assert_eq!(kinds(&moved), ["starface_secret_needed"]);
    let needs = json!({"secret": "password", "need": "stored_for_another_server",
                       "stored_for": "0001 at https://pbx.example.com", "detail": null});
    assert_eq!(moved["warnings"][0]["params"], needs);
    assert_eq!(
        moved["accounts"]["starface"]["state"],
        json!("sign_in_needed")
    );
    assert_eq!(moved["accounts"]["starface"]["needs"], needs);
    let message = moved["accounts"]["starface"]["message"].as_str().unwrap();
    assert!(message.contains("https://pbx.example.com"), "{message}");

    let oauth_only = wire(&with_warning(BridgeWarning::StarfaceSecretNeeded {
        secret: StarfaceSecret::OAuthClientSecret,
        need: SecretNeed::ClassicLoginDisabled {
            detail: "disabled".into(),
        },
    }));
    assert_eq!(
        oauth_only["accounts"]["starface"]["needs"],
        json!({"secret": "client_secret", "need": "classic_login_disabled",
               "stored_for": null, "detail": "disabled"})
    );
}

#[test]
fn sign_in_problems_show_on_their_own_account() {
    let microsoft = wire(&with_warning(BridgeWarning::SignInNeeded {
        service: Service::Microsoft,
        reason: "invalid_grant".into(),
    }));
    assert_eq!(kinds(&microsoft), ["sign_in_required"]);
    assert_eq!(
        microsoft["accounts"]["microsoft"]["state"],
        json!("expired")
    );
    assert_eq!(
        microsoft["accounts"]["starface"]["state"],
        json!("connected")
    );
    assert_eq!(microsoft["sync"]["mode"], json!("running"));

    let starface = wire(&with_warning(BridgeWarning::SignInNeeded {
        service: Service::Starface,
        reason: "STARFACE rejected the login".into(),
    }));
    assert_eq!(kinds(&starface), ["starface_login_rejected"]);
    assert_eq!(
        starface["accounts"]["starface"],
        json!({"state": "error", "message": "STARFACE rejected the login",
               "presented_fingerprint": null, "certificate": null, "needs": null})
    );
    assert_eq!(
        starface["accounts"]["microsoft"]["state"],
        json!("signed_in")
    );
}

#[test]
fn accounts_before_anything_was_read() {
    let mut snapshot = BridgeSnapshot::default();
    let signed_out = serde_json::to_value(state(
        &snapshot,
        &StateContext {
            microsoft_configured: false,
            starface_configured: false,
            ..ctx()
        },
    ))
    .unwrap();
    assert_eq!(
        signed_out["accounts"],
        json!({
            "microsoft": {"state": "signed_out", "user": null},
            "starface": {"state": "not_configured", "message": null, "presented_fingerprint": null,
                         "certificate": null, "needs": null},
        })
    );
    // A sign-in saved while the sync cannot run yet still counts.
    let saved = StateContext {
        microsoft_saved: true,
        ..ctx()
    };
    let json = serde_json::to_value(state(&snapshot, &saved)).unwrap();
    assert_eq!(json["accounts"]["microsoft"]["state"], json!("signed_in"));
    assert_eq!(json["accounts"]["starface"]["state"], json!("connecting"));
    let signing_in = StateContext {
        signing_in: true,
        ..saved
    };
    snapshot.sync.state = SyncStateView::NotConfigured;
    let json = serde_json::to_value(state(&snapshot, &signing_in)).unwrap();
    assert_eq!(json["accounts"]["microsoft"]["state"], json!("signing_in"));
    assert_eq!(json["sync"]["mode"], json!("disabled"));
}

#[test]
fn the_state_lists_favourites_and_alerted_colleagues_only() {
    let view = |id: &str, favourite, alert| ColleagueView {
        person: Person::new(id, id),
        teams: None,
        row: None,
        updated_at_ms: None,
        stale: true,
        phone: None,
        status: presence_core::person_status::PersonStatus::merge(None, None),
        starface_chat: None,
        alert,
        favourite,
        free_busy: None,
    };
    let mut snapshot = running();
    snapshot.colleagues = vec![
        view("fav", true, None),
        view("plain", false, None),
        view("alert", false, Some(AlertMode::Once)),
    ];
    let json = wire(&snapshot);
    let listed: Vec<(&str, &Value, &Value)> = json["colleagues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), &c["favourite"], &c["notify"]))
        .collect();
    assert_eq!(
        listed,
        [
            ("fav", &json!(true), &Value::Null),
            ("alert", &json!(false), &json!("once"))
        ]
    );
}

#[test]
fn warnings_come_in_the_windows_order_with_the_settings_file_and_the_policy_last() {
    let mut snapshot = with_warning(BridgeWarning::NeedsAdminConsent);
    snapshot.sync.state = SyncStateView::OutsideWorkingHours;
    snapshot.sync.failing = vec![presence_core::engine::WriteTarget::ChatStatus];
    let context = StateContext {
        settings_problem: Some("config.toml: key `sync.x`: unknown field".into()),
        policy_problem: Some(settings::BrokenPolicy {
            problem: "policy.toml: line 1, column 1: syntax error".into(),
            holds: settings::FailClosed::EverySetting,
        }),
        ..ctx()
    };
    let json = serde_json::to_value(state(&snapshot, &context)).unwrap();
    assert_eq!(
        kinds(&json),
        [
            "outside_hours",
            "writes_failing",
            "needs_admin_consent",
            "settings_file_invalid",
            "policy_invalid"
        ]
    );
    assert_eq!(
        json["warnings"][1]["params"],
        json!({"target": "chat_status"})
    );
    assert_eq!(json["sync"]["mode"], json!("outside_hours"));
    let off = StateContext {
        sync_enabled: false,
        ..ctx()
    };
    assert_eq!(
        serde_json::to_value(state(&snapshot, &off)).unwrap()["sync"]["mode"],
        json!("disabled")
    );
}
