//! The real app binary in a desktop without a tray host (Xvfb + private session bus).

mod support;

use std::time::Duration;

use support::{app_command, session, RunningApp};

#[test]
fn starts_without_a_tray_host_stays_up_and_exits_cleanly_on_sigterm() {
    let session = session();
    let mut app = RunningApp::spawn(&session, &[]);
    app.wait_started();
    app.wait_for_line("no tray host found", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        app.is_running(),
        "the app must keep running without a tray host"
    );

    app.signal(libc::SIGTERM);
    let status = app.wait_exit(Duration::from_secs(30));
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM must end the app cleanly: {status:?}"
    );

    let logs: String = std::fs::read_dir(session.log_dir())
        .expect("log folder exists")
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(logs.contains("termination signal received"), "{logs}");
}

#[test]
fn quit_path_ends_the_running_app_with_code_zero() {
    let session = session();
    let mut app = RunningApp::spawn(&session, &[]);
    app.wait_started();

    let quit = app_command(&session, &["quit"]).output().expect("run quit");
    assert!(quit.status.success(), "quit: {quit:?}");
    let status = app.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn second_launch_opens_the_first_instance_window_and_exits() {
    let session = session();
    let mut app = RunningApp::spawn(&session, &[]);
    app.wait_started();

    let second = app_command(&session, &[]).output().expect("second launch");
    assert!(second.status.success(), "second launch: {second:?}");
    app.wait_for_line("window shown", Duration::from_secs(20));
    assert!(app.is_running());
}

#[test]
fn quit_without_a_running_app_says_so() {
    let session = session();
    let output = app_command(&session, &["quit"]).output().expect("run quit");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not running"));
}
