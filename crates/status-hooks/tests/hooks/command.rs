//! The command hook runs real programs: small shell scripts the tests write. (The scripts are
//! shell; the hook itself never uses a shell.)

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use presence_core::MessageLanguage;
use settings::{HookKind, HooksSettings};
use status_hooks::{HookError, StatusHooks};

use crate::support::{available, eventually, in_a_meeting, ok, on_the_phone, wait_for};

/// Writes an executable script into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A script that writes its arguments and its `PRESENCE_BRIDGE_*` environment to `$1`.
fn recorder(dir: &Path) -> PathBuf {
    script(
        dir,
        "record.sh",
        r#"out="$1"; shift
{ for arg in "$@"; do printf 'ARG=%s\n' "$arg"; done; env | grep '^PRESENCE_BRIDGE_' | sort; } > "$out.tmp"
mv "$out.tmp" "$out""#,
    )
}

fn settings(program: &Path, args: Vec<String>) -> HooksSettings {
    let mut settings = HooksSettings::default();
    settings.command.enabled = true;
    settings.command.program = Some(program.to_str().unwrap().to_owned());
    settings.command.args = args;
    settings
}

fn start(settings: &HooksSettings) -> StatusHooks {
    StatusHooks::start(
        settings,
        Arc::new(keychain::MemoryStore::new()),
        MessageLanguage::English,
    )
}

fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_program_gets_the_status_in_its_environment_and_its_dot_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.txt");
    let out_arg = out.to_str().unwrap().to_owned();
    let mut settings = settings(&recorder(dir.path()), vec![out_arg.clone(), "--off".into()]);
    settings.command.args_by_dot.busy =
        Some(vec![out_arg, "--red".into(), "$(touch pwned)".into()]);
    let hooks = start(&settings);

    hooks.publish(&in_a_meeting());
    wait_for(&hooks, HookKind::Command, "ran", ok).await;
    let run = lines(&out);
    for expected in [
        "ARG=--red",
        "ARG=$(touch pwned)",
        "PRESENCE_BRIDGE_VERSION=1",
        "PRESENCE_BRIDGE_EVENT=status",
        "PRESENCE_BRIDGE_ACTIVITY=busy_meeting",
        "PRESENCE_BRIDGE_DOT=busy",
        "PRESENCE_BRIDGE_FREE=false",
        "PRESENCE_BRIDGE_TEAMS_AVAILABILITY=Busy",
        "PRESENCE_BRIDGE_TEAMS_ACTIVITY=InAMeeting",
        "PRESENCE_BRIDGE_OUT_OF_OFFICE=false",
        "PRESENCE_BRIDGE_IN_CALL=false",
        "PRESENCE_BRIDGE_RINGING=false",
        "PRESENCE_BRIDGE_PHONE_DND=false",
        "PRESENCE_BRIDGE_CALLS_FORWARDED=false",
    ] {
        assert!(
            run.iter().any(|line| line == expected),
            "{expected} missing: {run:#?}"
        );
    }
    assert!(
        !run.iter()
            .any(|l| l.starts_with("PRESENCE_BRIDGE_STATUS_MESSAGE")),
        "not ticked: {run:#?}"
    );
    assert!(
        !dir.path().join("pwned").exists(),
        "an argument reached a shell"
    );
    let json = run
        .iter()
        .find_map(|line| line.strip_prefix("PRESENCE_BRIDGE_JSON="))
        .unwrap();
    let document: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(document["activity"], "busy_meeting");

    // Another dot, the default arguments.
    std::fs::remove_file(&out).unwrap();
    hooks.publish(&available());
    eventually("the second run", || out.exists()).await;
    let run = lines(&out);
    assert!(run.contains(&"ARG=--off".to_owned()), "{run:#?}");
    assert!(
        run.contains(&"PRESENCE_BRIDGE_DOT=available".to_owned()),
        "{run:#?}"
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn the_status_message_reaches_the_program_only_when_ticked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.txt");
    let mut settings = settings(
        &recorder(dir.path()),
        vec![out.to_str().unwrap().to_owned()],
    );
    settings.include_status_message = true;
    let hooks = start(&settings);
    hooks.publish(&in_a_meeting());
    wait_for(&hooks, HookKind::Command, "ran", ok).await;
    assert!(
        lines(&out).contains(&"PRESENCE_BRIDGE_STATUS_MESSAGE=Budget review, back at 3".to_owned())
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_failing_program_reports_its_exit_code_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let failing = script(
        dir.path(),
        "fail.sh",
        "echo 'no busy light found on USB' >&2\nexit 3",
    );
    let hooks = start(&settings(&failing, Vec::new()));
    hooks.publish(&on_the_phone());
    let report = wait_for(&hooks, HookKind::Command, "a result", |r| r.last.is_some()).await;
    match report.last.unwrap().result {
        Err(HookError::ProgramFailed { exit, stderr, .. }) => {
            assert_eq!(exit, Some(3));
            assert_eq!(stderr, "no busy light found on USB");
        }
        other => panic!("{other:?}"),
    }
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_hanging_program_is_killed_after_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let hanging = script(
        dir.path(),
        "hang.sh",
        &format!("echo $$ > '{}'\nexec sleep 600", pid_file.display()),
    );
    let mut settings = settings(&hanging, Vec::new());
    settings.command.timeout_secs = 1;
    let hooks = start(&settings);
    hooks.publish(&on_the_phone());
    let report = wait_for(&hooks, HookKind::Command, "a result", |r| r.last.is_some()).await;
    assert!(
        matches!(
            report.last.unwrap().result,
            Err(HookError::ProgramTimeout { seconds: 1, .. })
        ),
        "expected a timeout"
    );
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the program {pid} still runs"
    );
    hooks.shutdown().await;
}

#[tokio::test]
async fn a_missing_program_is_named() {
    let hooks = start(&settings(Path::new("/no/such/busylight"), Vec::new()));
    hooks.publish(&on_the_phone());
    let report = wait_for(&hooks, HookKind::Command, "a result", |r| r.last.is_some()).await;
    match report.last.unwrap().result {
        Err(error @ HookError::ProgramNotStarted { .. }) => {
            assert!(error.to_string().contains("/no/such/busylight"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    hooks.shutdown().await;
}
