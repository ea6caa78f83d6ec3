//! When the window's web process dies. WebKitGTK then leaves the window blank (nothing draws,
//! nothing answers) until it is closed; a browser would show the page again. The window holds
//! no state of its own (it asks for the whole state when it loads), so it is loaded again, a
//! few times at most, in case the page itself makes WebKit crash.

use std::time::{Duration, Instant};

/// At most this many reloads ...
const RELOADS: usize = 3;
/// ... within this long; after that the window stays as it is (closing and opening it builds a
/// new one).
const WITHIN: Duration = Duration::from_secs(60);

/// The reloads of one window.
#[derive(Debug, Default)]
struct Reloads(Vec<Instant>);

impl Reloads {
    /// Whether a crash at `now` may reload the page (and counts it).
    fn allow(&mut self, now: Instant) -> bool {
        self.0.retain(|at| now.duration_since(*at) < WITHIN);
        if self.0.len() >= RELOADS {
            return false;
        }
        self.0.push(now);
        true
    }
}

/// Logs why the window's web process ended and, when it crashed, loads the page again.
#[cfg(target_os = "linux")]
pub fn reload_after_a_crash<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    let watched = window.with_webview(|webview| {
        use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
        let reloads = std::cell::RefCell::new(Reloads::default());
        webview
            .inner()
            .connect_web_process_terminated(move |view, reason| {
                let crashed = matches!(reason, Reason::Crashed | Reason::ExceededMemoryLimit);
                if !crashed {
                    tracing::info!(?reason, "the window's web process ended");
                    return;
                }
                if reloads.borrow_mut().allow(Instant::now()) {
                    tracing::error!(
                        ?reason,
                        "the window's web process crashed; loading the page again"
                    );
                    view.reload();
                } else {
                    tracing::error!(
                        ?reason,
                        "the window's web process crashed again; close and open the window to \
                         get it back"
                    );
                }
            });
    });
    if let Err(error) = watched {
        tracing::warn!(%error, "cannot watch the window's web process");
    }
}

/// Elsewhere the webview (WebView2, WKWebView) recovers on its own or the window is reopened.
#[cfg(not(target_os = "linux"))]
pub fn reload_after_a_crash<R: tauri::Runtime>(_window: &tauri::WebviewWindow<R>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_reloads_a_minute_then_none_until_the_first_is_a_minute_old() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut reloads = Reloads::default();
        for ms in [0, 1_000, 2_000] {
            assert!(reloads.allow(at(ms)));
        }
        assert!(!reloads.allow(at(30_000)));
        assert!(!reloads.allow(at(59_999)));
        assert!(reloads.allow(at(60_500)), "the first crash is a minute old");
        assert!(!reloads.allow(at(60_500)), "the other two are not");
    }
}
