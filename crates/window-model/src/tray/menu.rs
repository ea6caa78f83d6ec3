//! The tray menu's parts as plain data, and the steps that change a rendered menu: what
//! [`super::colleagues`] builds and [`super::MenuModel`] diffs, below both.

use presence_core::Dot;

use crate::links::LinkKind;

/// One menu entry as shown: id (what a click reports), label, and whether it can be clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    pub id: String,
    pub text: String,
    pub enabled: bool,
}

/// A menu entry.
pub fn entry(id: &str, text: String, enabled: bool) -> MenuEntry {
    MenuEntry {
        id: id.to_owned(),
        text,
        enabled,
    }
}

/// What an item of a colleague's submenu does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColleagueAction {
    /// Opens a checked link: Teams chat or call, e-mail, phone (as the window's `open_link`).
    Link(LinkKind),
    /// Sets or cancels "notify me when available" (a tick item).
    NotifyWhenAvailable,
    /// Shows the window with the colleague's contact card.
    OpenCard,
}

impl ColleagueAction {
    /// The word its item ids start with (`chat:<colleague id>`); `None` for links the tray does
    /// not offer (SIP is copied in the window, not opened).
    pub fn word(self) -> Option<&'static str> {
        Some(match self {
            Self::Link(LinkKind::TeamsChat) => "chat",
            Self::Link(LinkKind::TeamsCall) => "call",
            Self::Link(LinkKind::Email) => "email",
            Self::Link(LinkKind::Phone) => "phone",
            Self::Link(LinkKind::Sip) => return None,
            Self::NotifyWhenAvailable => "notify",
            Self::OpenCard => "card",
        })
    }

    /// The action whose items start with `word`.
    pub fn of_word(word: &str) -> Option<Self> {
        Some(match word {
            "chat" => Self::Link(LinkKind::TeamsChat),
            "call" => Self::Link(LinkKind::TeamsCall),
            "email" => Self::Link(LinkKind::Email),
            "phone" => Self::Link(LinkKind::Phone),
            "notify" => Self::NotifyWhenAvailable,
            "card" => Self::OpenCard,
            _ => return None,
        })
    }

    /// The id of this action's item for `colleague_id`.
    pub fn item_id(self, colleague_id: &str) -> Option<String> {
        Some(format!("{}:{colleague_id}", self.word()?))
    }
}

/// One item of a colleague's submenu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionEntry {
    pub id: String,
    pub text: String,
    pub action: ColleagueAction,
    /// What a click opens, built and checked by [`crate::links`]: the same link the window's
    /// button opens. Only for [`ColleagueAction::Link`].
    pub url: Option<String>,
    /// The tick of "notify me when available"; `None` for plain items.
    pub checked: Option<bool>,
}

/// One colleague in the menu: a submenu labelled with name and status, its icon the status dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColleagueEntry {
    /// The submenu's id: `colleague:<colleague id>`.
    pub id: String,
    pub colleague_id: String,
    /// "Anna Berg – In a meeting": the status in words, for monochrome menus and screen readers.
    pub text: String,
    /// The icon: the window's dot for the merged status.
    pub dot: Dot,
    /// One of the user's favourites (else one of the most relevant people).
    pub favourite: bool,
    /// The submenu's items, in menu order.
    pub actions: Vec<ActionEntry>,
}

impl ColleagueEntry {
    /// Whether `other` has the same items in the same order (labels and ticks may differ).
    pub fn same_items(&self, other: &ColleagueEntry) -> bool {
        self.actions.len() == other.actions.len()
            && self
                .actions
                .iter()
                .zip(&other.actions)
                .all(|(a, b)| a.id == b.id)
    }
}

/// One row of the menu's colleague section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionRow {
    Colleague(ColleagueEntry),
    /// A line of text: a group's heading, "no favourites yet", or the hint to pin colleagues.
    Note(MenuEntry),
}

impl SectionRow {
    pub fn id(&self) -> &str {
        match self {
            Self::Colleague(colleague) => &colleague.id,
            Self::Note(note) => &note.id,
        }
    }
}

/// One step that brings a rendered menu from one model to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuChange {
    Text {
        id: String,
        text: String,
    },
    Enabled {
        id: String,
        enabled: bool,
    },
    /// A colleague's status dot changed.
    Icon {
        id: String,
        dot: Dot,
    },
    /// A tick item changed.
    Checked {
        id: String,
        checked: bool,
    },
    /// A colleague's submenu offers other items (a phone number came or went): it is refilled.
    Actions {
        id: String,
        actions: Vec<ActionEntry>,
    },
    /// The colleague section shows other rows, or in another order: these, in this order. Rows
    /// shown before keep their items (changes to them come as their own steps); the others are
    /// made from what is given here.
    Rows(Vec<SectionRow>),
}
