//! The tray menu rendered onto Tauri's menu items on the mock runtime (the model itself is
//! tested in `window_model::tray`).

use bridge::{BridgeSnapshot, ColleagueView, SyncStateView, SyncView};
use presence_core::person_status::{PersonActivity, PersonStatus};
use presence_core::{Person, StatusRow, TeamsPresence};
use tauri::test::MockRuntime;

use super::*;

fn colleague(id: &str, name: &str, row: StatusRow, favourite: bool) -> ColleagueView {
    ColleagueView {
        person: Person::new(id, name),
        teams: None,
        row: Some(row),
        updated_at_ms: Some(1_000),
        stale: false,
        phone: None,
        status: PersonStatus {
            activity: PersonActivity::Teams(row),
            dot: row.dot(),
            phone_dnd: false,
            calls_forwarded: false,
            free: row == StatusRow::Available,
        },
        starface_chat: None,
        alert: None,
        favourite,
        free_busy: None,
    }
}

/// Running, Teams Busy / In a meeting, DND on, Anna and Ben favourites, Carl not.
fn in_a_meeting() -> BridgeSnapshot {
    let mut snapshot = BridgeSnapshot {
        sync: SyncView {
            state: SyncStateView::Running,
            ..SyncView::default()
        },
        colleagues: vec![
            colleague("id-anna", "Anna Berg", StatusRow::Available, true),
            colleague("id-carl", "Carl Dorn", StatusRow::Away, false),
            colleague("id-ben", "Ben Cho", StatusRow::BusyMeeting, true),
        ],
        ..BridgeSnapshot::default()
    };
    snapshot.own.teams = Some(TeamsPresence::new("Busy", "InAMeeting"));
    snapshot.own.row = Some(StatusRow::BusyMeeting);
    snapshot.own.starface_dnd = Some(true);
    snapshot
}

fn with_state(state: SyncStateView) -> BridgeSnapshot {
    let mut snapshot = in_a_meeting();
    snapshot.sync.state = state;
    snapshot
}

/// The texts of the rendered favourites' submenu.
fn rendered_favourites(menu: &TrayMenu<MockRuntime>) -> Vec<(String, bool)> {
    menu.favourites
        .items()
        .unwrap()
        .iter()
        .map(|kind| {
            let item = kind.as_menuitem().expect("favourites are plain items");
            (item.text().unwrap(), item.is_enabled().unwrap())
        })
        .collect()
}

#[test]
fn rendering_applies_the_model_to_tauri_menu_items() {
    let app = tauri::test::mock_app();
    let (_menu, tray) = TrayMenu::build(app.handle(), Lang::De).unwrap();
    assert_eq!(tray.quit.text().unwrap(), "Beenden");

    tray.present(app.handle(), &in_a_meeting());
    assert_eq!(
        tray.status.text().unwrap(),
        "Teams: Beschäftigt - In einer Besprechung · STARFACE: DND an"
    );
    assert!(tray.pause.is_enabled().unwrap() && tray.sync_now.is_enabled().unwrap());
    assert!(!tray.resume.is_enabled().unwrap());
    assert_eq!(
        rendered_favourites(&tray),
        [
            ("● Anna Berg – Verfügbar".to_owned(), true),
            ("■ Ben Cho – In einer Besprechung".to_owned(), true)
        ]
    );

    // Marks Anna's rendered item behind the model's back: a relabel in place keeps the mark,
    // a rebuilt item would not.
    lock(&tray.shown).favourite_items[0]
        .set_enabled(false)
        .unwrap();
    let mut paused = with_state(SyncStateView::Paused { until_ms: 60_000 });
    paused.colleagues[0].row = Some(StatusRow::Away);
    paused.colleagues[0].status.activity = PersonActivity::Teams(StatusRow::Away);
    paused.colleagues[0].status.dot = StatusRow::Away.dot();
    tray.present(app.handle(), &paused);
    assert!(tray.status.text().unwrap().starts_with("Pausiert · "));
    assert!(!tray.pause.is_enabled().unwrap() && !tray.sync_now.is_enabled().unwrap());
    assert!(tray.resume.is_enabled().unwrap());
    assert_eq!(
        rendered_favourites(&tray),
        [
            ("◔ Anna Berg – Abwesend".to_owned(), false),
            ("■ Ben Cho – In einer Besprechung".to_owned(), true)
        ]
    );

    // Favourites removed: the submenu is refilled with the disabled placeholder.
    for colleague in &mut paused.colleagues {
        colleague.favourite = false;
    }
    tray.present(app.handle(), &paused);
    assert_eq!(
        rendered_favourites(&tray),
        [("Noch keine Favoriten".to_owned(), false)]
    );

    lock(&tray.shown).lang = Lang::En;
    tray.present(app.handle(), &in_a_meeting());
    assert_eq!(tray.resume.text().unwrap(), "Resume");
    assert_eq!(tray.favourites.text().unwrap(), "Favourites");
    assert_eq!(
        rendered_favourites(&tray),
        [
            ("● Anna Berg – Available".to_owned(), true),
            ("■ Ben Cho – In a meeting".to_owned(), true)
        ]
    );
}
