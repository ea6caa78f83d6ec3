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
    let mut names: Vec<String> = webkit_processes(pid)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    names.sort();
    names
}

/// The WebKit processes whose parent is `pid`: their ids and names (`comm`).
fn webkit_processes(pid: u32) -> Vec<(i32, String)> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (id, rest) = stat.split_once(" (")?;
            let (name, rest) = rest.rsplit_once(") ")?;
            let parent: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            if parent != pid || !name.starts_with("WebKit") {
                return None;
            }
            Some((id.parse().ok()?, name.to_owned()))
        })
        .collect()
}

/// The id of the app's WebKitWebProcess (the window's page), once there is exactly one.
fn web_process(app: &RunningApp, timeout: Duration) -> i32 {
    let deadline = Instant::now() + timeout;
    loop {
        let pages: Vec<i32> = webkit_processes(app.child.id())
            .into_iter()
            .filter(|(_, name)| name == "WebKitWebProces")
            .map(|(id, _)| id)
            .collect();
        if let [page] = pages[..] {
            return page;
        }
        assert!(Instant::now() < deadline, "web processes: {pages:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
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

/// The app started, and its window opened from the tray: the app and the window's web process.
fn app_with_its_window_open(session: &support::DesktopSession) -> (RunningApp, i32) {
    let mut app = RunningApp::spawn(session, &[]);
    app.wait_started();
    second_launch(session, &[&format!("--tray-item={}", item::OPEN)]);
    app.wait_for_lines("window shown", 1, Duration::from_secs(60));
    let page = web_process(&app, Duration::from_secs(30));
    (app, page)
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

#[test]
fn a_crashed_page_is_loaded_again_in_a_new_web_process() {
    let session = session();
    let (mut app, crashed) = app_with_its_window_open(&session);
    // A web process that dies while it starts takes WebKit's UI process with it ("readPIDFromPeer:
    // Unexpected short read", a GLib error): the crash tested here is one of a running page.
    std::thread::sleep(Duration::from_secs(3));

    // SAFETY: kill(2) on the app's own WebKitWebProcess, read from /proc just now.
    assert_eq!(unsafe { libc::kill(crashed, libc::SIGKILL) }, 0);
    app.wait_for_lines(
        "the window's web process crashed; loading the page again",
        1,
        Duration::from_secs(30),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let reloaded = loop {
        let now = web_process(&app, Duration::from_secs(30));
        if now != crashed {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "no new web process after the crash"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_ne!(reloaded, crashed);
    assert!(app.is_running(), "a crashed page must not end the app");
}

/// The names of `pid`'s threads.
fn thread_names(pid: i32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(Result::ok)
                .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
                .map(|name| name.trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The window draws on the CPU (`webview_drawing.rs`): its web process runs no GPU drawing,
/// which under Xvfb shows as Skia's GPU worker and Mesa's software rasteriser's threads.
#[test]
fn the_window_draws_without_the_gpu() {
    let session = session();
    let (_app, page) = app_with_its_window_open(&session);
    // Long enough for the page to be drawn: GPU drawing starts its threads with the first frame.
    std::thread::sleep(Duration::from_secs(5));
    let threads = thread_names(page);
    assert!(!threads.is_empty(), "the web process's threads");
    let gpu: Vec<&String> = threads
        .iter()
        .filter(|name| name.starts_with("SkiaGPU") || name.starts_with("llvmpipe"))
        .collect();
    assert!(
        gpu.is_empty(),
        "GPU drawing threads in the web process: {gpu:?}"
    );
}
