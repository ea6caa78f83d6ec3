//! STARFACE 10 with the classic login switched off, from the command line and the tray app, and
//! secrets that stay with the server they were stored for: the real binary, a real
//! gnome-keyring, the simulated office.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use simulators::graph::DEFAULT_CLIENT_ID;
use simulators::office::{Office, USER_LOGIN};
use simulators::starface::{Organisation, SimSettings, StarfaceSimulator, OAUTH_TOKEN_PATH};
use support::{app_command, run_with_stdin, session, DesktopSession, RunningApp};

/// Distinctive, so a scan for them cannot match a word of the app's own texts.
const PASSWORD: &str = "Pw-5tq9-starface10";
const CLIENT_SECRET: &str = "Cs-8xw2-from-the-admin-ui";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn write_config(session: &DesktopSession, office: &Office, pbx_url: &str, tenant: &str) -> String {
    let config = session.home().join("config.toml");
    let graph = office.graph();
    std::fs::write(
        &config,
        format!(
            "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\ngraph_base = \"{}\"\n\
             tenant = \"{tenant}\"\n\
             [starface]\nurl = \"{pbx_url}\"\nlogin = \"{USER_LOGIN}\"\nallow_insecure_http = true\n\
             xmpp_enabled = false\n[sync]\npoll_interval_secs = 5\ndebounce_secs = 0\n",
            graph.base_url(),
            graph.graph_url(),
        ),
    )
    .unwrap();
    config.to_str().unwrap().to_owned()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn login_microsoft(session: &DesktopSession, office: &Office, config: &str) {
    let approving = office.approver().keep_approving();
    let output = app_command(
        session,
        &["--config", config, "login", "microsoft", "--device-code"],
    )
    .output()
    .unwrap();
    drop(approving);
    assert!(output.status.success(), "{}", text(&output));
}

/// Every file the app wrote under the session's home (settings, logs, journal), except the
/// keyring's own (encrypted) files.
fn files_written(home: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut dirs = vec![home.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("keyrings") {
                    dirs.push(path);
                }
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    found
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Issue 25's "done when": a fresh user, a STARFACE 10 whose admin switched the classic login
/// off, `login microsoft`, `login starface` (password and client secret) and the tray app: the
/// sync runs on OAuth, and neither secret is in a log, the journal or the settings file.
#[test]
fn a_fresh_user_on_an_oauth_only_starface_10_gets_a_running_sync() {
    let rt = runtime();
    let office = rt
        .block_on(
            Office::builder()
                .colleagues(3)
                .device_code_interval(1)
                .password(PASSWORD)
                .pbx_settings(SimSettings {
                    oauth_client_secret: CLIENT_SECRET.into(),
                    ..SimSettings::starface_10_oauth_only()
                })
                .start(),
        )
        .unwrap();
    let pbx = office.pbx();
    let session = session().with_unlocked_keyring("test").unwrap();
    let config = write_config(&session, &office, &pbx.base_url(), "organizations");

    // Only the password: the PBX refuses the classic login, so the client secret is asked for
    // (a second line of stdin), and there is none.
    let refused = run_with_stdin(
        &session,
        &["--config", &config, "login", "starface"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("OAuth only"), "{}", text(&refused));
    assert!(
        text(&refused).contains("stdin ended before the client secret"),
        "{}",
        text(&refused)
    );

    // Password and client secret, as two lines.
    let login = run_with_stdin(
        &session,
        &["--config", &config, "login", "starface"],
        &format!("{PASSWORD}\n{CLIENT_SECRET}\n"),
    );
    let said = text(&login);
    assert!(login.status.success(), "{said}");
    assert!(said.contains("STARFACE OAuth"), "names the method: {said}");
    assert!(said.contains("client secret are kept"), "{said}");
    login_microsoft(&session, &office, &config);

    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = text(&doctor);
    assert_eq!(doctor.status.code(), Some(0), "{report}");
    let sign_in_line = report
        .lines()
        .find(|l| l.contains("starface.sign_in"))
        .unwrap_or_else(|| panic!("no sign-in line:\n{report}"));
    assert!(
        sign_in_line.starts_with("OK") && sign_in_line.contains("STARFACE OAuth"),
        "{sign_in_line}"
    );
    assert!(
        sign_in_line.contains("auto"),
        "says why (auto found Keycloak): {sign_in_line}"
    );
    for expected in ["starface.rest.login", "starface.rest.dnd", "starface.uci"] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("OK") && l.contains(expected)),
            "no OK line for {expected}:\n{report}"
        );
    }

    // The tray app (no window asked for) syncs a Teams meeting to STARFACE DND.
    let mut app = RunningApp::spawn(&session, &["--config", &config]);
    app.wait_started();
    app.wait_for_line("sync started", support::START_TIMEOUT);
    office.set_teams("Busy", "InAMeeting");
    wait_until("DND on in the PBX", Duration::from_secs(60), || {
        office.dnd()
    });
    let log = pbx.request_log().entries();
    assert!(
        log.iter()
            .any(|r| r.method == "PUT" && r.path.contains("phoneconfig")),
        "the DND write reached the PBX"
    );
    assert!(
        log.iter().all(|r| r.header("authtoken").is_none()),
        "nothing signed in the classic way"
    );
    assert!(log
        .iter()
        .any(|r| r.method == "POST" && r.path == OAUTH_TOKEN_PATH));
    let quit = app_command(&session, &["--config", &config, "quit"])
        .output()
        .unwrap();
    assert!(quit.status.success(), "{}", text(&quit));
    assert_eq!(app.wait_exit(Duration::from_secs(30)).code(), Some(0));

    let written = files_written(session.home());
    assert!(
        written
            .iter()
            .any(|(path, _)| path.ends_with("journal.log")),
        "the journal was written: {:?}",
        written.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(
        written
            .iter()
            .any(|(path, _)| path.ends_with("config.toml")),
        "the settings file is among the files scanned"
    );
    for (path, contents) in &written {
        for secret in [PASSWORD, CLIENT_SECRET] {
            assert!(!contents.contains(secret), "{secret} is in {path}");
        }
    }
    for output in [&login, &doctor] {
        for secret in [PASSWORD, CLIENT_SECRET] {
            assert!(!text(output).contains(secret), "{secret} was printed");
        }
    }
}

/// A scripted roll-out: the client secret from the first line of stdin (`--client-secret-stdin`),
/// the password asked on the terminal, or, without one (as here), from the next line.
#[test]
fn login_starface_takes_the_client_secret_from_stdin_for_scripts() {
    use std::os::unix::process::CommandExt;
    let rt = runtime();
    let office = rt
        .block_on(
            Office::builder()
                .colleagues(1)
                .password(PASSWORD)
                .pbx_settings(SimSettings {
                    oauth_client_secret: CLIENT_SECRET.into(),
                    ..SimSettings::starface_10_oauth_only()
                })
                .start(),
        )
        .unwrap();
    let session = session().with_unlocked_keyring("test").unwrap();
    let config = write_config(&session, &office, &office.pbx().base_url(), "organizations");
    let login = |stdin: &str| {
        let mut command = app_command(
            &session,
            &[
                "--config",
                &config,
                "login",
                "starface",
                "--client-secret-stdin",
            ],
        );
        // No controlling terminal, so the password cannot be asked there (as in a script).
        // SAFETY: setsid(2) only, between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let wrong = login(&format!("not-the-secret\n{PASSWORD}\n"));
    assert!(!wrong.status.success(), "{}", text(&wrong));
    let right = login(&format!("{CLIENT_SECRET}\n{PASSWORD}\n"));
    assert!(right.status.success(), "{}", text(&right));
    assert!(text(&right).contains("STARFACE OAuth"), "{}", text(&right));
    // Stored: a later `login starface` needs the password only.
    let again = run_with_stdin(
        &session,
        &["--config", &config, "login", "starface"],
        &format!("{PASSWORD}\n"),
    );
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("the password is kept"),
        "{}",
        text(&again)
    );
}

/// Issue 15: secrets are bound to their server. With a password and a Microsoft sign-in stored,
/// the settings file is edited to name another tenant, then another PBX: neither the refresh
/// token nor the password goes to the new place, and the log says to sign in again.
#[test]
fn a_changed_tenant_or_pbx_gets_no_stored_secret() {
    let rt = runtime();
    let office = rt
        .block_on(
            Office::builder()
                .colleagues(2)
                .device_code_interval(1)
                .password(PASSWORD)
                .start(),
        )
        .unwrap();
    let users = office.pbx().users();
    let other_pbx = rt
        .block_on(StarfaceSimulator::start(Organisation::new(users)))
        .unwrap();
    let graph_log = office.graph().control().log().clone();
    let session = session().with_unlocked_keyring("test").unwrap();
    let first_url = office.pbx().base_url();
    let config = write_config(&session, &office, &first_url, "organizations");
    let login = run_with_stdin(
        &session,
        &["--config", &config, "login", "starface"],
        &format!("{PASSWORD}\n"),
    );
    assert!(login.status.success(), "{}", text(&login));
    login_microsoft(&session, &office, &config);

    let mut app = RunningApp::spawn(&session, &["--config", &config, "--headless"]);
    app.wait_for_line("sync started", support::START_TIMEOUT);

    // Another tenant: the Microsoft refresh token is not sent to its token endpoint.
    let token_requests = |tenant: &str| {
        graph_log
            .matching("POST", &format!("/{tenant}/oauth2/v2.0/token"))
            .len()
    };
    write_config(&session, &office, &first_url, "contoso.example");
    app.wait_for_lines("sync started", 2, support::START_TIMEOUT);
    // The Graph worker asks for a token at once; give it a poll interval to do so.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        token_requests("contoso.example"),
        0,
        "the refresh token went to the new tenant"
    );
    app.wait_for_line(
        "the Microsoft sign-in in the keychain was made for",
        Duration::from_secs(30),
    );
    app.wait_for_line(
        "Please sign in to Microsoft 365 again",
        Duration::from_secs(60),
    );

    // Another PBX: the password is not sent there (nothing is: the sync cannot start).
    write_config(&session, &office, &other_pbx.base_url(), "organizations");
    app.wait_for_lines("restarting the sync", 2, Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        other_pbx
            .request_log()
            .entries()
            .iter()
            .all(|r| r.method != "POST"),
        "the password went to the new PBX: {:?}",
        other_pbx.request_log().entries()
    );
    assert!(
        other_pbx.request_log().is_empty(),
        "the new PBX was contacted: {:?}",
        other_pbx.request_log().entries()
    );
    app.wait_for_line(
        &format!("belongs to {USER_LOGIN} at {first_url}"),
        Duration::from_secs(30),
    );
    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = text(&doctor);
    assert_eq!(doctor.status.code(), Some(1), "{report}");
    assert!(
        report.lines().any(|l| l.starts_with("FAIL")
            && l.contains("STARFACE password")
            && l.contains(&first_url)),
        "{report}"
    );
    assert!(report.contains("login starface"), "says how: {report}");
    assert!(
        other_pbx
            .request_log()
            .entries()
            .iter()
            .all(|r| r.method != "POST"),
        "doctor sent a login to the new PBX: {:?}",
        other_pbx.request_log().entries()
    );

    // Back to the first PBX and tenant: the stored sign-ins work again without a new login.
    write_config(&session, &office, &first_url, "organizations");
    app.wait_for_lines("sync started", 3, support::START_TIMEOUT);
    office.set_teams("Busy", "InAMeeting");
    wait_until("DND on in the first PBX", Duration::from_secs(60), || {
        office.dnd()
    });
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(Duration::from_secs(30)).code(), Some(0));
}
