//! The command line: errors, exit codes and `doctor`, run as a user would.

mod support;

use std::fs;

use support::{app_command, session};

#[test]
fn unknown_flag_is_a_clear_error_with_exit_code_2() {
    let session = session();
    let output = app_command(&session, &["--frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--frobnicate"), "{stderr}");
}

#[test]
fn config_pointing_at_a_folder_is_exit_code_2() {
    let session = session();
    let dir = session.home().display().to_string();
    let output = app_command(&session, &["--config", &dir, "doctor"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a folder"));
}

#[test]
fn version_and_help() {
    let session = session();
    let version = app_command(&session, &["--version"]).output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
    let help = app_command(&session, &["--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in ["--config", "--headless", "--demo", "doctor"] {
        assert!(help.contains(flag), "help lacks {flag}: {help}");
    }
}

#[test]
fn doctor_reports_a_bad_key_and_leaves_the_file_alone() {
    let session = session().with_unlocked_keyring("test").unwrap();
    let config = session.home().join("broken.toml");
    let original = "[sync]\npoll_interval_secs = \"fast\"\n";
    fs::write(&config, original).unwrap();

    let output = app_command(&session, &["--config", config.to_str().unwrap(), "doctor"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let config_line = stdout
        .lines()
        .find(|l| l.starts_with("FAIL") && l.contains("config"))
        .unwrap_or_else(|| panic!("no failing config line: {stdout}"));
    assert!(
        config_line.contains("sync.poll_interval_secs"),
        "{config_line}"
    );
    assert!(config_line.contains("broken.toml"), "{config_line}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("OK") && l.contains("keychain")),
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(&config).unwrap(), original);
}

#[test]
fn doctor_fails_the_keychain_check_without_a_secret_service() {
    // No session bus at all, so no Secret Service can answer.
    let session = session();
    let output = app_command(&session, &["doctor"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("keychain")),
        "{stdout}"
    );
}

#[test]
fn headless_runs_until_sigterm_and_exits_zero() {
    let session = session();
    let mut app = support::RunningApp::spawn(&session, &["--headless"]);
    app.wait_for_line("running headless", support::START_TIMEOUT);
    app.signal(libc::SIGTERM);
    let status = app.wait_exit(std::time::Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
}
