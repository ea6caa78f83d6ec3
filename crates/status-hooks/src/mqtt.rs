//! The MQTT hook: the status document retained on `<prefix>/state`, `online`/`offline` on
//! `<prefix>/availability` (the last will), and Home Assistant discovery.
//!
//! Two tasks: a driver polls rumqttc's event loop without pause (it must not be blocked, and its
//! `poll` is not cancel safe) and reconnects with backoff; the hook task below reacts to its
//! events and to new statuses. The hook task only ever uses `try_publish`, so it never waits on
//! the driver. Everything is published with QoS 1; a state message counts as delivered when the
//! broker acknowledges it. After every (re)connection, availability, discovery and the newest
//! state are published again (the session is clean, so the broker kept nothing of ours but
//! retained messages, which a broker restart without persistence loses).

mod discovery;
mod topics;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use presence_core::MessageLanguage;
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, Incoming, LastWill,
    MqttOptions, Outgoing, QoS, TlsConfiguration, Transport,
};
use settings::MqttHookSettings;
use tokio::sync::{mpsc, oneshot};
use url::Url;

use self::topics::{Topics, OFFLINE, ONLINE};
use crate::hook_task::{read_secret, Backoff, HookContext, Job};
use crate::report::{HookError, Occasion};
use crate::status::Published;
use crate::tls;

/// Seconds for TCP + TLS + CONNECT/CONNACK; a broker that accepts and stays silent fails here.
const CONNECT_TIMEOUT_SECS: u64 = 10;
const KEEP_ALIVE: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Requests waiting for the driver: a (re)connection queues at most availability, five
/// discovery messages, a subscription and the state.
const REQUEST_CAPACITY: usize = 32;
const EVENT_CAPACITY: usize = 32;
/// How long a clean stop waits for "offline" and DISCONNECT to go out.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

pub(crate) async fn run(
    settings: MqttHookSettings,
    language: MessageLanguage,
    secrets: Arc<dyn SecretStore>,
    mut ctx: HookContext,
) {
    let topics = Topics::new(&settings);
    let (options, target) = match options(&settings, &topics, secrets).await {
        Ok(options) => options,
        Err(error) => {
            ctx.record(Occasion::Connection, Err(error.clone()));
            return ctx.idle_until_stopped(error).await;
        }
    };
    let discovery = if settings.home_assistant {
        discovery::messages(&settings, &topics, language)
    } else {
        Vec::new()
    };
    let (client, mut eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
    eventloop
        .network_options
        .set_connection_timeout(CONNECT_TIMEOUT_SECS);
    let (events_tx, mut events) = mpsc::channel(EVENT_CAPACITY);
    let driver = tokio::spawn(drive(eventloop, events_tx, target));
    let _driver = AbortOnDrop(driver);

    let mut link = Link {
        client,
        topics,
        discovery,
        retain: settings.retain,
        connected: false,
        last_error: None,
        queued: VecDeque::new(),
        in_flight: HashMap::new(),
    };
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => link.handle(event, &ctx),
                None => return,
            },
            job = ctx.next_job() => match job {
                Some(job) => link.job(job, &ctx),
                None => return link.close(&mut events).await,
            },
        }
    }
}

/// The connection options: broker, TLS, credentials, last will.
async fn options(
    settings: &MqttHookSettings,
    topics: &Topics,
    secrets: Arc<dyn SecretStore>,
) -> Result<(MqttOptions, String), HookError> {
    let url = settings
        .url
        .as_deref()
        .and_then(|url| Url::parse(url).ok())
        .ok_or(HookError::Off)?;
    let tls = url.scheme() == "mqtts";
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port().unwrap_or(if tls { 8883 } else { 1883 });
    let target = format!(
        "{}://{}:{port}",
        url.scheme(),
        url.host_str().unwrap_or_default()
    );

    // Alphanumeric and at most 23 characters: what every MQTT 3.1.1 broker must accept.
    let client_id = format!(
        "presencebridge{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut options = MqttOptions::new(client_id, host.clone(), port);
    options
        .set_keep_alive(KEEP_ALIVE)
        .set_clean_session(true)
        .set_last_will(LastWill::new(
            &topics.availability,
            OFFLINE,
            QoS::AtLeastOnce,
            true,
        ));
    if let Some(username) = &settings.username {
        let entry = keychain::names::HOOKS_MQTT_PASSWORD;
        let password = read_secret(secrets, entry)
            .await?
            .ok_or(HookError::MissingSecret { entry })?;
        options.set_credentials(username, password.expose());
    }
    if tls {
        let config = tls::client_config(settings.ca_file.as_deref())?;
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(config)));
    } else if !is_loopback(&host) {
        tracing::warn!(
            %target,
            "MQTT without TLS to another computer (hooks.mqtt.allow_insecure): the password \
             and the status travel unencrypted"
        );
    }
    Ok((options, target))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What the driver reports.
#[derive(Debug)]
enum LinkEvent {
    Connected,
    Lost(HookError),
    /// A publish request went out with this packet id (in the order they were queued).
    Sent(u16),
    Acked(u16),
    Message {
        topic: String,
        payload: Vec<u8>,
        retain: bool,
    },
    /// DISCONNECT went out after a clean stop.
    Closed,
}

/// Polls the event loop for as long as the hook task listens, reconnecting with backoff.
async fn drive(mut eventloop: EventLoop, events: mpsc::Sender<LinkEvent>, target: String) {
    let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
    loop {
        let event = match eventloop.poll().await {
            Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                backoff.reset();
                LinkEvent::Connected
            }
            Ok(Event::Incoming(Incoming::PubAck(ack))) => LinkEvent::Acked(ack.pkid),
            Ok(Event::Incoming(Incoming::Publish(publish))) => LinkEvent::Message {
                topic: publish.topic,
                payload: publish.payload.to_vec(),
                retain: publish.retain,
            },
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => LinkEvent::Sent(pkid),
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                let _ = events.send(LinkEvent::Closed).await;
                return;
            }
            Ok(_) => continue,
            Err(error) => {
                let error = classify(&error, &target);
                if events.send(LinkEvent::Lost(error)).await.is_err() {
                    return;
                }
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

fn classify(error: &ConnectionError, target: &str) -> HookError {
    let target = target.to_owned();
    match error {
        ConnectionError::ConnectionRefused(code) => HookError::Refused {
            target,
            reason: match code {
                ConnectReturnCode::BadUserNamePassword => {
                    "wrong user name or password (hooks.mqtt.username, keychain entry hooks.mqtt.password)"
                }
                // Mosquitto answers a wrong password with this one too.
                ConnectReturnCode::NotAuthorized => {
                    "not authorised (check hooks.mqtt.username, the keychain entry \
                     hooks.mqtt.password and the broker's access rules)"
                }
                ConnectReturnCode::BadClientId => "client id rejected",
                ConnectReturnCode::ServiceUnavailable => "service unavailable",
                ConnectReturnCode::RefusedProtocolVersion => "MQTT 3.1.1 not supported",
                ConnectReturnCode::Success => "refused without a reason",
            }
            .to_owned(),
        },
        ConnectionError::NetworkTimeout | ConnectionError::FlushTimeout => HookError::Timeout {
            target,
            seconds: CONNECT_TIMEOUT_SECS,
        },
        ConnectionError::Tls(error) => HookError::Tls {
            target,
            reason: error.to_string(),
        },
        other => HookError::Connect {
            target,
            reason: other.to_string(),
        },
    }
}

/// A queued QoS 1 publish, until the broker acknowledges it.
enum Publication {
    Availability,
    Discovery,
    State {
        occasion: Occasion,
        reply: Option<oneshot::Sender<Result<(), HookError>>>,
    },
}

/// The hook task's view of the connection.
struct Link {
    client: AsyncClient,
    topics: Topics,
    discovery: Vec<(String, String)>,
    retain: bool,
    connected: bool,
    last_error: Option<HookError>,
    /// Queued, not yet sent (their packet ids come with `Sent`, in this order).
    queued: VecDeque<Publication>,
    /// Sent, not yet acknowledged, by packet id.
    in_flight: HashMap<u16, Publication>,
}

impl Link {
    fn handle(&mut self, event: LinkEvent, ctx: &HookContext) {
        match event {
            LinkEvent::Connected => {
                tracing::info!("MQTT hook connected");
                self.connected = true;
                self.last_error = None;
                ctx.set_connected(true);
                self.queued.clear();
                self.in_flight.clear();
                let availability = self.topics.availability.clone();
                let _ = self.publish(&availability, ONLINE, true, Publication::Availability);
                if let Some(topic) = &self.topics.home_assistant_status {
                    let _ = self.client.try_subscribe(topic.clone(), QoS::AtMostOnce);
                }
                self.announce(ctx, Occasion::Connected);
            }
            LinkEvent::Lost(error) => {
                self.connected = false;
                ctx.set_connected(false);
                let pending = self
                    .queued
                    .drain(..)
                    .chain(self.in_flight.drain().map(|(_, p)| p));
                for publication in pending.collect::<Vec<_>>() {
                    if let Publication::State {
                        reply: Some(reply), ..
                    } = publication
                    {
                        let _ = reply.send(Err(HookError::NotConnected {
                            last_error: Some(Box::new(error.clone())),
                        }));
                    }
                }
                ctx.record(Occasion::Connection, Err(error.clone()));
                self.last_error = Some(error);
            }
            LinkEvent::Sent(pkid) => {
                if let Some(publication) = self.queued.pop_front() {
                    self.in_flight.insert(pkid, publication);
                }
            }
            LinkEvent::Acked(pkid) => {
                if let Some(Publication::State { occasion, reply }) = self.in_flight.remove(&pkid) {
                    ctx.record(occasion, Ok(()));
                    if let Some(reply) = reply {
                        let _ = reply.send(Ok(()));
                    }
                }
            }
            LinkEvent::Message {
                topic,
                payload,
                retain,
            } => {
                // Home Assistant's retained birth message arrives on every subscribe; only a
                // live one means it just started and lost what it knew.
                let restarted = !retain
                    && payload == ONLINE.as_bytes()
                    && self.topics.home_assistant_status.as_deref() == Some(topic.as_str());
                if restarted && self.connected {
                    self.announce(ctx, Occasion::HomeAssistantOnline);
                }
            }
            LinkEvent::Closed => {}
        }
    }

    /// Discovery and the newest state.
    fn announce(&mut self, ctx: &HookContext, occasion: Occasion) {
        for (topic, payload) in self.discovery.clone() {
            let _ = self.publish(&topic, &payload, true, Publication::Discovery);
        }
        if let Some(published) = ctx.latest() {
            self.publish_state(&published, occasion, None, ctx);
        }
    }

    fn job(&mut self, job: Job, ctx: &HookContext) {
        if self.connected {
            self.publish_state(&job.published, job.occasion, job.reply, ctx);
        } else if let Some(reply) = job.reply {
            // A change while disconnected is sent after reconnecting; a test reports at once.
            let error = HookError::NotConnected {
                last_error: self.last_error.clone().map(Box::new),
            };
            ctx.record(Occasion::Test, Err(error.clone()));
            let _ = reply.send(Err(error));
        }
    }

    fn publish_state(
        &mut self,
        published: &Published,
        occasion: Occasion,
        reply: Option<oneshot::Sender<Result<(), HookError>>>,
        ctx: &HookContext,
    ) {
        let topic = self.topics.state.clone();
        let state = Publication::State { occasion, reply };
        if let Err(Publication::State { reply, .. }) =
            self.publish(&topic, &published.to_json(), self.retain, state)
        {
            let error = HookError::NotConnected {
                last_error: self.last_error.clone().map(Box::new),
            };
            ctx.record(occasion, Err(error.clone()));
            if let Some(reply) = reply {
                let _ = reply.send(Err(error));
            }
        }
    }

    /// Queues a QoS 1 publish; gives the publication back if the request queue is full.
    fn publish(
        &mut self,
        topic: &str,
        payload: &str,
        retain: bool,
        publication: Publication,
    ) -> Result<(), Publication> {
        match self
            .client
            .try_publish(topic, QoS::AtLeastOnce, retain, payload.as_bytes().to_vec())
        {
            Ok(()) => {
                self.queued.push_back(publication);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, topic, "MQTT hook: request queue full");
                Err(publication)
            }
        }
    }

    /// A clean stop: "offline" (retained) and DISCONNECT, so the broker sends no last will.
    async fn close(mut self, events: &mut mpsc::Receiver<LinkEvent>) {
        if !self.connected {
            return;
        }
        let topic = self.topics.availability.clone();
        let _ = self.publish(&topic, OFFLINE, true, Publication::Availability);
        let _ = self.client.try_disconnect();
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(event) = events.recv().await {
                if matches!(event, LinkEvent::Closed | LinkEvent::Lost(_)) {
                    return;
                }
            }
        })
        .await;
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
