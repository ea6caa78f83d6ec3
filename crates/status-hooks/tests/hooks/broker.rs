//! A real Mosquitto on loopback (Debian's `mosquitto`), and an MQTT client that watches it.
//!
//! The broker has a password file made with `mosquitto_passwd`, a TLS listener with a
//! certificate from a private CA (for the hook) and a plain loopback listener (for the watching
//! client), no persistence: after a restart it has forgotten every retained message.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};
use tokio::sync::mpsc;

use crate::support::{Certificates, PATIENCE};

pub const USER: &str = "anna";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct Mosquitto {
    dir: tempfile::TempDir,
    pub tls_port: u16,
    pub plain_port: u16,
    child: Option<Child>,
}

impl Mosquitto {
    pub fn start(certificates: &Certificates) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let passwords = dir.path().join("passwords");
        let made = Command::new("mosquitto_passwd")
            .args(["-b", "-c"])
            .arg(&passwords)
            .args([USER, PASSWORD])
            .status()
            .expect("mosquitto_passwd (Debian package mosquitto; scripts/install-deps.sh test)");
        assert!(made.success(), "mosquitto_passwd failed");
        let (tls_port, plain_port) = (free_port(), free_port());
        let config = format!(
            "user root\n\
             per_listener_settings false\n\
             allow_anonymous false\n\
             password_file {passwords}\n\
             persistence false\n\
             log_dest file {log}\n\
             log_type all\n\
             listener {tls_port} 127.0.0.1\n\
             cafile {ca}\n\
             certfile {cert}\n\
             keyfile {key}\n\
             listener {plain_port} 127.0.0.1\n",
            passwords = passwords.display(),
            log = dir.path().join("mosquitto.log").display(),
            ca = certificates.ca_file.display(),
            cert = certificates.cert_file.display(),
            key = certificates.key_file.display(),
        );
        std::fs::write(dir.path().join("mosquitto.conf"), config).unwrap();
        let mut broker = Self {
            dir,
            tls_port,
            plain_port,
            child: None,
        };
        broker.run();
        broker
    }

    fn run(&mut self) {
        let child = Command::new(mosquitto_binary())
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto (Debian package mosquitto; scripts/install-deps.sh test)");
        self.child = Some(child);
        let deadline = Instant::now() + PATIENCE;
        for port in [self.tls_port, self.plain_port] {
            while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "mosquitto did not listen on {port}: {}",
                    self.log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Kills the broker (SIGKILL: no clean goodbye to the clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the broker and starts a fresh one on the same ports (without the old retained
    /// messages).
    pub fn restart(&mut self) {
        self.kill();
        self.run();
    }

    pub fn tls_url(&self) -> String {
        format!("mqtts://127.0.0.1:{}", self.tls_port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.kill();
    }
}

fn mosquitto_binary() -> PathBuf {
    // Debian installs it in /usr/sbin, which is not on every user's PATH.
    let sbin = Path::new("/usr/sbin/mosquitto");
    if sbin.exists() {
        sbin.to_owned()
    } else {
        PathBuf::from("mosquitto")
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A message as a subscriber received it.
#[derive(Debug, Clone)]
pub struct Message {
    pub topic: String,
    pub payload: String,
    /// Set for a retained message delivered on subscribing; a live message arrives without it.
    pub retain: bool,
}

impl Message {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.topic, self.payload))
    }
}

/// A subscriber on the broker's plain loopback listener.
pub struct Observer {
    client: AsyncClient,
    messages: mpsc::UnboundedReceiver<Message>,
    task: tokio::task::JoinHandle<()>,
}

impl Observer {
    /// Connects and subscribes to `filters` (QoS 1).
    pub async fn connect(broker: &Mosquitto, filters: &[&str]) -> Self {
        let id = format!(
            "observer{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut options = MqttOptions::new(id, "127.0.0.1", broker.plain_port);
        options.set_credentials(USER, PASSWORD);
        let (client, mut eventloop) = AsyncClient::new(options, 16);
        for filter in filters {
            client.subscribe(*filter, QoS::AtLeastOnce).await.unwrap();
        }
        let (tx, messages) = mpsc::unbounded_channel();
        let (subscribed_tx, subscribed) = tokio::sync::oneshot::channel();
        let mut subscribed_tx = Some(subscribed_tx);
        let expected_acks = filters.len();
        let task = tokio::spawn(async move {
            let mut acks = 0;
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Incoming::Publish(publish))) => {
                        let _ = tx.send(Message {
                            topic: publish.topic,
                            payload: String::from_utf8_lossy(&publish.payload).into_owned(),
                            retain: publish.retain,
                        });
                    }
                    Ok(Event::Incoming(Incoming::SubAck(_))) => {
                        acks += 1;
                        if acks == expected_acks {
                            if let Some(done) = subscribed_tx.take() {
                                let _ = done.send(());
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        tokio::time::timeout(PATIENCE, subscribed)
            .await
            .expect("the observer subscribed")
            .unwrap();
        Self {
            client,
            messages,
            task,
        }
    }

    /// The next message that satisfies `wanted`; panics after [`PATIENCE`].
    pub async fn wait_for(&mut self, what: &str, wanted: impl Fn(&Message) -> bool) -> Message {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(message) = self.messages.recv().await {
                if wanted(&message) {
                    return Some(message);
                }
                seen.push(message);
            }
            None
        })
        .await;
        match found {
            Ok(Some(message)) => message,
            _ => panic!("{what}: never arrived; saw {seen:#?}"),
        }
    }

    /// Collects messages until every topic in `topics` was seen, keyed by topic.
    pub async fn collect(&mut self, topics: &[String]) -> BTreeMap<String, Message> {
        let mut seen = BTreeMap::new();
        let done = tokio::time::timeout(PATIENCE, async {
            while !topics.iter().all(|topic| seen.contains_key(topic)) {
                let Some(message) = self.messages.recv().await else {
                    return;
                };
                seen.insert(message.topic.clone(), message);
            }
        })
        .await;
        assert!(done.is_ok(), "missing topics; saw {:#?}", seen.keys());
        seen
    }

    /// Whatever arrived in the next `quiet` (to show that something did not come).
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Message> {
        let mut seen = Vec::new();
        while let Ok(Some(message)) = tokio::time::timeout(quiet, self.messages.recv()).await {
            seen.push(message);
        }
        seen
    }

    /// Publishes a live (not retained) message, as another client would.
    pub async fn publish(&self, topic: &str, payload: &str) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.as_bytes().to_vec())
            .await
            .unwrap();
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
