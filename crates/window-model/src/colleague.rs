//! Colleagues as the window gets them (`Colleague`, `Presence` in docs/UI-CONTRACT.md): the
//! directory's [`Person`] field by field, what the user set on them, and their presence; and the
//! `colleagues` event with the presence that changed.

use bridge::{BridgeSnapshot, ColleagueView};
use presence_core::watch_list::AlertMode;
use presence_core::{Activity, Availability, Person, PhoneKind, StatusRow, TelephonyState};
use serde::{Serialize, Serializer};

/// One colleague.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Colleague {
    pub id: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub phones: Vec<Phone>,
    /// The internal number of their STARFACE user.
    pub starface_number: Option<String>,
    /// Without `sip:`; only what Graph reports.
    pub sip_address: Option<String>,
    pub favourite: bool,
    /// "Notify me when available".
    pub notify: Option<AlertMode>,
    /// `None` until their presence was read (or while they are not watched).
    pub presence: Option<Presence>,
}

/// One phone number with its kind (`business`, `mobile`, `home`, or Graph's own word).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phone {
    pub kind: PhoneKind,
    pub number: String,
}

/// A colleague's presence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Presence {
    pub row: StatusRow,
    /// Graph's values as Graph spells them, e.g. `Busy`, `InAMeeting`.
    pub availability: Availability,
    pub activity: Activity,
    pub out_of_office: bool,
    /// Not read from Graph (yet): always `None`.
    pub out_of_office_message: Option<String>,
    /// The Teams status note, as text.
    pub status_message: Option<String>,
    /// Their STARFACE phone state; `None` while unknown (see [`ColleagueView::telephony`]).
    pub phone: Option<Telephony>,
    /// Wall clock (ms) at which the current value was first read.
    pub updated_at: Option<u64>,
    pub stale: bool,
}

/// A STARFACE telephony state on the wire: lower case (`available`, `ringing`, `active`,
/// `unavailable`), values this version does not know passed through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telephony(pub TelephonyState);

impl Serialize for Telephony {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.as_str().to_ascii_lowercase())
    }
}

impl Colleague {
    /// A colleague the bridge watches. `started_wall_ms`: wall clock at the bridge's start (the
    /// snapshot's times count from there).
    pub fn watched(view: &ColleagueView, started_wall_ms: u64) -> Self {
        Self {
            favourite: view.favourite,
            notify: view.alert,
            presence: presence(view, started_wall_ms),
            ..Self::of_person(&view.person)
        }
    }

    /// A colleague the bridge does not watch (a search hit): no presence, no alert;
    /// `favourites` are the addresses in the settings.
    pub fn unwatched(person: &Person, favourites: &[String]) -> Self {
        Self {
            favourite: person.is_among(favourites),
            ..Self::of_person(person)
        }
    }

    fn of_person(person: &Person) -> Self {
        // Every field named: a field added to `Person` must be decided on here.
        let Person {
            id,
            display_name,
            mail,
            user_principal_name,
            sip_address,
            job_title,
            department,
            office_location,
            phones,
            starface,
        } = person;
        Self {
            id: id.clone(),
            display_name: display_name.clone(),
            mail: mail.clone(),
            user_principal_name: user_principal_name.clone(),
            job_title: job_title.clone(),
            department: department.clone(),
            office_location: office_location.clone(),
            phones: phones
                .iter()
                .map(|phone| Phone {
                    kind: phone.kind.clone(),
                    number: phone.number.clone(),
                })
                .collect(),
            starface_number: starface
                .as_ref()
                .and_then(|account| account.internal_number.clone()),
            sip_address: sip_address.clone(),
            favourite: false,
            notify: None,
            presence: None,
        }
    }
}

/// The presence of a watched colleague, once read.
pub fn presence(view: &ColleagueView, started_wall_ms: u64) -> Option<Presence> {
    let teams = view.teams.as_ref()?;
    Some(Presence {
        row: view.row.unwrap_or(StatusRow::Unknown),
        availability: teams.availability.clone(),
        activity: teams.activity.clone(),
        out_of_office: teams.out_of_office,
        out_of_office_message: None,
        status_message: teams.status_message.clone(),
        phone: view.telephony.clone().map(Telephony),
        updated_at: view.updated_at_ms.map(|at| started_wall_ms + at),
        stale: view.stale,
    })
}

/// The `colleagues` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColleaguesEvent {
    pub presence: Vec<PresenceUpdate>,
}

/// The new presence of one colleague.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresenceUpdate {
    pub id: String,
    pub presence: Presence,
}

/// The presence of watched colleagues that changed from `before` to `after`: a new value, the
/// phone, the freshness, or a colleague watched since.
pub fn presence_changes(
    before: &BridgeSnapshot,
    after: &BridgeSnapshot,
    started_wall_ms: u64,
) -> ColleaguesEvent {
    let presence = after
        .colleagues
        .iter()
        .filter(|c| {
            let old = before
                .colleagues
                .iter()
                .find(|o| o.person.id == c.person.id);
            old.is_none_or(|o| {
                o.teams != c.teams
                    || o.stale != c.stale
                    || o.telephony != c.telephony
                    || o.updated_at_ms != c.updated_at_ms
            })
        })
        .filter_map(|c| {
            Some(PresenceUpdate {
                id: c.person.id.clone(),
                presence: presence(c, started_wall_ms)?,
            })
        })
        .collect();
    ColleaguesEvent { presence }
}

/// What `copy_sip` put on the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Copied {
    pub copied: String,
}

#[cfg(test)]
mod tests {
    use presence_core::{Phone as PersonPhone, StarfaceAccount, TeamsPresence};
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
        ColleagueView {
            person: anna(),
            teams: Some(TeamsPresence::new(Availability::Busy, Activity::InAMeeting)),
            row: Some(StatusRow::BusyMeeting),
            updated_at_ms,
            stale: false,
            telephony: None,
            alert: Some(AlertMode::Always),
            favourite: true,
        }
    }

    #[test]
    fn the_window_gets_the_directorys_data_as_it_is() {
        let json =
            serde_json::to_value(Colleague::watched(&watched(Some(42_000)), STARTED)).unwrap();
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
                    "phone": null, "updated_at": STARTED + 42_000, "stale": false,
                },
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
            view.telephony = Some(state);
            let json = serde_json::to_value(presence(&view, STARTED)).unwrap();
            assert_eq!(json["phone"], json!(wire));
        }
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
}
