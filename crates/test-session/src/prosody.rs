//! A private, real Prosody XMPP server per test: temp dir, free loopback port, self-signed
//! certificate, users registered with `prosodyctl`. Killed by pid on drop (also on panic).
//!
//! Needs `/usr/bin/prosody` and `prosodyctl` (Debian package `prosody`) and root (CI runs as
//! root; `run_as_root = true`). A missing Prosody fails the test with a clear message: the chat
//! status path must not be skipped silently.
//!
//! ```no_run
//! let server = test_session::ProsodyServer::start(&[("alice", "secret1"), ("bob", "secret2")]);
//! // Connect to 127.0.0.1:server.port() with domain server.domain() and trust
//! // server.cert_pin() (feature `xmpp`).
//! # let _ = (server.port(), server.domain());
//! ```

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PROSODY: &str = "/usr/bin/prosody";
const PROSODYCTL: &str = "/usr/bin/prosodyctl";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

pub struct ProsodyServer {
    dir: tempfile::TempDir,
    port: u16,
    domain: String,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free loopback port");
    listener.local_addr().expect("local addr").port()
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl ProsodyServer {
    /// Starts Prosody for `localhost` with these users and waits until it accepts connections.
    pub fn start(users: &[(&str, &str)]) -> Self {
        Self::launch(users, None)
    }

    /// Like [`Self::start`], but serving this certificate and key (PEM) instead of a fresh
    /// self-signed one, e.g. the one a simulated PBX also serves, so one pin trusts both
    /// (as on a STARFACE, where REST and XMPP share the PBX's certificate).
    pub fn start_with_certificate(users: &[(&str, &str)], cert_pem: &str, key_pem: &str) -> Self {
        Self::launch(users, Some((cert_pem, key_pem)))
    }

    fn launch(users: &[(&str, &str)], certificate: Option<(&str, &str)>) -> Self {
        for binary in [PROSODY, PROSODYCTL] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: install Prosody (`apt-get install prosody`); the XMPP chat \
                 status tests need a real XMPP server and must not be skipped"
            );
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        // prosodyctl drops to the `prosody` user, which must reach the data dir.
        run(
            Command::new("chmod").arg("0755").arg(&root),
            "chmod of the temp dir",
        );
        std::fs::create_dir_all(root.join("data")).expect("data dir");
        let port = free_port();
        let domain = "localhost".to_owned();
        if let Some((cert_pem, key_pem)) = certificate {
            std::fs::write(root.join("cert.pem"), cert_pem).expect("write cert.pem");
            std::fs::write(root.join("key.pem"), key_pem).expect("write key.pem");
        } else {
            run(
                Command::new("openssl")
                    .args([
                        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    ])
                    .args([
                        "-subj",
                        "/CN=localhost",
                        "-addext",
                        "subjectAltName=DNS:localhost",
                    ])
                    .arg("-keyout")
                    .arg(root.join("key.pem"))
                    .arg("-out")
                    .arg(root.join("cert.pem"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped()),
                "openssl req -x509",
            );
        }
        let tmp = root.display();
        let config = format!(
            r#"pidfile = "{tmp}/prosody.pid"
daemonize = false
run_as_root = true
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping" }}
modules_disabled = {{ "s2s" }}
c2s_ports = {{ {port} }}
interfaces = {{ "127.0.0.1" }}
s2s_ports = {{ }}
authentication = "internal_hashed"
storage = "internal"
data_path = "{tmp}/data"
log = {{ info = "{tmp}/prosody.log"; error = "{tmp}/prosody.err" }}
c2s_require_encryption = true
ssl = {{ key = "{tmp}/key.pem"; certificate = "{tmp}/cert.pem" }}
VirtualHost "{domain}"
"#
        );
        std::fs::write(root.join("prosody.cfg.lua"), config).expect("write prosody.cfg.lua");
        run(
            Command::new("chown")
                .args(["-R", "prosody"])
                .arg(root.join("data")),
            "chown -R prosody of the data dir",
        );
        let mut server = Self {
            dir,
            port,
            domain,
            child: None,
        };
        for (user, password) in users {
            run(
                Command::new(PROSODYCTL)
                    .arg("--config")
                    .arg(server.config_path())
                    .args(["register", user, &server.domain, password]),
                "prosodyctl register",
            );
        }
        server.spawn();
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// SHA-256 pin of the server's certificate, as the STARFACE client pins a PBX's.
    #[cfg(feature = "xmpp")]
    pub fn cert_pin(&self) -> starface_client::CertificatePin {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::CertificateDer;
        let cert = CertificateDer::from_pem_file(self.dir.path().join("cert.pem"))
            .expect("read Prosody's cert.pem");
        starface_client::CertificatePin::of_certificate(cert.as_ref())
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("prosody.cfg.lua")
    }

    /// The server's log so far (for assertion messages).
    pub fn log(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!(
            "{}\n--- errors ---\n{}",
            read("prosody.log"),
            read("prosody.err")
        )
    }

    fn spawn(&mut self) {
        let child = Command::new(PROSODY)
            .arg("--config")
            .arg(self.config_path())
            .arg("-F")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {PROSODY}: {e}"));
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return;
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("prosody exited during startup ({status}):\n{}", self.log());
                }
            }
            assert!(
                Instant::now() < deadline,
                "prosody did not listen on port {} within {STARTUP_TIMEOUT:?}:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server (by pid) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a stopped server again on the same port with the same data.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "prosody is still running");
        self.spawn();
    }

    /// Kills the server and starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for ProsodyServer {
    fn drop(&mut self) {
        self.stop();
    }
}
