//! Who the tray shows, in which order, with which words and actions, in English and German.

use bridge::{BridgeSnapshot, ColleagueView};
use presence_core::person_status::{PersonStatus, PhoneState};
use presence_core::watch_list::AlertMode;
use presence_core::{Person, Phone, PhoneKind, StarfaceAccount, TeamsPresence, TelephonyState};

use super::*;
use crate::links::check_allowed;
use crate::tray::TrayAction;

/// Teams' values for a status in the fixtures.
fn teams(status: &str) -> TeamsPresence {
    let (availability, activity) = match status {
        "available" => ("Available", "Available"),
        "meeting" => ("Busy", "InAMeeting"),
        "call" => ("Busy", "InACall"),
        "away" => ("Away", "Away"),
        "dnd" => ("DoNotDisturb", "Presenting"),
        "offline" => ("Offline", "OffWork"),
        other => panic!("no fixture status {other}"),
    };
    TeamsPresence::new(availability, activity)
}

fn colleague(id: &str, name: &str, status: &str) -> ColleagueView {
    let mut person = Person::new(id, name);
    let local = name.to_lowercase().replace(' ', ".");
    person.mail = Some(format!("{local}@example.de"));
    person.user_principal_name = Some(format!("{local}@example.onmicrosoft.com"));
    person.phones = vec![Phone::new(PhoneKind::Business, "+49 40 123456-111")];
    let teams = teams(status);
    let status = PersonStatus::merge(Some(&teams), None);
    ColleagueView {
        person,
        row: Some(presence_core::StatusRow::from_presence(&teams)),
        teams: Some(teams),
        updated_at_ms: Some(1_000),
        stale: false,
        phone: None,
        status,
        starface_chat: None,
        alert: None,
        favourite: false,
        free_busy: None,
    }
}

/// Twelve colleagues; Graph ranks them in the order `relevant` gives, which is not the
/// snapshot's (the order they were added).
fn office() -> BridgeSnapshot {
    let people = [
        ("id-01", "Zoe Adler", "available"),
        ("id-02", "Bernd Ulm", "meeting"),
        ("id-03", "Anna Berg", "available"),
        ("id-04", "Carl Dorn", "away"),
        ("id-05", "Ömer Yilmaz", "available"),
        ("id-06", "Olga Frei", "dnd"),
        ("id-07", "Eva Lang", "offline"),
        ("id-08", "Paul Kern", "call"),
        ("id-09", "Ida Roth", "available"),
        ("id-10", "Max Sand", "away"),
        ("id-11", "Nina Vogt", "available"),
        ("id-12", "Jan Wolf", "meeting"),
    ];
    BridgeSnapshot {
        colleagues: people
            .iter()
            .map(|(id, name, status)| colleague(id, name, status))
            .collect(),
        relevant: [
            "id-12", "id-02", "id-09", "id-05", "id-07", "id-01", "id-04", "id-11", "id-03",
            "id-06", "id-08", "id-10",
        ]
        .map(String::from)
        .to_vec(),
        ..BridgeSnapshot::default()
    }
}

fn favour(mut snapshot: BridgeSnapshot, ids: &[&str]) -> BridgeSnapshot {
    for colleague in &mut snapshot.colleagues {
        colleague.favourite = ids.contains(&colleague.person.id.as_str());
    }
    snapshot
}

/// The section's rows as text: `Name – Status` for colleagues, `(note)` for notes.
fn rows(section: &Section) -> Vec<String> {
    section
        .rows
        .iter()
        .map(|row| match row {
            SectionRow::Colleague(c) => c.text.clone(),
            SectionRow::Note(note) => format!("({})", note.text),
        })
        .collect()
}

fn colleagues(section: &Section) -> Vec<&ColleagueEntry> {
    section
        .rows
        .iter()
        .filter_map(|row| match row {
            SectionRow::Colleague(c) => Some(c),
            SectionRow::Note(_) => None,
        })
        .collect()
}

#[test]
fn without_favourites_the_eight_most_relevant_people_show_with_the_hint_to_pin() {
    let section = Section::of(&office(), Lang::En, false);
    // The eight Graph ranks first (not Anna, Olga, Paul, Max), available first, then by name.
    assert_eq!(
        rows(&section),
        [
            "Ida Roth – Available",
            "Nina Vogt – Available",
            "Ömer Yilmaz – Available",
            "Zoe Adler – Available",
            "Bernd Ulm – In a meeting",
            "Carl Dorn – Away",
            "Eva Lang – Offline",
            "Jan Wolf – In a meeting",
            "(Pin colleagues in the window)",
        ]
    );
    let SectionRow::Note(hint) = section.rows.last().unwrap() else {
        panic!("the hint is a note");
    };
    assert_eq!(hint.id, note::PIN_HINT);
    assert!(hint.enabled, "the hint opens the window");
    assert_eq!(TrayAction::of_item(&hint.id), Some(TrayAction::Open));
    assert_eq!(
        section.summary.as_deref(),
        Some("4 of 8 colleagues available")
    );
    assert!(colleagues(&section).iter().all(|c| !c.favourite));
}

#[test]
fn favourites_take_the_places_of_the_relevant_people() {
    // Anna and Paul are not among the eight most relevant; Jan is the most relevant of all.
    let section = Section::of(
        &favour(office(), &["id-03", "id-08", "id-12"]),
        Lang::En,
        false,
    );
    assert_eq!(
        rows(&section),
        [
            "(Favourites)",
            "Anna Berg – Available",
            "Jan Wolf – In a meeting",
            "Paul Kern – In a call",
            "(Frequent contacts)",
            "Ida Roth – Available",
            "Ömer Yilmaz – Available",
            "Zoe Adler – Available",
            "Bernd Ulm – In a meeting",
            "Eva Lang – Offline",
        ]
    );
    let shown = colleagues(&section);
    assert!(shown[..3].iter().all(|c| c.favourite));
    assert!(shown[3..].iter().all(|c| !c.favourite));
    // Headings are not actions; the hint is gone once a favourite is set.
    assert!(section.rows.iter().all(|row| match row {
        SectionRow::Note(note) => !note.enabled && note.id != note::PIN_HINT,
        SectionRow::Colleague(_) => true,
    }));
    assert_eq!(
        section.summary.as_deref(),
        Some("1 of 3 favourites available")
    );

    // Eight favourites or more fill every place: all of them, nobody else, no headings.
    let nine = [
        "id-01", "id-02", "id-03", "id-04", "id-05", "id-06", "id-07", "id-08", "id-09",
    ];
    let section = Section::of(&favour(office(), &nine), Lang::En, false);
    assert_eq!(section.rows.len(), 9);
    assert!(colleagues(&section).iter().all(|c| c.favourite));
    assert_eq!(
        section.summary.as_deref(),
        Some("4 of 9 favourites available")
    );
}

#[test]
fn favourites_only_shows_no_relevant_people() {
    let none = Section::of(&office(), Lang::En, true);
    assert_eq!(
        rows(&none),
        ["(No favourites yet)", "(Pin colleagues in the window)"]
    );
    assert_eq!(none.summary, None);
    let two = Section::of(&favour(office(), &["id-04", "id-09"]), Lang::De, true);
    assert_eq!(rows(&two), ["Ida Roth – Verfügbar", "Carl Dorn – Abwesend"]);
    assert_eq!(two.summary.as_deref(), Some("1 von 2 Favoriten verfügbar"));
}

#[test]
fn nobody_to_show_says_so_and_points_to_the_window() {
    let empty = Section::of(&BridgeSnapshot::default(), Lang::De, false);
    assert_eq!(
        rows(&empty),
        ["(Noch keine Kollegen)", "(Kollegen im Fenster anheften)"]
    );
    assert_eq!(empty.summary, None);
}

#[test]
fn available_first_then_by_name_with_umlauts_among_their_letters() {
    let mut snapshot = office();
    for (colleague, name) in snapshot.colleagues.iter_mut().zip([
        "Özil Tan",
        "Arne Ek",
        "Ärger Ute",
        "Bea Aal",
        "Zacharias Zorn",
    ]) {
        colleague.person.display_name = name.into();
    }
    let ids = ["id-01", "id-02", "id-03", "id-04", "id-05"];
    let section = Section::of(&favour(snapshot, &ids), Lang::En, true);
    assert_eq!(
        rows(&section),
        [
            // Available: Ärger (as "Arger"), Özil (as "Ozil"), Zacharias.
            "Ärger Ute – Available",
            "Özil Tan – Available",
            "Zacharias Zorn – Available",
            // Not available: Arne, Bea.
            "Arne Ek – In a meeting",
            "Bea Aal – Away",
        ]
    );

    // Same name: the id decides, so the order never flips between two updates.
    let mut twins = office();
    twins.colleagues[0].person.display_name = "Anna Berg".into();
    let section = Section::of(&favour(twins, &["id-03", "id-01"]), Lang::En, true);
    let order: Vec<&str> = colleagues(&section)
        .iter()
        .map(|c| c.colleague_id.as_str())
        .collect();
    assert_eq!(order, ["id-01", "id-03"]);
}

#[test]
fn the_phone_and_its_marks_are_in_the_same_item_in_english_and_german() {
    let mut snapshot = favour(office(), &["id-01", "id-02"]);
    // Teams says available, the STARFACE phone is in a call: the phone wins.
    for (index, line) in [(0, TelephonyState::Active), (1, TelephonyState::Ringing)] {
        let colleague = &mut snapshot.colleagues[index];
        let phone = PhoneState::new(line);
        colleague.status = PersonStatus::merge(colleague.teams.as_ref(), Some(&phone));
        colleague.phone = Some(phone);
    }
    let en = Section::of(&snapshot, Lang::En, true);
    assert_eq!(
        rows(&en),
        ["Bernd Ulm – Ringing", "Zoe Adler – On the phone"]
    );
    assert!(colleagues(&en).iter().all(|c| c.dot == Dot::Busy));
    let de = Section::of(&snapshot, Lang::De, true);
    assert_eq!(
        rows(&de),
        ["Bernd Ulm – Klingelt", "Zoe Adler – Am Telefon"]
    );
    assert_eq!(de.summary.as_deref(), Some("0 von 2 Favoriten verfügbar"));

    let mut status = snapshot.colleagues[0].status;
    status.phone_dnd = true;
    status.calls_forwarded = true;
    assert_eq!(
        crate::colleague_status::text(Lang::En, &status),
        "On the phone · Phone on DND · Calls forwarded"
    );
    assert_eq!(
        crate::colleague_status::text(Lang::De, &status),
        "Am Telefon · Telefon auf „Nicht stören“ · Anrufe umgeleitet"
    );
}

#[test]
fn the_dot_is_the_windows_dot_of_the_merged_status() {
    let section = Section::of(&office(), Lang::En, false);
    for c in colleagues(&section) {
        let view = office()
            .colleagues
            .into_iter()
            .find(|v| v.person.id == c.colleague_id)
            .unwrap();
        assert_eq!(c.dot, view.row.unwrap().dot(), "{}", c.text);
    }
    let dots: Vec<Dot> = colleagues(&section).iter().map(|c| c.dot).collect();
    assert_eq!(
        dots,
        [
            Dot::Available,
            Dot::Available,
            Dot::Available,
            Dot::Available,
            Dot::Busy,
            Dot::Away,
            Dot::Offline,
            Dot::Busy
        ]
    );
}

#[test]
fn every_action_item_builds_the_allowlisted_link_the_window_opens() {
    let mut snapshot = favour(office(), &["id-01", "id-02", "id-03", "id-04"]);
    // Bernd: no phone. Anna: a STARFACE extension besides the business phone (it is called).
    // Carl: no address at all, so no Teams and no e-mail, and a number that is no number.
    snapshot.colleagues[1].person.phones.clear();
    snapshot.colleagues[2].person.starface = Some(StarfaceAccount {
        user_id: 3,
        login: "0003".into(),
        account_id: Some(30),
        internal_number: Some("107".into()),
    });
    let carl = &mut snapshot.colleagues[3].person;
    carl.mail = None;
    carl.user_principal_name = None;
    carl.phones = vec![Phone::new(PhoneKind::Business, "call me maybe")];
    snapshot.colleagues[0].alert = Some(AlertMode::Always);

    let section = Section::of(&snapshot, Lang::En, true);
    let by_id = |id: &str| {
        *colleagues(&section)
            .iter()
            .find(|c| c.colleague_id == id)
            .unwrap()
    };
    let texts =
        |c: &ColleagueEntry| -> Vec<String> { c.actions.iter().map(|a| a.text.clone()).collect() };
    assert_eq!(
        texts(by_id("id-01")),
        [
            "Chat in Teams",
            "Call in Teams",
            "Write an e-mail",
            "Call +49 40 123456-111",
            "Notify me when available",
            "Open contact card"
        ]
    );
    assert_eq!(
        texts(by_id("id-02")),
        [
            "Chat in Teams",
            "Call in Teams",
            "Write an e-mail",
            "Notify me when available",
            "Open contact card"
        ]
    );
    assert_eq!(texts(by_id("id-03"))[3], "Call 107");
    assert_eq!(
        texts(by_id("id-04")),
        ["Notify me when available", "Open contact card"]
    );
    let de = Section::of(&snapshot, Lang::De, true);
    let anna_de = colleagues(&de)
        .into_iter()
        .find(|c| c.colleague_id == "id-03")
        .unwrap()
        .clone();
    assert_eq!(
        texts(&anna_de),
        [
            "In Teams chatten",
            "In Teams anrufen",
            "E-Mail schreiben",
            "107 anrufen",
            "Benachrichtigen, wenn verfügbar",
            "Kontaktkarte öffnen"
        ]
    );

    for c in colleagues(&section) {
        let person = &snapshot
            .colleagues
            .iter()
            .find(|v| v.person.id == c.colleague_id)
            .unwrap()
            .person;
        for action in &c.actions {
            // The id says what a click does and to whom.
            assert_eq!(
                TrayAction::of_item(&action.id),
                Some(TrayAction::Colleague {
                    action: action.action,
                    colleague_id: c.colleague_id.clone()
                })
            );
            match action.action {
                ColleagueAction::Link(kind) => {
                    let url = action.url.as_deref().expect("a link item has its link");
                    assert_eq!(Ok(url.to_owned()), url_for(person, kind, None));
                    check_allowed(url).unwrap();
                    assert_eq!(action.checked, None);
                }
                ColleagueAction::NotifyWhenAvailable => {
                    assert_eq!(action.url, None);
                    assert_eq!(action.checked, Some(c.colleague_id == "id-01"));
                }
                ColleagueAction::OpenCard => {
                    assert_eq!((action.url.as_deref(), action.checked), (None, None));
                }
            }
        }
    }
    let zoe = by_id("id-01");
    let urls: Vec<&str> = zoe
        .actions
        .iter()
        .filter_map(|a| a.url.as_deref())
        .collect();
    assert_eq!(
        urls,
        [
            "https://teams.microsoft.com/l/chat/0/0?users=zoe.adler@example.onmicrosoft.com",
            "https://teams.microsoft.com/l/call/0/0?users=zoe.adler@example.onmicrosoft.com",
            "mailto:zoe.adler@example.de",
            "tel:+4940123456111",
        ]
    );
}

#[test]
fn a_name_is_text_not_a_template() {
    let mut snapshot = favour(office(), &["id-01"]);
    snapshot.colleagues[0].person.display_name = "{status} <b>{name}</b>".into();
    let section = Section::of(&snapshot, Lang::En, true);
    assert_eq!(rows(&section), ["{status} <b>{name}</b> – Available"]);
}

#[test]
fn item_ids_name_the_action_and_the_colleague() {
    assert_eq!(
        action_of_item("call:id-01"),
        Some((ColleagueAction::Link(LinkKind::TeamsCall), "id-01".into()))
    );
    assert_eq!(
        action_of_item("card:4f1c-aa"),
        Some((ColleagueAction::OpenCard, "4f1c-aa".into()))
    );
    assert_eq!(action_of_item("colleague:id-01"), None);
    assert_eq!(action_of_item("sip:id-01"), None);
    assert_eq!(action_of_item("notify:"), None);
    assert_eq!(ColleagueAction::Link(LinkKind::Sip).item_id("id-01"), None);
}
