//! The window is built on demand (issue 17): the real app under Xvfb runs no WebKit process
//! while it sits in the tray, runs them once "Open" built the window, and none again once the
//! window is closed; opening again builds it again. Outside WebDriver (which needs a webview
//! from launch on): "Open" is the tray item through the `--tray-item` test hook, closing is the
//! `--close-window` hook (the window's close button, as `WebviewWindow::close` does).

#![cfg(all(target_os = "linux", feature = "test-hooks"))]

mod support;

use std::time::{Duration, Instant};

use support::{app_command, session, RunningApp};
use window_model::tray::item;

/// The names (`comm`) of the WebKit processes whose parent is `pid`.
fn webkit_children(pid: u32) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            let parent: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (parent == pid && name.starts_with("WebKit")).then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// Waits until the app's WebKit processes are `wanted`; panics with what there is.
fn wait_for_webkit(app: &RunningApp, wanted: &[&str], timeout: Duration, when: &str) {
    let deadline = Instant::now() + timeout;
    loop {
        let now = webkit_children(app.child.id());
        if now == wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{when}: WebKit processes {now:?}, expected {wanted:?} within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A second launch with `args`, handed to the running app.
fn second_launch(session: &support::DesktopSession, args: &[&str]) {
    let done = app_command(session, args).output().expect("second launch");
    assert!(done.status.success(), "{args:?}: {done:?}");
}

const BOTH: &[&str] = &["WebKitNetworkPr", "WebKitWebProces"];

#[test]
fn no_webkit_process_until_open_and_none_again_after_close() {
    let session = session();
    let mut app = RunningApp::spawn(&session, &[]);
    app.wait_started();
    // A webview built at start would have its processes well within this.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        webkit_children(app.child.id()),
        Vec::<String>::new(),
        "no WebKit process while the app sits in the tray"
    );

    let open = format!("--tray-item={}", item::OPEN);
    for round in 1..=2 {
        second_launch(&session, &[&open]);
        app.wait_for_lines("window shown", round, Duration::from_secs(60));
        wait_for_webkit(&app, BOTH, Duration::from_secs(30), "window open");

        second_launch(&session, &["--close-window"]);
        app.wait_for_lines("window closed", round, Duration::from_secs(30));
        wait_for_webkit(&app, &[], Duration::from_secs(30), "window closed");
    }
    assert!(app.is_running(), "closing the window must not end the app");
}
