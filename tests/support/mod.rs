//! Running the real `presence-bridge` binary inside a private desktop session.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

pub use test_session::DesktopSession;

pub const BIN: &str = env!("CARGO_BIN_EXE_presence-bridge");

/// Generous: a debug build of a WebKit app on a busy 2-core machine can take a while to start.
pub const START_TIMEOUT: Duration = Duration::from_secs(90);

pub fn session() -> DesktopSession {
    DesktopSession::start().unwrap_or_else(|e| panic!("desktop session: {e}"))
}

/// The app as a child process with its stderr lines collected.
pub struct RunningApp {
    pub child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl RunningApp {
    pub fn spawn(session: &DesktopSession, args: &[&str]) -> Self {
        Self::spawn_command(app_command(session, args))
    }

    /// Starts `command` (from [`app_command`], perhaps with more environment).
    pub fn spawn_command(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn presence-bridge");
        let stderr = child.stderr.take().expect("piped");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`; panics with everything seen on timeout.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) {
        self.wait_for_lines(needle, 1, timeout);
    }

    /// Waits until `count` lines so far (the whole run) contain `needle`.
    pub fn wait_for_lines(&mut self, needle: &str, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut found = self.seen.iter().filter(|l| l.contains(needle)).count();
        while found < count {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    found += usize::from(line.contains(needle));
                    self.seen.push(line);
                }
                Err(_) => break,
            }
        }
        assert!(
            found >= count,
            "{found} of {count} lines containing {needle:?} within {timeout:?}; stderr so far:\n{}",
            self.seen.join("\n")
        );
    }

    /// The stderr lines seen so far (by the waits) and any that arrived since.
    pub fn stderr_lines(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    pub fn wait_started(&mut self) {
        self.wait_for_line("started in the tray", START_TIMEOUT);
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    #[cfg(unix)]
    pub fn signal(&self, signal: i32) {
        let pid = self.child.id() as i32;
        // SAFETY: kill(2) with the pid of our own child process.
        assert_eq!(
            unsafe { libc::kill(pid, signal) },
            0,
            "kill({pid}, {signal})"
        );
    }

    /// Waits for the process to end; panics after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("presence-bridge did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app in `session`. `PRESENCE_BRIDGE_POLICY` names a missing file, so a policy of the
/// machine running the tests cannot change them; only builds with `test-hooks` read it (the
/// others read the computer's policy, which CI machines do not have).
/// Runs `presence-bridge` with `args`, `stdin` on its standard input (a password piped to
/// `login`); its output.
pub fn run_with_stdin(
    session: &DesktopSession,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let mut child = app_command(session, args)
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
}

pub fn app_command(session: &DesktopSession, args: &[&str]) -> Command {
    let mut command = session.command(BIN);
    command
        .args(args)
        .env(
            "PRESENCE_BRIDGE_POLICY",
            session.home().join("no-policy.toml"),
        )
        .env_remove("PRESENCE_BRIDGE_LOG");
    command
}
