//! The end-to-end world: a private desktop (Xvfb, session bus, unlocked gnome-keyring, dunst),
//! a real Prosody, the simulated office in-process, a settings file pointing at it, and the
//! app (built with `--features test-hooks`) driven through `tauri-driver` + `WebKitWebDriver`.
//!
//! Everything binds loopback. Every process is owned by a guard that kills it on drop, so a failing
//! scenario still tears everything down (`tauri-driver` runs in its own process group, which also
//! holds `WebKitWebDriver` and the app it launched).

use std::future::Future;
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use simulators::graph::{GraphSimulator, SimUser as GraphUser, DEFAULT_CLIENT_ID};
use simulators::office::Office;
use simulators::starface::StarfaceSimulator;
use starface_client::{CertificatePin, TlsTrust};
use test_session::xmpp_peer::XmppPeer;
use test_session::{DesktopSession, ProsodyServer};
use tokio_xmpp::jid::BareJid;

use crate::strings::{tr, translations};

/// STARFACE login (also the XMPP user) of the signed-in person.
pub const LOGIN: &str = simulators::office::USER_LOGIN;
pub const PASSWORD: &str = "secret";
/// Seconds between polls in the settings file (the minimum the app accepts).
pub const POLL_SECS: u64 = 5;
/// Generous upper bound for anything that should happen "within one poll" on a busy 2-core CI.
pub const WAIT: Duration = Duration::from_secs(45);

/// The target directory the tests were built into.
fn target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    if target.is_absolute() {
        target
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(target)
    }
}

/// The app binary with test hooks the scenarios drive, in this order:
/// - the binary named by `PRESENCE_BRIDGE_E2E_APP` (for working on the tests);
/// - when this test was built with `--features test-hooks` (as `scripts/test.sh` does), the
///   binary cargo built beside it with the same features: no second build;
/// - otherwise (a plain `cargo test`, whose app binary has no hooks) a debug build with the
///   feature in a target dir of its own, so it does not replace the binary of that plain build.
pub fn build_app() -> PathBuf {
    if let Some(app) = std::env::var_os("PRESENCE_BRIDGE_E2E_APP") {
        return PathBuf::from(app);
    }
    if cfg!(feature = "test-hooks") {
        return PathBuf::from(env!("CARGO_BIN_EXE_presence-bridge"));
    }
    let own_target = target_dir().join("e2e-app");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--features", "test-hooks", "--locked", "--bin"])
        .arg("presence-bridge")
        .arg("--target-dir")
        .arg(&own_target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build --features test-hooks");
    assert!(status.success(), "cargo build --features test-hooks failed");
    let bin = own_target.join("debug").join("presence-bridge");
    assert!(bin.exists(), "{} missing after the build", bin.display());
    bin
}

pub fn tauri_driver_binary() -> PathBuf {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|p| p.join("tauri-driver")));
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(home).join("bin").join("tauri-driver"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/tauri-driver"));
    }
    candidates.into_iter().find(|p| p.exists()).expect(
        "tauri-driver not found: `cargo install tauri-driver --version '^2' --locked` \
         (scripts/install-deps.sh test does)",
    )
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free loopback port");
    listener.local_addr().expect("local addr").port()
}

/// Polls `check` until it yields `Some`, or panics after `timeout` with `what` and the last
/// observation.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `tauri-driver` in its own process group; dropping it kills the whole group (the driver,
/// WebKitWebDriver and the app).
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

impl TauriDriver {
    /// Starts tauri-driver; its output, with WebKitWebDriver's and the app's (which inherit
    /// it: a panic, a GTK or WebKit message), goes to the end of `output`.
    pub fn start(env: &[(String, String)], output: &Path) -> Self {
        use std::os::unix::process::CommandExt;
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(output)
            .expect("the driver's output file");
        let port = free_port();
        let native_port = loop {
            let p = free_port();
            if p != port {
                break p;
            }
        };
        let child = Command::new(tauri_driver_binary())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
                "--native-driver",
                "/usr/bin/WebKitWebDriver",
            ])
            // The locale is only what `env` says (these would override its `LANG`).
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANGUAGE")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            // The app chooses how its window draws (`webview_drawing.rs`), as it does for users.
            .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
            .process_group(0)
            .stdout(output.try_clone().expect("the driver's output file"))
            .stderr(output)
            .spawn()
            .expect("spawn tauri-driver");
        let driver = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        // SAFETY: kill(2) on the process group we created for our own child.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// Where tauri-driver, WebKitWebDriver and the app they start write their stdout and stderr.
fn driver_output(session: &DesktopSession) -> PathBuf {
    session.home().join("driver-output.log")
}

/// A self-signed certificate for 127.0.0.1/localhost, served by both the PBX simulator and
/// Prosody, so the app's one pin trusts REST, UCI and XMPP (the real TLS path).
pub struct PbxCertificate {
    pub cert_pem: String,
    pub key_pem: String,
    pub pin: CertificatePin,
}

impl PbxCertificate {
    fn generate() -> Self {
        let generated = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .expect("self-signed certificate");
        Self {
            cert_pem: generated.cert.pem(),
            key_pem: generated.signing_key.serialize_pem(),
            pin: CertificatePin::of_certificate(generated.cert.der()),
        }
    }
}

/// Everything of one e2e run. Field order is drop order: the app goes first, the desktop last.
pub struct World {
    pub client: Option<Client>,
    pub driver: TauriDriver,
    pub peer: XmppPeer,
    pub prosody: ProsodyServer,
    /// Both simulators with the same people; the PBX serves the certificate Prosody serves.
    pub office: Office,
    pub session: DesktopSession,
    pub app: PathBuf,
    pub config: PathBuf,
    pub opener_log: PathBuf,
    /// The tray test hook's file: one line per menu the tray showed.
    pub tray_log: PathBuf,
    /// The session's environment for the app, without the locale.
    env: Vec<(String, String)>,
    /// The environment tauri-driver runs in now (with the locale).
    driver_env: Vec<(String, String)>,
    pub me: GraphUser,
    /// Two colleagues renamed to hostile strings (favourites, so they are listed first).
    pub hostile: Vec<GraphUser>,
    /// A colleague for "notify me when available".
    pub watched: GraphUser,
}

pub const HOSTILE_NAMES: [&str; 2] = [
    "<img src=x onerror=alert(1)>",
    "\"><script>alert(1)</script>",
];

impl World {
    pub async fn start(app: PathBuf, lang_env: &str) -> Self {
        let cert = PbxCertificate::generate();
        let office = Office::builder()
            .colleagues(12)
            .device_code_interval(1)
            .password(PASSWORD)
            .pbx_tls(&cert.cert_pem, &cert.key_pem)
            // STARFACE 10's OneHub beside the PBX (colleagues' phones; scenario 13).
            .onehub()
            .start()
            .await
            .expect("the office opens (PBX over TLS, with OneHub)");
        let control = office.graph().control().clone();
        let me = office.me().graph.clone();
        let users: Vec<GraphUser> = office
            .colleagues()
            .iter()
            .map(|person| person.graph.clone())
            .collect();
        for (user, name) in users.iter().zip(HOSTILE_NAMES) {
            control.set_display_name(user.id, name);
            control.set_presence(user.id, "Available", "Available");
        }
        let hostile: Vec<GraphUser> = control
            .users()
            .into_iter()
            .filter(|u| HOSTILE_NAMES.contains(&u.display_name.as_str()))
            .collect();
        assert_eq!(hostile.len(), 2, "hostile colleagues renamed");
        let watched = users[2].clone();
        control.set_presence(watched.id, "Away", "Away");

        let prosody = ProsodyServer::start_with_certificate(
            &[(LOGIN, PASSWORD), ("bob", "bobsecret")],
            &cert.cert_pem,
            &cert.key_pem,
        );
        let peer = bob_watching(&prosody).await;

        let session = tokio::task::spawn_blocking(|| {
            DesktopSession::start()
                .and_then(|s| s.with_unlocked_keyring("test"))
                .and_then(|s| s.with_dunst())
                .unwrap_or_else(|e| panic!("desktop session: {e}"))
        })
        .await
        .unwrap();

        let config = session.home().join("config.toml");
        let favourites = hostile
            .iter()
            .map(|u| format!("{:?}", u.mail))
            .collect::<Vec<_>>()
            .join(", ");
        std::fs::write(
            &config,
            format!(
                "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\ngraph_base = \"{}\"\n\
                 [starface]\nurl = \"{}\"\nlogin = \"{LOGIN}\"\ncertificate_pin = \"{}\"\n\
                 xmpp_enabled = true\nxmpp_domain = \"{}\"\nxmpp_port = {}\n\
                 [sync]\npoll_interval_secs = {POLL_SECS}\ndebounce_secs = 0\n\
                 [ui]\nlanguage = \"en\"\nfavourites = [{favourites}]\n",
                office.graph().base_url(),
                office.graph().graph_url(),
                office.pbx().base_url(),
                cert.pin,
                prosody.domain(),
                prosody.port(),
            ),
        )
        .expect("write config");
        let opener_log = session.home().join("opener.log");
        let tray_log = session.home().join("tray.log");

        let mut env = session.env();
        env.push((
            "PRESENCE_BRIDGE_OPENER_LOG".into(),
            opener_log.display().to_string(),
        ));
        env.push((
            "PRESENCE_BRIDGE_TRAY_LOG".into(),
            tray_log.display().to_string(),
        ));
        env.push((
            "PRESENCE_BRIDGE_POLICY".into(),
            session.home().join("no-policy.toml").display().to_string(),
        ));
        if let Ok(path) = std::env::var("PATH") {
            env.push(("PATH".into(), path));
        }
        let driver_env = with_locale(&env, lang_env);
        let driver = TauriDriver::start(&driver_env, &driver_output(&session));

        let mut world = Self {
            client: None,
            driver,
            peer,
            prosody,
            office,
            session,
            app,
            config,
            opener_log,
            tray_log,
            env,
            driver_env,
            me,
            hostile,
            watched,
        };
        world.open_app().await;
        world
    }

    /// A command running the app binary inside the session with the test's config.
    pub fn app_command(&self, args: &[&str]) -> Command {
        let mut command = self.session.command(&self.app);
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env(
                "PRESENCE_BRIDGE_POLICY",
                self.session.home().join("no-policy.toml"),
            )
            .env("PRESENCE_BRIDGE_OPENER_LOG", &self.opener_log)
            .env_remove("PRESENCE_BRIDGE_LOG");
        command
    }

    /// Opens a WebDriver session (tauri-driver launches the app), then shows the window the way
    /// a person does: starting the app a second time (single instance) opens it.
    pub async fn open_app(&mut self) {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({
                "application": self.app.display().to_string(),
                "args": ["--config", self.config.display().to_string(), "--keep-window"],
            }),
        );
        // A launch can still fail on a loaded machine (tauri-driver hangs up when the app it
        // started exits at once); the app of a failed attempt is gone, so trying again is safe.
        let mut attempt = 1;
        let client = loop {
            // A launch that never answers (an app that cannot start) must not hang the run.
            let connected = tokio::time::timeout(
                Duration::from_secs(90),
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&self.driver.url()),
            )
            .await
            .map_err(|_| "no answer within 90 s".to_owned())
            .and_then(|connected| connected.map_err(|error| error.to_string()));
            match connected {
                Ok(client) => break client,
                Err(error) if attempt < 3 => {
                    eprintln!("e2e: WebDriver session attempt {attempt} failed: {error}");
                    attempt += 1;
                    self.wait_for_app_exit();
                    if self.app_running() {
                        // Started but never answered: a new start would only forward to it.
                        self.kill_app();
                        self.driver =
                            TauriDriver::start(&self.driver_env, &driver_output(&self.session));
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(error) => panic!("WebDriver session through tauri-driver: {error}"),
            }
        };
        self.client = Some(client);
        let this = &*self;
        // The window starts hidden in the tray; a second start shows it.
        wait_for(
            "the window to become visible",
            Duration::from_secs(60),
            || async move {
                let visible = this
                    .js("return document.visibilityState")
                    .await
                    .map_err(|e| e.to_string())?;
                if visible == json!("visible") {
                    return Ok(());
                }
                let output = this
                    .app_command(&[])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .map_err(|e| e.to_string())?;
                tokio::time::sleep(Duration::from_millis(700)).await;
                Err(format!("visibility {visible}, second start {output}"))
            },
        )
        .await;
        wait_for(
            "the window's script to be ready",
            Duration::from_secs(60),
            || async move {
                let ready = this
                    .js("return document.documentElement.dataset.ready || document.body.innerText")
                    .await
                    .map_err(|e| e.to_string())?;
                (ready == json!("true"))
                    .then_some(())
                    .ok_or(ready.to_string())
            },
        )
        .await;
    }

    /// Quits the app and starts it again in the locale `lang_env` (`LANG`; no `LC_ALL`,
    /// `LC_MESSAGES` or `LANGUAGE`). The locale reaches the app through tauri-driver, so that
    /// starts again too.
    pub async fn restart_in_locale(&mut self, lang_env: &str) {
        self.quit_app().await;
        self.driver_env = with_locale(&self.env, lang_env);
        self.driver = TauriDriver::start(&self.driver_env, &driver_output(&self.session));
        self.open_app().await;
    }

    /// Quits the running app through its own command line, then ends the WebDriver session.
    /// An app that does not exit fails the scenario (after it was killed, so the next one can
    /// start it again).
    pub async fn quit_app(&mut self) {
        if let Err(hung) = self.try_quit_app().await {
            panic!("{hung}");
        }
    }

    /// [`Self::quit_app`], saying instead of panicking when the app had to be killed.
    async fn try_quit_app(&mut self) -> Result<(), String> {
        let _ = self
            .app_command(&["quit"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(20), client.close()).await;
        }
        // Until the old instance is gone, a new start would only forward to it and exit (its
        // clean shutdown logs out of both servers, which takes longer on a loaded machine).
        self.wait_for_app_exit();
        if self.app_running() {
            let report = self.failure_report();
            self.kill_app();
            // Its WebDriver session went with it: a new tauri-driver (and WebKitWebDriver).
            self.driver = TauriDriver::start(&self.driver_env, &driver_output(&self.session));
            return Err(format!(
                "the app still ran 30 s after `presence-bridge quit`, and was killed\n{report}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(())
    }

    /// After a failed scenario: if the app is gone, hangs or its WebDriver session ended (a
    /// crash of WebKit's web process ends it), starts the app again, so the scenarios after it
    /// find a window. The failure stays a failure.
    pub async fn reopen_if_broken(&mut self) {
        let answers = match &self.client {
            Some(client) => matches!(
                tokio::time::timeout(Duration::from_secs(10), client.execute("return 1", vec![]))
                    .await,
                Ok(Ok(_))
            ),
            None => false,
        };
        if answers && self.app_running() {
            return;
        }
        eprintln!("e2e: the app or its WebDriver session is gone; starting it again");
        if let Err(hung) = self.try_quit_app().await {
            eprintln!("e2e: {hung}");
        }
        self.open_app().await;
    }

    /// Ends every process of this world's app at once (SIGKILL).
    fn kill_app(&self) {
        for pid in self.app_pids() {
            // SAFETY: kill(2) on a process of this world's app, found in /proc just now.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        self.wait_for_app_exit();
    }

    /// Waits (at most 30 s) until no process of this world's app runs.
    fn wait_for_app_exit(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.app_running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether a process of this world's app runs.
    fn app_running(&self) -> bool {
        !self.app_pids().is_empty()
    }

    /// The processes of this world's app: found by its `--config` file, since other tests run
    /// the same binary at the same time.
    fn app_pids(&self) -> Vec<i32> {
        let config = self.config.as_os_str().as_encoded_bytes();
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let pid = entry.file_name().to_string_lossy().parse::<i32>().ok()?;
                let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                (args
                    .first()
                    .is_some_and(|exe| exe.ends_with(b"presence-bridge"))
                    && args.contains(&config))
                .then_some(pid)
            })
            .collect()
    }

    /// For a failed scenario: whether the app still runs, and the last lines of its log (a
    /// scenario's own message says what it saw in the window, not what the app did).
    pub fn failure_report(&self) -> String {
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.session.log_dir())
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        logs.sort_by_key(|path| std::fs::metadata(path).and_then(|m| m.modified()).ok());
        let tail = logs
            .last()
            .map(|newest| {
                let text = std::fs::read_to_string(newest).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                lines[lines.len().saturating_sub(40)..].join("\n")
            })
            .unwrap_or_else(|| "(no log file)".to_owned());
        let output = std::fs::read_to_string(driver_output(&self.session)).unwrap_or_default();
        let output: Vec<&str> = output.lines().collect();
        format!(
            "app running: {}\nthe app's last log lines:\n{tail}\n\
             the last lines of tauri-driver, WebKitWebDriver and the app on stdout and stderr:\n{}",
            self.app_running(),
            output[output.len().saturating_sub(30)..].join("\n")
        )
    }

    pub fn graph(&self) -> &GraphSimulator {
        self.office.graph()
    }

    pub fn pbx(&self) -> &StarfaceSimulator {
        self.office.pbx()
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("app open")
    }

    pub async fn js(&self, script: &str) -> Result<Value, fantoccini::error::CmdError> {
        self.client().execute(script, vec![]).await
    }

    /// The backend's `State` through the window's own IPC (observing, not acting).
    pub async fn state(&self) -> Value {
        self.invoke("get_state", json!({})).await
    }

    pub async fn invoke(&self, cmd: &str, args: Value) -> Value {
        let result = self
            .client()
            .execute_async(
                "const [cmd, args, done] = arguments;\
                 window.__TAURI_INTERNALS__.invoke(cmd, args)\
                   .then(v => done({ok: v === undefined ? null : v}), e => done({err: e}));",
                vec![json!(cmd), args],
            )
            .await
            .unwrap_or_else(|e| panic!("invoke {cmd}: {e}"));
        match result.get("ok") {
            Some(v) => v.clone(),
            None => panic!("{cmd} rejected: {result}"),
        }
    }

    /// The text content of the first element matching `css` (as written, before CSS
    /// `text-transform`, which WebDriver's element text would apply).
    pub async fn text(&self, css: &str) -> String {
        let value = self
            .js(&format!(
                "const el = document.querySelector({}); return el ? el.textContent : null",
                json!(css)
            ))
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"));
        value
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// What went wrong, for failure messages: the app's log lines about `topic` and Prosody's log.
    pub fn diagnostics(&self, topic: &str) -> String {
        let mut out = String::new();
        if let Ok(dir) = std::fs::read_dir(self.session.log_dir()) {
            for entry in dir.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let lines: Vec<&str> = text
                    .lines()
                    .filter(|l| {
                        l.to_lowercase().contains(topic)
                            || l.contains("WARN")
                            || l.contains("ERROR")
                    })
                    .collect();
                let start = lines.len().saturating_sub(30);
                out.push_str(&lines[start..].join("\n"));
            }
        }
        let prosody = self.prosody.log();
        let auth: Vec<&str> = prosody
            .lines()
            .filter(|l| l.contains("uthenticat") || l.contains("error"))
            .collect();
        format!("app log:\n{out}\nprosody:\n{}", auth.join("\n"))
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let script = format!(
            "return [...document.querySelectorAll({})].map(e => e.textContent)",
            json!(css)
        );
        let value = self.js(&script).await.expect("querySelectorAll");
        serde_json::from_value(value).unwrap_or_default()
    }

    pub async fn click(&self, css: &str) {
        wait_for(
            &format!("{css} to be clickable"),
            Duration::from_secs(20),
            || async move {
                let el = self
                    .client()
                    .find(Locator::Css(css))
                    .await
                    .map_err(|e| e.to_string())?;
                el.click().await.map_err(|e| e.to_string())
            },
        )
        .await;
    }

    /// Clicks the first button under `scope` whose text is `label`.
    pub async fn click_button(&self, scope: &str, label: &str) {
        wait_for(
            &format!("button {label:?} in {scope}"),
            Duration::from_secs(20),
            || async move {
                let buttons = self
                    .client()
                    .find_all(Locator::Css(&format!("{scope} button")))
                    .await
                    .map_err(|e| e.to_string())?;
                let mut seen = Vec::new();
                for b in buttons {
                    let text = b.text().await.unwrap_or_default();
                    // Action buttons end with their shortcut key (`<kbd>`): "ChatC".
                    let text = text.trim();
                    if text == label
                        || (text.starts_with(label) && text[label.len()..].chars().count() == 1)
                    {
                        return b.click().await.map_err(|e| e.to_string());
                    }
                    seen.push(text.to_owned());
                }
                Err(format!("buttons: {seen:?}"))
            },
        )
        .await;
    }

    pub async fn navigate(&self, screen: &str) {
        self.click(&format!("#tab-{screen}")).await;
        self.wait_for_js(
            &format!("screen {screen}"),
            Duration::from_secs(10),
            &format!("return document.getElementById('screen-{screen}').hidden"),
            json!(false),
        )
        .await;
    }

    /// Waits until `script` returns `wanted`; panics after `timeout` with `what` and the last
    /// value.
    pub async fn wait_for_js(&self, what: &str, timeout: Duration, script: &str, wanted: Value) {
        wait_for(what, timeout, || async {
            let now = self.js(script).await.map_err(|e| e.to_string())?;
            (now == wanted).then_some(()).ok_or(now.to_string())
        })
        .await;
    }

    /// A PNG of the window. WebKitWebDriver takes it after the page's next repaint, and the app
    /// has WebKit draw on the CPU (`webview_drawing.rs`), where a page with nothing changing
    /// does not repaint: the screenshot waited until the next poll changed something (40 s
    /// once). So the page repaints one invisible pixel a few times a second until the screenshot
    /// is taken.
    pub async fn screenshot_png(&self) -> Vec<u8> {
        const NUDGE: &str = "const dot = document.createElement('div'); dot.id = 'e2e-repaint';              Object.assign(dot.style, { position: 'fixed', left: '0', top: '0', width: '1px',              height: '1px', opacity: '0', pointerEvents: 'none', background: '#000' });              document.documentElement.append(dot);              let on = false;              window.__e2eRepaint = setInterval(() => { on = !on; dot.style.opacity = on ? '0.001' : '0'; }, 150);";
        const STOP: &str =
            "clearInterval(window.__e2eRepaint); document.getElementById('e2e-repaint')?.remove();";
        self.js(NUDGE).await.expect("start repainting");
        let png = self.client().screenshot().await.expect("screenshot");
        self.js(STOP).await.expect("stop repainting");
        assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
        png
    }

    /// Writes a PNG of the window to `target/e2e-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.screenshot_png().await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    pub fn opened_urls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.opener_log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The menu the tray shows now (the tray test hook's last line; WebDriver cannot see the
    /// tray): `icon=… | open=… | status=… | colleagues=… | tooltip=… | resume=…`.
    pub fn tray(&self) -> String {
        std::fs::read_to_string(&self.tray_log)
            .unwrap_or_default()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn dnd(&self) -> bool {
        self.office.dnd()
    }

    /// Writes to the PBX that change the user's status: DND (`PUT …phoneconfig…`) and UCI calls
    /// that set something.
    pub fn pbx_writes(&self) -> Vec<String> {
        self.pbx()
            .request_log()
            .entries()
            .into_iter()
            .filter(|r| {
                (r.method == "PUT" && r.path.contains("phoneconfig"))
                    || (r.method == "POST"
                        && r.path.contains("xml-rpc")
                        && (r.body.contains(".set") || r.body.contains("Set")))
            })
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.method,
                    r.path,
                    r.body.chars().take(120).collect::<String>()
                )
            })
            .collect()
    }

    /// The chat status bob sees for the app's XMPP resource.
    pub fn chat_seen_by_bob(&self) -> Option<starface_client::xmpp::ChatStatus> {
        let prefix = format!("{LOGIN}@{}/", self.prosody.domain());
        self.peer
            .view()
            .presences
            .into_iter()
            .find(|(jid, _)| jid.starts_with(&prefix) && !jid.ends_with("/test-peer"))
            .map(|(_, s)| s)
    }

    /// Fails if the window shows an error: a red warning on "My status" or an error toast.
    pub async fn visible_errors(&self) -> Vec<String> {
        let mut errors = self.texts(".warning--bad").await;
        errors.extend(self.texts(".toast--error").await);
        errors
    }
}

fn with_locale(env: &[(String, String)], lang_env: &str) -> Vec<(String, String)> {
    let mut env = env.to_vec();
    env.push(("LANG".into(), lang_env.into()));
    env
}

pub fn screenshot_dir() -> PathBuf {
    target_dir().join("e2e-screenshots")
}

/// bob subscribes to the user's XMPP account (approved by a short-lived client of the user), so
/// bob sees every chat status the app publishes.
async fn bob_watching(server: &ProsodyServer) -> XmppPeer {
    let trust = TlsTrust::Pin(server.cert_pin());
    let helper = XmppPeer::connect(
        server.port(),
        server.domain(),
        LOGIN,
        PASSWORD,
        trust.clone(),
    );
    let bob = XmppPeer::connect(server.port(), server.domain(), "bob", "bobsecret", trust);
    helper
        .wait_for("user helper online", WAIT, |v| v.sessions >= 1)
        .await;
    bob.wait_for("bob online", WAIT, |v| v.sessions >= 1).await;
    let user = BareJid::new(&format!("{LOGIN}@{}", server.domain())).unwrap();
    bob.subscribe_to(&user).await;
    bob.wait_for("the user's presence after subscribing", WAIT, |v| {
        v.presences
            .keys()
            .any(|k| k.starts_with(&format!("{LOGIN}@")) && k.ends_with("/test-peer"))
    })
    .await;
    helper.close().await;
    bob
}

/// Signs in without the window (device code + `login starface`), for when the UI sign-in
/// scenario fails, so the later scenarios still run.
pub fn sign_in_by_command_line(world: &World) {
    let mut login = world
        .app_command(&["login", "starface"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("login starface");
    login
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let output = login.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "login starface: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let approving = world.office.approver().keep_approving();
    let output = world
        .app_command(&["login", "microsoft", "--device-code"])
        .output()
        .unwrap();
    drop(approving);
    assert!(
        output.status.success(),
        "login microsoft: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Clicks "Sign in with Microsoft" and plays the browser: takes the authorize URL the app
/// "opened" (test hook), signs in on the simulator's page and delivers its redirect, after
/// `tamper` had a go at it, to the app's loopback listener.
pub async fn sign_in_as_browser(world: &World, tamper: fn(String) -> String) {
    let en = &translations("en");
    world.navigate("settings").await;
    let opened_before = world.opened_urls().len();
    world
        .click_button(".account__actions", &tr(en, "settings.microsoft.sign_in"))
        .await;
    let authorize = wait_for("the authorize URL in the opener log", WAIT, || async move {
        world
            .opened_urls()
            .into_iter()
            .skip(opened_before)
            .find(|u| u.contains("/oauth2/v2.0/authorize"))
            .ok_or(format!("{:?}", world.opened_urls()))
    })
    .await;
    assert!(
        authorize.starts_with(&world.graph().base_url()),
        "{authorize}"
    );
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "PKCE: {authorize}"
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let response = browser.get(&authorize).send().await.expect("GET authorize");
    assert!(
        response.status().is_redirection(),
        "authorize: {}",
        response.status()
    );
    let callback = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with("http://localhost:") || callback.starts_with("http://127.0.0.1:"),
        "redirect to the app's loopback listener: {callback}"
    );
    assert!(callback.contains("code="), "{callback}");
    let page = browser
        .get(tamper(callback))
        .send()
        .await
        .expect("GET the app's redirect listener");
    assert!(
        page.status().is_success(),
        "redirect listener answered {}",
        page.status()
    );
}
