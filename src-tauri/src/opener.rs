//! The one path by which the app opens a URL: allowlist check, then the OS opener
//! (tauri-plugin-opener, Rust side only; the window has no opener permission).
//!
//! Test hook (cargo feature `test-hooks` only, see docs/CONFIG.md "Test hooks"):
//! `PRESENCE_BRIDGE_OPENER_LOG=<file>` appends each URL to that file instead of opening it.

use tauri::{AppHandle, Runtime};

use window_model::links::{self, LinkError};

/// Environment variable of the opener test hook.
pub const OPENER_LOG_ENV: &str = "PRESENCE_BRIDGE_OPENER_LOG";

/// Serialises the tests that set [`OPENER_LOG_ENV`]: the environment is shared by the whole test
/// process, and a test that removes the variable would send another test's URL to the real opener.
#[cfg(test)]
pub static TEST_ENV_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Why a URL was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Refused(#[from] LinkError),
    #[error("cannot open the link: {0}")]
    Opener(String),
}

/// Checks `url` against the allowlist and opens it with the user's default handler.
pub fn open_url<R: Runtime>(app: &AppHandle<R>, url: &str) -> Result<(), OpenError> {
    links::check_allowed(url)?;
    if let Some(log) = opener_log_file() {
        return append_to_log(&log, url);
    }
    use tauri_plugin_opener::OpenerExt;
    // Only the scheme is logged: a deep link carries a colleague's address.
    tracing::info!(
        scheme = url.split(':').next().unwrap_or_default(),
        "opening a link"
    );
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| OpenError::Opener(e.to_string()))
}

/// The file named by [`OPENER_LOG_ENV`], only in builds with the `test-hooks` feature.
pub fn opener_log_file() -> Option<std::path::PathBuf> {
    crate::test_hooks::hook_file(OPENER_LOG_ENV)
}

fn append_to_log(log: &std::path::Path, url: &str) -> Result<(), OpenError> {
    crate::test_hooks::append_line(log, url).map_err(|e| OpenError::Opener(e.to_string()))
}

/// Opens the Microsoft sign-in page. Not a colleague link, so not the link allowlist: it must be
/// a page on the configured authority's host, over https (plain http only to this computer, as
/// the settings allow for a local authority such as the demo's simulator).
pub fn open_sign_in_page<R: Runtime>(
    app: &AppHandle<R>,
    page: &url::Url,
    authority: &str,
) -> Result<(), OpenError> {
    let authority_host = url::Url::parse(authority)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    let loopback = matches!(page.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(page.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        || page.host_str() == Some("localhost");
    let scheme_ok = page.scheme() == "https" || (page.scheme() == "http" && loopback);
    if !scheme_ok || page.host_str().map(str::to_owned) != authority_host {
        return Err(OpenError::Refused(LinkError::NotAllowed(page.to_string())));
    }
    if let Some(log) = opener_log_file() {
        return append_to_log(&log, page.as_str());
    }
    use tauri_plugin_opener::OpenerExt;
    tracing::info!("opening the Microsoft sign-in page in the browser");
    app.opener()
        .open_url(page.as_str(), None::<&str>)
        .map_err(|e| OpenError::Opener(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(feature = "test-hooks"))]
    #[test]
    fn test_hook_is_inert_without_the_feature() {
        let _env = TEST_ENV_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY-free: tests in this module do not read other variables concurrently.
        std::env::set_var(OPENER_LOG_ENV, "/tmp/presence-bridge-opener-test.log");
        assert_eq!(opener_log_file(), None);
        std::env::remove_var(OPENER_LOG_ENV);
    }

    #[cfg(feature = "test-hooks")]
    #[test]
    fn test_hook_logs_with_the_feature() {
        let _env = TEST_ENV_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("opened.log");
        std::env::set_var(OPENER_LOG_ENV, &log);
        assert_eq!(opener_log_file(), Some(log.clone()));
        std::env::remove_var(OPENER_LOG_ENV);
        append_to_log(&log, "mailto:a@b.de").unwrap();
        assert_eq!(std::fs::read_to_string(log).unwrap(), "mailto:a@b.de\n");
    }
}
