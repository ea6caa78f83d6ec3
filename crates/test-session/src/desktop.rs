//! A private desktop session for tests that need real desktop services.
//! [`DesktopSession::with_dunst`] adds a real notification daemon.
//!
//! [`DesktopSession::start`] starts Xvfb on a free display and a private D-Bus session bus whose
//! auto-activated services (dunst, xdg-desktop-portal, ...) see that display. Optionally an
//! unlocked gnome-keyring serves the Secret Service on that bus. HOME and the XDG folders point
//! into a temporary folder, so nothing touches the developer's own settings or keyring.
//! Everything is killed when the session is dropped, also when a test panics.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct DesktopSession {
    home: tempfile::TempDir,
    display: String,
    bus_address: String,
    children: Vec<Child>,
}

impl DesktopSession {
    /// Xvfb + a private session bus. Fails with a message naming the missing program.
    pub fn start() -> Result<Self, String> {
        let home = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        for sub in ["config", "state", "data", "cache", "runtime"] {
            std::fs::create_dir_all(home.path().join(sub)).map_err(|e| e.to_string())?;
        }
        let mut session = Self {
            home,
            display: String::new(),
            bus_address: String::new(),
            children: Vec::new(),
        };

        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| missing("Xvfb", "xvfb", e))?;
        let display = first_line(xvfb.stdout.take().expect("piped"))
            .ok_or("Xvfb did not report a display number")?;
        session.children.push(xvfb);
        session.display = format!(":{}", display.trim());

        let mut bus = session
            .command("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| missing("dbus-daemon", "dbus", e))?;
        let address = first_line(bus.stdout.take().expect("piped"))
            .ok_or("dbus-daemon did not report its address")?;
        session.children.push(bus);
        session.bus_address = address.trim().to_owned();
        Ok(session)
    }

    /// Starts gnome-keyring's Secret Service on the session bus, unlocked with `password`.
    /// It runs without DISPLAY, so it can never block a test on a password prompt.
    pub fn with_unlocked_keyring(mut self, password: &str) -> Result<Self, String> {
        let mut keyring = self
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_remove("DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| missing("gnome-keyring-daemon", "gnome-keyring", e))?;
        {
            let mut stdin = keyring.stdin.take().expect("piped");
            stdin
                .write_all(password.as_bytes())
                .map_err(|e| format!("unlocking gnome-keyring: {e}"))?;
        }
        self.children.push(keyring);
        self.wait_for_bus_name("org.freedesktop.secrets", Duration::from_secs(20))?;
        Ok(self)
    }

    /// Starts dunst on the session bus (with this session's DISPLAY) as the notification daemon,
    /// configured to keep every notification on screen until closed, so `dunstctl count
    /// displayed` and `dunstctl history` can be asserted. Waits until it owns
    /// `org.freedesktop.Notifications`.
    pub fn with_dunst(mut self) -> Result<Self, String> {
        let config = self.home.path().join("dunstrc");
        std::fs::write(
            &config,
            "[global]\n    monitor = 0\n    follow = none\n\
             [urgency_low]\n    timeout = 0\n\
             [urgency_normal]\n    timeout = 0\n\
             [urgency_critical]\n    timeout = 0\n",
        )
        .map_err(|e| format!("writing dunstrc: {e}"))?;
        let dunst = self
            .command("dunst")
            .arg("-config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| missing("dunst", "dunst", e))?;
        self.children.push(dunst);
        self.wait_for_bus_name("org.freedesktop.Notifications", Duration::from_secs(20))?;
        Ok(self)
    }

    /// Runs `dunstctl ARGS` in this session and returns its standard output.
    pub fn dunstctl(&self, args: &[&str]) -> Result<String, String> {
        let output = self
            .command("dunstctl")
            .args(args)
            .output()
            .map_err(|e| missing("dunstctl", "dunst", e))?;
        if !output.status.success() {
            return Err(format!(
                "dunstctl {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// How many notifications dunst shows now (`dunstctl count displayed`).
    pub fn notifications_displayed(&self) -> Result<u32, String> {
        let out = self.dunstctl(&["count", "displayed"])?;
        out.trim()
            .parse()
            .map_err(|e| format!("dunstctl count displayed printed {out:?}: {e}"))
    }

    /// Waits until `name` is owned on the session bus.
    pub fn wait_for_bus_name(&self, name: &str, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let output = self
                .command("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    &format!("string:{name}"),
                ])
                .output()
                .map_err(|e| missing("dbus-send", "dbus", e))?;
            if String::from_utf8_lossy(&output.stdout).contains("boolean true") {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{name} did not appear on the session bus"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A command that runs inside this session (display, bus, HOME and XDG folders set).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.envs(self.env());
        command
    }

    /// The environment of this session.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.home.path();
        let path = |sub: &str| home.join(sub).display().to_string();
        let mut env = vec![
            ("HOME".to_owned(), home.display().to_string()),
            ("XDG_CONFIG_HOME".to_owned(), path("config")),
            ("XDG_STATE_HOME".to_owned(), path("state")),
            ("XDG_DATA_HOME".to_owned(), path("data")),
            ("XDG_CACHE_HOME".to_owned(), path("cache")),
            ("XDG_RUNTIME_DIR".to_owned(), path("runtime")),
            ("NO_AT_BRIDGE".to_owned(), "1".to_owned()),
        ];
        if !self.display.is_empty() {
            env.push(("DISPLAY".to_owned(), self.display.clone()));
        }
        if !self.bus_address.is_empty() {
            env.push((
                "DBUS_SESSION_BUS_ADDRESS".to_owned(),
                self.bus_address.clone(),
            ));
        }
        env
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config").join("presence-bridge")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.home
            .path()
            .join("state")
            .join("presence-bridge")
            .join("logs")
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }
}

impl Drop for DesktopSession {
    fn drop(&mut self) {
        // Last started first: the keyring before the bus, the bus before the display.
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn first_line(stream: impl std::io::Read) -> Option<String> {
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).ok()?;
    (!line.trim().is_empty()).then_some(line)
}

fn missing(program: &str, package: &str, error: std::io::Error) -> String {
    format!("cannot start {program} ({error}); install the Debian package `{package}` (scripts/test.sh does)")
}
