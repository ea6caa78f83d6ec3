//! The baseline the footprint figures compare Presence Bridge with: a Tauri 2 app that only has
//! a tray icon with a menu and a hidden window, nothing else. `--show-window` opens the window
//! (the "window open" figure); `--no-window` creates no window at all (no webview, so no WebKit
//! process: the anchor for an app that builds its window on demand; "Show window" builds it);
//! the tray's "Quit" item or SIGTERM ends it.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, WebviewWindow};

/// The window of tauri.conf.json (`create: false`), built now if it is not there.
fn window(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    if let Some(window) = app.get_webview_window("main") {
        return Ok(window);
    }
    tauri::WebviewWindowBuilder::from_config(app, &app.config().app.windows[0])?.build()
}

fn main() {
    let show_window = std::env::args().any(|a| a == "--show-window");
    let no_window = std::env::args().any(|a| a == "--no-window");
    tauri::Builder::default()
        .setup(move |app| {
            let show = MenuItem::with_id(app, "show", "Show window", true, None::<&str>)?;
            let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
            let menu = Menu::with_items(app, &[&show, &quit])?;
            let mut tray = TrayIconBuilder::with_id("bare")
                .menu(&menu)
                .tooltip("Bare Tray");
            if let Some(icon) = app.default_window_icon() {
                tray = tray.icon(icon.clone());
            }
            tray.on_menu_event(|app, event| match event.id().as_ref() {
                "show" => {
                    if let Ok(window) = window(app) {
                        let _ = window.show();
                    }
                }
                "quit" => app.exit(0),
                _ => {}
            })
            .build(app)?;
            if !no_window {
                let window = window(app.handle())?;
                if show_window {
                    window.show()?;
                }
            }
            // The figures script times the launch against this wall-clock stamp (the app's log
            // lines carry one too).
            let since_epoch = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            println!("tray ready at {:.6}", since_epoch.as_secs_f64());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the bare tray app runs");
}
