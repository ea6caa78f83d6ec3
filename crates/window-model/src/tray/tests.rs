//! The tray menu's model for snapshots in English and German, and its diff.

use bridge::{BridgeSnapshot, BridgeWarning, ColleagueView, Service, SyncStateView, SyncView};
use presence_core::person_status::{PersonStatus, PhoneState};
use presence_core::watch_list::AlertMode;
use presence_core::{Dot, Person, Phone, PhoneKind, StatusRow, TeamsPresence, TelephonyState};

use super::*;

fn colleague(id: &str, name: &str, mail: &str, teams: TeamsPresence) -> ColleagueView {
    let mut person = Person::new(id, name);
    person.mail = Some(mail.into());
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
        favourite: false,
        free_busy: None,
    }
}

const EN: MenuOptions = MenuOptions {
    lang: Lang::En,
    favourites_only: false,
};
const DE: MenuOptions = MenuOptions {
    lang: Lang::De,
    favourites_only: false,
};

/// Running, Teams Busy / In a meeting, DND on, three watched colleagues (all relevant), Anna
/// and Ben favourites.
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
                "anna.berg@example.de",
                TeamsPresence::new("Available", "Available"),
            ),
            colleague(
                "id-carl",
                "Carl Dorn",
                "carl.dorn@example.de",
                TeamsPresence::new("Away", "Away"),
            ),
            colleague(
                "id-ben",
                "Ben Cho",
                "ben.cho@example.de",
                TeamsPresence::new("Busy", "InAMeeting"),
            ),
        ],
        relevant: vec!["id-carl".into(), "id-ben".into(), "id-anna".into()],
        ..BridgeSnapshot::default()
    };
    snapshot.own.teams = Some(TeamsPresence::new("Busy", "InAMeeting"));
    snapshot.own.row = Some(StatusRow::BusyMeeting);
    snapshot.own.starface_dnd = Some(true);
    favour(snapshot, &["id-anna", "id-ben"])
}

/// `snapshot` with exactly the colleagues `ids` as favourites.
fn favour(mut snapshot: BridgeSnapshot, ids: &[&str]) -> BridgeSnapshot {
    for colleague in &mut snapshot.colleagues {
        colleague.favourite = ids.contains(&colleague.person.id.as_str());
    }
    snapshot
}

fn set_teams(snapshot: &mut BridgeSnapshot, index: usize, teams: TeamsPresence) {
    let colleague = &mut snapshot.colleagues[index];
    colleague.row = Some(StatusRow::from_presence(&teams));
    colleague.status = PersonStatus::merge(Some(&teams), colleague.phone.as_ref());
    colleague.teams = Some(teams);
}

fn with_state(state: SyncStateView) -> BridgeSnapshot {
    let mut snapshot = in_a_meeting();
    snapshot.sync.state = state;
    snapshot
}

fn sign_in_needed(service: Service) -> BridgeSnapshot {
    let mut snapshot = in_a_meeting();
    snapshot.sync.warnings = vec![BridgeWarning::SignInNeeded {
        service,
        reason: "invalid_grant".into(),
    }];
    snapshot
}

fn texts(entries: &[MenuEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.text.as_str()).collect()
}

fn row_texts(model: &MenuModel) -> Vec<&str> {
    model
        .colleagues
        .iter()
        .map(|row| match row {
            SectionRow::Colleague(c) => c.text.as_str(),
            SectionRow::Note(note) => note.text.as_str(),
        })
        .collect()
}

/// Every id of the menu: fixed entries, section rows, colleagues' items.
fn ids(model: &MenuModel) -> Vec<&str> {
    let mut ids: Vec<&str> = model.fixed().into_iter().map(|e| e.id.as_str()).collect();
    for row in &model.colleagues {
        ids.push(row.id());
        if let SectionRow::Colleague(c) = row {
            ids.extend(c.actions.iter().map(|a| a.id.as_str()));
        }
    }
    ids
}

#[test]
fn status_line_names_both_sides_in_english_and_german() {
    let snapshot = in_a_meeting();
    assert_eq!(
        status_line(Lang::En, &snapshot),
        "Teams: Busy - In a meeting · STARFACE: DND on"
    );
    assert_eq!(
        status_line(Lang::De, &snapshot),
        "Teams: Beschäftigt - In einer Besprechung · STARFACE: DND an"
    );
    let mut unread = in_a_meeting();
    unread.own.teams = None;
    unread.own.starface_dnd = Some(false);
    assert_eq!(
        status_line(Lang::En, &unread),
        "Teams: not read yet · STARFACE: DND off"
    );
    assert_eq!(
        status_line(Lang::De, &unread),
        "Teams: noch nicht gelesen · STARFACE: DND aus"
    );
}

#[test]
fn open_comes_first_then_the_status_then_the_colleagues() {
    let model = MenuModel::of(&in_a_meeting(), EN);
    assert_eq!(model.fixed()[0].id, item::OPEN);
    assert_eq!(model.open.text, "Open Presence Bridge");
    assert!(model.open.enabled);
    assert_eq!(model.fixed()[1].id, item::STATUS);
    assert_eq!(
        row_texts(&model),
        [
            "Favourites",
            "Anna Berg – Available",
            "Ben Cho – In a meeting",
            "Frequent contacts",
            "Carl Dorn – Away",
        ]
    );
    assert_eq!(
        MenuModel::of(&in_a_meeting(), DE).open.text,
        "Presence Bridge öffnen"
    );
}

#[test]
fn running_menu_offers_pause_and_sync_now_and_the_tooltip_sums_up() {
    let model = MenuModel::of(&in_a_meeting(), EN);
    assert_eq!(model.icon, TrayState::DoNotDisturb);
    assert_eq!(
        model.tooltip,
        "Presence Bridge – 1 of 2 favourites available\n\
         Teams: Busy - In a meeting · STARFACE: DND on"
    );
    assert!(!model.status.enabled, "the status line is not an action");
    assert!(model.pause.enabled && model.sync_now.enabled);
    assert!(!model.resume.enabled);
    assert_eq!(
        texts(&model.pause_lengths),
        ["15 min", "1 hour", "Until tomorrow"]
    );
    assert_eq!(
        [&model.pause.text, &model.resume.text, &model.quit.text],
        ["Pause", "Resume", "Quit"]
    );
    let de = MenuModel::of(&in_a_meeting(), DE);
    assert_eq!(
        [
            &de.pause.text,
            &de.resume.text,
            &de.sync_now.text,
            &de.quit.text
        ],
        [
            "Pausieren",
            "Fortsetzen",
            "Jetzt synchronisieren",
            "Beenden"
        ]
    );
    assert!(
        de.tooltip
            .starts_with("Presence Bridge – 1 von 2 Favoriten verfügbar\nTeams: Beschäftigt"),
        "{}",
        de.tooltip
    );
    // Nobody shown: the tooltip has the status only.
    let nobody = MenuModel::of(&BridgeSnapshot::default(), EN);
    assert!(
        nobody.tooltip.starts_with("Presence Bridge\nTeams: "),
        "{}",
        nobody.tooltip
    );
}

#[test]
fn paused_menu_offers_resume_only_and_says_so() {
    for state in [
        SyncStateView::Paused {
            until_ms: 3_600_000,
        },
        SyncStateView::Stopped,
    ] {
        let model = MenuModel::of(&with_state(state.clone()), EN);
        assert_eq!(model.icon, TrayState::Paused, "{state:?}");
        assert!(model.resume.enabled, "{state:?}");
        assert!(!model.pause.enabled && !model.sync_now.enabled, "{state:?}");
    }
    let paused = with_state(SyncStateView::Paused { until_ms: 60_000 });
    assert_eq!(
        status_line(Lang::En, &paused),
        "Paused · Teams: Busy - In a meeting · STARFACE: DND on"
    );
    assert_eq!(
        status_line(Lang::De, &paused),
        "Pausiert · Teams: Beschäftigt - In einer Besprechung · STARFACE: DND an"
    );
    assert_eq!(
        status_line(Lang::De, &with_state(SyncStateView::Stopped)),
        "Angehalten · Teams: Beschäftigt - In einer Besprechung · STARFACE: DND an"
    );
}

#[test]
fn error_states_show_the_error_icon_and_replace_the_stale_side() {
    let microsoft = sign_in_needed(Service::Microsoft);
    let model = MenuModel::of(&microsoft, EN);
    assert_eq!(model.icon, TrayState::Error);
    assert_eq!(
        model.status.text,
        "Teams: Session expired · STARFACE: DND on"
    );
    // The sync still runs for the other side: pausing stays possible.
    assert!(model.pause.enabled && !model.resume.enabled);
    assert_eq!(
        status_line(Lang::De, &microsoft),
        "Teams: Sitzung abgelaufen · STARFACE: DND an"
    );

    let starface = sign_in_needed(Service::Starface);
    assert_eq!(
        status_line(Lang::En, &starface),
        "Teams: Busy - In a meeting · STARFACE: Connection failed"
    );

    // A sync that cannot start because the stored password belongs to another PBX says so.
    let not_started = BridgeSnapshot {
        sync: bridge::SyncView {
            state: SyncStateView::NotConfigured,
            warnings: vec![BridgeWarning::StarfaceSecretNeeded {
                secret: bridge::secrets::StarfaceSecret::Password,
                need: bridge::secrets::SecretNeed::StoredForAnotherServer {
                    stored_for: "0001 at https://pbx.example.com".into(),
                },
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let model = MenuModel::of(&not_started, EN);
    assert_eq!(model.icon, TrayState::Error);
    assert_eq!(
        model.status.text,
        "Teams: not read yet · STARFACE: Sign-in needed"
    );
    assert_eq!(
        status_line(Lang::De, &not_started),
        "Teams: noch nicht gelesen · STARFACE: Anmeldung nötig"
    );

    let conflict = MenuModel::of(&with_state(SyncStateView::AnotherSyncSuspected), DE);
    assert_eq!(conflict.icon, TrayState::Error);
    assert!(
        conflict
            .status
            .text
            .starts_with("Entscheidung nötig · Teams: "),
        "{}",
        conflict.status.text
    );
}

#[test]
fn not_configured_menu_points_to_settings_and_offers_no_sync_actions() {
    let not_configured = BridgeSnapshot {
        sync: SyncView {
            state: SyncStateView::NotConfigured,
            ..SyncView::default()
        },
        ..BridgeSnapshot::default()
    };
    let model = MenuModel::of(&not_configured, EN);
    assert_eq!(model.status.text, "Not set up yet – open Settings");
    assert_eq!(model.icon, TrayState::Unknown);
    assert!(!model.pause.enabled && !model.resume.enabled && !model.sync_now.enabled);
    assert!(model.open.enabled && model.settings.enabled && model.quit.enabled);
    assert_eq!(
        row_texts(&model),
        ["No colleagues yet", "Pin colleagues in the window"]
    );
}

#[test]
fn a_presence_change_updates_that_colleagues_text_and_icon_only() {
    let before = MenuModel::of(&in_a_meeting(), EN);
    let mut snapshot = in_a_meeting();
    // Ben stays where he is (not available either way); DND goes off.
    set_teams(
        &mut snapshot,
        2,
        TeamsPresence::new("DoNotDisturb", "Presenting"),
    );
    snapshot.own.starface_dnd = Some(false);
    let after = MenuModel::of(&snapshot, EN);
    assert_eq!(ids(&before), ids(&after));
    assert_eq!(
        after.changes_from(Some(&before)),
        [
            MenuChange::Text {
                id: item::STATUS.into(),
                text: "Teams: Busy - In a meeting · STARFACE: DND off".into(),
            },
            MenuChange::Text {
                id: "colleague:id-ben".into(),
                text: "Ben Cho – Presenting".into(),
            },
            MenuChange::Icon {
                id: "colleague:id-ben".into(),
                dot: Dot::DoNotDisturb,
            },
        ]
    );
    // Another activity with the same dot: the text only.
    let mut meeting_to_call = in_a_meeting();
    set_teams(
        &mut meeting_to_call,
        2,
        TeamsPresence::new("Busy", "InACall"),
    );
    assert_eq!(
        MenuModel::of(&meeting_to_call, EN).changes_from(Some(&before)),
        [MenuChange::Text {
            id: "colleague:id-ben".into(),
            text: "Ben Cho – In a call".into(),
        }]
    );
}

#[test]
fn a_colleague_on_the_starface_phone_shows_it_in_the_row_whatever_teams_says() {
    let mut snapshot = in_a_meeting();
    let teams = TeamsPresence::new("Available", "Available");
    let mut phone = PhoneState::new(TelephonyState::Active);
    phone.calls_forwarded = true;
    snapshot.colleagues[0].status = PersonStatus::merge(Some(&teams), Some(&phone));
    let row = |options| {
        MenuModel::of(&snapshot, options)
            .colleagues
            .into_iter()
            .find_map(|row| match row {
                SectionRow::Colleague(c) if c.id == "colleague:id-anna" => Some((c.text, c.dot)),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(
        row(EN),
        (
            "Anna Berg – On the phone · Calls forwarded".into(),
            Dot::Busy
        )
    );
    assert_eq!(row(DE).0, "Anna Berg – Am Telefon · Anrufe umgeleitet");
}

#[test]
fn nothing_changes_nothing() {
    let model = MenuModel::of(&in_a_meeting(), EN);
    assert_eq!(
        MenuModel::of(&in_a_meeting(), EN).changes_from(Some(&model)),
        []
    );
    // What the menu does not show (freshness, the time of a reading) changes nothing either.
    let mut later = in_a_meeting();
    for colleague in &mut later.colleagues {
        colleague.updated_at_ms = Some(90_000);
        colleague.stale = true;
    }
    later.sync.last_sync_ms = Some(90_000);
    assert_eq!(MenuModel::of(&later, EN), model);
}

#[test]
fn a_colleague_becoming_available_moves_up_without_rebuilding_the_others() {
    let before = MenuModel::of(&in_a_meeting(), EN);
    let mut snapshot = in_a_meeting();
    // Ben becomes available and Anna goes away: Ben moves above her.
    set_teams(&mut snapshot, 0, TeamsPresence::new("Away", "Away"));
    set_teams(
        &mut snapshot,
        2,
        TeamsPresence::new("Available", "Available"),
    );
    let after = MenuModel::of(&snapshot, EN);
    let changes = after.changes_from(Some(&before));
    assert_eq!(
        changes[0],
        MenuChange::Rows(after.colleagues.clone()),
        "{changes:#?}"
    );
    assert_eq!(
        row_texts(&after)[1..3],
        ["Ben Cho – Available", "Anna Berg – Away"]
    );
    // Then each moved colleague's own changes, nothing else: no submenu is refilled.
    assert_eq!(
        changes[1..],
        [
            MenuChange::Text {
                id: "colleague:id-ben".into(),
                text: "Ben Cho – Available".into()
            },
            MenuChange::Icon {
                id: "colleague:id-ben".into(),
                dot: Dot::Available
            },
            MenuChange::Text {
                id: "colleague:id-anna".into(),
                text: "Anna Berg – Away".into()
            },
            MenuChange::Icon {
                id: "colleague:id-anna".into(),
                dot: Dot::Away
            },
        ]
    );
}

#[test]
fn an_alert_ticks_its_item_and_a_new_number_refills_that_submenu_only() {
    let before = MenuModel::of(&in_a_meeting(), EN);
    let mut alerted = in_a_meeting();
    alerted.colleagues[1].alert = Some(AlertMode::Once);
    let after = MenuModel::of(&alerted, EN);
    assert_eq!(
        after.changes_from(Some(&before)),
        [MenuChange::Checked {
            id: "notify:id-carl".into(),
            checked: true
        }]
    );
    assert_eq!(
        after.action("notify:id-carl").and_then(|a| a.checked),
        Some(true)
    );

    let mut with_phone = in_a_meeting();
    with_phone.colleagues[0].person.phones = vec![Phone::new(PhoneKind::Mobile, "0171 5550101")];
    let after = MenuModel::of(&with_phone, EN);
    let anna = after.colleague("id-anna").unwrap();
    assert_eq!(
        after.changes_from(Some(&before)),
        [MenuChange::Actions {
            id: "colleague:id-anna".into(),
            actions: anna.actions.clone()
        }]
    );
    assert_eq!(
        after.action("phone:id-anna").and_then(|a| a.url.as_deref()),
        Some("tel:+491715550101")
    );
}

#[test]
fn other_favourites_rearrange_the_section() {
    let two = MenuModel::of(&in_a_meeting(), EN);
    let three = MenuModel::of(
        &favour(in_a_meeting(), &["id-anna", "id-ben", "id-carl"]),
        EN,
    );
    // Three favourites and nobody else: no headings any more; Carl keeps his submenu.
    assert_eq!(
        three.changes_from(Some(&two)),
        [MenuChange::Rows(three.colleagues.clone())]
    );
    assert_eq!(
        row_texts(&three),
        [
            "Anna Berg – Available",
            "Ben Cho – In a meeting",
            "Carl Dorn – Away"
        ]
    );
    let none = MenuModel::of(&favour(in_a_meeting(), &[]), EN);
    assert_eq!(
        row_texts(&none),
        [
            "Anna Berg – Available",
            "Ben Cho – In a meeting",
            "Carl Dorn – Away",
            "Pin colleagues in the window"
        ]
    );
    let only = MenuModel::of(
        &favour(in_a_meeting(), &[]),
        MenuOptions {
            favourites_only: true,
            ..EN
        },
    );
    assert_eq!(
        row_texts(&only),
        ["No favourites yet", "Pin colleagues in the window"]
    );
}

#[test]
fn language_switch_relabels_everything_and_rebuilds_nothing() {
    let en = MenuModel::of(&in_a_meeting(), EN);
    let de = MenuModel::of(&in_a_meeting(), DE);
    let changes = de.changes_from(Some(&en));
    let relabelled: Vec<&str> = changes
        .iter()
        .map(|c| match c {
            MenuChange::Text { id, .. } => id.as_str(),
            other => panic!("only labels change: {other:?}"),
        })
        .collect();
    // Every entry has a German text of its own, colleagues and their items included (but the
    // names), and none is rebuilt.
    assert_eq!(relabelled, ids(&de));
    assert_eq!(
        row_texts(&de),
        [
            "Favoriten",
            "Anna Berg – Verfügbar",
            "Ben Cho – In einer Besprechung",
            "Häufige Kontakte",
            "Carl Dorn – Abwesend",
        ]
    );
}

#[test]
fn first_show_sets_every_entry() {
    let model = MenuModel::of(&in_a_meeting(), EN);
    let changes = model.changes_from(None);
    for entry in model.fixed() {
        assert!(changes.contains(&MenuChange::Text {
            id: entry.id.clone(),
            text: entry.text.clone()
        }));
        assert!(changes.contains(&MenuChange::Enabled {
            id: entry.id.clone(),
            enabled: entry.enabled
        }));
    }
    assert!(changes.contains(&MenuChange::Rows(model.colleagues.clone())));
}

#[test]
fn the_test_hook_line_carries_the_menu() {
    let running = MenuModel::of(&in_a_meeting(), EN);
    let line = running.as_line();
    assert_eq!(
        line,
        "icon=DoNotDisturb | open=Open Presence Bridge \
         | status=Teams: Busy - In a meeting · STARFACE: DND on \
         | colleagues=(Favourites); \
         Anna Berg – Available [available] {Chat in Teams · Call in Teams · Write an e-mail · \
         [ ] Notify me when available · Open contact card}; \
         Ben Cho – In a meeting [busy] {Chat in Teams · Call in Teams · Write an e-mail · \
         [ ] Notify me when available · Open contact card}; \
         (Frequent contacts); \
         Carl Dorn – Away [away] {Chat in Teams · Call in Teams · Write an e-mail · \
         [ ] Notify me when available · Open contact card} \
         | tooltip=Presence Bridge – 1 of 2 favourites available \
         / Teams: Busy - In a meeting · STARFACE: DND on \
         | resume=false"
    );
    let paused = with_state(SyncStateView::Paused { until_ms: 60_000 });
    let paused = MenuModel::of(&paused, EN).as_line();
    assert!(paused.starts_with("icon=Paused"), "{paused}");
    assert!(paused.ends_with("| resume=true"), "{paused}");
}

#[test]
fn the_status_line_names_the_activity_only_when_it_adds_something() {
    let mut snapshot = in_a_meeting();
    snapshot.own.starface_dnd = Some(false);
    for (availability, activity, en, de) in [
        ("Available", "Available", "Available", "Verfügbar"),
        ("Busy", "Busy", "Busy", "Beschäftigt"),
        ("Away", "Away", "Away", "Abwesend"),
        (
            "Offline",
            "OffWork",
            "Offline - Off work",
            "Offline - Feierabend",
        ),
        (
            "Away",
            "BeRightBack",
            "Away - Be right back",
            "Abwesend - Bin gleich zurück",
        ),
        // Values this version does not know are shown as Graph spells them.
        (
            "Available",
            "Focusing",
            "Available - Focusing",
            "Verfügbar - Konzentriert",
        ),
        ("Busy", "Lunch", "Busy - Lunch", "Beschäftigt - Lunch"),
    ] {
        snapshot.own.teams = Some(TeamsPresence::new(availability, activity));
        assert_eq!(
            status_line(Lang::En, &snapshot),
            format!("Teams: {en} · STARFACE: DND off")
        );
        assert_eq!(
            status_line(Lang::De, &snapshot),
            format!("Teams: {de} · STARFACE: DND aus")
        );
    }
}

#[test]
fn every_item_with_an_action_says_which() {
    let model = MenuModel::of(&in_a_meeting(), EN);
    let actions: Vec<Option<TrayAction>> = model
        .fixed()
        .into_iter()
        .map(|entry| TrayAction::of_item(&entry.id))
        .collect();
    assert_eq!(
        actions,
        [
            Some(TrayAction::Open),
            None,
            None,
            Some(TrayAction::Pause(PauseLength::FifteenMinutes)),
            Some(TrayAction::Pause(PauseLength::OneHour)),
            Some(TrayAction::Pause(PauseLength::UntilTomorrow)),
            Some(TrayAction::Resume),
            Some(TrayAction::SyncNow),
            Some(TrayAction::Settings),
            Some(TrayAction::Quit),
        ]
    );
    // Headings and the colleagues' submenus themselves do nothing; their items do.
    for row in &model.colleagues {
        assert_eq!(TrayAction::of_item(row.id()), None, "{}", row.id());
    }
    assert_eq!(
        TrayAction::of_item("chat:id-ben"),
        Some(TrayAction::Colleague {
            action: ColleagueAction::Link(crate::links::LinkKind::TeamsChat),
            colleague_id: "id-ben".into()
        })
    );
    assert_eq!(TrayAction::of_item(item::PIN_HINT), Some(TrayAction::Open));
}

#[test]
fn a_broken_policy_leads_the_status_line_and_shows_a_problem() {
    let broken = settings::BrokenPolicy {
        problem: "policy.toml: line 1, column 1: syntax error".into(),
        holds: settings::FailClosed::EverySetting,
    };
    let plain = MenuModel::of(&in_a_meeting(), EN);
    assert_eq!(plain.clone().with_broken_policy(Lang::En, None), plain);
    for (lang, words) in [
        (Lang::En, "Admin policy has errors"),
        (Lang::De, "Richtlinie der IT-Administration fehlerhaft"),
    ] {
        let options = MenuOptions {
            lang,
            favourites_only: false,
        };
        let menu = MenuModel::of(&in_a_meeting(), options).with_broken_policy(lang, Some(&broken));
        assert_eq!(menu.icon, TrayState::Error);
        assert!(menu.status.text.starts_with(words), "{}", menu.status.text);
        assert!(menu.tooltip.contains(words), "{}", menu.tooltip);
        // The user's own status is still there after it.
        assert!(
            menu.status.text.contains("STARFACE"),
            "{}",
            menu.status.text
        );
    }
}
