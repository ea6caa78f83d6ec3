//! What the tray shows, without Tauri: the icon's state, the status line and the menu, as a
//! plain [`MenuModel`] built from the bridge snapshot and the language, and the steps
//! ([`MenuModel::changes_from`]) that bring a rendered menu from one model to the next. The app
//! renders it onto Tauri's menu items and touches only what changed: each change makes the
//! desktop's tray host re-read the menu, which can close a menu the user has open.
//!
//! On Linux the tray reports no clicks, so every action is a menu item ([`TrayAction`]).

use bridge::{BridgeSnapshot, ColleagueView, Service, SyncStateView};
use presence_core::person_status::{PersonActivity, PersonStatus};
use presence_core::StatusRow;

use crate::colleague_status;
use crate::free_busy;
use crate::i18n::{lookup, tr, tr_with, Lang};
use crate::pause::PauseLength;

/// What the tray icon shows: the user's own merged status, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    Available,
    Busy,
    DoNotDisturb,
    Away,
    Offline,
    Unknown,
    Paused,
    Error,
}

impl TrayState {
    /// The icon for a bridge snapshot: problems and pauses first, then the own merged status.
    pub fn of(snapshot: &BridgeSnapshot) -> Self {
        use presence_core::StatusRow as Row;
        use SyncStateView as S;
        let sign_in_needed = [Service::Microsoft, Service::Starface]
            .into_iter()
            .any(|service| snapshot.sync.sign_in_needed(service));
        if sign_in_needed {
            return Self::Error;
        }
        match &snapshot.sync.state {
            S::AnotherSyncSuspected => return Self::Error,
            S::Paused { .. } | S::Stopped => return Self::Paused,
            S::NotConfigured => return Self::Unknown,
            _ => {}
        }
        if snapshot.own.in_call || snapshot.own.starface_dnd == Some(true) {
            if matches!(snapshot.own.row, Some(Row::DoNotDisturb | Row::Presenting))
                || snapshot.own.starface_dnd == Some(true)
            {
                return Self::DoNotDisturb;
            }
            return Self::Busy;
        }
        match snapshot.own.row {
            Some(Row::Available) => Self::Available,
            Some(Row::Busy | Row::BusyPhone | Row::BusyMeeting) => Self::Busy,
            Some(Row::Presenting | Row::DoNotDisturb) => Self::DoNotDisturb,
            Some(Row::BeRightBack | Row::Away | Row::OutOfOffice) => Self::Away,
            Some(Row::Offline) => Self::Offline,
            _ => Self::Unknown,
        }
    }
}

/// A status glyph per row: menus have no colours, so the shape carries the status.
pub fn glyph(row: Option<StatusRow>) -> &'static str {
    match row {
        Some(StatusRow::Available) => "●",
        Some(StatusRow::Busy | StatusRow::BusyPhone | StatusRow::BusyMeeting) => "■",
        Some(StatusRow::DoNotDisturb | StatusRow::Presenting) => "⊘",
        Some(StatusRow::BeRightBack | StatusRow::Away) => "◔",
        Some(StatusRow::OutOfOffice) => "✈",
        Some(StatusRow::Offline) => "○",
        _ => "?",
    }
}

/// The glyph of a colleague's merged status (Teams and the STARFACE phone): a busy phone has
/// its own.
fn status_glyph(status: &PersonStatus) -> &'static str {
    match status.activity {
        PersonActivity::OnThePhone | PersonActivity::Ringing => "☎",
        PersonActivity::Teams(row) => glyph(Some(row)),
    }
}

/// "Teams: Busy - In a meeting · STARFACE: DND on". While the sync holds (paused, stopped,
/// waiting for a decision, after hours) the reason comes first; an expired sign-in replaces that
/// side's reading, which would be stale.
pub fn status_line(lang: Lang, snapshot: &BridgeSnapshot) -> String {
    use SyncStateView as S;
    let state = &snapshot.sync.state;
    // A sync that cannot start for want of a sign-in says which (see `sync_runtime` in the app).
    if *state == S::NotConfigured && snapshot.sync.warnings.is_empty() {
        return tr(lang, "tray.not_configured");
    }
    let sign_in_needed = |service| snapshot.sync.sign_in_needed(service);
    let teams = match &snapshot.own.teams {
        _ if sign_in_needed(Service::Microsoft) => tr(lang, "settings.microsoft.state.expired"),
        Some(teams) => {
            let graph = |value: &str| {
                lookup(lang, &format!("graph.{}", value.to_ascii_lowercase()))
                    .unwrap_or_else(|| value.to_owned())
            };
            let availability = graph(teams.availability.as_str());
            let activity = graph(teams.activity.as_str());
            // "Available - Available" says it twice; the activity only when it adds something.
            if activity.eq_ignore_ascii_case(&availability) {
                availability
            } else {
                tr_with(
                    lang,
                    "tray.teams_pair",
                    &[("availability", &availability), ("activity", &activity)],
                )
            }
        }
        None => tr(lang, "tray.not_read"),
    };
    let secret_needed = snapshot
        .sync
        .warnings
        .iter()
        .any(|w| matches!(w, bridge::BridgeWarning::StarfaceSecretNeeded { .. }));
    let starface = match snapshot.own.starface_dnd {
        _ if secret_needed => tr(lang, "settings.starface.state.sign_in_needed"),
        _ if sign_in_needed(Service::Starface) => tr(lang, "settings.starface.state.error"),
        Some(true) => tr(lang, "tray.dnd_on"),
        Some(false) => tr(lang, "tray.dnd_off"),
        None => tr(lang, "tray.not_read"),
    };
    let line = tr_with(
        lang,
        "tray.status_line",
        &[("teams", &teams), ("starface", &starface)],
    );
    let hold = match state {
        S::Paused { .. } => Some("ownstatus.mode.paused"),
        S::Stopped => Some("ownstatus.mode.stopped"),
        S::AnotherSyncSuspected => Some("ownstatus.mode.conflict"),
        S::OutsideWorkingHours => Some("ownstatus.mode.outside_hours"),
        _ => None,
    };
    match hold {
        Some(key) => format!("{} · {line}", tr(lang, key)),
        None => line,
    }
}

/// Menu item ids, shared by the model, the renderer and the event handler.
pub mod item {
    pub const STATUS: &str = "status";
    pub const FAVOURITES: &str = "favourites";
    pub const FAVOURITE_PREFIX: &str = "favourite:";
    pub const NO_FAVOURITES: &str = "favourites.none";
    pub const PAUSE: &str = "pause";
    pub const PAUSE_15M: &str = "pause.15m";
    pub const PAUSE_1H: &str = "pause.1h";
    pub const PAUSE_TOMORROW: &str = "pause.tomorrow";
    pub const RESUME: &str = "resume";
    pub const SYNC_NOW: &str = "sync_now";
    pub const OPEN: &str = "open";
    pub const SETTINGS: &str = "settings";
    pub const QUIT: &str = "quit";
}

/// What a click on a menu item asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    /// Show the window on the colleagues.
    Open,
    /// Show the window on the settings.
    Settings,
    Quit,
    Pause(PauseLength),
    Resume,
    SyncNow,
    /// Open the Teams chat with this colleague (a favourite's item).
    OpenChat {
        colleague_id: String,
    },
}

impl TrayAction {
    /// The action of the item with `id`; `None` for items without one (the status line, the
    /// "no favourites" line).
    pub fn of_item(id: &str) -> Option<Self> {
        Some(match id {
            item::OPEN => Self::Open,
            item::SETTINGS => Self::Settings,
            item::QUIT => Self::Quit,
            item::PAUSE_15M => Self::Pause(PauseLength::FifteenMinutes),
            item::PAUSE_1H => Self::Pause(PauseLength::OneHour),
            item::PAUSE_TOMORROW => Self::Pause(PauseLength::UntilTomorrow),
            item::RESUME => Self::Resume,
            item::SYNC_NOW => Self::SyncNow,
            other => Self::OpenChat {
                colleague_id: other.strip_prefix(item::FAVOURITE_PREFIX)?.to_owned(),
            },
        })
    }
}

/// One menu entry as shown: id (what a click reports), label, and whether it can be clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    pub id: String,
    pub text: String,
    pub enabled: bool,
}

fn entry(id: &str, text: String, enabled: bool) -> MenuEntry {
    MenuEntry {
        id: id.to_owned(),
        text,
        enabled,
    }
}

/// Everything the tray shows for one snapshot, without Tauri.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuModel {
    pub icon: TrayState,
    pub tooltip: String,
    pub status: MenuEntry,
    /// The favourites' submenu.
    pub favourites_menu: MenuEntry,
    /// Its items: one per favourite the bridge watches (glyph, name, status), in the snapshot's
    /// order, or a disabled "no favourites" line.
    pub favourites: Vec<MenuEntry>,
    /// The pause submenu.
    pub pause: MenuEntry,
    /// Its items: 15 min, 1 hour, until tomorrow.
    pub pause_lengths: [MenuEntry; 3],
    pub resume: MenuEntry,
    pub sync_now: MenuEntry,
    pub open: MenuEntry,
    pub settings: MenuEntry,
    pub quit: MenuEntry,
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
    /// The favourites (by id, in order) differ: their submenu is refilled with these.
    Favourites(Vec<MenuEntry>),
}

impl MenuModel {
    /// The menu as one line of text, for the tray test hook:
    /// `icon=DoNotDisturb | status=<status line> | favourites=<item>; <item> | resume=<enabled>`.
    pub fn as_line(&self) -> String {
        let favourites: Vec<&str> = self.favourites.iter().map(|f| f.text.as_str()).collect();
        format!(
            "icon={:?} | status={} | favourites={} | resume={}",
            self.icon,
            self.status.text,
            favourites.join("; "),
            self.resume.enabled
        )
    }

    /// The menu for `snapshot` in `lang`.
    pub fn of(snapshot: &BridgeSnapshot, lang: Lang) -> Self {
        use SyncStateView as S;
        let configured = snapshot.sync.state != S::NotConfigured;
        let held = matches!(snapshot.sync.state, S::Paused { .. } | S::Stopped);
        let line = status_line(lang, snapshot);
        let shown: Vec<&ColleagueView> =
            snapshot.colleagues.iter().filter(|c| c.favourite).collect();
        let favourite_entries = if shown.is_empty() {
            vec![entry(
                item::NO_FAVOURITES,
                tr(lang, "tray.no_favourites"),
                false,
            )]
        } else {
            shown
                .iter()
                .map(|c| {
                    entry(
                        &format!("{}{}", item::FAVOURITE_PREFIX, c.person.id),
                        format!(
                            "{} {} – {}{}",
                            status_glyph(&c.status),
                            c.person.display_name,
                            colleague_status::text(lang, &c.status),
                            free_busy::short_of(lang, c.free_busy.as_ref())
                                .map(|short| format!(" · {short}"))
                                .unwrap_or_default()
                        ),
                        true,
                    )
                })
                .collect()
        };
        let plain = |id: &str, key: &str, enabled: bool| entry(id, tr(lang, key), enabled);
        Self {
            icon: TrayState::of(snapshot),
            tooltip: format!("Presence Bridge: {line}"),
            status: entry(item::STATUS, line, false),
            favourites_menu: plain(item::FAVOURITES, "tray.favourites", true),
            favourites: favourite_entries,
            pause: plain(item::PAUSE, "sync.pause", configured && !held),
            // The submenu is what gets disabled; its items stay clickable inside it.
            pause_lengths: [
                plain(item::PAUSE_15M, "sync.pause_15m", true),
                plain(item::PAUSE_1H, "sync.pause_1h", true),
                plain(item::PAUSE_TOMORROW, "sync.pause_tomorrow", true),
            ],
            resume: plain(item::RESUME, "sync.resume", configured && held),
            sync_now: plain(item::SYNC_NOW, "sync.sync_now", configured && !held),
            open: plain(item::OPEN, "tray.open", true),
            settings: plain(item::SETTINGS, "nav.settings", true),
            quit: plain(item::QUIT, "tray.quit", true),
        }
    }

    /// The entries that exist for the whole run, in menu order (submenu items after their menu).
    pub fn fixed(&self) -> [&MenuEntry; 11] {
        [
            &self.status,
            &self.favourites_menu,
            &self.pause,
            &self.pause_lengths[0],
            &self.pause_lengths[1],
            &self.pause_lengths[2],
            &self.resume,
            &self.sync_now,
            &self.open,
            &self.settings,
            &self.quit,
        ]
    }

    /// What a menu showing `before` (nothing yet: `None`) must change to show `self`. Entries
    /// keep their ids, so a presence change relabels a favourite in place; only a different set
    /// or order of favourites refills their submenu.
    pub fn changes_from(&self, before: Option<&MenuModel>) -> Vec<MenuChange> {
        let mut changes = Vec::new();
        let mut compare = |old: Option<&MenuEntry>, new: &MenuEntry| {
            if old.is_none_or(|old| old.text != new.text) {
                changes.push(MenuChange::Text {
                    id: new.id.clone(),
                    text: new.text.clone(),
                });
            }
            if old.is_none_or(|old| old.enabled != new.enabled) {
                changes.push(MenuChange::Enabled {
                    id: new.id.clone(),
                    enabled: new.enabled,
                });
            }
        };
        let old_fixed = before.map(MenuModel::fixed);
        for (index, new) in self.fixed().into_iter().enumerate() {
            compare(old_fixed.map(|old| old[index]), new);
        }
        let same_favourites = before.is_some_and(|before| {
            before.favourites.len() == self.favourites.len()
                && before
                    .favourites
                    .iter()
                    .zip(&self.favourites)
                    .all(|(old, new)| old.id == new.id)
        });
        match before {
            Some(before) if same_favourites => {
                for (old, new) in before.favourites.iter().zip(&self.favourites) {
                    compare(Some(old), new);
                }
            }
            _ => changes.push(MenuChange::Favourites(self.favourites.clone())),
        }
        changes
    }

    /// The menu while the admin policy is broken (`broken`): the status line and the tooltip say
    /// so first, and the icon shows a problem. What stays locked is the window's to explain.
    pub fn with_broken_policy(
        mut self,
        lang: Lang,
        broken: Option<&settings::BrokenPolicy>,
    ) -> Self {
        if broken.is_some() {
            let line = format!("{} · {}", tr(lang, "tray.policy_broken"), self.status.text);
            self.tooltip = format!("Presence Bridge: {line}");
            self.status.text = line;
            self.icon = TrayState::Error;
        }
        self
    }
}

#[cfg(test)]
mod tests;
