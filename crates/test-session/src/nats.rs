//! Real `nats-server` processes on loopback (Debian's package), started by the tests: one node
//! or a cluster of three with JetStream, TLS with a CA generated here, and two users: `relay`
//! may write the presence bucket, `desktop` may only read and watch it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keychain::Secret;
use relay_feed::FeedConnection;

pub const RELAY_PASSWORD: &str = "relay-password-for-tests";
pub const DESKTOP_PASSWORD: &str = "desktop-password-for-tests";

/// The subjects each user may use, as docs/RELAY.md shows them for production.
const RELAY_PERMISSIONS: &str = r#"{
      publish: { allow: ["$KV.presence.>", "$JS.API.INFO", "$JS.API.STREAM.INFO.KV_presence",
                         "$JS.API.STREAM.CREATE.KV_presence", "$JS.API.STREAM.MSG.GET.KV_presence",
                         "$JS.API.DIRECT.GET.KV_presence.>", "$JS.API.CONSUMER.CREATE.KV_presence",
                         "$JS.API.CONSUMER.CREATE.KV_presence.>", "$JS.API.CONSUMER.DELETE.KV_presence.>",
                         "$JS.FC.KV_presence.>"] }
      subscribe: { allow: ["_INBOX.>"] }
    }"#;
const DESKTOP_PERMISSIONS: &str = r#"{
      publish: { allow: ["$JS.API.INFO", "$JS.API.STREAM.INFO.KV_presence", "$JS.API.STREAM.MSG.GET.KV_presence",
                         "$JS.API.DIRECT.GET.KV_presence.>", "$JS.API.CONSUMER.CREATE.KV_presence",
                         "$JS.API.CONSUMER.CREATE.KV_presence.>", "$JS.API.CONSUMER.DELETE.KV_presence.>",
                         "$JS.FC.KV_presence.>"] }
      subscribe: { allow: ["_INBOX.>"] }
    }"#;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn nats_server_binary() -> PathBuf {
    for candidate in ["/usr/sbin/nats-server", "/usr/bin/nats-server"] {
        if Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    "nats-server".into()
}

struct Node {
    client_port: u16,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn start(&mut self) {
        assert!(self.child.is_none(), "node already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(nats_server_binary())
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server is installed (scripts/install-deps.sh test)");
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A running cluster (or single node). Dropping it kills every server.
pub struct NatsCluster {
    /// Configurations, certificates, stores and logs; removed on drop.
    _dir: tempfile::TempDir,
    nodes: Vec<Node>,
    pub ca_file: PathBuf,
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }
}

impl NatsCluster {
    /// Starts `size` servers (1 or 3) and waits until JetStream answers.
    pub async fn start(size: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
                .unwrap();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server_cert =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap()
                .signed_by(&server_key, &ca)
                .unwrap();
        let ca_file = dir.path().join("ca.pem");
        let cert_file = dir.path().join("server.pem");
        let key_file = dir.path().join("server-key.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        std::fs::write(&cert_file, server_cert.pem()).unwrap();
        std::fs::write(&key_file, server_key.serialize_pem()).unwrap();

        let client_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let route_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let mut nodes = Vec::new();
        for i in 0..size {
            let store = dir.path().join(format!("store-{i}"));
            let cluster = if size > 1 {
                let routes: Vec<String> = route_ports
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, port)| format!("\"nats-route://127.0.0.1:{port}\""))
                    .collect();
                format!(
                    "cluster {{\n  name: presence\n  listen: \"127.0.0.1:{}\"\n  routes: [{}]\n}}\n",
                    route_ports[i],
                    routes.join(", ")
                )
            } else {
                String::new()
            };
            let config = format!(
                r#"server_name: "n{i}"
listen: "127.0.0.1:{port}"
tls {{
  cert_file: "{cert}"
  key_file: "{key}"
  timeout: 2
}}
jetstream {{
  store_dir: "{store}"
  max_memory_store: 64MB
  max_file_store: 256MB
}}
{cluster}
authorization {{
  users: [
    {{ user: relay, password: "{RELAY_PASSWORD}", permissions: {RELAY_PERMISSIONS} }}
    {{ user: desktop, password: "{DESKTOP_PASSWORD}", permissions: {DESKTOP_PERMISSIONS} }}
  ]
}}
"#,
                port = client_ports[i],
                cert = cert_file.display(),
                key = key_file.display(),
                store = store.display(),
            );
            let config_path = dir.path().join(format!("n{i}.conf"));
            std::fs::write(&config_path, config).unwrap();
            nodes.push(Node {
                client_port: client_ports[i],
                config: config_path,
                log: dir.path().join(format!("n{i}.log")),
                child: None,
            });
        }
        for node in &mut nodes {
            node.start();
        }
        let cluster = Self {
            _dir: dir,
            nodes,
            ca_file,
        };
        cluster.wait_for_jetstream().await;
        cluster
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("tls://127.0.0.1:{}", n.client_port))
            .collect()
    }

    pub fn connection(&self, user: &str, password: &str) -> FeedConnection {
        let mut connection = FeedConnection::new(self.urls(), user, Secret::new(password))
            .with_ca_file(&self.ca_file)
            .with_client_name(format!("test-{user}"));
        connection.connect_timeout = Duration::from_secs(2);
        connection.request_timeout = Duration::from_secs(3);
        connection
    }

    pub fn relay_connection(&self) -> FeedConnection {
        self.connection("relay", RELAY_PASSWORD)
    }

    pub fn desktop_connection(&self) -> FeedConnection {
        self.connection("desktop", DESKTOP_PASSWORD)
    }

    /// The client port of `node`.
    pub fn port(&self, node: usize) -> u16 {
        self.nodes[node].client_port
    }

    pub fn kill(&mut self, node: usize) {
        self.nodes[node].kill();
    }

    pub fn kill_all(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }

    pub async fn restart(&mut self, node: usize) {
        self.nodes[node].start();
        self.wait_for_jetstream().await;
    }

    pub async fn restart_all(&mut self) {
        for node in &mut self.nodes {
            node.start();
        }
        self.wait_for_jetstream().await;
    }

    /// Server logs, for failure messages.
    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| std::fs::read_to_string(&n.log).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n----\n")
    }

    async fn wait_for_jetstream(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = async {
                let client = match self.relay_connection().connect().await {
                    Ok(client) => client,
                    Err(error) => {
                        eprintln!("waiting for NATS: {error}");
                        return None;
                    }
                };
                // A raw `$JS.API.INFO`: async-nats' typed account query expects fields newer
                // servers send.
                let reply = client.request("$JS.API.INFO", "".into()).await.ok()?;
                let info: serde_json::Value = serde_json::from_slice(&reply.payload).ok()?;
                if info.get("error").is_some() {
                    eprintln!("waiting for JetStream: {info}");
                    return None;
                }
                Some(())
            };
            if tokio::time::timeout(Duration::from_secs(5), ready)
                .await
                .ok()
                .flatten()
                .is_some()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "JetStream did not come up:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}
