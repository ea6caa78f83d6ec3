//! The tray icon and its menu. On Linux the tray reports no clicks, so every action is a menu item.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

use crate::i18n::{text, Lang, Text};

pub const TRAY_ID: &str = "presence-bridge";

/// What the tray icon shows: the user's own merged status, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // the states beyond `Unknown` are set once the bridge runs (issue 6)
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

/// Menu item ids, shared by the builder and the event handler.
pub mod item {
    pub const OPEN: &str = "open";
    pub const PAUSE: &str = "pause";
    pub const QUIT: &str = "quit";
}

/// Builds the tray. Errors are returned, never panics, so a desktop without a tray still runs.
pub fn build<R: Runtime>(
    app: &AppHandle<R>,
    lang: Lang,
    on_item: impl Fn(&AppHandle<R>, &str) + Send + Sync + 'static,
) -> tauri::Result<TrayIcon<R>> {
    let open = MenuItem::with_id(
        app,
        item::OPEN,
        text(lang, Text::OpenWindow),
        true,
        None::<&str>,
    )?;
    // Disabled until the sync engine runs; the durations arrive with it.
    let pause = Submenu::with_id(app, item::PAUSE, text(lang, Text::PauseSync), false)?;
    let quit = MenuItem::with_id(app, item::QUIT, text(lang, Text::Quit), true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &pause, &separator, &quit])?;
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
