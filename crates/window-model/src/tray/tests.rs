//! The tray menu's model for snapshots in English and German, and its diff.

use bridge::{BridgeSnapshot, BridgeWarning, ColleagueView, Service, SyncStateView, SyncView};
use presence_core::person_status::{PersonActivity, PersonStatus};
use presence_core::{Person, StatusRow, TeamsPresence};

use super::*;

fn colleague(id: &str, name: &str, mail: &str, row: StatusRow) -> ColleagueView {
    let mut person = Person::new(id, name);
    person.mail = Some(mail.into());
    ColleagueView {
        person,
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
        favourite: false,
        free_busy: None,
    }
}

/// Running, Teams Busy / In a meeting, DND on, three watched colleagues, Anna and Ben favourites.
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
                StatusRow::Available,
            ),
            colleague(
                "id-carl",
                "Carl Dorn",
                "carl.dorn@example.de",
                StatusRow::Away,
            ),
            colleague(
                "id-ben",
                "Ben Cho",
                "ben.cho@example.de",
                StatusRow::BusyMeeting,
            ),
        ],
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

fn ids(model: &MenuModel) -> Vec<&str> {
    model
        .fixed()
        .into_iter()
        .chain(&model.favourites)
        .map(|e| e.id.as_str())
        .collect()
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
fn running_menu_offers_pause_and_sync_now_and_shows_the_tooltip() {
    let model = MenuModel::of(&in_a_meeting(), Lang::En);
    assert_eq!(model.icon, TrayState::DoNotDisturb);
    assert_eq!(
        model.tooltip,
        "Presence Bridge: Teams: Busy - In a meeting · STARFACE: DND on"
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
    let de = MenuModel::of(&in_a_meeting(), Lang::De);
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
    assert_eq!(de.favourites_menu.text, "Favoriten");
}

#[test]
fn favourites_show_glyph_name_and_status_in_snapshot_order() {
    let en = MenuModel::of(&in_a_meeting(), Lang::En);
    assert_eq!(
        texts(&en.favourites),
        ["● Anna Berg – Available", "■ Ben Cho – In a meeting"]
    );
    assert_eq!(
        en.favourites
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["favourite:id-anna", "favourite:id-ben"]
    );
    assert!(en.favourites.iter().all(|e| e.enabled));
    let de = MenuModel::of(&in_a_meeting(), Lang::De);
    assert_eq!(
        texts(&de.favourites),
        [
            "● Anna Berg – Verfügbar",
            "■ Ben Cho – In einer Besprechung"
        ]
    );

    let none = MenuModel::of(&favour(in_a_meeting(), &[]), Lang::De);
    assert_eq!(none.favourites.len(), 1);
    assert_eq!(none.favourites[0].id, item::NO_FAVOURITES);
    assert_eq!(none.favourites[0].text, "Noch keine Favoriten");
    assert!(!none.favourites[0].enabled);
}

#[test]
fn paused_menu_offers_resume_only_and_says_so() {
    for state in [
        SyncStateView::Paused {
            until_ms: 3_600_000,
        },
        SyncStateView::Stopped,
    ] {
        let model = MenuModel::of(&with_state(state.clone()), Lang::En);
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
    let model = MenuModel::of(&microsoft, Lang::En);
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
    let model = MenuModel::of(&not_started, Lang::En);
    assert_eq!(model.icon, TrayState::Error);
    assert_eq!(
        model.status.text,
        "Teams: not read yet · STARFACE: Sign-in needed"
    );
    assert_eq!(
        status_line(Lang::De, &not_started),
        "Teams: noch nicht gelesen · STARFACE: Anmeldung nötig"
    );

    let conflict = MenuModel::of(&with_state(SyncStateView::AnotherSyncSuspected), Lang::De);
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
    let model = MenuModel::of(&not_configured, Lang::En);
    assert_eq!(model.status.text, "Not set up yet – open Settings");
    assert_eq!(model.icon, TrayState::Unknown);
    assert!(!model.pause.enabled && !model.resume.enabled && !model.sync_now.enabled);
    assert!(model.open.enabled && model.settings.enabled && model.quit.enabled);
    assert_eq!(model.favourites[0].id, item::NO_FAVOURITES);
}

#[test]
fn presence_change_relabels_in_place_with_stable_ids() {
    let before = MenuModel::of(&in_a_meeting(), Lang::En);
    let mut snapshot = in_a_meeting();
    snapshot.colleagues[0].row = Some(StatusRow::BusyPhone);
    snapshot.colleagues[0].status.activity = PersonActivity::Teams(StatusRow::BusyPhone);
    snapshot.own.starface_dnd = Some(false);
    let after = MenuModel::of(&snapshot, Lang::En);
    assert_eq!(ids(&before), ids(&after));
    assert_eq!(
        after.changes_from(Some(&before)),
        [
            MenuChange::Text {
                id: item::STATUS.into(),
                text: "Teams: Busy - In a meeting · STARFACE: DND off".into(),
            },
            MenuChange::Text {
                id: "favourite:id-anna".into(),
                text: "■ Anna Berg – In a call".into(),
            },
        ]
    );
    assert_eq!(after.changes_from(Some(&after)), []);
}

#[test]
fn a_favourite_on_the_starface_phone_shows_it_in_the_item_whatever_teams_says() {
    let mut snapshot = in_a_meeting();
    let teams = TeamsPresence::new("Available", "Available");
    let mut phone =
        presence_core::person_status::PhoneState::new(presence_core::TelephonyState::Active);
    phone.calls_forwarded = true;
    snapshot.colleagues[0].status = PersonStatus::merge(Some(&teams), Some(&phone));
    let item = |lang| {
        MenuModel::of(&snapshot, lang)
            .favourites
            .into_iter()
            .find(|f| f.id == "favourite:id-anna")
            .unwrap()
            .text
    };
    assert_eq!(
        item(Lang::En),
        "☎ Anna Berg – On the phone · Calls forwarded"
    );
    assert_eq!(
        item(Lang::De),
        "☎ Anna Berg – Am Telefon · Anrufe umgeleitet"
    );
}

#[test]
fn pausing_changes_only_the_status_and_what_can_be_clicked() {
    let running = MenuModel::of(&in_a_meeting(), Lang::En);
    let paused = MenuModel::of(
        &with_state(SyncStateView::Paused { until_ms: 900_000 }),
        Lang::En,
    );
    let changes = paused.changes_from(Some(&running));
    let enabled: Vec<(&str, bool)> = changes
        .iter()
        .filter_map(|c| match c {
            MenuChange::Enabled { id, enabled } => Some((id.as_str(), *enabled)),
            _ => None,
        })
        .collect();
    assert_eq!(
        enabled,
        [
            (item::PAUSE, false),
            (item::RESUME, true),
            (item::SYNC_NOW, false)
        ]
    );
    let relabelled: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            MenuChange::Text { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(relabelled, [item::STATUS]);
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, MenuChange::Favourites(_))),
        "{changes:?}"
    );
}

#[test]
fn a_different_set_of_favourites_refills_the_submenu() {
    let two = MenuModel::of(&in_a_meeting(), Lang::En);
    let three = MenuModel::of(
        &favour(in_a_meeting(), &["id-anna", "id-ben", "id-carl"]),
        Lang::En,
    );
    // Carl sits between Anna and Ben in the snapshot, so the order is the snapshot's.
    assert_eq!(
        three.changes_from(Some(&two)),
        [MenuChange::Favourites(three.favourites.clone())]
    );
    assert_eq!(
        texts(&three.favourites),
        [
            "● Anna Berg – Available",
            "◔ Carl Dorn – Away",
            "■ Ben Cho – In a meeting"
        ]
    );
    let none = MenuModel::of(&favour(in_a_meeting(), &[]), Lang::En);
    assert_eq!(
        none.changes_from(Some(&two)),
        [MenuChange::Favourites(none.favourites.clone())]
    );
}

#[test]
fn language_switch_relabels_everything_and_rebuilds_nothing() {
    let en = MenuModel::of(&in_a_meeting(), Lang::En);
    let de = MenuModel::of(&in_a_meeting(), Lang::De);
    let changes = de.changes_from(Some(&en));
    let relabelled: Vec<&str> = changes
        .iter()
        .map(|c| match c {
            MenuChange::Text { id, .. } => id.as_str(),
            other => panic!("only labels change: {other:?}"),
        })
        .collect();
    // Every entry has a German text of its own, favourites included; none is rebuilt.
    assert_eq!(relabelled, ids(&de));
}

#[test]
fn first_show_sets_every_entry() {
    let model = MenuModel::of(&in_a_meeting(), Lang::En);
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
    assert!(changes.contains(&MenuChange::Favourites(model.favourites.clone())));
}

#[test]
fn the_test_hook_line_carries_icon_status_favourites_and_resume() {
    let running = MenuModel::of(&in_a_meeting(), Lang::En);
    let line = running.as_line();
    assert!(
        line.starts_with(
            "icon=DoNotDisturb | status=Teams: Busy - In a meeting · STARFACE: DND on | favourites="
        ),
        "{line}"
    );
    for favourite in &running.favourites {
        assert!(line.contains(&favourite.text), "{line}");
    }
    assert!(line.ends_with("| resume=false"), "{line}");
    let paused = with_state(SyncStateView::Paused { until_ms: 60_000 });
    let paused = MenuModel::of(&paused, Lang::En).as_line();
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
    let model = MenuModel::of(&in_a_meeting(), Lang::En);
    let actions: Vec<Option<TrayAction>> = model
        .fixed()
        .into_iter()
        .chain(&model.favourites)
        .map(|entry| TrayAction::of_item(&entry.id))
        .collect();
    assert_eq!(
        actions,
        [
            None,
            None,
            None,
            Some(TrayAction::Pause(PauseLength::FifteenMinutes)),
            Some(TrayAction::Pause(PauseLength::OneHour)),
            Some(TrayAction::Pause(PauseLength::UntilTomorrow)),
            Some(TrayAction::Resume),
            Some(TrayAction::SyncNow),
            Some(TrayAction::Open),
            Some(TrayAction::Settings),
            Some(TrayAction::Quit),
            Some(TrayAction::OpenChat {
                colleague_id: "id-anna".into()
            }),
            Some(TrayAction::OpenChat {
                colleague_id: "id-ben".into()
            }),
        ]
    );
    assert_eq!(TrayAction::of_item(item::NO_FAVOURITES), None);
}

#[test]
fn a_broken_policy_leads_the_status_line_and_shows_a_problem() {
    let broken = settings::BrokenPolicy {
        problem: "policy.toml: line 1, column 1: syntax error".into(),
        holds: settings::FailClosed::EverySetting,
    };
    let plain = MenuModel::of(&in_a_meeting(), Lang::En);
    assert_eq!(plain.clone().with_broken_policy(Lang::En, None), plain);
    for (lang, words) in [
        (Lang::En, "Admin policy has errors"),
        (Lang::De, "Richtlinie der IT-Administration fehlerhaft"),
    ] {
        let menu = MenuModel::of(&in_a_meeting(), lang).with_broken_policy(lang, Some(&broken));
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
