//! Keeps `docs/MAPPING.md` honest: its classification table and defaults table (messages in both
//! languages) must match the code.

use presence_core::mapping::{ChatAction, DndAction, Mapping, MessageLanguage};
use presence_core::{Activity, Availability, StatusRow};

const DOC: &str = include_str!("../../../docs/MAPPING.md");

fn section(start: &str, end: &str) -> Vec<Vec<String>> {
    let from = DOC.find(start).expect("start marker") + start.len();
    let to = DOC.find(end).expect("end marker");
    DOC[from..to]
        .lines()
        .filter(|line| line.starts_with('|') && !line.starts_with("|---"))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect()
}

fn row_by_label(label: &str) -> StatusRow {
    StatusRow::ALL
        .into_iter()
        .find(|row| row.label() == label)
        .unwrap_or_else(|| panic!("unknown row label {label:?}"))
}

#[test]
fn classification_table_matches_the_code() {
    let table = section(
        "<!-- classification-table:start -->",
        "<!-- classification-table:end -->",
    );
    let header = &table[0];
    let availabilities: Vec<Availability> = header[1..]
        .iter()
        .map(|text| Availability::parse(text))
        .collect();
    assert_eq!(availabilities.len(), Availability::KNOWN.len() + 1);
    let mut activities_seen = 0;
    for line in &table[1..] {
        let activity = Activity::parse(&line[0]);
        activities_seen += usize::from(activity.is_known());
        for (availability, cell) in availabilities.iter().zip(&line[1..]) {
            assert_eq!(
                StatusRow::classify(availability, &activity, false),
                row_by_label(cell),
                "{availability} / {activity}"
            );
        }
    }
    assert_eq!(
        activities_seen,
        Activity::KNOWN.len(),
        "every known activity has a line"
    );
}

#[test]
fn out_of_office_rule_in_the_doc_matches_the_code() {
    let specific = [
        Activity::InACall,
        Activity::InAConferenceCall,
        Activity::Presenting,
        Activity::InAMeeting,
        Activity::DoNotDisturb,
        Activity::UrgentInterruptionsOnly,
    ];
    for availability in Availability::KNOWN {
        for activity in Activity::KNOWN {
            let without = StatusRow::classify(availability, activity, false);
            let with = StatusRow::classify(availability, activity, true);
            let expected = if specific.contains(activity) {
                without
            } else {
                StatusRow::OutOfOffice
            };
            assert_eq!(with, expected, "{availability} / {activity}");
        }
    }
}

#[test]
fn defaults_table_matches_mapping_default() {
    let table = section(
        "<!-- defaults-table:start -->",
        "<!-- defaults-table:end -->",
    );
    let defaults = Mapping::default();
    let mut rows_seen = 0;
    for line in &table[1..] {
        let id = line[0].trim_matches('`');
        let row = StatusRow::ALL
            .into_iter()
            .find(|row| row.id() == id)
            .unwrap_or_else(|| panic!("unknown row id {id}"));
        let mapping = defaults.row(row);
        let dnd = match mapping.dnd {
            DndAction::Activate => "activate",
            DndAction::Deactivate => "deactivate",
            DndAction::Unchanged => "unchanged",
        };
        assert_eq!(line[1], dnd, "{id} dnd");
        let (chat, message) = match &mapping.chat {
            ChatAction::Unchanged => ("unchanged".to_owned(), String::new()),
            ChatAction::Set { presence, message } => (
                presence.id().to_owned(),
                message
                    .as_ref()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
            ),
        };
        assert_eq!(line[2], chat, "{id} chat_status");
        assert_eq!(line[3], message, "{id} chat_message (English)");
        let german = MessageLanguage::German
            .default_message(row)
            .unwrap_or_default();
        assert_eq!(line[4], german, "{id} chat_message (German)");
        assert!(line[5].len() > 20, "{id} needs a reason");
        rows_seen += 1;
    }
    assert_eq!(rows_seen, StatusRow::ALL.len());
}
