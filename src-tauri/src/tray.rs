//! The tray icon and its menu. On Linux the tray reports no clicks, so every action is a menu item.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

use crate::i18n::{text, Lang, Text};

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
    pub fn of(snapshot: &bridge::BridgeSnapshot) -> Self {
        use bridge::SyncStateView as S;
        use presence_core::StatusRow as Row;
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

/// Shows the own status from `snapshot` on the tray icon (and its tooltip).
pub fn show<R: Runtime>(app: &AppHandle<R>, snapshot: &bridge::BridgeSnapshot) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = TrayState::of(snapshot);
    if let Err(error) = tray.set_icon(Some(state.icon())) {
        tracing::debug!(%error, "cannot update the tray icon");
    }
    let tooltip = match (&snapshot.sync.state, &snapshot.own.teams) {
        (bridge::SyncStateView::NotConfigured, _) => "Presence Bridge: not configured".to_owned(),
        (_, Some(teams)) => format!("Presence Bridge: {}", teams.describe()),
        _ => "Presence Bridge".to_owned(),
    };
    let _ = tray.set_tooltip(Some(tooltip));
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
