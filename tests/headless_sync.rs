//! `--headless` with a real configuration pointing at the simulators, secrets in the session's
//! keychain (stored by `login`), and `--demo --headless`.

mod support;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use simulators::graph::DEFAULT_CLIENT_ID;
use simulators::office::{Office, USER_LOGIN};
use support::{app_command, session, RunningApp};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sigterm_in_headless_mode_clears_the_teams_session_and_logs_out() {
    let rt = runtime();
    let office = rt
        .block_on(
            Office::builder()
                .colleagues(3)
                .device_code_interval(1)
                // A password that is no English word, so "doctor must not print it" cannot
                // match a word of doctor's own text (the default, "secret", is in its hints).
                .password("Pw-7rQx-headless")
                .start(),
        )
        .unwrap();
    let (graph, pbx) = (office.graph(), office.pbx());
    let control = graph.control().clone();
    let me = office.me().graph.clone();

    let session = session().with_unlocked_keyring("test").unwrap();
    let config = session.home().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\ngraph_base = \"{}\"\n\
             [starface]\nurl = \"{}\"\nlogin = \"{USER_LOGIN}\"\nallow_insecure_http = true\nxmpp_enabled = false\n\
             [sync]\npoll_interval_secs = 5\n",
            graph.base_url(),
            graph.graph_url(),
            pbx.base_url()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();

    // `login starface` reads the password from stdin.
    let mut login = app_command(&session, &["--config", &config, "login", "starface"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", office.password()).as_bytes())
        .unwrap();
    let output = login.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // `login microsoft --device-code`; the test plays the user approving the code.
    let approving = office.approver().keep_approving();
    let output = app_command(
        &session,
        &["--config", &config, "login", "microsoft", "--device-code"],
    )
    .output()
    .unwrap();
    drop(approving);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Signed in"), "{stdout}");

    // With both accounts signed in, `doctor` checks every part against the simulators.
    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(0), "{report}");
    for expected in [
        "keychain",
        "microsoft",
        "starface.rest.login",
        "starface.rest.dnd",
        "starface.uci",
        "clock",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("OK") && l.contains(expected)),
            "no OK line for {expected}:\n{report}"
        );
    }
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("WARN") && l.contains("unencrypted")),
        "plain http must be flagged:\n{report}"
    );
    assert!(
        !report.contains(office.password()),
        "doctor must not print the password:\n{report}"
    );

    let mut app = RunningApp::spawn(&session, &["--config", &config, "--headless"]);
    app.wait_for_line("sync started", support::START_TIMEOUT);
    // A STARFACE call makes the bridge set the Teams session.
    let call = pbx.start_call(USER_LOGIN);
    app.wait_for_line("applied: Teams presence", Duration::from_secs(60));
    assert!(control.app_session(me.id).is_some());

    // A broken edit of the settings file is reported and the running sync carries on.
    let logouts = || {
        pbx.request_log()
            .entries()
            .iter()
            .filter(|r| r.method == "DELETE" && r.path == "/rest/login")
            .count()
    };
    // `login` and `doctor` logged in and out before the app started.
    let before = logouts();
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{good}\n[sync\n")).unwrap();
    app.wait_for_line("have errors", Duration::from_secs(30));
    assert_eq!(
        logouts(),
        before,
        "a broken settings file must not stop the sync"
    );
    // A good edit restarts the sync with it (a clean logout, then a fresh start).
    std::fs::write(
        &config,
        good.replace("poll_interval_secs = 5", "poll_interval_secs = 6"),
    )
    .unwrap();
    app.wait_for_line("restarting the sync", Duration::from_secs(30));
    app.wait_for_lines("sync started", 2, support::START_TIMEOUT);
    // The restarted sync is logged in once it has set the Teams session for the ongoing call.
    app.wait_for_lines("applied: Teams presence", 2, Duration::from_secs(60));
    assert_eq!(logouts(), before + 1);

    // Hang up (the session goes), then the Microsoft sign-in is revoked: the log asks to sign in
    // again, naming the service as users know it.
    pbx.end_call(USER_LOGIN, &call);
    app.wait_for_line(
        "applied: Teams presence session cleared",
        Duration::from_secs(60),
    );
    control.revoke_refresh_tokens();
    control.expire_access_tokens();
    app.wait_for_line(
        "Please sign in to Microsoft 365 again",
        Duration::from_secs(60),
    );

    app.signal(libc::SIGTERM);
    let status = app.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0));
    assert!(
        control.app_session(me.id).is_none(),
        "Teams session left behind"
    );
    assert!(!pbx.uci_session_active(USER_LOGIN));
    assert!(
        pbx.request_log()
            .entries()
            .iter()
            .filter(|r| r.method == "DELETE" && r.path == "/rest/login")
            .count()
            == before + 2,
        "one logout for the restart, one at the end"
    );

    // The PBX goes away: doctor fails, names the check and exits non-zero.
    rt.block_on(pbx.stop());
    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("starface.rest.login")),
        "{report}"
    );
}

#[test]
fn demo_headless_dnd_follows_the_scripted_teams_status() {
    let session = session();
    let mut app = RunningApp::spawn(&session, &["--demo", "--headless"]);
    app.wait_for_line("demo running", support::START_TIMEOUT);
    app.wait_for_line("applied: STARFACE DND on", Duration::from_secs(90));
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(Duration::from_secs(30)).code(), Some(0));
}
