//! The OneHub client against the strict OneHub simulator over TLS on loopback: the subscribe
//! protocol with its quirk, both id kinds, subscriptions following the watched set in chunks,
//! unknown values, and every fault (expired token, missing right, rate limit, dropped stream,
//! dead link, PBX restart).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keychain::Secret;
use onehub_proto::presence::presence_service_client::PresenceServiceClient;
use onehub_proto::presence::{ChatState, TelephonyState as Wire};
use simulators::onehub::{
    office, EventIdKind, OneHubMethod, OneHubSettings, OneHubSimulator, PermissionStyle,
};
use starface_client::onehub::{
    AccountId, BearerFuture, BearerSource, ChannelSettings, OneHubClient, OneHubError,
    OneHubLocation, OneHubStatus, OneHubTarget, OneHubWatch, OneHubWatchSettings, PhoneBook,
    TargetSource,
};
use starface_client::{CertificatePin, ChatPresence, PbxEndpoint, TelephonyState, TlsTrust};
use tokio::sync::watch;
use tonic::Code;

/// Generous upper bound for anything the tests wait for (a hang fails instead of blocking).
const PATIENCE: Duration = Duration::from_secs(20);

struct Cert {
    cert_pem: String,
    key_pem: String,
    pin: CertificatePin,
}

fn self_signed() -> Cert {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    Cert {
        cert_pem: generated.cert.pem(),
        key_pem: generated.signing_key.serialize_pem(),
        pin: CertificatePin::of_certificate(generated.cert.der()),
    }
}

/// A token source like the app's OAuth handle: keeps its token until OneHub refuses it.
struct SimBearer {
    hub: Arc<OneHubSimulator>,
    account: String,
    current: Mutex<Option<Secret>>,
    issued: AtomicUsize,
}

impl SimBearer {
    fn new(hub: &Arc<OneHubSimulator>, account: &str) -> Arc<Self> {
        Arc::new(Self {
            hub: hub.clone(),
            account: account.to_owned(),
            current: Mutex::new(None),
            issued: AtomicUsize::new(0),
        })
    }
}

impl BearerSource for SimBearer {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(async move {
            let mut current = self.current.lock().unwrap();
            Ok(current
                .get_or_insert_with(|| {
                    self.issued.fetch_add(1, Ordering::SeqCst);
                    Secret::new(self.hub.issue_token(&self.account))
                })
                .clone())
        })
    }

    fn rejected(&self, token: &Secret) {
        let mut current = self.current.lock().unwrap();
        if current.as_ref() == Some(token) {
            *current = None;
        }
    }
}

struct World {
    hub: Arc<OneHubSimulator>,
    cert: Cert,
}

impl World {
    async fn start(users: u32, settings: OneHubSettings) -> Self {
        let cert = self_signed();
        let hub = OneHubSimulator::start(office(users), settings, &cert.cert_pem, &cert.key_pem)
            .await
            .unwrap();
        Self {
            hub: Arc::new(hub),
            cert,
        }
    }

    fn target(&self) -> OneHubTarget {
        OneHubTarget::new("127.0.0.1", self.hub.port(), TlsTrust::Pin(self.cert.pin))
    }

    fn watch(&self, settings: OneHubWatchSettings) -> (OneHubWatch, Arc<SimBearer>) {
        let bearer = SimBearer::new(&self.hub, "1001");
        let watch = OneHubWatch::spawn(
            OneHubLocation::Fixed(self.target()),
            bearer.clone(),
            settings,
        );
        (watch, bearer)
    }
}

/// Fast retries, so fault tests do not wait for production delays.
fn quick() -> OneHubWatchSettings {
    OneHubWatchSettings {
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        ..OneHubWatchSettings::default()
    }
}

fn accounts(ids: &[i64]) -> Vec<AccountId> {
    ids.iter().copied().map(AccountId).collect()
}

async fn wait_for<T: Clone + std::fmt::Debug>(
    rx: &mut watch::Receiver<T>,
    what: &str,
    mut pred: impl FnMut(&T) -> bool,
) -> T {
    let result = tokio::time::timeout(PATIENCE, async {
        loop {
            {
                let value = rx.borrow_and_update();
                if pred(&value) {
                    return value.clone();
                }
            }
            rx.changed().await.expect("sender alive");
        }
    })
    .await;
    match result {
        Ok(value) => value,
        Err(_) => panic!("timed out waiting for {what}; last: {:?}", *rx.borrow()),
    }
}

async fn connected(watch: &OneHubWatch) -> OneHubStatus {
    wait_for(&mut watch.status(), "connected", |s| {
        matches!(s, OneHubStatus::Connected { .. })
    })
    .await
}

fn line(book: &PhoneBook, account: i64) -> Option<TelephonyState> {
    book.get(&AccountId(account)).map(|p| p.telephony.clone())
}

#[tokio::test]
async fn snapshot_then_pushed_changes_of_every_kind() {
    let world = World::start(4, OneHubSettings::default()).await;
    world.hub.set_telephony("1003", Wire::Ringing);
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002, 1003]));
    let OneHubStatus::Connected {
        server_version,
        watched,
        unresolved,
        source,
        ..
    } = connected(&watch).await
    else {
        unreachable!()
    };
    assert_eq!(server_version, "10.0.2.6");
    assert_eq!((watched, unresolved.len()), (2, 0));
    assert_eq!(source, TargetSource::OnPremises);

    // The snapshot came from the subscribe answer: no event was sent yet.
    let mut phones = watch.phones();
    let book = wait_for(&mut phones, "snapshot", |b| b.len() == 2).await;
    assert_eq!(line(&book, 1002), Some(TelephonyState::Available));
    assert_eq!(line(&book, 1003), Some(TelephonyState::Ringing));

    world.hub.set_telephony("1002", Wire::Active);
    wait_for(&mut phones, "on the phone", |b| {
        line(b, 1002) == Some(TelephonyState::Active)
    })
    .await;
    world.hub.set_dnd("1002", true);
    world.hub.set_redirect("1002", true);
    world.hub.set_chat("1002", ChatState::Away);
    world.hub.set_chat_message("1002", "back at 3");
    let book = wait_for(&mut phones, "all fields", |b| {
        b.get(&AccountId(1002))
            .is_some_and(|p| p.dnd && p.redirect && p.chat_message == "back at 3")
    })
    .await;
    assert_eq!(book[&AccountId(1002)].chat, Some(ChatPresence::Away));
    assert_eq!(line(&book, 1003), Some(TelephonyState::Ringing));

    // The event stream was requested before the subscribe, and both ids of each account were
    // subscribed, in one call.
    let calls = world.hub.calls();
    let position = |method: &OneHubMethod| calls.iter().position(|c| &c.method == method);
    assert!(
        position(&OneHubMethod::SubscribePresenceEvents)
            < position(&OneHubMethod::SubscribePresenceStates)
    );
    let subscribes = world.hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    assert_eq!(subscribes.len(), 1);
    assert_eq!(subscribes[0].ids, 4);
    let expected: BTreeSet<String> = ["1002", "1003"]
        .iter()
        .flat_map(|a| {
            let user = world.hub.user(a);
            [user.user_id, user.one_hub_user_id]
        })
        .collect();
    assert_eq!(world.hub.subscribed("1001"), expected);
    watch.stop().await;
}

#[tokio::test]
async fn a_client_awaiting_the_event_stream_first_would_hang_but_ours_does_not() {
    let world = World::start(3, OneHubSettings::default()).await;
    let bearer = SimBearer::new(&world.hub, "1001");
    let client = OneHubClient::connect(&world.target(), ChannelSettings::default(), bearer.clone())
        .await
        .unwrap();
    // The naive order: await the stream, then subscribe. Its headers never come.
    let mut naive = PresenceServiceClient::new(client.channel());
    let mut request = tonic::Request::new(());
    let token = bearer.bearer().await.unwrap();
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", token.expose()).parse().unwrap(),
    );
    let waited = tokio::time::timeout(
        Duration::from_millis(700),
        naive.subscribe_presence_events(request),
    )
    .await;
    assert!(
        waited.is_err(),
        "the simulator sent headers without an event"
    );

    // Ours: connected with the snapshot although no event ever flowed.
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002]));
    connected(&watch).await;
    let book = wait_for(&mut watch.phones(), "snapshot", |b| !b.is_empty()).await;
    assert_eq!(line(&book, 1002), Some(TelephonyState::Available));
    let events = world.hub.calls_of(&OneHubMethod::SubscribePresenceEvents);
    assert!(
        events.iter().all(|c| c.code.is_none()),
        "no headers sent yet"
    );
}

#[tokio::test]
async fn events_keyed_by_either_id_kind_reach_the_account() {
    for kind in [EventIdKind::UserId, EventIdKind::OneHubUserId] {
        let settings = OneHubSettings {
            event_id_kind: kind,
            announce_subscriptions: true,
            ..OneHubSettings::default()
        };
        let world = World::start(3, settings).await;
        let user = world.hub.user("1002");
        assert_ne!(user.user_id, user.one_hub_user_id);
        let (watch, _) = world.watch(quick());
        watch.set_watched(accounts(&[1002]));
        connected(&watch).await;
        let mut phones = watch.phones();
        wait_for(&mut phones, "snapshot", |b| b.len() == 1).await;
        world.hub.set_telephony("1002", Wire::Active);
        wait_for(&mut phones, &format!("event by {kind:?}"), |b| {
            line(b, 1002) == Some(TelephonyState::Active)
        })
        .await;
        watch.stop().await;
    }
}

#[tokio::test]
async fn subscriptions_follow_the_watched_set() {
    let world = World::start(6, OneHubSettings::default()).await;
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002, 1003]));
    connected(&watch).await;
    let mut phones = watch.phones();
    wait_for(&mut phones, "first set", |b| b.len() == 2).await;

    watch.set_watched(accounts(&[1003, 1004, 9999]));
    let status = wait_for(
        &mut watch.status(),
        "second set",
        |s| matches!(s, OneHubStatus::Connected { unresolved, .. } if !unresolved.is_empty()),
    )
    .await;
    let OneHubStatus::Connected { unresolved, .. } = status else {
        unreachable!()
    };
    assert_eq!(
        unresolved,
        vec![AccountId(9999)],
        "unknown account reported"
    );
    let book = wait_for(&mut phones, "second set phones", |b| {
        b.contains_key(&AccountId(1004)) && !b.contains_key(&AccountId(1002))
    })
    .await;
    assert_eq!(book.len(), 2);

    let gone = world.hub.user("1002");
    let unsubscribes = world.hub.calls_of(&OneHubMethod::UnsubscribePresenceStates);
    assert_eq!(unsubscribes.len(), 1);
    assert_eq!(unsubscribes[0].ids, 2);
    let subscribed = world.hub.subscribed("1001");
    assert!(!subscribed.contains(&gone.user_id) && !subscribed.contains(&gone.one_hub_user_id));
    assert_eq!(subscribed.len(), 4);
    // Only the new accounts were looked up and subscribed.
    let lookups = world.hub.calls_of(&OneHubMethod::BatchGetUserIdentifiers);
    assert_eq!(
        lookups.iter().map(|c| c.ids).collect::<Vec<_>>(),
        vec![2, 2]
    );

    // A change of someone no longer watched does not come back.
    world.hub.set_telephony("1002", Wire::Active);
    world.hub.set_telephony("1004", Wire::Ringing);
    let book = wait_for(&mut phones, "1004 ringing", |b| {
        line(b, 1004) == Some(TelephonyState::Ringing)
    })
    .await;
    assert!(!book.contains_key(&AccountId(1002)));

    watch.stop().await;
    assert!(world.hub.subscribed("1001").is_empty(), "stop unsubscribes");
}

#[tokio::test]
async fn large_sets_go_in_chunks_of_at_most_100_ids() {
    let world = World::start(131, OneHubSettings::default()).await;
    let (watch, _) = world.watch(quick());
    watch.set_watched((1002..=1131).map(AccountId));
    connected(&watch).await;
    wait_for(&mut watch.phones(), "130 phones", |b| b.len() == 130).await;
    let subscribes = world.hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    let ids: Vec<usize> = subscribes.iter().map(|c| c.ids).collect();
    assert_eq!(ids.iter().sum::<usize>(), 260);
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.iter().all(|n| *n <= 100));
    let lookups = world.hub.calls_of(&OneHubMethod::BatchGetUserIdentifiers);
    assert_eq!(
        lookups.iter().map(|c| c.ids).collect::<Vec<_>>(),
        vec![100, 30]
    );
}

#[tokio::test]
async fn unknown_values_and_event_variants_are_harmless() {
    let world = World::start(3, OneHubSettings::default()).await;
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002]));
    connected(&watch).await;
    let mut phones = watch.phones();
    wait_for(&mut phones, "snapshot", |b| b.len() == 1).await;

    world.hub.set_telephony_raw("1002", 9);
    world.hub.set_chat_raw("1002", 42);
    let book = wait_for(&mut phones, "unknown numbers", |b| {
        line(b, 1002) == Some(TelephonyState::Other("9".into()))
    })
    .await;
    wait_for(&mut phones, "unknown chat", |b| {
        b.get(&AccountId(1002)).is_some_and(|p| p.chat.is_none())
    })
    .await;
    // A variant no .proto knows, and a group event: ignored, and the stream goes on.
    world.hub.send_raw_event(&[0x4a, 0x02, 0x7a, 0x7a]);
    world.hub.send_group_telephony("group-1", Wire::Active);
    world.hub.set_telephony("1002", Wire::Active);
    wait_for(&mut phones, "next known event", |b| {
        line(b, 1002) == Some(TelephonyState::Active)
    })
    .await;
    assert!(matches!(
        *watch.status().borrow(),
        OneHubStatus::Connected { .. }
    ));
    assert_eq!(
        world
            .hub
            .calls_of(&OneHubMethod::SubscribePresenceStates)
            .len(),
        1
    );
    drop(book);
}

#[tokio::test]
async fn an_expired_token_is_refused_then_replaced() {
    let world = World::start(4, OneHubSettings::default()).await;
    let (watch, bearer) = world.watch(quick());
    watch.set_watched(accounts(&[1002]));
    connected(&watch).await;
    assert_eq!(bearer.issued.load(Ordering::SeqCst), 1);

    // 301 s later the token is dead; the next call (a new colleague) is refused.
    world.hub.advance_clock(Duration::from_secs(301));
    watch.set_watched(accounts(&[1002, 1003]));
    let waiting = wait_for(&mut watch.status(), "refused", |s| {
        matches!(s, OneHubStatus::Waiting { .. })
    })
    .await;
    assert!(
        matches!(
            waiting,
            OneHubStatus::Waiting {
                error: OneHubError::Unauthenticated { .. },
                ..
            }
        ),
        "{waiting:?}"
    );
    connected(&watch).await;
    wait_for(&mut watch.phones(), "both", |b| b.len() == 2).await;
    assert_eq!(bearer.issued.load(Ordering::SeqCst), 2, "one fresh token");
    let refused = world
        .hub
        .calls()
        .iter()
        .filter(|c| c.code == Some(Code::Unauthenticated))
        .count();
    assert_eq!(refused, 1);
}

#[tokio::test]
async fn a_missing_right_is_typed_and_retried_slowly() {
    for style in [PermissionStyle::PermissionDenied, PermissionStyle::Internal] {
        let world = World::start(
            3,
            OneHubSettings {
                permission_style: style,
                ..OneHubSettings::default()
            },
        )
        .await;
        world.hub.set_presence_permission("1001", false);
        let (watch, _) = world.watch(quick());
        watch.set_watched(accounts(&[1002]));
        let status = wait_for(&mut watch.status(), "waiting", |s| {
            matches!(s, OneHubStatus::Waiting { .. })
        })
        .await;
        let OneHubStatus::Waiting { error, retry_in } = status else {
            unreachable!()
        };
        assert!(
            matches!(error, OneHubError::PermissionDenied { .. }),
            "{style:?}: {error}"
        );
        assert_eq!(retry_in, Duration::from_secs(300));
        assert!(error.to_string().contains("administrator"));
        assert!(watch.phones().borrow().is_empty());
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let world = World::start(3, OneHubSettings::default()).await;
    world
        .hub
        .rate_limit_next(OneHubMethod::SubscribePresenceStates, 2, 1);
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002]));
    let status = wait_for(&mut watch.status(), "rate limited", |s| {
        matches!(s, OneHubStatus::Waiting { .. })
    })
    .await;
    assert!(matches!(
        status,
        OneHubStatus::Waiting {
            error: OneHubError::RateLimited { retry_after, .. },
            retry_in,
        } if retry_after == Duration::from_secs(2) && retry_in == retry_after
    ));
    connected(&watch).await;
    let subscribes = world.hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    assert_eq!(subscribes.len(), 2);
    assert_eq!(subscribes[0].code, Some(Code::ResourceExhausted));
    assert!(subscribes[1].at.duration_since(subscribes[0].at) >= Duration::from_secs(2));
}

#[tokio::test]
async fn a_pbx_before_onehub_is_reported_as_not_supported() {
    let world = World::start(3, OneHubSettings::default()).await;
    world.hub.fail_next(
        OneHubMethod::GetServerVersion,
        Code::Unimplemented,
        "unknown service",
        1,
    );
    let (watch, _) = world.watch(quick());
    let status = wait_for(&mut watch.status(), "waiting", |s| {
        matches!(s, OneHubStatus::Waiting { .. })
    })
    .await;
    assert!(matches!(
        status,
        OneHubStatus::Waiting {
            error: OneHubError::NotSupported { .. },
            retry_in,
        } if retry_in == Duration::from_secs(1800)
    ));
}

#[tokio::test]
async fn a_dropped_stream_reconnects_and_resubscribes() {
    let world = World::start(3, OneHubSettings::default()).await;
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002]));
    connected(&watch).await;
    let mut phones = watch.phones();
    wait_for(&mut phones, "snapshot", |b| b.len() == 1).await;
    // Headers are sent only with an event; send one so the stream is fully open first.
    world.hub.set_dnd("1002", true);
    wait_for(&mut phones, "dnd", |b| b[&AccountId(1002)].dnd).await;

    world.hub.drop_streams();
    let mut status = watch.status();
    wait_for(&mut status, "interrupted", |s| {
        matches!(
            s,
            OneHubStatus::Waiting {
                error: OneHubError::Unreachable { .. },
                ..
            }
        )
    })
    .await;
    connected(&watch).await;
    world.hub.set_telephony("1002", Wire::Active);
    wait_for(&mut phones, "after reconnect", |b| {
        line(b, 1002) == Some(TelephonyState::Active)
    })
    .await;
    assert_eq!(
        world
            .hub
            .calls_of(&OneHubMethod::SubscribePresenceStates)
            .len(),
        2
    );
}

#[tokio::test]
async fn a_pbx_restart_is_survived() {
    let world = World::start(3, OneHubSettings::default()).await;
    let (watch, _) = world.watch(quick());
    watch.set_watched(accounts(&[1002]));
    connected(&watch).await;
    world.hub.restart().await.unwrap();
    assert!(world.hub.subscribed("1001").is_empty());
    wait_for(&mut watch.status(), "noticed", |s| {
        !matches!(s, OneHubStatus::Connected { .. })
    })
    .await;
    connected(&watch).await;
    assert_eq!(world.hub.subscribed("1001").len(), 2, "subscribed again");
    world.hub.set_telephony("1002", Wire::Ringing);
    wait_for(&mut watch.phones(), "after restart", |b| {
        line(b, 1002) == Some(TelephonyState::Ringing)
    })
    .await;
}

#[tokio::test]
async fn a_dead_link_is_found_by_the_keepalive_pings() {
    let world = World::start(3, OneHubSettings::default()).await;
    let settings = OneHubWatchSettings {
        channel: ChannelSettings {
            keepalive_interval: Duration::from_millis(300),
            keepalive_timeout: Duration::from_millis(300),
            ..ChannelSettings::default()
        },
        ..quick()
    };
    let (watch, _) = world.watch(settings);
    watch.set_watched(accounts(&[1002]));
    connected(&watch).await;
    let before = world
        .hub
        .calls_of(&OneHubMethod::SubscribePresenceStates)
        .len();
    // Standby: the connection goes silent, nothing is closed.
    world.hub.freeze_connections();
    wait_for(&mut watch.status(), "dead link noticed", |s| {
        matches!(s, OneHubStatus::Waiting { .. })
    })
    .await;
    assert!(
        watch.phones().borrow().is_empty(),
        "stale phones are dropped"
    );
    connected(&watch).await;
    assert_eq!(
        world
            .hub
            .calls_of(&OneHubMethod::SubscribePresenceStates)
            .len(),
        before + 1
    );
}

#[tokio::test]
async fn a_wrong_pin_never_reaches_onehub() {
    let world = World::start(3, OneHubSettings::default()).await;
    let other = self_signed();
    let bearer = SimBearer::new(&world.hub, "1001");
    let watch = OneHubWatch::spawn(
        OneHubLocation::Fixed(OneHubTarget::new(
            "127.0.0.1",
            world.hub.port(),
            TlsTrust::Pin(other.pin),
        )),
        bearer,
        quick(),
    );
    let status = wait_for(&mut watch.status(), "waiting", |s| {
        matches!(s, OneHubStatus::Waiting { .. })
    })
    .await;
    assert!(matches!(
        status,
        OneHubStatus::Waiting {
            error: OneHubError::Unreachable { .. },
            ..
        }
    ));
    assert!(world.hub.calls().is_empty());
}

#[tokio::test]
async fn the_subscribe_request_matches_the_reference_bytes() {
    let world = World::start(3, OneHubSettings::default()).await;
    let bearer = SimBearer::new(&world.hub, "1001");
    let client = OneHubClient::connect(&world.target(), ChannelSettings::default(), bearer)
        .await
        .unwrap();
    client.subscribe(&["u1".to_owned()]).await.unwrap();
    let calls = world.hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    assert_eq!(
        OneHubMethod::SubscribePresenceStates.path(),
        "/gamma.onehub.api.v1.presence.PresenceService/SubscribePresenceStates"
    );
    // gRPC frame: not compressed, length 10, then the message from the reference.
    assert_eq!(
        calls[0].body,
        [0, 0, 0, 0, 10, 0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0x75, 0x31, 0x18, 0x01]
    );
}

#[tokio::test]
async fn doctor_calls_report_version_user_rights_and_health() {
    let world = World::start(3, OneHubSettings::default()).await;
    let bearer = SimBearer::new(&world.hub, "1001");
    let client = OneHubClient::connect(&world.target(), ChannelSettings::default(), bearer)
        .await
        .unwrap();
    assert_eq!(client.server_version().await.unwrap(), "10.0.2.6");
    let me = client.me().await.unwrap();
    assert_eq!(me.user_id, world.hub.user("1001").user_id);
    assert!(client
        .permissions()
        .await
        .unwrap()
        .contains(&"instant_messaging".to_owned()));
    client.health().await.unwrap();
    assert_eq!(
        client.chat_id(&me.user_id).await.unwrap(),
        "1001@starface.local"
    );
    let found = client.lookup(&accounts(&[1002, 4242])).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ids().len(), 2);
}

#[tokio::test]
async fn login_config_picks_the_cloud_gateway_or_port_9092() {
    use axum::routing::get;
    use simulators::loopback::LoopbackServer;

    let cert = self_signed();
    let with_gateway = axum::Router::new().route(
        "/rpc/oauth/login-config",
        get(|| async {
            axum::Json(serde_json::json!({
                "oauthConfigUrl": "https://login.example/.well-known/openid-configuration",
                "edgeNodeId": "node-7",
                "gRpcUrl": "grpcs://127.0.0.1:4443"
            }))
        }),
    );
    let server = LoopbackServer::start_tls(with_gateway, 0, &cert.cert_pem, &cert.key_pem)
        .await
        .unwrap();
    let pbx =
        PbxEndpoint::new(server.base_url().parse().unwrap()).with_trust(TlsTrust::Pin(cert.pin));
    let target = OneHubTarget::discover(&pbx).await.unwrap();
    assert_eq!((target.host.as_str(), target.port), ("127.0.0.1", 4443));
    assert_eq!(target.source, TargetSource::CloudGateway);

    let without = LoopbackServer::start_tls(axum::Router::new(), 0, &cert.cert_pem, &cert.key_pem)
        .await
        .unwrap();
    let pbx =
        PbxEndpoint::new(without.base_url().parse().unwrap()).with_trust(TlsTrust::Pin(cert.pin));
    let target = OneHubTarget::discover(&pbx).await.unwrap();
    assert_eq!(target.port, 9092);
    assert_eq!(target.source, TargetSource::OnPremises);
}

/// Request economy (counted, not timed): 200 watched colleagues cost at most one subscribe call
/// per 100 ids, and an idle connection makes no calls at all (only HTTP/2 pings).
#[tokio::test]
async fn two_hundred_colleagues_cost_one_subscribe_per_100_ids_and_idle_is_silent() {
    let world = World::start(201, OneHubSettings::default()).await;
    let settings = OneHubWatchSettings {
        channel: ChannelSettings {
            keepalive_interval: Duration::from_millis(200),
            keepalive_timeout: Duration::from_secs(2),
            ..ChannelSettings::default()
        },
        ..quick()
    };
    let (watch, _) = world.watch(settings);
    watch.set_watched((1002..=1201).map(AccountId));
    connected(&watch).await;
    let mut phones = watch.phones();
    wait_for(&mut phones, "200 phones", |b| b.len() == 200).await;

    let subscribes = world.hub.calls_of(&OneHubMethod::SubscribePresenceStates);
    let ids: usize = subscribes.iter().map(|c| c.ids).sum();
    assert_eq!(ids, 400, "both ids of 200 colleagues");
    assert!(
        subscribes.len() <= ids.div_ceil(100),
        "{} calls",
        subscribes.len()
    );
    assert!(subscribes.iter().all(|c| c.ids <= 100));
    let lookups = world.hub.calls_of(&OneHubMethod::BatchGetUserIdentifiers);
    assert_eq!(lookups.len(), 2);

    // Idle for 2 s (ten keep-alive pings): no call reaches OneHub, the link stays up.
    let before = world.hub.calls().len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        world.hub.calls().len(),
        before,
        "idle traffic is keep-alive only"
    );
    assert!(matches!(
        *watch.status().borrow(),
        OneHubStatus::Connected { .. }
    ));
    world.hub.set_telephony("1201", Wire::Active);
    wait_for(&mut phones, "a change after idling", |b| {
        line(b, 1201) == Some(TelephonyState::Active)
    })
    .await;
    assert_eq!(world.hub.calls().len(), before);
}

/// The simulator itself refuses what OneHub refuses (checked with raw generated clients, so our
/// connector's own care does not hide a lax simulator).
#[tokio::test]
async fn the_simulator_is_strict() {
    use onehub_proto::presence::{
        subscribe_presence_states_request::PresenceIds, SubscribePresenceStatesRequest, UserIdList,
    };
    use onehub_proto::system::system_service_client::SystemServiceClient;
    use onehub_proto::types::UserId;

    let world = World::start(3, OneHubSettings::default()).await;
    let bearer = SimBearer::new(&world.hub, "1001");
    let client = OneHubClient::connect(&world.target(), ChannelSettings::default(), bearer)
        .await
        .unwrap();
    let with_token = |token: &str| {
        let mut request = tonic::Request::new(());
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    };
    let mut system = SystemServiceClient::new(client.channel());
    let missing = system.get_server_version(()).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    let forged = system
        .get_server_version(with_token("forged"))
        .await
        .unwrap_err();
    assert_eq!(forged.code(), Code::Unauthenticated);
    let token = world.hub.issue_token("1001");
    system.get_server_version(with_token(&token)).await.unwrap();
    world.hub.advance_clock(Duration::from_secs(300));
    let expired = system
        .get_server_version(with_token(&token))
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Code::Unauthenticated);

    let token = world.hub.issue_token("1001");
    let mut presence = PresenceServiceClient::new(client.channel());
    // `None`: a request without `presence_ids`.
    let subscribe = |count: Option<usize>| {
        let mut request = tonic::Request::new(SubscribePresenceStatesRequest {
            presence_ids: count.map(|count| {
                PresenceIds::UserIdList(UserIdList {
                    user_ids: (0..count)
                        .map(|i| UserId {
                            id: format!("x{i}"),
                        })
                        .collect(),
                })
            }),
            return_presence_states: true,
        });
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    };
    let too_many = presence
        .subscribe_presence_states(subscribe(Some(101)))
        .await
        .unwrap_err();
    assert_eq!(too_many.code(), Code::InvalidArgument);
    let no_ids = presence
        .subscribe_presence_states(subscribe(None))
        .await
        .unwrap_err();
    assert_eq!(no_ids.code(), Code::InvalidArgument);
    let unknown = presence
        .subscribe_presence_states(subscribe(Some(100)))
        .await
        .unwrap();
    assert!(
        unknown.into_inner().presence_states.is_empty(),
        "unknown ids have no state"
    );

    world
        .hub
        .rate_limit_next(OneHubMethod::SubscribePresenceStates, 7, 1);
    let limited = presence
        .subscribe_presence_states(subscribe(Some(1)))
        .await
        .unwrap_err();
    assert_eq!(limited.code(), Code::ResourceExhausted);
    assert_eq!(
        limited
            .metadata()
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap(),
        "7"
    );
}
