//! The tray icon and its menu. On Linux the tray reports no clicks, so every action is a menu item.

use std::sync::Mutex;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};

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

/// The menu items that change while the app runs, kept to update them in place.
pub struct TrayMenu<R: Runtime> {
    status: MenuItem<R>,
    favourites: Submenu<R>,
    pause: Submenu<R>,
    pause_items: [MenuItem<R>; 3],
    resume: MenuItem<R>,
    sync_now: MenuItem<R>,
    open: MenuItem<R>,
    settings: MenuItem<R>,
    quit: MenuItem<R>,
    inner: Mutex<TrayShown>,
}

/// What the menu shows now: the language, the favourites' ids (rebuilt only when they change)
/// and the last snapshot (re-shown after a language switch).
#[derive(Default)]
struct TrayShown {
    lang: Option<Lang>,
    favourite_ids: Vec<String>,
    last: Option<bridge::BridgeSnapshot>,
}

/// The favourites' menu items (managed separately: `TrayShown` needs `Default`).
struct FavouriteItems<R: Runtime>(Mutex<Vec<MenuItem<R>>>);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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

/// "Teams: Busy - In a meeting · STARFACE: DND on".
pub fn status_line(lang: Lang, snapshot: &bridge::BridgeSnapshot) -> String {
    if snapshot.sync.state == bridge::SyncStateView::NotConfigured {
        return tr(lang, "tray.not_configured");
    }
    let teams = match &snapshot.own.teams {
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
        Some(true) => tr(lang, "tray.dnd_on"),
        Some(false) => tr(lang, "tray.dnd_off"),
        None => tr(lang, "tray.not_read"),
    };
    tr_with(
        lang,
        "tray.status_line",
        &[("teams", &teams), ("starface", &starface)],
    )
}

/// Shows the own status from `snapshot` on the tray icon, its tooltip and the menu.
pub fn show<R: Runtime>(app: &AppHandle<R>, snapshot: &bridge::BridgeSnapshot) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = TrayState::of(snapshot);
    if let Err(error) = tray.set_icon(Some(state.icon())) {
        tracing::debug!(%error, "cannot update the tray icon");
    }
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let lang = lock(&menu.inner).lang.unwrap_or(Lang::En);
    let line = status_line(lang, snapshot);
    let _ = tray.set_tooltip(Some(format!("Presence Bridge: {line}")));
    let _ = menu.status.set_text(&line);
    use bridge::SyncStateView as S;
    let running = !matches!(snapshot.sync.state, S::NotConfigured);
    let paused = matches!(snapshot.sync.state, S::Paused { .. } | S::Stopped);
    let _ = menu.pause.set_enabled(running && !paused);
    let _ = menu.resume.set_enabled(running && paused);
    let _ = menu.sync_now.set_enabled(running && !paused);
    show_favourites(app, &menu, lang, snapshot);
    lock(&menu.inner).last = Some(snapshot.clone());
}

fn show_favourites<R: Runtime>(
    app: &AppHandle<R>,
    menu: &TrayMenu<R>,
    lang: Lang,
    snapshot: &bridge::BridgeSnapshot,
) {
    let favourites = app
        .try_state::<crate::backend::Backend>()
        .map(|b| b.settings().ui.favourites)
        .unwrap_or_default();
    let shown: Vec<&bridge::ColleagueView> = snapshot
        .colleagues
        .iter()
        .filter(|c| crate::dto::is_favourite(&favourites, c.mail.as_deref()))
        .collect();
    let ids: Vec<String> = shown.iter().map(|c| c.id.clone()).collect();
    let label = |c: &bridge::ColleagueView| {
        format!(
            "{} {} – {}",
            glyph(c.row),
            c.display_name,
            row_text(lang, c.row)
        )
    };
    let Some(items) = app.try_state::<FavouriteItems<R>>() else {
        return;
    };
    let mut items = lock(&items.0);
    let mut inner = lock(&menu.inner);
    if inner.favourite_ids == ids && !items.is_empty() {
        for (item, colleague) in items.iter().zip(&shown) {
            let _ = item.set_text(label(colleague));
        }
        return;
    }
    // The set changed: rebuild only the favourites' submenu.
    for item in items.drain(..) {
        let _ = menu.favourites.remove(&item);
    }
    for colleague in &shown {
        let id = format!("{}{}", item::FAVOURITE_PREFIX, colleague.id);
        match MenuItem::with_id(app, id, label(colleague), true, None::<&str>) {
            Ok(entry) => {
                let _ = menu.favourites.append(&entry);
                items.push(entry);
            }
            Err(error) => tracing::debug!(%error, "cannot add a favourite to the tray menu"),
        }
    }
    if shown.is_empty() {
        if let Ok(entry) = MenuItem::with_id(
            app,
            item::NO_FAVOURITES,
            tr(lang, "tray.no_favourites"),
            false,
            None::<&str>,
        ) {
            let _ = menu.favourites.append(&entry);
            items.push(entry);
        }
    }
    inner.favourite_ids = ids;
}

/// Re-shows the favourites after they changed in the settings.
pub fn refresh_favourites<R: Runtime>(app: &AppHandle<R>) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let last = lock(&menu.inner).last.clone();
    if let Some(snapshot) = last.or_else(|| {
        app.try_state::<crate::backend::Backend>()
            .map(|b| b.snapshot())
    }) {
        // Force a rebuild: the set may be equal by id while favourites changed.
        lock(&menu.inner).favourite_ids.clear();
        show(app, &snapshot);
    }
}

/// Switches the menu's language in place.
pub fn set_language<R: Runtime>(app: &AppHandle<R>, lang: Lang) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    lock(&menu.inner).lang = Some(lang);
    label_static_items(&menu, lang);
    refresh_favourites(app);
}

fn label_static_items<R: Runtime>(menu: &TrayMenu<R>, lang: Lang) {
    let _ = menu.favourites.set_text(tr(lang, "tray.favourites"));
    let _ = menu.pause.set_text(tr(lang, "sync.pause"));
    for (entry, key) in
        menu.pause_items
            .iter()
            .zip(["sync.pause_15m", "sync.pause_1h", "sync.pause_tomorrow"])
    {
        let _ = entry.set_text(tr(lang, key));
    }
    let _ = menu.resume.set_text(tr(lang, "sync.resume"));
    let _ = menu.sync_now.set_text(tr(lang, "sync.sync_now"));
    let _ = menu.open.set_text(tr(lang, "tray.open"));
    let _ = menu.settings.set_text(tr(lang, "nav.settings"));
    let _ = menu.quit.set_text(tr(lang, "tray.quit"));
}

/// Menu item ids, shared by the builder and the event handler.
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

/// Builds the tray. Errors are returned, never panics, so a desktop without a tray still runs.
pub fn build<R: Runtime>(
    app: &AppHandle<R>,
    lang: Lang,
    on_item: impl Fn(&AppHandle<R>, &str) + Send + Sync + 'static,
) -> tauri::Result<TrayIcon<R>> {
    let plain = |id: &str, enabled: bool| MenuItem::with_id(app, id, "", enabled, None::<&str>);
    let status = plain(item::STATUS, false)?;
    let favourites = Submenu::with_id(app, item::FAVOURITES, "", true)?;
    let pause_items = [
        plain(item::PAUSE_15M, true)?,
        plain(item::PAUSE_1H, true)?,
        plain(item::PAUSE_TOMORROW, true)?,
    ];
    // Disabled until the sync engine runs.
    let pause = Submenu::with_id_and_items(
        app,
        item::PAUSE,
        "",
        false,
        &[&pause_items[0], &pause_items[1], &pause_items[2]],
    )?;
    let resume = plain(item::RESUME, false)?;
    let sync_now = plain(item::SYNC_NOW, false)?;
    let open = plain(item::OPEN, true)?;
    let settings = plain(item::SETTINGS, true)?;
    let quit = plain(item::QUIT, true)?;
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
    let tray_menu = TrayMenu {
        status,
        favourites,
        pause,
        pause_items,
        resume,
        sync_now,
        open,
        settings,
        quit,
        inner: Mutex::new(TrayShown {
            lang: Some(lang),
            ..TrayShown::default()
        }),
    };
    label_static_items(&tray_menu, lang);
    let _ = tray_menu.status.set_text(tr(lang, "app.loading"));
    app.manage(tray_menu);
    app.manage(FavouriteItems::<R>(Mutex::new(Vec::new())));
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
