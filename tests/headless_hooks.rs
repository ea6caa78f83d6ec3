//! Status hooks in `--headless` (issue 20's app side): the merged own status reaches a real
//! Mosquitto (password from `login hook-mqtt`, in the session's keychain) and a command hook when
//! it changes; `doctor` checks the hooks; a broker that accepts TCP and never answers delays
//! neither the sync nor the other hooks, nor the app's exit.

mod support;

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};
use simulators::graph::DEFAULT_CLIENT_ID;
use simulators::office::{Office, USER_LOGIN};
use support::{app_command, run_with_stdin, session, RunningApp};

const MQTT_USER: &str = "anna";
const MQTT_PASSWORD: &str = "Mq-9vXr-hooks";
const PREFIX: &str = "pb-test/anna";
const PATIENCE: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Debian's Mosquitto on a loopback port, users from a password file, no anonymous access.
struct Mosquitto {
    _dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Mosquitto {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let passwords = dir.path().join("passwords");
        let made = Command::new("mosquitto_passwd")
            .args(["-b", "-c"])
            .arg(&passwords)
            .args([MQTT_USER, MQTT_PASSWORD])
            .status()
            .expect("mosquitto_passwd (Debian package mosquitto; scripts/install-deps.sh test)");
        assert!(made.success());
        let port = free_port();
        let config = dir.path().join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "user root\nallow_anonymous false\npassword_file {}\npersistence false\n\
                 listener {port} 127.0.0.1\n",
                passwords.display()
            ),
        )
        .unwrap();
        let binary = if Path::new("/usr/sbin/mosquitto").exists() {
            "/usr/sbin/mosquitto"
        } else {
            "mosquitto"
        };
        let child = Command::new(binary)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto (Debian package mosquitto; scripts/install-deps.sh test)");
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            _dir: dir,
            port,
            child,
        }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Accepts TCP connections and never answers (an MQTT broker that hangs); counts them.
fn black_hole() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

/// Every state message the broker delivers on `<PREFIX>/state`, as JSON.
fn observe(rt: &tokio::runtime::Runtime, port: u16) -> Arc<Mutex<Vec<serde_json::Value>>> {
    let states = Arc::new(Mutex::new(Vec::new()));
    let seen = states.clone();
    let mut options = MqttOptions::new("observer", "127.0.0.1", port);
    options.set_credentials(MQTT_USER, MQTT_PASSWORD);
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    rt.spawn(async move {
        let _client = client.clone();
        client
            .subscribe(format!("{PREFIX}/state"), QoS::AtLeastOnce)
            .await
            .unwrap();
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Incoming::Publish(publish))) => {
                    if let Ok(json) = serde_json::from_slice(&publish.payload) {
                        seen.lock().unwrap().push(json);
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    states
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool, seen: impl Fn() -> String) {
    let deadline = Instant::now() + PATIENCE;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {PATIENCE:?}; saw {}",
            seen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_own_status_reaches_mqtt_and_a_command_and_a_hanging_broker_delays_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let office = rt
        .block_on(
            Office::builder()
                .colleagues(1)
                .device_code_interval(1)
                .start(),
        )
        .unwrap();
    let (graph, pbx) = (office.graph(), office.pbx());
    let broker = Mosquitto::start();
    let (hole_port, hole_accepted) = black_hole();

    let session = session().with_unlocked_keyring("test").unwrap();
    let activities = session.home().join("activities.log");
    let config = session.home().join("config.toml");
    let accounts = format!(
        "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\ngraph_base = \"{}\"\n\
         [starface]\nurl = \"{}\"\nlogin = \"{USER_LOGIN}\"\nallow_insecure_http = true\nxmpp_enabled = false\n\
         [sync]\npoll_interval_secs = 5\n",
        graph.base_url(),
        graph.graph_url(),
        pbx.base_url()
    );
    let command_hook = format!(
        "[hooks.command]\nenabled = true\nprogram = \"/bin/sh\"\n\
         args = [\"-c\", \"echo \\\"$PRESENCE_BRIDGE_EVENT $PRESENCE_BRIDGE_ACTIVITY\\\" >> {}\"]\n",
        activities.display()
    );
    let mqtt_hook = |url: &str, user: Option<&str>| {
        format!(
            "[hooks.mqtt]\nenabled = true\nurl = \"{url}\"\n{}topic_prefix = \"{PREFIX}\"\n\
             home_assistant = false\n",
            user.map(|u| format!("username = \"{u}\"\n"))
                .unwrap_or_default()
        )
    };
    let broker_url = format!("mqtt://127.0.0.1:{}", broker.port);
    std::fs::write(
        &config,
        format!(
            "{accounts}{command_hook}{}",
            mqtt_hook(&broker_url, Some(MQTT_USER))
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();

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
    let approving = office.approver().keep_approving();
    let output = app_command(
        &session,
        &["--config", &config, "login", "microsoft", "--device-code"],
    )
    .output()
    .unwrap();
    drop(approving);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Before the password is stored, doctor says which hook lacks it and how to enter it.
    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout).into_owned();
    assert_eq!(doctor.status.code(), Some(1), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("MQTT password: none is stored")),
        "{report}"
    );
    assert!(report.contains("login hook-mqtt"), "{report}");

    let output = run_with_stdin(
        &session,
        &["--config", &config, "login", "hook-mqtt"],
        &format!("{MQTT_PASSWORD}\n"),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("anna at mqtt://127.0.0.1"), "{stdout}");

    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout).into_owned();
    assert_eq!(doctor.status.code(), Some(0), "{report}");
    for expected in [
        "MQTT password is in the keychain",
        "MQTT broker mqtt://127.0.0.1",
        "command hook: /bin/sh exists",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("OK") && l.contains(expected)),
            "no OK line for {expected}:\n{report}"
        );
    }
    assert!(!report.contains(MQTT_PASSWORD), "{report}");

    let states = observe(&rt, broker.port);
    let saw = || format!("{:#?}", states.lock().unwrap());
    let latest_activity = || {
        states
            .lock()
            .unwrap()
            .last()
            .and_then(|s| s["activity"].as_str().map(str::to_owned))
    };

    let mut app = RunningApp::spawn(&session, &["--config", &config, "--headless"]);
    app.wait_for_line("status hooks started", support::START_TIMEOUT);
    app.wait_for_line("sync started", support::START_TIMEOUT);
    // The first reading goes out as soon as Teams or the phone is known.
    wait_until(
        "a first state on the broker",
        || latest_activity().is_some(),
        saw,
    );
    assert_ne!(latest_activity().as_deref(), Some("on_the_phone"));

    // A STARFACE call: the merged status is "on the phone" (the phone wins over Teams).
    let call = pbx.start_call(USER_LOGIN);
    wait_until(
        "on_the_phone on the broker",
        || latest_activity().as_deref() == Some("on_the_phone"),
        saw,
    );
    let state = states.lock().unwrap().last().cloned().unwrap();
    assert_eq!(state["dot"], "busy", "{state}");
    assert_eq!(state["phone"]["in_call"], true, "{state}");
    wait_until(
        "on_the_phone from the command hook",
        || read(&activities).contains("status on_the_phone"),
        || read(&activities),
    );
    // Published on change only (Teams going to "In a call" is a change of the document): while
    // nothing changes, two more polls publish nothing.
    app.wait_for_line("applied: Teams presence", PATIENCE);
    std::thread::sleep(Duration::from_secs(3));
    let (commands, published) = (read(&activities), states.lock().unwrap().len());
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(read(&activities), commands);
    assert_eq!(states.lock().unwrap().len(), published, "{}", saw());

    // The MQTT hook now points at a broker that accepts TCP and never answers (no user: the
    // stored password belongs to the real broker and would not be handed out anyway).
    let good = std::fs::read_to_string(&config).unwrap();
    let hole_url = format!("mqtt://127.0.0.1:{hole_port}");
    std::fs::write(
        &config,
        format!("{accounts}{command_hook}{}", mqtt_hook(&hole_url, None)),
    )
    .unwrap();
    app.wait_for_line("restarting the sync", Duration::from_secs(30));
    app.wait_for_lines("status hooks started", 2, support::START_TIMEOUT);
    wait_until(
        "the hook connected to the black hole",
        || hole_accepted.load(Ordering::SeqCst) > 0,
        String::new,
    );
    app.wait_for_lines("sync started", 2, support::START_TIMEOUT);
    // The restarted sync sets the Teams session for the ongoing call again, on time.
    app.wait_for_lines("applied: Teams presence", 2, PATIENCE);

    // Hanging up: the sync clears the Teams session as usual, and the command hook sees the
    // change, while the MQTT hook waits for its broker.
    let before = read(&activities).lines().count();
    pbx.end_call(USER_LOGIN, &call);
    app.wait_for_line("applied: Teams presence session cleared", PATIENCE);
    wait_until(
        "the command hook's next status",
        || {
            let text = read(&activities);
            text.lines().count() > before
                && !text.lines().last().unwrap_or("").contains("on_the_phone")
        },
        || read(&activities),
    );

    // Quitting is bounded even with the hanging broker.
    let quitting = Instant::now();
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(Duration::from_secs(30)).code(), Some(0));
    assert!(quitting.elapsed() < Duration::from_secs(30));

    // The password is kept for the broker and user it was entered for: another broker does not
    // get it, and doctor says for which one it is.
    std::fs::write(
        &config,
        good.replace(&broker_url, &format!("mqtt://127.0.0.1:{hole_port}")),
    )
    .unwrap();
    let doctor = app_command(&session, &["--config", &config, "doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout).into_owned();
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL")
                && l.contains(&format!("belongs to anna at {broker_url}"))),
        "{report}"
    );
}
