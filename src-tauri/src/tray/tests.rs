//! The tray menu rendered onto Tauri's menu items on the mock runtime (the model itself is
//! tested in `window_model::tray`).

use bridge::{BridgeSnapshot, ColleagueView, SyncStateView, SyncView};
use presence_core::person_status::PersonStatus;
use presence_core::watch_list::AlertMode;
use presence_core::{Person, StatusRow, TeamsPresence};
use tauri::menu::MenuItemKind;
use tauri::test::MockRuntime;
use window_model::i18n::Lang;

use super::*;

fn colleague(id: &str, name: &str, teams: TeamsPresence, favourite: bool) -> ColleagueView {
    let mut person = Person::new(id, name);
    person.mail = Some(format!("{id}@example.de"));
    let status = PersonStatus::merge(Some(&teams), None);
    ColleagueView {
        person,
        row: Some(StatusRow::from_presence(&teams)),
        teams: Some(teams),
        updated_at_ms: Some(1_000),
        stale: false,
        phone: None,
        status,
        starface_chat: None,
        alert: None,
        favourite,
        free_busy: None,
    }
}

/// Running, Teams Busy / In a meeting, DND on, Anna and Ben favourites, Carl relevant.
fn in_a_meeting() -> BridgeSnapshot {
    let mut snapshot = BridgeSnapshot {
        sync: SyncView {
            state: SyncStateView::Running,
            ..SyncView::default()
        },
        colleagues: vec![
            colleague(
                "id-anna",
                "Anna Berg",
                TeamsPresence::new("Available", "Available"),
                true,
            ),
            colleague(
                "id-carl",
                "Carl Dorn",
                TeamsPresence::new("Away", "Away"),
                false,
            ),
            colleague(
                "id-ben",
                "Ben Cho",
                TeamsPresence::new("Busy", "InAMeeting"),
                true,
            ),
        ],
        relevant: vec!["id-carl".into()],
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

fn options(lang: Lang) -> MenuOptions {
    MenuOptions {
        lang,
        favourites_only: false,
    }
}

fn text(kind: &MenuItemKind<MockRuntime>) -> String {
    match kind {
        MenuItemKind::MenuItem(item) => item.text().unwrap(),
        MenuItemKind::Submenu(menu) => format!("{} >", menu.text().unwrap()),
        MenuItemKind::Check(item) => format!(
            "[{}] {}",
            if item.is_checked().unwrap() { "x" } else { " " },
            item.text().unwrap()
        ),
        MenuItemKind::Predefined(_) => "---".into(),
        MenuItemKind::Icon(item) => item.text().unwrap(),
    }
}

/// The whole rendered menu, top level, as text (`---` for separators, `>` for submenus).
fn rendered(menu: &TrayMenu<MockRuntime>) -> Vec<String> {
    menu.menu.items().unwrap().iter().map(text).collect()
}

/// The items of the colleague submenu `id`, as text.
fn submenu(menu: &TrayMenu<MockRuntime>, id: &str) -> Vec<String> {
    let kind = menu
        .menu
        .get(id)
        .unwrap_or_else(|| panic!("no {id} in the menu"));
    kind.as_submenu()
        .expect("a colleague is a submenu")
        .items()
        .unwrap()
        .iter()
        .map(text)
        .collect()
}

#[test]
fn open_is_the_first_item_and_colleagues_follow_the_status() {
    let app = tauri::test::mock_app();
    let (_menu, tray) = TrayMenu::build(app.handle(), options(Lang::En)).unwrap();
    tray.present(app.handle(), &in_a_meeting());
    assert_eq!(
        rendered(&tray),
        [
            "Open Presence Bridge",
            "---",
            "Teams: Busy - In a meeting · STARFACE: DND on",
            "---",
            "Favourites",
            "Anna Berg – Available >",
            "Ben Cho – In a meeting >",
            "Frequent contacts",
            "Carl Dorn – Away >",
            "---",
            "Pause >",
            "Resume",
            "Sync now",
            "---",
            "Settings",
            "---",
            "Quit",
        ]
    );
    assert_eq!(
        submenu(&tray, "colleague:id-anna"),
        [
            "Chat in Teams",
            "Call in Teams",
            "Write an e-mail",
            "[ ] Notify me when available",
            "Open contact card",
        ]
    );
}

#[test]
fn rendering_applies_the_model_to_tauri_menu_items() {
    let app = tauri::test::mock_app();
    let (_menu, tray) = TrayMenu::build(app.handle(), options(Lang::De)).unwrap();
    assert_eq!(tray.quit.text().unwrap(), "Beenden");

    tray.present(app.handle(), &in_a_meeting());
    assert_eq!(
        tray.status.text().unwrap(),
        "Teams: Beschäftigt - In einer Besprechung · STARFACE: DND an"
    );
    assert!(tray.pause.is_enabled().unwrap() && tray.sync_now.is_enabled().unwrap());
    assert!(!tray.resume.is_enabled().unwrap());

    // Marks Ben's rendered submenu behind the model's back: a relabel in place keeps the mark,
    // a rebuilt submenu would not.
    let ben = tray.menu.get("colleague:id-ben").unwrap();
    ben.as_submenu().unwrap().set_enabled(false).unwrap();
    let mut paused = with_state(SyncStateView::Paused { until_ms: 60_000 });
    let presenting = TeamsPresence::new("DoNotDisturb", "Presenting");
    paused.colleagues[2].status = PersonStatus::merge(Some(&presenting), None);
    paused.colleagues[2].teams = Some(presenting);
    paused.colleagues[1].alert = Some(AlertMode::Once);
    tray.present(app.handle(), &paused);
    assert!(tray.status.text().unwrap().starts_with("Pausiert · "));
    assert!(!tray.pause.is_enabled().unwrap() && !tray.sync_now.is_enabled().unwrap());
    assert!(tray.resume.is_enabled().unwrap());
    let ben = tray.menu.get("colleague:id-ben").unwrap();
    let ben = ben.as_submenu().unwrap();
    assert_eq!(ben.text().unwrap(), "Ben Cho – Präsentiert");
    assert!(!ben.is_enabled().unwrap(), "relabelled in place");
    assert_eq!(
        submenu(&tray, "colleague:id-carl")[3],
        "[x] Benachrichtigen, wenn verfügbar"
    );

    // Favourites removed: the three are relevant people now (no headings), with the hint.
    let mut none = paused.clone();
    for colleague in &mut none.colleagues {
        colleague.favourite = false;
    }
    none.relevant = vec!["id-carl".into(), "id-ben".into(), "id-anna".into()];
    tray.present(app.handle(), &none);
    assert_eq!(
        rendered(&tray)[4..9],
        [
            "Anna Berg – Verfügbar >",
            "Ben Cho – Präsentiert >",
            "Carl Dorn – Abwesend >",
            "Kollegen im Fenster anheften",
            "---",
        ]
    );
    // Ben kept his submenu through the rearrangement.
    let ben = tray.menu.get("colleague:id-ben").unwrap();
    assert!(!ben.as_submenu().unwrap().is_enabled().unwrap());

    lock(&tray.shown).options = options(Lang::En);
    tray.present(app.handle(), &in_a_meeting());
    assert_eq!(tray.resume.text().unwrap(), "Resume");
    assert_eq!(
        rendered(&tray)[4..10],
        [
            "Favourites",
            "Anna Berg – Available >",
            "Ben Cho – In a meeting >",
            "Frequent contacts",
            "Carl Dorn – Away >",
            "---",
        ]
    );
}

#[test]
fn a_colleague_who_becomes_available_moves_up_and_keeps_the_other_items() {
    let app = tauri::test::mock_app();
    let (_menu, tray) = TrayMenu::build(app.handle(), options(Lang::En)).unwrap();
    tray.present(app.handle(), &in_a_meeting());
    let mut snapshot = in_a_meeting();
    for (index, teams) in [
        (0, TeamsPresence::new("Away", "Away")),
        (2, TeamsPresence::new("Available", "Available")),
    ] {
        snapshot.colleagues[index].status = PersonStatus::merge(Some(&teams), None);
        snapshot.colleagues[index].teams = Some(teams);
    }
    tray.present(app.handle(), &snapshot);
    assert_eq!(
        rendered(&tray)[4..8],
        [
            "Favourites",
            "Ben Cho – Available >",
            "Anna Berg – Away >",
            "Frequent contacts",
        ]
    );
    assert_eq!(submenu(&tray, "colleague:id-ben").len(), 5);
}

#[test]
fn the_links_of_the_items_are_the_models_and_gone_items_have_none() {
    let app = tauri::test::mock_app();
    let (_menu, tray) = TrayMenu::build(app.handle(), options(Lang::En)).unwrap();
    tray.present(app.handle(), &in_a_meeting());
    assert_eq!(
        tray.link("email:id-anna").as_deref(),
        Some("mailto:id-anna@example.de")
    );
    assert_eq!(
        tray.link("chat:id-carl").as_deref(),
        Some("https://teams.microsoft.com/l/chat/0/0?users=id-carl@example.de")
    );
    assert_eq!(tray.link("notify:id-carl"), None, "not a link");
    assert_eq!(tray.link("email:id-nobody"), None);
    assert_eq!(tray.ticked("notify:id-carl"), Some(false));

    // A click ticks the item at once; when the command fails the model's tick comes back.
    let carl = tray.menu.get("colleague:id-carl").unwrap();
    let notify = carl.as_submenu().unwrap().get("notify:id-carl").unwrap();
    let notify = notify.as_check_menuitem().unwrap();
    notify.set_checked(true).unwrap();
    tray.retick("notify:id-carl");
    assert!(!notify.is_checked().unwrap());
}

#[test]
fn an_ampersand_in_a_name_is_shown_not_taken_for_a_mnemonic() {
    let app = tauri::test::mock_app();
    let (_menu, tray) = TrayMenu::build(app.handle(), options(Lang::En)).unwrap();
    let mut snapshot = in_a_meeting();
    snapshot.colleagues[0].person.display_name = "Sales & Marketing".into();
    tray.present(app.handle(), &snapshot);
    // `&&` is how a menu label shows one `&`.
    assert_eq!(rendered(&tray)[5], "Sales && Marketing – Available >");
    snapshot.colleagues[0].person.display_name = "R&D".into();
    tray.present(app.handle(), &snapshot);
    assert_eq!(rendered(&tray)[5], "R&&D – Available >");
}
