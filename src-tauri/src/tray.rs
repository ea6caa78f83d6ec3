//! The tray icon and its menu. On Linux the tray reports no clicks, so every action is a menu item.
//!
//! What the menu shows is decided by [`MenuModel::of`], a plain value built from the bridge
//! snapshot, the favourites and the language. [`TrayMenu`] renders it onto Tauri's menu items and
//! only touches the entries [`MenuModel::changes_from`] reports: each change makes the desktop's
//! tray host re-read the menu, which can close a menu the user has open.

use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};

use bridge::{BridgeSnapshot, ColleagueView, SyncStateView};
use presence_core::StatusRow;
use tauri::{AppHandle, Manager, Runtime};

use crate::i18n::{tr, tr_with, Lang};

pub const TRAY_ID: &str = "presence-bridge";

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
    pub fn icon(self) -> Image<'static> {
        match self {
            Self::Available => tauri::include_image!("icons/tray/available-32.png"),
            Self::Busy => tauri::include_image!("icons/tray/busy-32.png"),
            Self::DoNotDisturb => tauri::include_image!("icons/tray/dnd-32.png"),
            Self::Away => tauri::include_image!("icons/tray/away-32.png"),
            Self::Offline => tauri::include_image!("icons/tray/offline-32.png"),
            Self::Unknown => tauri::include_image!("icons/tray/unknown-32.png"),
            Self::Paused => tauri::include_image!("icons/tray/paused-32.png"),
            Self::Error => tauri::include_image!("icons/tray/error-32.png"),
        }
    }
}

impl TrayState {
    /// The icon for a bridge snapshot: problems and pauses first, then the own merged status.
    pub fn of(snapshot: &BridgeSnapshot) -> Self {
        use presence_core::StatusRow as Row;
        use SyncStateView as S;
        match &snapshot.sync.state {
            S::SignInNeeded { .. } | S::AnotherSyncSuspected => return Self::Error,
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

fn row_text(lang: Lang, row: Option<StatusRow>) -> String {
    let key = row
        .and_then(|row| serde_json::to_value(row).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    tr(lang, &format!("status.{key}"))
}

/// "Teams: Busy - In a meeting · STARFACE: DND on". While the sync holds (paused, stopped,
/// waiting for a decision, after hours) the reason comes first; an expired sign-in replaces that
/// side's reading, which would be stale.
pub fn status_line(lang: Lang, snapshot: &BridgeSnapshot) -> String {
    use SyncStateView as S;
    let state = &snapshot.sync.state;
    if *state == S::NotConfigured {
        return tr(lang, "tray.not_configured");
    }
    let sign_in_needed =
        |service: &str| matches!(state, S::SignInNeeded { service: s, .. } if s == service);
    let teams = match &snapshot.own.teams {
        _ if sign_in_needed("microsoft") => tr(lang, "settings.microsoft.state.expired"),
        Some(teams) => {
            let graph = |value: &str| {
                let key = format!("graph.{}", value.to_ascii_lowercase());
                let text = tr(lang, &key);
                if text == key {
                    value.to_owned()
                } else {
                    text
                }
            };
            tr_with(
                lang,
                "tray.teams_pair",
                &[
                    ("availability", &graph(teams.availability.as_str())),
                    ("activity", &graph(teams.activity.as_str())),
                ],
            )
        }
        None => tr(lang, "tray.not_read"),
    };
    let starface = match snapshot.own.starface_dnd {
        _ if sign_in_needed("starface") => tr(lang, "settings.starface.state.error"),
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

    /// The menu for `snapshot`; `favourites` are the e-mail addresses from the settings.
    pub fn of(snapshot: &BridgeSnapshot, favourites: &[String], lang: Lang) -> Self {
        use SyncStateView as S;
        let configured = snapshot.sync.state != S::NotConfigured;
        let held = matches!(snapshot.sync.state, S::Paused { .. } | S::Stopped);
        let line = status_line(lang, snapshot);
        let shown: Vec<&ColleagueView> = snapshot
            .colleagues
            .iter()
            .filter(|c| crate::dto::is_favourite(favourites, c.mail.as_deref()))
            .collect();
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
                        &format!("{}{}", item::FAVOURITE_PREFIX, c.id),
                        format!(
                            "{} {} – {}",
                            glyph(c.row),
                            c.display_name,
                            row_text(lang, c.row)
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
}

/// Tauri's menu items for the model's entries, and what they show now.
pub struct TrayMenu<R: Runtime> {
    status: MenuItem<R>,
    favourites: Submenu<R>,
    pause: Submenu<R>,
    pause_lengths: [MenuItem<R>; 3],
    resume: MenuItem<R>,
    sync_now: MenuItem<R>,
    open: MenuItem<R>,
    settings: MenuItem<R>,
    quit: MenuItem<R>,
    shown: Mutex<Shown<R>>,
}

/// The rendered state: the favourites' items (they come and go), the model they show, the
/// language and the last snapshot (re-shown after a language or favourites change).
struct Shown<R: Runtime> {
    lang: Lang,
    model: Option<MenuModel>,
    favourite_items: Vec<MenuItem<R>>,
    last: Option<BridgeSnapshot>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fixed entry's item: plain items and submenus take the same two updates.
enum Rendered<'a, R: Runtime> {
    Item(&'a MenuItem<R>),
    Submenu(&'a Submenu<R>),
}

impl<R: Runtime> Rendered<'_, R> {
    fn set_text(&self, text: &str) -> tauri::Result<()> {
        match self {
            Self::Item(item) => item.set_text(text),
            Self::Submenu(menu) => menu.set_text(text),
        }
    }

    fn set_enabled(&self, enabled: bool) -> tauri::Result<()> {
        match self {
            Self::Item(item) => item.set_enabled(enabled),
            Self::Submenu(menu) => menu.set_enabled(enabled),
        }
    }
}

impl<R: Runtime> TrayMenu<R> {
    /// Builds the items (labelled for `lang`, nothing shown yet) and the menu that holds them.
    fn build(app: &AppHandle<R>, lang: Lang) -> tauri::Result<(Menu<R>, Self)> {
        let plain = |id: &str, key: &str, enabled: bool| {
            MenuItem::with_id(app, id, tr(lang, key), enabled, None::<&str>)
        };
        let status = plain(item::STATUS, "app.loading", false)?;
        let favourites =
            Submenu::with_id(app, item::FAVOURITES, tr(lang, "tray.favourites"), true)?;
        let pause_lengths = [
            plain(item::PAUSE_15M, "sync.pause_15m", true)?,
            plain(item::PAUSE_1H, "sync.pause_1h", true)?,
            plain(item::PAUSE_TOMORROW, "sync.pause_tomorrow", true)?,
        ];
        // Disabled until the sync engine runs.
        let pause = Submenu::with_id_and_items(
            app,
            item::PAUSE,
            tr(lang, "sync.pause"),
            false,
            &[&pause_lengths[0], &pause_lengths[1], &pause_lengths[2]],
        )?;
        let resume = plain(item::RESUME, "sync.resume", false)?;
        let sync_now = plain(item::SYNC_NOW, "sync.sync_now", false)?;
        let open = plain(item::OPEN, "tray.open", true)?;
        let settings = plain(item::SETTINGS, "nav.settings", true)?;
        let quit = plain(item::QUIT, "tray.quit", true)?;
        let menu = Menu::with_items(
            app,
            &[
                &status,
                &PredefinedMenuItem::separator(app)?,
                &favourites,
                &PredefinedMenuItem::separator(app)?,
                &pause,
                &resume,
                &sync_now,
                &PredefinedMenuItem::separator(app)?,
                &open,
                &settings,
                &PredefinedMenuItem::separator(app)?,
                &quit,
            ],
        )?;
        let tray_menu = Self {
            status,
            favourites,
            pause,
            pause_lengths,
            resume,
            sync_now,
            open,
            settings,
            quit,
            shown: Mutex::new(Shown {
                lang,
                model: None,
                favourite_items: Vec::new(),
                last: None,
            }),
        };
        Ok((menu, tray_menu))
    }

    fn fixed_item(&self, id: &str) -> Option<Rendered<'_, R>> {
        let items = [
            &self.status,
            &self.pause_lengths[0],
            &self.pause_lengths[1],
            &self.pause_lengths[2],
            &self.resume,
            &self.sync_now,
            &self.open,
            &self.settings,
            &self.quit,
        ];
        if let Some(item) = items.into_iter().find(|item| item.id() == id) {
            return Some(Rendered::Item(item));
        }
        [&self.favourites, &self.pause]
            .into_iter()
            .find(|menu| menu.id() == id)
            .map(Rendered::Submenu)
    }

    /// Shows `snapshot` with `favourites`, in the current language. Returns the model shown
    /// before (`None` the first time), so the caller can update the icon only when it changed.
    fn present(
        &self,
        app: &AppHandle<R>,
        snapshot: &BridgeSnapshot,
        favourites: &[String],
    ) -> (MenuModel, Option<MenuModel>) {
        let mut shown = lock(&self.shown);
        let next = MenuModel::of(snapshot, favourites, shown.lang);
        for change in next.changes_from(shown.model.as_ref()) {
            let applied = match &change {
                MenuChange::Text { id, text } => match self.fixed_item(id) {
                    Some(item) => item.set_text(text),
                    None => favourite_item(&shown.favourite_items, id)
                        .map_or(Ok(()), |item| item.set_text(text)),
                },
                MenuChange::Enabled { id, enabled } => match self.fixed_item(id) {
                    Some(item) => item.set_enabled(*enabled),
                    None => favourite_item(&shown.favourite_items, id)
                        .map_or(Ok(()), |item| item.set_enabled(*enabled)),
                },
                MenuChange::Favourites(entries) => {
                    self.refill_favourites(app, &mut shown.favourite_items, entries)
                }
            };
            if let Err(error) = applied {
                tracing::debug!(%error, "cannot update the tray menu");
            }
        }
        shown.last = Some(snapshot.clone());
        let before = shown.model.replace(next.clone());
        (next, before)
    }

    fn refill_favourites(
        &self,
        app: &AppHandle<R>,
        items: &mut Vec<MenuItem<R>>,
        entries: &[MenuEntry],
    ) -> tauri::Result<()> {
        for item in items.drain(..) {
            self.favourites.remove(&item)?;
        }
        for entry in entries {
            let item = MenuItem::with_id(
                app,
                entry.id.as_str(),
                &entry.text,
                entry.enabled,
                None::<&str>,
            )?;
            self.favourites.append(&item)?;
            items.push(item);
        }
        Ok(())
    }
}

fn favourite_item<'a, R: Runtime>(items: &'a [MenuItem<R>], id: &str) -> Option<&'a MenuItem<R>> {
    items.iter().find(|item| item.id() == id)
}

fn favourites_setting<R: Runtime>(app: &AppHandle<R>) -> Vec<String> {
    app.try_state::<crate::backend::Backend>()
        .map(|b| b.settings().ui.favourites)
        .unwrap_or_default()
}

/// Environment variable of the tray test hook (feature `test-hooks` only): each menu that differs
/// from the one before is appended to that file as one line ([`MenuModel::as_line`]).
pub const TRAY_LOG_ENV: &str = "PRESENCE_BRIDGE_TRAY_LOG";

/// Shows the own status from `snapshot` on the tray icon, its tooltip and the menu.
pub fn show<R: Runtime>(app: &AppHandle<R>, snapshot: &BridgeSnapshot) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let (next, before) = menu.present(app, snapshot, &favourites_setting(app));
    if before.as_ref() != Some(&next) {
        if let Some(file) = crate::test_hooks::hook_file(TRAY_LOG_ENV) {
            if let Err(error) = crate::test_hooks::append_line(&file, &next.as_line()) {
                tracing::warn!(%error, "cannot write the tray test log");
            }
        }
    }
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    if before.as_ref().is_none_or(|b| b.icon != next.icon) {
        if let Err(error) = tray.set_icon(Some(next.icon.icon())) {
            tracing::debug!(%error, "cannot update the tray icon");
        }
    }
    if before.as_ref().is_none_or(|b| b.tooltip != next.tooltip) {
        let _ = tray.set_tooltip(Some(&next.tooltip));
    }
}

/// Re-shows the last snapshot: after the favourites changed in the settings.
pub fn refresh_favourites<R: Runtime>(app: &AppHandle<R>) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let last = lock(&menu.shown).last.clone();
    if let Some(snapshot) = last.or_else(|| {
        app.try_state::<crate::backend::Backend>()
            .map(|b| b.snapshot())
    }) {
        show(app, &snapshot);
    }
}

/// Switches the menu's language in place.
pub fn set_language<R: Runtime>(app: &AppHandle<R>, lang: Lang) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    lock(&menu.shown).lang = lang;
    refresh_favourites(app);
}

/// Builds the tray. Errors are returned, never panics, so a desktop without a tray still runs.
pub fn build<R: Runtime>(
    app: &AppHandle<R>,
    lang: Lang,
    on_item: impl Fn(&AppHandle<R>, &str) + Send + Sync + 'static,
) -> tauri::Result<TrayIcon<R>> {
    let (menu, tray_menu) = TrayMenu::build(app, lang)?;
    app.manage(tray_menu);
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(TrayState::Unknown.icon())
        .tooltip("Presence Bridge")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| on_item(app, event.id().as_ref()))
        .build(app)
}

/// Whether a StatusNotifier host (a panel that shows tray icons) is on the session bus.
/// Without one the icon is invisible, and the user should know how to reach the window.
#[cfg(target_os = "linux")]
pub fn host_present() -> bool {
    let probe = || -> zbus::Result<bool> {
        let connection = zbus::blocking::Connection::session()?;
        let bus = zbus::blocking::fdo::DBusProxy::new(&connection)?;
        let name = zbus::names::BusName::try_from("org.kde.StatusNotifierWatcher")?;
        Ok(bus.name_has_owner(name)?)
    };
    probe().unwrap_or(false)
}

#[cfg(not(target_os = "linux"))]
pub fn host_present() -> bool {
    true
}

#[cfg(test)]
mod tests;
