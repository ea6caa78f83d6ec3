//! The tray icon and its menu, rendered with Tauri. What they show is decided by
//! `window_model::tray` ([`MenuModel`], built from the bridge snapshot, the language and the
//! user's choice of colleagues); [`TrayMenu`] puts it onto Tauri's menu items and only touches
//! the entries [`MenuModel::changes_from`] reports: each change makes the desktop's tray host
//! re-read the menu, which can close a menu the user has open.
//!
//! The colleagues are submenus with their status dot as icon: the window's shapes and colours
//! (`icons/tray/<state>-16.png`, drawn by `icons/make_icons.py` from the window's palette),
//! embedded at build time, and set only when a colleague's dot changes.

use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};

use bridge::BridgeSnapshot;
use presence_core::Dot;
use tauri::{AppHandle, Manager, Runtime};
use window_model::i18n::tr;
use window_model::tray::{
    item, ActionEntry, ColleagueEntry, MenuChange, MenuModel, MenuOptions, SectionRow, TrayState,
};

pub const TRAY_ID: &str = "presence-bridge";

/// Where the colleague section starts: after "Open", a separator, the status line, a separator.
const SECTION_START: usize = 4;

/// The tray icon for `state`.
fn icon(state: TrayState) -> Image<'static> {
    match state {
        TrayState::Available => tauri::include_image!("icons/tray/available-32.png"),
        TrayState::Busy => tauri::include_image!("icons/tray/busy-32.png"),
        TrayState::DoNotDisturb => tauri::include_image!("icons/tray/dnd-32.png"),
        TrayState::Away => tauri::include_image!("icons/tray/away-32.png"),
        TrayState::Offline => tauri::include_image!("icons/tray/offline-32.png"),
        TrayState::Unknown => tauri::include_image!("icons/tray/unknown-32.png"),
        TrayState::Paused => tauri::include_image!("icons/tray/paused-32.png"),
        TrayState::Error => tauri::include_image!("icons/tray/error-32.png"),
    }
}

/// A colleague's status dot in the menu, 16 px (the size menus show; muda scales to it). The
/// pixels are decoded at build time, once per dot.
fn dot_icon(dot: Dot) -> Image<'static> {
    match dot {
        Dot::Available => tauri::include_image!("icons/tray/available-16.png"),
        Dot::Busy => tauri::include_image!("icons/tray/busy-16.png"),
        Dot::DoNotDisturb => tauri::include_image!("icons/tray/dnd-16.png"),
        Dot::Away => tauri::include_image!("icons/tray/away-16.png"),
        Dot::Offline => tauri::include_image!("icons/tray/offline-16.png"),
        Dot::Unknown => tauri::include_image!("icons/tray/unknown-16.png"),
    }
}

/// Tauri's menu items for the model's entries, and what they show now.
pub struct TrayMenu<R: Runtime> {
    menu: Menu<R>,
    open: MenuItem<R>,
    status: MenuItem<R>,
    pause: Submenu<R>,
    pause_lengths: [MenuItem<R>; 3],
    resume: MenuItem<R>,
    sync_now: MenuItem<R>,
    settings: MenuItem<R>,
    quit: MenuItem<R>,
    shown: Mutex<Shown<R>>,
}

/// The rendered state: the colleague section's rows (they come, go and move), the model they
/// show, the options and the last snapshot (re-shown after the options change).
struct Shown<R: Runtime> {
    options: MenuOptions,
    model: Option<MenuModel>,
    rows: Vec<Row<R>>,
    last: Option<BridgeSnapshot>,
}

/// One rendered row of the colleague section.
enum Row<R: Runtime> {
    Colleague {
        submenu: Submenu<R>,
        items: Vec<ActionItem<R>>,
    },
    Note(MenuItem<R>),
}

impl<R: Runtime> Row<R> {
    fn id(&self) -> &str {
        match self {
            Self::Colleague { submenu, .. } => submenu.id().as_ref(),
            Self::Note(item) => item.id().as_ref(),
        }
    }

    fn as_item(&self) -> &dyn IsMenuItem<R> {
        match self {
            Self::Colleague { submenu, .. } => submenu,
            Self::Note(item) => item,
        }
    }
}

/// An item of a colleague's submenu: "notify me when available" is a tick item.
enum ActionItem<R: Runtime> {
    Plain(MenuItem<R>),
    Check(CheckMenuItem<R>),
}

impl<R: Runtime> ActionItem<R> {
    fn new(app: &AppHandle<R>, action: &ActionEntry) -> tauri::Result<Self> {
        let id = action.id.as_str();
        Ok(match action.checked {
            Some(checked) => Self::Check(CheckMenuItem::with_id(
                app,
                id,
                label(&action.text),
                true,
                checked,
                None::<&str>,
            )?),
            None => Self::Plain(MenuItem::with_id(
                app,
                id,
                label(&action.text),
                true,
                None::<&str>,
            )?),
        })
    }

    fn id(&self) -> &str {
        match self {
            Self::Plain(item) => item.id().as_ref(),
            Self::Check(item) => item.id().as_ref(),
        }
    }

    fn as_item(&self) -> &dyn IsMenuItem<R> {
        match self {
            Self::Plain(item) => item,
            Self::Check(item) => item,
        }
    }

    fn set_text(&self, text: &str) -> tauri::Result<()> {
        match self {
            Self::Plain(item) => item.set_text(text),
            Self::Check(item) => item.set_text(text),
        }
    }
}

/// `text` as a menu label: menus read `&` as the mark of a keyboard mnemonic, so a name such
/// as "Sales & Marketing" would lose its `&`; `&&` shows one.
fn label(text: &str) -> String {
    text.replace('&', "&&")
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
    /// Builds the fixed items (labelled for `options`, nothing shown yet) and the menu that holds
    /// them; the colleagues come with the first snapshot.
    fn build(app: &AppHandle<R>, options: MenuOptions) -> tauri::Result<(Menu<R>, Self)> {
        let lang = options.lang;
        let plain = |id: &str, key: &str, enabled: bool| {
            MenuItem::with_id(app, id, tr(lang, key), enabled, None::<&str>)
        };
        // First: on Linux the tray reports no clicks, so this item is the way to the window.
        let open = plain(item::OPEN, "tray.open", true)?;
        let status = plain(item::STATUS, "app.loading", false)?;
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
        let settings = plain(item::SETTINGS, "nav.settings", true)?;
        let quit = plain(item::QUIT, "tray.quit", true)?;
        let menu = Menu::with_items(
            app,
            &[
                &open,
                &PredefinedMenuItem::separator(app)?,
                &status,
                &PredefinedMenuItem::separator(app)?,
                // The colleague section goes here (SECTION_START).
                &PredefinedMenuItem::separator(app)?,
                &pause,
                &resume,
                &sync_now,
                &PredefinedMenuItem::separator(app)?,
                &settings,
                &PredefinedMenuItem::separator(app)?,
                &quit,
            ],
        )?;
        let tray_menu = Self {
            menu: menu.clone(),
            open,
            status,
            pause,
            pause_lengths,
            resume,
            sync_now,
            settings,
            quit,
            shown: Mutex::new(Shown {
                options,
                model: None,
                rows: Vec::new(),
                last: None,
            }),
        };
        Ok((menu, tray_menu))
    }

    fn fixed_item(&self, id: &str) -> Option<Rendered<'_, R>> {
        let items = [
            &self.open,
            &self.status,
            &self.pause_lengths[0],
            &self.pause_lengths[1],
            &self.pause_lengths[2],
            &self.resume,
            &self.sync_now,
            &self.settings,
            &self.quit,
        ];
        if let Some(item) = items.into_iter().find(|item| item.id() == id) {
            return Some(Rendered::Item(item));
        }
        (self.pause.id() == id).then_some(Rendered::Submenu(&self.pause))
    }

    /// Shows `snapshot` with the current options. Returns the model shown before (`None` the
    /// first time), so the caller can update the icon and the tooltip only when they changed.
    fn present(
        &self,
        app: &AppHandle<R>,
        snapshot: &BridgeSnapshot,
    ) -> (MenuModel, Option<MenuModel>) {
        let broken_policy = app
            .try_state::<crate::app_state::AppState>()
            .and_then(|state| state.with_store(|store| store.policy().broken.clone()));
        let mut shown = lock(&self.shown);
        let next = MenuModel::of(snapshot, shown.options)
            .with_broken_policy(shown.options.lang, broken_policy.as_ref());
        for change in next.changes_from(shown.model.as_ref()) {
            if let Err(error) = self.apply(app, &mut shown.rows, &change) {
                tracing::debug!(%error, "cannot update the tray menu");
            }
        }
        shown.last = Some(snapshot.clone());
        let before = shown.model.replace(next.clone());
        (next, before)
    }

    fn apply(
        &self,
        app: &AppHandle<R>,
        rows: &mut Vec<Row<R>>,
        change: &MenuChange,
    ) -> tauri::Result<()> {
        match change {
            MenuChange::Text { id, text } => {
                let text = &label(text);
                if let Some(item) = self.fixed_item(id) {
                    return item.set_text(text);
                }
                match find(rows, id) {
                    Some(Found::Row(Row::Colleague { submenu, .. })) => submenu.set_text(text),
                    Some(Found::Row(Row::Note(item))) => item.set_text(text),
                    Some(Found::Action(action)) => action.set_text(text),
                    None => Ok(()),
                }
            }
            MenuChange::Enabled { id, enabled } => match self.fixed_item(id) {
                Some(item) => item.set_enabled(*enabled),
                None => match find(rows, id) {
                    Some(Found::Row(Row::Note(item))) => item.set_enabled(*enabled),
                    _ => Ok(()),
                },
            },
            MenuChange::Icon { id, dot } => match find(rows, id) {
                Some(Found::Row(Row::Colleague { submenu, .. })) => {
                    submenu.set_icon(Some(dot_icon(*dot)))
                }
                _ => Ok(()),
            },
            MenuChange::Checked { id, checked } => match find(rows, id) {
                Some(Found::Action(ActionItem::Check(item))) => item.set_checked(*checked),
                _ => Ok(()),
            },
            MenuChange::Actions { id, actions } => {
                let Some(Row::Colleague { submenu, items }) =
                    rows.iter_mut().find(|row| row.id() == id)
                else {
                    return Ok(());
                };
                for item in items.drain(..) {
                    submenu.remove(item.as_item())?;
                }
                for action in actions {
                    let item = ActionItem::new(app, action)?;
                    submenu.append(item.as_item())?;
                    items.push(item);
                }
                Ok(())
            }
            MenuChange::Rows(wanted) => self.arrange(app, rows, wanted),
        }
    }

    /// Brings the section to `wanted`: rows that stay keep their items (and move if they must),
    /// rows that go are removed, new rows are made.
    fn arrange(
        &self,
        app: &AppHandle<R>,
        rows: &mut Vec<Row<R>>,
        wanted: &[SectionRow],
    ) -> tauri::Result<()> {
        let mut kept: Vec<Row<R>> = Vec::new();
        for gone in rows.extract_if(.., |row| !wanted.iter().any(|w| w.id() == row.id())) {
            self.menu.remove(gone.as_item())?;
        }
        // `rows` is now the menu's order of the rows that stay; move or insert each in turn.
        for (index, want) in wanted.iter().enumerate() {
            match rows.iter().position(|row| row.id() == want.id()) {
                Some(0) => kept.push(rows.remove(0)),
                Some(at) => {
                    let row = rows.remove(at);
                    self.menu.remove(row.as_item())?;
                    self.menu.insert(row.as_item(), SECTION_START + index)?;
                    kept.push(row);
                }
                None => {
                    let row = make_row(app, want)?;
                    self.menu.insert(row.as_item(), SECTION_START + index)?;
                    kept.push(row);
                }
            }
        }
        *rows = kept;
        Ok(())
    }

    /// The link the colleague item `id` opens, as the menu shows it now.
    fn link(&self, id: &str) -> Option<String> {
        let shown = lock(&self.shown);
        shown.model.as_ref()?.action(id)?.url.clone()
    }

    /// Whether the tick item `id` is ticked in the model (not what a click just did to it).
    fn ticked(&self, id: &str) -> Option<bool> {
        let shown = lock(&self.shown);
        shown.model.as_ref()?.action(id)?.checked
    }

    /// Puts the tick item `id` back to what the model says (after a click that did nothing).
    fn retick(&self, id: &str) {
        let Some(checked) = self.ticked(id) else {
            return;
        };
        let shown = lock(&self.shown);
        if let Some(Found::Action(ActionItem::Check(item))) = find(&shown.rows, id) {
            let _ = item.set_checked(checked);
        }
    }
}

enum Found<'a, R: Runtime> {
    Row(&'a Row<R>),
    Action(&'a ActionItem<R>),
}

/// The row, or the colleague's item, with `id`.
fn find<'a, R: Runtime>(rows: &'a [Row<R>], id: &str) -> Option<Found<'a, R>> {
    rows.iter().find_map(|row| {
        if row.id() == id {
            return Some(Found::Row(row));
        }
        match row {
            Row::Colleague { items, .. } => {
                items.iter().find(|item| item.id() == id).map(Found::Action)
            }
            Row::Note(_) => None,
        }
    })
}

fn make_row<R: Runtime>(app: &AppHandle<R>, row: &SectionRow) -> tauri::Result<Row<R>> {
    Ok(match row {
        SectionRow::Note(note) => Row::Note(MenuItem::with_id(
            app,
            note.id.as_str(),
            label(&note.text),
            note.enabled,
            None::<&str>,
        )?),
        SectionRow::Colleague(colleague) => make_colleague(app, colleague)?,
    })
}

fn make_colleague<R: Runtime>(
    app: &AppHandle<R>,
    colleague: &ColleagueEntry,
) -> tauri::Result<Row<R>> {
    let submenu = Submenu::with_id_and_icon(
        app,
        colleague.id.as_str(),
        label(&colleague.text),
        true,
        Some(dot_icon(colleague.dot)),
    )?;
    let mut items = Vec::with_capacity(colleague.actions.len());
    for action in &colleague.actions {
        let item = ActionItem::new(app, action)?;
        submenu.append(item.as_item())?;
        items.push(item);
    }
    Ok(Row::Colleague { submenu, items })
}

/// Environment variable of the tray test hook (feature `test-hooks` only): each menu that differs
/// from the one before is appended to that file as one line ([`MenuModel::as_line`]).
pub const TRAY_LOG_ENV: &str = "PRESENCE_BRIDGE_TRAY_LOG";

/// Shows the own status from `snapshot` on the tray icon, its tooltip and the menu. The menu
/// lives on the main thread, and Tauri's menu calls from any other thread wait for it: the
/// update is handed to the main thread without waiting, so no async task blocks on a main
/// thread that may itself be waiting for the sync to stop (quitting does that).
pub fn show<R: Runtime>(app: &AppHandle<R>, snapshot: &BridgeSnapshot) {
    let handle = app.clone();
    let snapshot = snapshot.clone();
    if let Err(error) = app.run_on_main_thread(move || show_now(&handle, &snapshot)) {
        tracing::debug!(%error, "cannot update the tray");
    }
}

/// [`show`], on the main thread.
fn show_now<R: Runtime>(app: &AppHandle<R>, snapshot: &BridgeSnapshot) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let (next, before) = menu.present(app, snapshot);
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
        if let Err(error) = tray.set_icon(Some(icon(next.icon))) {
            tracing::debug!(%error, "cannot update the tray icon");
        }
    }
    // Not shown on Linux (the tray host has no tooltips there); the menu has it all.
    if before.as_ref().is_none_or(|b| b.tooltip != next.tooltip) {
        let _ = tray.set_tooltip(Some(&next.tooltip));
    }
}

/// Switches the menu's language or its choice of colleagues in place.
pub fn set_options<R: Runtime>(app: &AppHandle<R>, options: MenuOptions) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let last = {
        let mut shown = lock(&menu.shown);
        if shown.options == options {
            return;
        }
        shown.options = options;
        shown.last.clone()
    };
    let snapshot = last.or_else(|| {
        app.try_state::<crate::app_state::AppState>()
            .map(|state| state.snapshot())
    });
    if let Some(snapshot) = snapshot {
        show(app, &snapshot);
    }
}

/// The checked link the colleague item `id` opens (what the menu shows; `None` if it is gone).
pub fn link_of<R: Runtime>(app: &AppHandle<R>, id: &str) -> Option<String> {
    app.try_state::<TrayMenu<R>>()?.link(id)
}

/// Whether the colleague's "notify me when available" is set, as the menu shows it.
pub fn alert_shown<R: Runtime>(app: &AppHandle<R>, id: &str) -> Option<bool> {
    app.try_state::<TrayMenu<R>>()?.ticked(id)
}

/// Puts a tick item back to the model's state: a click toggles it at once, so a click whose
/// command failed would leave it wrong.
pub fn retick<R: Runtime>(app: &AppHandle<R>, id: &str) {
    if let Some(menu) = app.try_state::<TrayMenu<R>>() {
        menu.retick(id);
    }
}

/// Builds the tray. Errors are returned, never panics, so a desktop without a tray still runs.
pub fn build<R: Runtime>(
    app: &AppHandle<R>,
    options: MenuOptions,
    on_item: impl Fn(&AppHandle<R>, &str) + Send + Sync + 'static,
) -> tauri::Result<TrayIcon<R>> {
    let (menu, tray_menu) = TrayMenu::build(app, options)?;
    app.manage(tray_menu);
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(TrayState::Unknown))
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
