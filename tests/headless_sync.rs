//! `--headless` with a real configuration pointing at the simulators, secrets in the session's
//! keychain (stored by `login`), and `--demo --headless`.

mod support;

use std::time::Duration;

use simulators::graph::DEFAULT_CLIENT_ID;
use simulators::office::{Office, USER_LOGIN};
use support::{app_command, run_with_stdin, session, RunningApp};

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
    let output = run_with_stdin(
        &session,
        &["--config", &config, "login", "starface"],
        &format!("{}\n", office.password()),
    );
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

/// `login starface` and `login microsoft --device-code` into the session's keychain, for the
/// settings file `config` pointing at `office`.
fn sign_in(session: &support::DesktopSession, office: &Office, config: &str) {
    let output = run_with_stdin(
        session,
        &["--config", config, "login", "starface"],
        &format!("{}\n", office.password()),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let approving = office.approver().keep_approving();
    let output = app_command(
        session,
        &["--config", config, "login", "microsoft", "--device-code"],
    )
    .output()
    .unwrap();
    drop(approving);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Issue 15, "Privacy and files": after a `--headless` run with colleagues changing, neither the
/// log files nor stderr name a colleague (name, address, id, status message), and the log and
/// journal files are the user's only.
#[test]
fn headless_logs_name_no_colleague_and_are_the_users_only() {
    let rt = runtime();
    let office = rt
        .block_on(
            Office::builder()
                .colleagues(4)
                .device_code_interval(1)
                .password("Pw-9kLm-privacy")
                .start(),
        )
        .unwrap();
    let (graph, pbx) = (office.graph(), office.pbx());
    let control = graph.control().clone();
    let colleagues = office.colleagues().to_vec();
    let hostile = "Mallory\n2030-01-01T00:00:00Z  INFO FORGED\u{1b}[2J";
    control.set_display_name(colleagues[0].id(), hostile);
    let out_of_office = "Back on Monday, ask Trudy";

    let session = session().with_unlocked_keyring("test").unwrap();
    let config = session.home().join("config.toml");
    let favourites: Vec<String> = colleagues
        .iter()
        .map(|c| format!("\"{}\"", c.graph.mail))
        .collect();
    std::fs::write(
        &config,
        format!(
            "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\ngraph_base = \"{}\"\n\
             [starface]\nurl = \"{}\"\nlogin = \"{USER_LOGIN}\"\nallow_insecure_http = true\nxmpp_enabled = false\n\
             [sync]\npoll_interval_secs = 5\n[ui]\nfavourites = [{}]\n",
            graph.base_url(),
            graph.graph_url(),
            pbx.base_url(),
            favourites.join(", ")
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    sign_in(&session, &office, &config);

    let presence_polls = || {
        control
            .log()
            .entries()
            .iter()
            .filter(|r| r.path.ends_with("getPresencesByUserId"))
            .count()
    };
    let mut app = RunningApp::spawn(&session, &["--config", &config, "--headless"]);
    app.wait_for_line("sync started", support::START_TIMEOUT);
    // The own status changes too, so the journal file is written.
    office.set_teams("Busy", "InAMeeting");
    for (round, (availability, activity)) in [("Busy", "InACall"), ("Available", "Available")]
        .into_iter()
        .enumerate()
    {
        for colleague in &colleagues {
            control.set_presence(colleague.id(), availability, activity);
            control.set_out_of_office(colleague.id(), (round == 0).then_some(out_of_office));
        }
        // Two polls after the change: the app has read it.
        let seen = presence_polls();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while presence_polls() < seen + 2 {
            assert!(std::time::Instant::now() < deadline, "no presence polls");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    app.wait_for_line("applied: STARFACE DND on", Duration::from_secs(60));
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(Duration::from_secs(30)).code(), Some(0));

    let log_dir = session.log_dir();
    let mut log = app.stderr_lines().join("\n");
    let mut log_files = Vec::new();
    for entry in std::fs::read_dir(&log_dir).unwrap() {
        let path = entry.unwrap().path();
        log.push_str(&std::fs::read_to_string(&path).unwrap());
        log_files.push(path);
    }
    assert!(
        log.contains("sync started"),
        "the log files and stderr hold the run:\n{log}"
    );
    let mut leaks = Vec::new();
    for colleague in &colleagues {
        for word in [
            colleague.graph.display_name.clone(),
            colleague.graph.mail.clone(),
            colleague.id().to_string(),
        ] {
            if log.contains(&word) {
                leaks.push(word);
            }
        }
    }
    for word in ["Mallory", "FORGED", out_of_office] {
        if log.contains(word) {
            leaks.push(word.to_owned());
        }
    }
    assert!(leaks.is_empty(), "colleagues in the log: {leaks:?}\n{log}");

    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert!(!log_files.is_empty());
    assert_eq!(mode(&log_dir), 0o700, "{}", log_dir.display());
    for file in &log_files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    let state_dir = log_dir.parent().unwrap();
    let journal = state_dir.join("journal.log");
    assert!(journal.exists(), "the own DND change is journalled");
    assert_eq!(mode(state_dir), 0o700, "{}", state_dir.display());
    assert_eq!(mode(&journal), 0o600);
}

/// Issue 15, "Admin locks hold": a policy that exists but cannot be read locks every setting,
/// so `--headless` does not sync and says why (and `doctor` fails); a fixed policy is picked up.
/// Needs `PRESENCE_BRIDGE_POLICY`, which only test builds read.
#[cfg(feature = "test-hooks")]
#[test]
fn a_broken_policy_stops_the_headless_sync_and_says_so() {
    let session = session();
    let config = session.home().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\n\
             [starface]\nurl = \"https://pbx.example.com\"\nlogin = \"{USER_LOGIN}\"\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let policy = session.home().join("policy.toml");
    std::fs::write(&policy, "locked = [\"starface.url\"\n").unwrap();
    let with_policy = |args: &[&str]| {
        let mut command = app_command(&session, args);
        command.env("PRESENCE_BRIDGE_POLICY", &policy);
        command
    };

    let doctor = with_policy(&["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("policy") && l.contains("policy.toml")),
        "{report}"
    );
    assert!(
        report.contains("every setting keeps its built-in value"),
        "{report}"
    );

    let mut app = RunningApp::spawn_command(with_policy(&["--config", &config, "--headless"]));
    app.wait_for_line("the admin policy has errors", support::START_TIMEOUT);
    app.wait_for_line("not configured", Duration::from_secs(30));
    let lines = app.stderr_lines();
    let policy_line = lines
        .iter()
        .find(|l| l.contains("the admin policy has errors"))
        .unwrap();
    assert!(
        policy_line.contains("policy.toml") && policy_line.contains("nothing is synced"),
        "{policy_line}"
    );

    // Fixed: the user's settings count again.
    std::fs::write(
        &policy,
        "locked = [\"starface.url\"]\n[defaults.starface]\nurl = \"https://pbx.example.com\"\n",
    )
    .unwrap();
    app.wait_for_line("restarting the sync", Duration::from_secs(30));
    let before = app.stderr_lines().len();
    app.wait_for_lines("the sync does not run", 2, Duration::from_secs(60));
    assert!(
        !app.stderr_lines()[before..]
            .iter()
            .any(|l| l.contains("the admin policy has errors") || l.contains("not configured")),
        "{:#?}",
        app.stderr_lines()
    );
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(Duration::from_secs(30)).code(), Some(0));
}
