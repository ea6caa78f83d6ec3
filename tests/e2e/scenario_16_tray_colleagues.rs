//! Scenario 16: colleagues in the tray (issue 23), seen through the tray test hook and clicked
//! through the `--tray-item` hook (a test cannot click a tray menu): "Open Presence Bridge"
//! first; the two favourites, then the most relevant people (Graph's ranking) up to eight, each
//! with its status and its action submenu; available first, then by name; no menu update while
//! nothing changes; a presence change updates the menu; the submenu's items open the allowlisted
//! links, tick "notify me when available" and open the contact card in the window.

use std::time::Duration;

use serde_json::{json, Value};
use simulators::graph::SimUser;

use crate::harness::{wait_for, World, POLL_SECS, WAIT};
use crate::strings::{tr, translations};

/// One row of the tray's colleague section as the hook writes it.
#[derive(Debug, Clone, PartialEq)]
enum Row {
    Note(String),
    Colleague {
        name: String,
        status: String,
        dot: String,
        items: Vec<String>,
    },
}

/// The field `name=` of a tray line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split(" | ")
        .find_map(|f| f.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}= in the tray line {line}"))
}

fn rows(line: &str) -> Vec<Row> {
    field(line, "colleagues")
        .split("; ")
        .map(|row| {
            if let Some(note) = row.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
                return Row::Note(note.to_owned());
            }
            let (head, items) = row
                .split_once(" {")
                .unwrap_or_else(|| panic!("a colleague row has items: {row}"));
            let items = items.strip_suffix('}').expect("items end with }");
            let (label, dot) = head.rsplit_once(" [").expect("a colleague row has a dot");
            let (name, status) = label.split_once(" – ").expect("name – status");
            Row::Colleague {
                name: name.to_owned(),
                status: status.to_owned(),
                dot: dot.trim_end_matches(']').to_owned(),
                items: items.split(" · ").map(str::to_owned).collect(),
            }
        })
        .collect()
}

fn names(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| match row {
            Row::Colleague { name, .. } => Some(name.clone()),
            Row::Note(_) => None,
        })
        .collect()
}

fn colleague<'a>(rows: &'a [Row], who: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|row| matches!(row, Row::Colleague { name, .. } if name == who))
}

/// The tray's sort key of a name (umlauts with their base letter).
fn name_key(name: &str) -> String {
    name.to_lowercase()
        .replace(['ä', 'á'], "a")
        .replace(['ö', 'ó'], "o")
        .replace(['ü', 'ú'], "u")
        .replace(['é', 'è'], "e")
        .replace('ß', "s")
}

/// Available first, then by name, within one group of rows.
fn assert_sorted(group: &[Row]) {
    let keys: Vec<(bool, String)> = group
        .iter()
        .filter_map(|row| match row {
            Row::Colleague { name, dot, .. } => Some((dot != "available", name_key(name))),
            Row::Note(_) => None,
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "available first, then by name: {group:?}");
}

/// Clicks the tray item `id` of the running app (the `--tray-item` test hook).
fn click_tray(world: &World, id: &str) {
    let status = world
        .app_command(&[&format!("--tray-item={id}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run the second instance");
    eprintln!("e2e: tray item {id} clicked ({status})");
}

fn tray_lines(world: &World) -> usize {
    std::fs::read_to_string(&world.tray_log)
        .unwrap_or_default()
        .lines()
        .count()
}

pub async fn tray_colleagues(world: &World) {
    // Earlier scenarios may have left either language; the tray says which.
    let line = wait_for("the tray with colleagues", WAIT, || async move {
        let line = world.tray();
        (line.contains(" | colleagues=")
            && line.contains(" [")
            && !line.contains(" – Unbekannt [")
            && !line.contains(" – Unknown ["))
        .then_some(line.clone())
        .ok_or(line)
    })
    .await;
    let de = translations("de");
    let en = translations("en");
    let strings: &Value = if field(&line, "open") == tr(&de, "tray.open") {
        &de
    } else {
        &en
    };
    assert_eq!(field(&line, "open"), tr(strings, "tray.open"), "{line}");
    assert!(line.starts_with("icon="), "{line}");
    assert!(
        line.split(" | ").nth(1).unwrap().starts_with("open="),
        "Open Presence Bridge is the first item: {line}"
    );

    // Who: the two favourites, then the six most relevant others, in groups with headings.
    let control = world.graph().control().clone();
    let me = world.me.id;
    let users: Vec<SimUser> = control.users().into_iter().filter(|u| u.id != me).collect();
    let favourite_names: Vec<String> = world
        .hostile
        .iter()
        .map(|u| u.display_name.clone())
        .collect();
    let mut relevant: Vec<&SimUser> = users
        .iter()
        .filter(|u| !favourite_names.contains(&u.display_name))
        .collect();
    relevant.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
    let mut expected_relevant: Vec<String> = relevant
        .iter()
        .take(6)
        .map(|u| u.display_name.clone())
        .collect();
    expected_relevant.sort();

    let shown = rows(&line);
    assert_eq!(
        shown.first(),
        Some(&Row::Note(tr(strings, "tray.favourites"))),
        "{shown:#?}"
    );
    let heading = shown
        .iter()
        .position(|row| *row == Row::Note(tr(strings, "tray.relevant")))
        .unwrap_or_else(|| panic!("a heading for the relevant people: {shown:#?}"));
    let (favourites, others) = shown.split_at(heading);
    let mut got_favourites = names(favourites);
    got_favourites.sort();
    let mut want_favourites = favourite_names.clone();
    want_favourites.sort();
    assert_eq!(got_favourites, want_favourites, "{line}");
    let mut got_relevant = names(others);
    got_relevant.sort();
    assert_eq!(got_relevant, expected_relevant, "{line}");
    assert_sorted(favourites);
    assert_sorted(&others[1..]);
    assert!(
        !line.contains(&format!("({})", tr(strings, "tray.pin_hint"))),
        "no hint once favourites are set: {line}"
    );

    // Each colleague: the status in words beside the dot, and the action submenu.
    let pick = relevant[0];
    let Some(Row::Colleague {
        status, dot, items, ..
    }) = colleague(&shown, &pick.display_name)
    else {
        panic!("{} in the tray: {line}", pick.display_name);
    };
    assert!(!status.is_empty() && !dot.is_empty(), "{line}");
    let office_person = world
        .office
        .colleagues()
        .iter()
        .find(|p| p.id() == pick.id)
        .expect("the colleague is in the office");
    let phone_item =
        tr(strings, "tray.action.phone").replace("{number}", &office_person.internal_number);
    assert_eq!(
        *items,
        [
            tr(strings, "tray.action.chat"),
            tr(strings, "tray.action.call"),
            tr(strings, "tray.action.email"),
            phone_item,
            format!("[ ] {}", tr(strings, "action.notify")),
            tr(strings, "tray.action.card"),
        ],
        "{line}"
    );
    if strings == &de {
        assert!(
            field(&line, "tooltip").contains("von 2 Favoriten verfügbar"),
            "{line}"
        );
    } else {
        assert!(
            field(&line, "tooltip").contains("of 2 favourites available"),
            "{line}"
        );
    }

    // Nothing changes: the menu is not touched (three polls and more).
    let before = tray_lines(world);
    tokio::time::sleep(Duration::from_secs(3 * POLL_SECS + 2)).await;
    assert_eq!(
        tray_lines(world),
        before,
        "an idle app updated the tray menu: {}",
        world.tray()
    );

    // A presence change reaches the menu, and the order follows: busy, then available.
    let mover = relevant[1];
    for (availability, activity, dot) in [
        ("Busy", "InAMeeting", "busy"),
        ("Available", "Available", "available"),
    ] {
        control.set_presence(mover.id, availability, activity);
        let rows = wait_for("the tray to show the change", WAIT, || async move {
            let line = world.tray();
            let rows = rows(&line);
            match colleague(&rows, &mover.display_name) {
                Some(Row::Colleague { dot: shown, .. }) if shown == dot => Ok(rows),
                _ => Err(line),
            }
        })
        .await;
        let heading = rows
            .iter()
            .position(|row| *row == Row::Note(tr(strings, "tray.relevant")))
            .unwrap();
        assert_sorted(&rows[heading + 1..]);
    }

    // The submenu's items, clicked.
    let id = pick.id.to_string();
    let opened_before = world.opened_urls().len();
    click_tray(world, &format!("chat:{id}"));
    click_tray(world, &format!("phone:{id}"));
    let opened = wait_for("the links the tray opens", WAIT, || async move {
        let urls = world.opened_urls();
        (urls.len() >= opened_before + 2)
            .then(|| urls[opened_before..].to_vec())
            .ok_or(format!("{urls:?}"))
    })
    .await;
    assert_eq!(
        opened,
        [
            format!(
                "https://teams.microsoft.com/l/chat/0/0?users={}",
                pick.user_principal_name.to_lowercase()
            ),
            format!("tel:{}", office_person.internal_number),
        ]
    );

    // "Notify me when available": the tick follows the alert, and the window knows it.
    let notify = tr(strings, "action.notify");
    click_tray(world, &format!("notify:{id}"));
    let pick_name = pick.display_name.clone();
    let ticked = format!("[x] {notify}");
    wait_for("the ticked alert", WAIT, || {
        let (ticked, pick_name) = (ticked.clone(), pick_name.clone());
        async move {
            let line = world.tray();
            match colleague(&rows(&line), &pick_name) {
                Some(Row::Colleague { items, .. }) if items.contains(&ticked) => Ok(()),
                _ => Err(line),
            }
        }
    })
    .await;
    let state = world.state().await;
    let alerted = state["colleagues"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["id"] == json!(id) && c["notify"] == "once");
    assert!(
        alerted,
        "the window's state has the alert: {}",
        state["colleagues"]
    );
    click_tray(world, &format!("notify:{id}"));
    let unticked = format!("[ ] {notify}");
    wait_for("the alert cancelled", WAIT, || {
        let (unticked, pick_name) = (unticked.clone(), pick_name.clone());
        async move {
            let line = world.tray();
            match colleague(&rows(&line), &pick_name) {
                Some(Row::Colleague { items, .. }) if items.contains(&unticked) => Ok(()),
                _ => Err(line),
            }
        }
    })
    .await;

    // "Open contact card": the window shows that colleague's card.
    world.navigate("status").await;
    click_tray(world, &format!("card:{id}"));
    wait_for("the contact card from the tray", WAIT, || {
        let pick_name = pick_name.clone();
        async move {
            let name = world.texts("#card-name").await;
            let screen = world
                .js("return document.getElementById('screen-colleagues').hidden")
                .await
                .map_err(|e| e.to_string())?;
            (name == [pick_name] && screen == json!(false))
                .then_some(())
                .ok_or(format!("card {name:?}, colleagues hidden: {screen}"))
        }
    })
    .await;
    world.screenshot("16-contact-card-from-the-tray").await;

    // "Favourites only" in the settings: the relevant people leave the tray, and come back.
    world.navigate("settings").await;
    let only = "#f-ui-tray_favourites_only";
    world
        .js(&format!(
            "document.querySelector({}).scrollIntoView()",
            json!(only)
        ))
        .await
        .unwrap();
    let relevant_heading = format!("({})", tr(strings, "tray.relevant"));
    world.click(only).await;
    wait_for("the tray with favourites only", WAIT, || {
        let relevant_heading = relevant_heading.clone();
        let favourite_names = favourite_names.clone();
        async move {
            let line = world.tray();
            let mut shown = names(&rows(&line));
            shown.sort();
            let mut want = favourite_names;
            want.sort();
            (!line.contains(&relevant_heading) && shown == want)
                .then_some(())
                .ok_or(line)
        }
    })
    .await;
    world.screenshot("16-settings-tray-favourites-only").await;
    world.click(only).await;
    wait_for("the relevant people back in the tray", WAIT, || {
        let relevant_heading = relevant_heading.clone();
        async move {
            let line = world.tray();
            line.contains(&relevant_heading).then_some(()).ok_or(line)
        }
    })
    .await;
}
