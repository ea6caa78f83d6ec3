//! WebKit's helper processes once the window is gone. WebKitGTK ends a webview's
//! WebKitWebProcess with the webview, but keeps its WebKitNetworkProcess for the life of the
//! app, and Tauri keeps the web context alive on Linux so that a new window reuses it
//! (tauri-apps/tauri#14626). An idle network process of a window nobody looks at costs about
//! 27 MB all day; ended here, WebKit starts a new one when the next window loads.

/// A child process of this app: its id and name (`comm`, at most 15 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub pid: i32,
    pub name: String,
}

/// Names (as `comm` shows them, cut to 15 bytes) of WebKit's helpers.
const WEB_PROCESS: &str = "WebKitWebProces";
const NETWORK_PROCESS: &str = "WebKitNetworkPr";

/// Ends this app's WebKitNetworkProcess once no WebKitWebProcess of it is left, waiting up to
/// `within` for the web processes to go. `no_window` is asked again right before: a window
/// opened meanwhile keeps it.
#[cfg(target_os = "linux")]
pub fn end_network_process_when_idle(
    within: std::time::Duration,
    no_window: impl Fn() -> bool + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("webkit-idle".into())
        .spawn(move || {
            let deadline = std::time::Instant::now() + within;
            let me = std::process::id() as i32;
            loop {
                let children = children_of(me);
                if !children.iter().any(|c| c.name == WEB_PROCESS) {
                    if !no_window() {
                        return;
                    }
                    for child in children.iter().filter(|c| c.name == NETWORK_PROCESS) {
                        // SAFETY: kill(2) on a child of this process, read from /proc just now.
                        if unsafe { libc::kill(child.pid, libc::SIGTERM) } == 0 {
                            tracing::info!(pid = child.pid, "WebKit's idle network process ended");
                        }
                    }
                    give_back_freed_memory();
                    return;
                }
                if std::time::Instant::now() > deadline {
                    tracing::debug!("a WebKit web process outlived the window; left alone");
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the thread that ends WebKit's idle processes");
    }
}

/// The window's side of WebKit and GTK in this process has been freed by now, but glibc's
/// allocator keeps freed memory for later; an app that goes back to the tray for hours hands it
/// back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back_freed_memory() {
    // SAFETY: malloc_trim(3) only releases free memory of glibc's own heaps.
    unsafe { libc::malloc_trim(0) };
}

#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
fn give_back_freed_memory() {}

/// Elsewhere WebKit (macOS) or WebView2 (Windows) end their helpers themselves.
#[cfg(not(target_os = "linux"))]
pub fn end_network_process_when_idle(
    _within: std::time::Duration,
    _no_window: impl Fn() -> bool + Send + 'static,
) {
}

/// The processes whose parent is `parent`, from /proc.
#[cfg(target_os = "linux")]
pub fn children_of(parent: i32) -> Vec<Child> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (name, rest) = parse_stat(&stat)?;
            (rest == parent).then(|| Child {
                pid,
                name: name.to_owned(),
            })
        })
        .collect()
}

/// `comm` and the parent id of a `/proc/PID/stat` line (`123 (name) S 1 ...`; the name may
/// hold spaces and parentheses, so it ends at the last `)`).
fn parse_stat(stat: &str) -> Option<(&str, i32)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    let parent = stat
        .get(close + 1..)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((name, parent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_give_the_name_and_the_parent() {
        assert_eq!(
            parse_stat("4711 (WebKitNetworkPr) S 4700 4700 4700 0 -1"),
            Some(("WebKitNetworkPr", 4700))
        );
        assert_eq!(parse_stat("12 (a (b) c) R 3 12 12 0"), Some(("a (b) c", 3)));
        assert_eq!(parse_stat("garbage"), None);
    }
}
