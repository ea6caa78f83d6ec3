//! The colleagues in the tray menu: who is shown, in which order, with which status, and what
//! each one's submenu offers.
//!
//! * **Who.** The user's favourites, all of them. Until favourites fill [`PLACES`], the people
//!   Microsoft 365 ranks most relevant to the user (`/me/people`) take the places left, unless the
//!   settings say "favourites only". Before any favourite is set, a hint says how to pin one.
//! * **Order.** Favourites first, then the relevant people; within each group available
//!   colleagues first, then by name.
//! * **Status.** Teams and the STARFACE phone merged (the snapshot's `PersonStatus`): the dot as the item's
//!   icon, the words in its text ("On the phone"), so menus without icons and screen readers
//!   say the same; the calendar's short form ("until 14:30") follows when it was read.
//! * **Actions.** Teams chat, Teams call, e-mail, phone (each only when its link can be built,
//!   by [`crate::links`], as the window's buttons), "notify me when available" (ticked while
//!   set) and "open contact card".

use bridge::{BridgeSnapshot, ColleagueView};
use presence_core::Dot;

use super::menu::{entry, ActionEntry, ColleagueAction, ColleagueEntry, SectionRow};
use crate::colleague_status;
use crate::free_busy;
use crate::i18n::{tr, tr_with, Lang};
use crate::links::{url_for, LinkKind};

/// How many colleagues the relevant people fill the menu up to.
pub const PLACES: usize = 8;

/// Item ids of the section's notes; a colleague's submenu is `colleague:<id>`.
pub mod note {
    pub const FAVOURITES_HEADING: &str = "heading.favourites";
    pub const RELEVANT_HEADING: &str = "heading.relevant";
    pub const NONE: &str = "colleagues.none";
    pub const PIN_HINT: &str = "hint.pin";
}

/// The prefix of a colleague's submenu id.
pub const COLLEAGUE_PREFIX: &str = "colleague:";

/// The colleague section of the menu for `snapshot`, and the tooltip's summary of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub rows: Vec<SectionRow>,
    /// "3 of 8 favourites available"; `None` while nobody is shown.
    pub summary: Option<String>,
}

impl Section {
    pub fn of(snapshot: &BridgeSnapshot, lang: Lang, favourites_only: bool) -> Self {
        let mut favourites: Vec<&ColleagueView> =
            snapshot.colleagues.iter().filter(|c| c.favourite).collect();
        let places = if favourites_only {
            0
        } else {
            PLACES.saturating_sub(favourites.len())
        };
        let mut relevant: Vec<&ColleagueView> = snapshot
            .relevant
            .iter()
            .filter_map(|id| snapshot.colleagues.iter().find(|c| c.person.id == *id))
            .filter(|c| !c.favourite)
            .take(places)
            .collect();
        let favourites: Vec<ColleagueEntry> = sorted(&mut favourites)
            .iter()
            .map(|c| colleague_entry(c, lang))
            .collect();
        let relevant: Vec<ColleagueEntry> = sorted(&mut relevant)
            .iter()
            .map(|c| colleague_entry(c, lang))
            .collect();
        let summary = summary(lang, &favourites, &relevant);

        let mut rows = Vec::new();
        let headings = !favourites.is_empty() && !relevant.is_empty();
        if headings {
            rows.push(heading(
                note::FAVOURITES_HEADING,
                tr(lang, "tray.favourites"),
            ));
        }
        let no_favourites = favourites.is_empty();
        rows.extend(favourites.into_iter().map(SectionRow::Colleague));
        if headings {
            rows.push(heading(note::RELEVANT_HEADING, tr(lang, "tray.relevant")));
        }
        let nobody = no_favourites && relevant.is_empty();
        rows.extend(relevant.into_iter().map(SectionRow::Colleague));
        if nobody {
            let key = if favourites_only {
                "tray.no_favourites"
            } else {
                "tray.no_colleagues"
            };
            rows.push(heading(note::NONE, tr(lang, key)));
        }
        if no_favourites {
            // Opens the window on the colleagues, where the star pins one.
            rows.push(SectionRow::Note(entry(
                note::PIN_HINT,
                tr(lang, "tray.pin_hint"),
                true,
            )));
        }
        Self { rows, summary }
    }
}

fn heading(id: &str, text: String) -> SectionRow {
    SectionRow::Note(entry(id, text, false))
}

/// "3 of 8 favourites available" (all favourites), else "3 of 8 colleagues available" (the
/// relevant people shown).
fn summary(
    lang: Lang,
    favourites: &[ColleagueEntry],
    relevant: &[ColleagueEntry],
) -> Option<String> {
    let (shown, key) = if favourites.is_empty() {
        (relevant, "tray.summary.colleagues")
    } else {
        (favourites, "tray.summary.favourites")
    };
    if shown.is_empty() {
        return None;
    }
    let available = shown.iter().filter(|c| c.dot == Dot::Available).count();
    Some(tr_with(
        lang,
        key,
        &[
            ("available", &available.to_string()),
            ("total", &shown.len().to_string()),
        ],
    ))
}

/// Available colleagues first, then by name (umlauts sorted with their base letter, as German
/// phone books do), then by id so equal names keep one order.
fn sorted<'a, 'b>(colleagues: &'b mut [&'a ColleagueView]) -> &'b [&'a ColleagueView] {
    colleagues.sort_by_cached_key(|c| {
        (
            c.status.dot != Dot::Available,
            name_key(&c.person.display_name),
            c.person.id.clone(),
        )
    });
    colleagues
}

fn name_key(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'ä' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ó' | 'ò' | 'ô' => 'o',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'é' | 'è' | 'ê' => 'e',
            'í' | 'ì' | 'î' => 'i',
            'ß' => 's',
            other => other,
        })
        .collect()
}

fn colleague_entry(colleague: &ColleagueView, lang: Lang) -> ColleagueEntry {
    let status = &colleague.status;
    let person = &colleague.person;
    ColleagueEntry {
        id: format!("{COLLEAGUE_PREFIX}{}", person.id),
        colleague_id: person.id.clone(),
        // Not a template: a name is directory data and must not be read for placeholders.
        text: format!(
            "{} – {}{}",
            person.display_name,
            colleague_status::text(lang, status),
            free_busy::short_of(lang, colleague.free_busy.as_ref())
                .map(|short| format!(" · {short}"))
                .unwrap_or_default()
        ),
        dot: status.dot,
        favourite: colleague.favourite,
        actions: actions(colleague, lang),
    }
}

/// The submenu: the links that can be built, then the alert and the contact card.
fn actions(colleague: &ColleagueView, lang: Lang) -> Vec<ActionEntry> {
    let person = &colleague.person;
    let id = |action: ColleagueAction| action.item_id(&person.id).unwrap_or_default();
    let mut actions: Vec<ActionEntry> = [
        (LinkKind::TeamsChat, "tray.action.chat"),
        (LinkKind::TeamsCall, "tray.action.call"),
        (LinkKind::Email, "tray.action.email"),
        (LinkKind::Phone, "tray.action.phone"),
    ]
    .into_iter()
    .filter_map(|(kind, key)| {
        let url = url_for(person, kind, None).ok()?;
        let number = person.default_phone().unwrap_or_default();
        let action = ColleagueAction::Link(kind);
        Some(ActionEntry {
            id: id(action),
            text: tr_with(lang, key, &[("number", number)]),
            action,
            url: Some(url),
            checked: None,
        })
    })
    .collect();
    actions.push(ActionEntry {
        id: id(ColleagueAction::NotifyWhenAvailable),
        text: tr(lang, "action.notify"),
        action: ColleagueAction::NotifyWhenAvailable,
        url: None,
        checked: Some(colleague.alert.is_some()),
    });
    actions.push(ActionEntry {
        id: id(ColleagueAction::OpenCard),
        text: tr(lang, "tray.action.card"),
        action: ColleagueAction::OpenCard,
        url: None,
        checked: None,
    });
    actions
}

/// What the item `id` of a colleague's submenu does, and to whom.
pub fn action_of_item(id: &str) -> Option<(ColleagueAction, String)> {
    let (word, colleague_id) = id.split_once(':')?;
    let action = ColleagueAction::of_word(word)?;
    (!colleague_id.is_empty()).then(|| (action, colleague_id.to_owned()))
}

#[cfg(test)]
mod tests;
