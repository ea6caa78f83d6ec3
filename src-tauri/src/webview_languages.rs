//! The user's languages for the window's WebKit (the strings themselves are in
//! `window_model::i18n`).

/// Hands the user's languages to the window's WebKit, so `navigator.languages` (which the window
/// reads for "automatic") says what the environment says. On its own WebKitGTK takes them from
/// `setlocale`, which ignores `LANGUAGE` and yields English whenever the locale named in `LANG`
/// is not generated on the system, while the tray would speak German.
#[cfg(target_os = "linux")]
pub fn share_languages_with_window<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    let languages = window_model::i18n::os_languages();
    tracing::info!(?languages, "the user's languages");
    if languages.is_empty() {
        return;
    }
    let shared = window.with_webview(move |webview| {
        use webkit2gtk::{WebContextExt, WebViewExt};
        let tags: Vec<&str> = languages.iter().map(String::as_str).collect();
        match webview.inner().context() {
            Some(context) => context.set_preferred_languages(&tags),
            None => tracing::warn!("the window has no web context; it may not use your language"),
        }
    });
    if let Err(error) = shared {
        tracing::warn!(%error, "cannot tell the window your languages");
    }
}

/// Elsewhere the webview takes the languages from the OS itself.
#[cfg(not(target_os = "linux"))]
pub fn share_languages_with_window<R: tauri::Runtime>(_window: &tauri::WebviewWindow<R>) {}
