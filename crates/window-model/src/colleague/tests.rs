//! Colleagues reach the window with everything the directory said, and nothing made up.

use presence_core::person_status::{PersonStatus, PhoneState};
use presence_core::{ChatPresence, Phone as PersonPhone, StarfaceAccount, TeamsPresence};
use serde_json::json;

use super::*;

const STARTED: u64 = 1_750_000_000_000;

fn anna() -> Person {
    Person {
        mail: Some("anna.berg@contoso.de".into()),
        user_principal_name: Some("anna@contoso.onmicrosoft.com".into()),
        sip_address: Some("anna.sip@contoso.de".into()),
        job_title: Some("Engineer".into()),
        department: Some("Support".into()),
        office_location: Some("Hamburg 3.14".into()),
        phones: vec![
            PersonPhone::new(PhoneKind::Mobile, "+49 171 555 0101"),
            PersonPhone::new(PhoneKind::Business, "+49 40 555 0101"),
            PersonPhone::new(PhoneKind::Other("pager".into()), "0800 1"),
        ],
        starface: Some(StarfaceAccount {
            user_id: 7,
            login: "0007".into(),
            account_id: Some(70),
            internal_number: Some("107".into()),
        }),
        ..Person::new("id-anna", "Anna Berg")
    }
}

fn watched(updated_at_ms: Option<u64>) -> ColleagueView {
    let teams = TeamsPresence::new(Availability::Busy, Activity::InAMeeting);
    ColleagueView {
        person: anna(),
        status: PersonStatus::merge(Some(&teams), None),
        teams: Some(teams),
        row: Some(StatusRow::BusyMeeting),
        updated_at_ms,
        stale: false,
        phone: None,
        starface_chat: None,
        alert: Some(AlertMode::Always),
        favourite: true,
        free_busy: None,
    }
}

#[test]
fn the_window_gets_the_directorys_data_as_it_is() {
    let json = serde_json::to_value(Colleague::watched(&watched(Some(42_000)), STARTED)).unwrap();
    assert_eq!(
        json,
        json!({
            "id": "id-anna",
            "display_name": "Anna Berg",
            "mail": "anna.berg@contoso.de",
            "user_principal_name": "anna@contoso.onmicrosoft.com",
            "job_title": "Engineer",
            "department": "Support",
            "office_location": "Hamburg 3.14",
            "phones": [
                {"kind": "mobile", "number": "+49 171 555 0101"},
                {"kind": "business", "number": "+49 40 555 0101"},
                {"kind": "pager", "number": "0800 1"},
            ],
            "starface_number": "107",
            "sip_address": "anna.sip@contoso.de",
            "favourite": true,
            "notify": "always",
            "presence": {
                "row": "busy_meeting", "availability": "Busy", "activity": "InAMeeting",
                "out_of_office": false, "out_of_office_message": null, "status_message": null,
                "phone": null,
                "status": {
                    "activity": "busy_meeting", "dot": "busy", "phone_dnd": false,
                    "calls_forwarded": false, "free": false,
                },
                "starface_chat": null,
                "updated_at": STARTED + 42_000, "stale": false,
            },
            "free_busy": null,
        })
    );
}

#[test]
fn a_search_hit_has_no_sip_address_unless_graph_gave_one() {
    let mut ben = Person::new("id-ben", "Ben Cho");
    ben.mail = Some("ben@contoso.de".into());
    let hit = Colleague::unwatched(&ben, &["BEN@contoso.de".into()]);
    assert_eq!(hit.sip_address, None);
    assert_eq!(hit.user_principal_name, None);
    assert!(hit.favourite);
    assert_eq!((hit.notify, &hit.presence), (None, &None));
    let json = serde_json::to_value(&hit).unwrap();
    for key in [
        "sip_address",
        "user_principal_name",
        "starface_number",
        "presence",
        "free_busy",
    ] {
        assert_eq!(json[key], serde_json::Value::Null, "{key} present as null");
    }
}

#[test]
fn the_phone_state_is_lower_case_and_unknown_values_pass() {
    let mut view = watched(Some(1));
    for (state, wire) in [
        (TelephonyState::Active, "active"),
        (TelephonyState::Ringing, "ringing"),
        (TelephonyState::Other("QUEUE_PAUSE".into()), "queue_pause"),
    ] {
        view.phone = Some(PhoneState::new(state));
        let json = serde_json::to_value(presence(&view, STARTED)).unwrap();
        assert_eq!(json["phone"], json!(wire));
    }
}

#[test]
fn the_merged_status_and_the_starface_chat_reach_the_window_and_a_phone_change_is_news() {
    let before = BridgeSnapshot {
        colleagues: vec![watched(Some(1))],
        ..BridgeSnapshot::default()
    };
    let mut after = before.clone();
    let view = &mut after.colleagues[0];
    let mut phone = PhoneState::new(TelephonyState::Active);
    phone.dnd = true;
    phone.chat = Some(presence_core::ChatStatus::new(ChatPresence::Away, "lunch"));
    view.status = PersonStatus::merge(view.teams.as_ref(), Some(&phone));
    view.starface_chat = phone.chat.clone();
    view.phone = Some(phone);
    let event = presence_changes(&before, &after, STARTED);
    assert_eq!(event.presence.len(), 1, "the phone alone is news");
    let json = serde_json::to_value(&event.presence[0].presence).unwrap();
    assert_eq!(json["phone"], json!("active"));
    assert_eq!(json["status"]["activity"], json!("on_the_phone"));
    assert_eq!(json["status"]["phone_dnd"], json!(true));
    assert_eq!(
        json["starface_chat"],
        json!({"presence": "away", "message": "lunch"})
    );
}

#[test]
fn updated_at_is_the_wall_clock_of_the_engine_time() {
    let presence_of = |view| presence(&view, STARTED).unwrap().updated_at;
    assert_eq!(presence_of(watched(Some(42_000))), Some(STARTED + 42_000));
    assert_eq!(
        presence_of(watched(None)),
        None,
        "no time before the first read"
    );
}

#[test]
fn presence_changes_carry_only_colleagues_whose_presence_changed() {
    let before = BridgeSnapshot {
        colleagues: vec![watched(Some(42_000))],
        ..BridgeSnapshot::default()
    };
    assert!(presence_changes(&before, &before.clone(), STARTED)
        .presence
        .is_empty());

    let mut after = before.clone();
    // What the user set is no presence change.
    after.colleagues[0].favourite = false;
    assert!(presence_changes(&before, &after, STARTED)
        .presence
        .is_empty());
    after.colleagues[0].teams = Some(TeamsPresence::new(Availability::Away, Activity::Away));
    after.colleagues[0].row = Some(StatusRow::Away);
    after.colleagues[0].updated_at_ms = Some(52_000);
    let event = serde_json::to_value(presence_changes(&before, &after, STARTED)).unwrap();
    assert_eq!(event["presence"].as_array().unwrap().len(), 1, "{event}");
    assert_eq!(event["presence"][0]["id"], json!("id-anna"));
    assert_eq!(event["presence"][0]["presence"]["row"], json!("away"));
    assert_eq!(
        event["presence"][0]["presence"]["updated_at"],
        json!(STARTED + 52_000)
    );
}
