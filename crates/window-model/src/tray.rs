//! What the tray shows, without Tauri: the icon's state, the status line and the menu, as a
//! plain [`MenuModel`] built from the bridge snapshot and the language, and the steps
//! ([`MenuModel::changes_from`]) that bring a rendered menu from one model to the next. The app
//! renders it onto Tauri's menu items and touches only what changed: each change makes the
//! desktop's tray host re-read the menu, which can close a menu the user has open.
//!
//! On Linux the tray reports no clicks and shows no tooltip, so every action is a menu item
//! ([`TrayAction`]), "Open Presence Bridge" first, and the colleagues are in the menu itself
//! ([`colleagues`]).

pub mod colleagues;
pub mod menu;

use bridge::{BridgeSnapshot, Service, SyncStateView};

pub use colleagues::Section;
pub use menu::{
    entry, ActionEntry, ColleagueAction, ColleagueEntry, MenuChange, MenuEntry, SectionRow,
};

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

/// Menu item ids, shared by the model, the renderer and the event handler. A colleague's
/// submenu is `colleague:<id>`, its items `<action>:<id>` ([`ColleagueAction::word`]).
pub mod item {
    pub use super::colleagues::note::{FAVOURITES_HEADING, NONE, PIN_HINT, RELEVANT_HEADING};
    pub use super::colleagues::COLLEAGUE_PREFIX;
    pub const OPEN: &str = "open";
    pub const STATUS: &str = "status";
    pub const PAUSE: &str = "pause";
    pub const PAUSE_15M: &str = "pause.15m";
    pub const PAUSE_1H: &str = "pause.1h";
    pub const PAUSE_TOMORROW: &str = "pause.tomorrow";
    pub const RESUME: &str = "resume";
    pub const SYNC_NOW: &str = "sync_now";
    pub const SETTINGS: &str = "settings";
    pub const QUIT: &str = "quit";
}

/// What a click on a menu item asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    /// Show the window on the colleagues (also the hint to pin colleagues there).
    Open,
    /// Show the window on the settings.
    Settings,
    Quit,
    Pause(PauseLength),
    Resume,
    SyncNow,
    /// An item of a colleague's submenu.
    Colleague {
        action: ColleagueAction,
        colleague_id: String,
    },
}

impl TrayAction {
    /// The action of the item with `id`; `None` for items without one (the status line,
    /// headings, the submenus themselves).
    pub fn of_item(id: &str) -> Option<Self> {
        Some(match id {
            item::OPEN | item::PIN_HINT => Self::Open,
            item::SETTINGS => Self::Settings,
            item::QUIT => Self::Quit,
            item::PAUSE_15M => Self::Pause(PauseLength::FifteenMinutes),
            item::PAUSE_1H => Self::Pause(PauseLength::OneHour),
            item::PAUSE_TOMORROW => Self::Pause(PauseLength::UntilTomorrow),
            item::RESUME => Self::Resume,
            item::SYNC_NOW => Self::SyncNow,
            other => {
                let (action, colleague_id) = colleagues::action_of_item(other)?;
                Self::Colleague {
                    action,
                    colleague_id,
                }
            }
        })
    }
}

/// What the menu shows besides the snapshot: the language and the user's choice of colleagues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuOptions {
    pub lang: Lang,
    /// `ui.tray_favourites_only`: no relevant people besides the favourites.
    pub favourites_only: bool,
}

impl MenuOptions {
    pub fn of(settings: &settings::Settings) -> Self {
        Self {
            lang: Lang::choose(settings.ui.language),
            favourites_only: settings.ui.tray_favourites_only,
        }
    }
}

/// Everything the tray shows for one snapshot, without Tauri. In menu order: "Open Presence
/// Bridge" first (on Linux the menu is the only way to the window), the status line, the
/// colleagues, the sync's actions, settings, quit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuModel {
    pub icon: TrayState,
    /// "Presence Bridge – 3 of 8 favourites available" and the status line below (where the
    /// platform shows tooltips: not on Linux).
    pub tooltip: String,
    pub open: MenuEntry,
    pub status: MenuEntry,
    /// The colleague section: colleagues with their submenus, headings, hints.
    pub colleagues: Vec<SectionRow>,
    /// The pause submenu.
    pub pause: MenuEntry,
    /// Its items: 15 min, 1 hour, until tomorrow.
    pub pause_lengths: [MenuEntry; 3],
    pub resume: MenuEntry,
    pub sync_now: MenuEntry,
    pub settings: MenuEntry,
    pub quit: MenuEntry,
}

impl MenuModel {
    /// The menu as one line of text, for the tray test hook:
    /// `icon=… | open=… | status=… | colleagues=<row>; <row> | tooltip=… | resume=<enabled>`,
    /// a colleague as `Anna Berg – Available [available] {Chat in Teams · … · [x] Notify me …}`
    /// (labels may hold commas), a note as `(text)`.
    pub fn as_line(&self) -> String {
        let rows: Vec<String> = self
            .colleagues
            .iter()
            .map(|row| match row {
                SectionRow::Colleague(c) => {
                    let actions: Vec<String> = c
                        .actions
                        .iter()
                        .map(|a| match a.checked {
                            Some(true) => format!("[x] {}", a.text),
                            Some(false) => format!("[ ] {}", a.text),
                            None => a.text.clone(),
                        })
                        .collect();
                    format!("{} [{}] {{{}}}", c.text, c.dot.id(), actions.join(" · "))
                }
                SectionRow::Note(note) => format!("({})", note.text),
            })
            .collect();
        format!(
            "icon={:?} | open={} | status={} | colleagues={} | tooltip={} | resume={}",
            self.icon,
            self.open.text,
            self.status.text,
            rows.join("; "),
            self.tooltip.replace('\n', " / "),
            self.resume.enabled
        )
    }

    /// The menu for `snapshot`.
    pub fn of(snapshot: &BridgeSnapshot, options: MenuOptions) -> Self {
        use SyncStateView as S;
        let lang = options.lang;
        let configured = snapshot.sync.state != S::NotConfigured;
        let held = matches!(snapshot.sync.state, S::Paused { .. } | S::Stopped);
        let line = status_line(lang, snapshot);
        let section = Section::of(snapshot, lang, options.favourites_only);
        let tooltip = match &section.summary {
            Some(summary) => format!("Presence Bridge – {summary}\n{line}"),
            None => format!("Presence Bridge\n{line}"),
        };
        let plain = |id: &str, key: &str, enabled: bool| entry(id, tr(lang, key), enabled);
        Self {
            icon: TrayState::of(snapshot),
            tooltip,
            open: plain(item::OPEN, "tray.open", true),
            status: entry(item::STATUS, line, false),
            colleagues: section.rows,
            pause: plain(item::PAUSE, "sync.pause", configured && !held),
            // The submenu is what gets disabled; its items stay clickable inside it.
            pause_lengths: [
                plain(item::PAUSE_15M, "sync.pause_15m", true),
                plain(item::PAUSE_1H, "sync.pause_1h", true),
                plain(item::PAUSE_TOMORROW, "sync.pause_tomorrow", true),
            ],
            resume: plain(item::RESUME, "sync.resume", configured && held),
            sync_now: plain(item::SYNC_NOW, "sync.sync_now", configured && !held),
            settings: plain(item::SETTINGS, "nav.settings", true),
            quit: plain(item::QUIT, "tray.quit", true),
        }
    }

    /// The entries that exist for the whole run, in menu order (submenu items after their menu).
    pub fn fixed(&self) -> [&MenuEntry; 10] {
        [
            &self.open,
            &self.status,
            &self.pause,
            &self.pause_lengths[0],
            &self.pause_lengths[1],
            &self.pause_lengths[2],
            &self.resume,
            &self.sync_now,
            &self.settings,
            &self.quit,
        ]
    }

    /// The colleague shown with `colleague_id`, if any.
    pub fn colleague(&self, colleague_id: &str) -> Option<&ColleagueEntry> {
        self.colleagues.iter().find_map(|row| match row {
            SectionRow::Colleague(c) if c.colleague_id == colleague_id => Some(c),
            _ => None,
        })
    }

    /// The item `id` of a colleague's submenu, if it is shown.
    pub fn action(&self, id: &str) -> Option<&ActionEntry> {
        let (_, colleague_id) = colleagues::action_of_item(id)?;
        self.colleague(&colleague_id)?
            .actions
            .iter()
            .find(|action| action.id == id)
    }

    /// What a menu showing `before` (nothing yet: `None`) must change to show `self`. Entries
    /// keep their ids, so a presence change relabels a colleague in place (text and icon); only
    /// other colleagues, or another order, rearrange the section ([`MenuChange::Rows`]), and only
    /// other actions (a phone number came or went) refill a colleague's submenu.
    pub fn changes_from(&self, before: Option<&MenuModel>) -> Vec<MenuChange> {
        let mut changes = Vec::new();
        let old_fixed = before.map(MenuModel::fixed);
        for (index, new) in self.fixed().into_iter().enumerate() {
            compare_entry(&mut changes, old_fixed.map(|old| old[index]), new);
        }
        let old_rows = before.map_or(&[][..], |before| &before.colleagues[..]);
        let same_rows = before.is_some()
            && old_rows.len() == self.colleagues.len()
            && old_rows
                .iter()
                .zip(&self.colleagues)
                .all(|(old, new)| old.id() == new.id());
        if !same_rows {
            changes.push(MenuChange::Rows(self.colleagues.clone()));
        }
        // Rows shown before and now (wherever they are) change in place.
        for new in &self.colleagues {
            let Some(old) = old_rows.iter().find(|old| old.id() == new.id()) else {
                continue;
            };
            match (old, new) {
                (SectionRow::Note(old), SectionRow::Note(new)) => {
                    compare_entry(&mut changes, Some(old), new)
                }
                (SectionRow::Colleague(old), SectionRow::Colleague(new)) => {
                    compare_colleague(&mut changes, old, new)
                }
                // Ids say which kind a row is; they never change kind.
                _ => {}
            }
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

fn compare_entry(changes: &mut Vec<MenuChange>, old: Option<&MenuEntry>, new: &MenuEntry) {
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
}

fn compare_colleague(changes: &mut Vec<MenuChange>, old: &ColleagueEntry, new: &ColleagueEntry) {
    if old.text != new.text {
        changes.push(MenuChange::Text {
            id: new.id.clone(),
            text: new.text.clone(),
        });
    }
    if old.dot != new.dot {
        changes.push(MenuChange::Icon {
            id: new.id.clone(),
            dot: new.dot,
        });
    }
    if !old.same_items(new) {
        changes.push(MenuChange::Actions {
            id: new.id.clone(),
            actions: new.actions.clone(),
        });
        return;
    }
    for (old, new) in old.actions.iter().zip(&new.actions) {
        if old.text != new.text {
            changes.push(MenuChange::Text {
                id: new.id.clone(),
                text: new.text.clone(),
            });
        }
        if let (Some(before), Some(checked)) = (old.checked, new.checked) {
            if before != checked {
                changes.push(MenuChange::Checked {
                    id: new.id.clone(),
                    checked,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
