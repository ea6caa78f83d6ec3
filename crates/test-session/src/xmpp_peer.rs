//! A plain XMPP client for tests: the "second client" that watches presence, and a helper to
//! set up roster subscriptions. Built on tokio-xmpp's stanza stream with the crate's STARTTLS
//! connector, like the app's link: sends only queue (tokio-xmpp's `Client::send_stanza` waits
//! for the write and can stall the `Client`'s reception around a reconnect).

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use starface_client::tls::{client_config, TlsTrust};
use starface_client::xmpp::{chat_presence_of, iq_reply, ChatStatus};
use starface_client::StartTlsConnector;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_xmpp::jid::{BareJid, Jid};
use tokio_xmpp::parsers::presence::{Presence, Type as PresenceType};
use tokio_xmpp::stanzastream::{Event, StanzaStream, StreamEvent};
use tokio_xmpp::xmlstream::Timeouts;
use tokio_xmpp::Stanza;

/// What the peer has seen: latest presence per full JID, and how often it came online.
#[derive(Debug, Clone, Default)]
pub struct PeerView {
    pub presences: BTreeMap<String, ChatStatus>,
    pub sessions: u32,
}

pub struct XmppPeer {
    outgoing: mpsc::Sender<Presence>,
    view: watch::Receiver<PeerView>,
    task: JoinHandle<()>,
}

impl XmppPeer {
    /// Connects `login@domain/test-peer` to 127.0.0.1:`port`. On every (re)connect it sends
    /// initial presence (so the server delivers contacts' presence) and forgets what it saw.
    /// Subscription requests are approved automatically.
    pub fn connect(port: u16, domain: &str, login: &str, password: &str, trust: TlsTrust) -> Self {
        let jid = Jid::new(&format!("{login}@{domain}/test-peer")).expect("peer jid");
        let connector = StartTlsConnector::new(
            "127.0.0.1",
            port,
            client_config(&trust).expect("tls config"),
        )
        .expect("connector");
        let timeouts = Timeouts {
            read_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(10),
        };
        let mut stream = StanzaStream::new_c2s(connector, jid, password.to_owned(), timeouts, 16);
        let (outgoing, mut queue) = mpsc::channel::<Presence>(16);
        let (view_tx, view) = watch::channel(PeerView::default());
        let task = tokio::spawn(async move {
            loop {
                // `send` only queues (the stream writes in its own task), so no await here can
                // stop the peer reading.
                tokio::select! {
                    event = stream.next() => match event {
                        Some(Event::Stream(StreamEvent::Reset { .. })) => {
                            view_tx.send_modify(|v| {
                                v.presences.clear();
                                v.sessions += 1;
                            });
                            stream.send(Box::new(Presence::available().into())).await;
                        }
                        Some(Event::Stanza(Stanza::Presence(p))) => {
                            let Some(from) = p.from.clone() else { continue };
                            if p.type_ == PresenceType::Subscribe {
                                let approve = Presence::new(PresenceType::Subscribed).with_to(from.to_bare());
                                stream.send(Box::new(approve.into())).await;
                                continue;
                            }
                            if matches!(p.type_, PresenceType::None | PresenceType::Unavailable) {
                                let text = p.statuses.values().next().cloned();
                                let status = ChatStatus::new(chat_presence_of(&p), text.as_deref());
                                view_tx.send_modify(|v| {
                                    v.presences.insert(from.to_string(), status);
                                });
                            }
                        }
                        Some(Event::Stanza(Stanza::Iq(iq))) => {
                            if let Some(reply) = iq_reply(&iq) {
                                stream.send(Box::new(reply.into())).await;
                            }
                        }
                        Some(_) => {}
                        None => break,
                    },
                    presence = queue.recv() => match presence {
                        Some(p) => { stream.send(Box::new(p.into())).await; }
                        None => {
                            let _ = tokio::time::timeout(Duration::from_secs(3), stream.close()).await;
                            break;
                        }
                    }
                }
            }
        });
        Self {
            outgoing,
            view,
            task,
        }
    }

    pub async fn send(&self, presence: Presence) {
        self.outgoing.send(presence).await.expect("peer task alive");
    }

    /// Asks `contact` for a presence subscription (the contact must approve).
    pub async fn subscribe_to(&self, contact: &BareJid) {
        self.send(Presence::new(PresenceType::Subscribe).with_to(contact.clone()))
            .await;
    }

    pub fn view(&self) -> PeerView {
        self.view.borrow().clone()
    }

    /// Waits until `check` holds for what the peer has seen; panics with the view on timeout.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&PeerView) -> bool,
    ) -> PeerView {
        let mut view = self.view.clone();
        let result = tokio::time::timeout(timeout, async {
            loop {
                {
                    let current = view.borrow_and_update();
                    if check(&current) {
                        return current.clone();
                    }
                }
                view.changed().await.expect("peer task alive");
            }
        })
        .await;
        match result {
            Ok(seen) => seen,
            Err(_) => panic!(
                "timed out after {timeout:?} waiting for {what}; peer saw {:#?}",
                self.view()
            ),
        }
    }

    pub async fn close(self) {
        drop(self.outgoing);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}
