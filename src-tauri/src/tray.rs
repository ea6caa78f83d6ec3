//! The tray icon and its menu, rendered with Tauri. What they show is decided by
//! `window_model::tray` ([`MenuModel`], built from the bridge snapshot and the language);
//! [`TrayMenu`] puts it onto Tauri's menu items and only touches the entries
//! [`MenuModel::changes_from`] reports: each change makes the desktop's tray host re-read the
//! menu, which can close a menu the user has open.

use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};

use bridge::BridgeSnapshot;
use tauri::{AppHandle, Manager, Runtime};
use window_model::i18n::{tr, Lang};
use window_model::tray::{item, MenuChange, MenuEntry, MenuModel, TrayState};

pub const TRAY_ID: &str = "presence-bridge";

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
/// language and the last snapshot (re-shown after a language change).
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

    /// Shows `snapshot` in the current language. Returns the model shown before (`None` the
    /// first time), so the caller can update the icon only when it changed.
    fn present(
        &self,
        app: &AppHandle<R>,
        snapshot: &BridgeSnapshot,
    ) -> (MenuModel, Option<MenuModel>) {
        let broken_policy = app
            .try_state::<crate::app_state::AppState>()
            .and_then(|state| state.with_store(|store| store.policy().broken.clone()));
        let mut shown = lock(&self.shown);
        let next = MenuModel::of(snapshot, shown.lang)
            .with_broken_policy(shown.lang, broken_policy.as_ref());
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

/// Environment variable of the tray test hook (feature `test-hooks` only): each menu that differs
/// from the one before is appended to that file as one line ([`MenuModel::as_line`]).
pub const TRAY_LOG_ENV: &str = "PRESENCE_BRIDGE_TRAY_LOG";

/// Shows the own status from `snapshot` on the tray icon, its tooltip and the menu.
pub fn show<R: Runtime>(app: &AppHandle<R>, snapshot: &BridgeSnapshot) {
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
    if before.as_ref().is_none_or(|b| b.tooltip != next.tooltip) {
        let _ = tray.set_tooltip(Some(&next.tooltip));
    }
}

/// Switches the menu's language in place.
pub fn set_language<R: Runtime>(app: &AppHandle<R>, lang: Lang) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let last = {
        let mut shown = lock(&menu.shown);
        shown.lang = lang;
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

/// Builds the tray. Errors are returned, never panics, so a desktop without a tray still runs.
pub fn build<R: Runtime>(
    app: &AppHandle<R>,
    lang: Lang,
    on_item: impl Fn(&AppHandle<R>, &str) + Send + Sync + 'static,
) -> tauri::Result<TrayIcon<R>> {
    let (menu, tray_menu) = TrayMenu::build(app, lang)?;
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
