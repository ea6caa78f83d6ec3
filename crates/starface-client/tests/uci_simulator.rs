//! UCI XML-RPC connector against the simulator: login, polling, chat message, fallback.

use std::sync::Arc;
use std::time::Duration;

use keychain::Secret;
use simulators::starface::{
    Organisation, SimChatPresence, SimSettings, StarfaceSimulator, NOTE_NOT_CONNECTED,
};
use starface_client::uci::UciApiVersion;
use starface_client::{
    AuthMode, CallStateSnapshot, ChatPresence, Credentials, OAuthSettings, PbxEndpoint, PbxSignIn,
    SimulatedTime, TelephonyState, TelephonyWatch, TelephonyWatchSettings, UciAuth, UciClient,
    UciError, UciSessionOptions,
};
use tokio::sync::watch;
use url::Url;

const WAIT: Duration = Duration::from_secs(20);

fn endpoint(pbx: &StarfaceSimulator) -> PbxEndpoint {
    PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http()
}

fn uci(pbx: &StarfaceSimulator, login: &str, password: &str) -> UciClient {
    let credentials = Credentials::new(login, Secret::new(password));
    UciClient::new(endpoint(pbx), UciAuth::legacy(&credentials)).unwrap()
}

fn fast_polling() -> TelephonyWatchSettings {
    TelephonyWatchSettings {
        poll_interval: Duration::from_millis(50),
        retry_delay: Duration::from_millis(100),
    }
}

/// A UCI client on `time`, with the PBX's clock moving along with it.
fn uci_on(pbx: &StarfaceSimulator, time: &SimulatedTime) -> Arc<UciClient> {
    let pbx_clock = pbx.clock();
    time.on_advance(move |by| pbx_clock.advance(by));
    let credentials = Credentials::new("0001", Secret::new("demo"));
    let options = UciSessionOptions {
        timing: time.timing(),
        ..UciSessionOptions::default()
    };
    Arc::new(
        UciClient::with_options(endpoint(pbx), UciAuth::legacy(&credentials), options).unwrap(),
    )
}

fn xml_rpc_calls(pbx: &StarfaceSimulator, method: &str) -> usize {
    pbx.request_log()
        .matching("POST", "/xml-rpc")
        .iter()
        .filter(|r| r.body.contains(&format!("ucp.v30.requests.{method}<")))
        .count()
}

/// Calls the PBX answered with "not connected" (a poll that failed on a lost session).
fn not_connected_answers(pbx: &StarfaceSimulator) -> usize {
    pbx.request_log()
        .entries()
        .iter()
        .filter(|r| {
            r.note
                .as_deref()
                .is_some_and(|n| n.contains(NOTE_NOT_CONNECTED))
        })
        .count()
}

/// The poll loop and the client's keep-alive task: the two loops that wait on the clock.
const POLLER_AND_KEEPER: usize = 2;

async fn wait_until(
    rx: &mut watch::Receiver<Option<CallStateSnapshot>>,
    what: &str,
    check: impl Fn(&CallStateSnapshot) -> bool,
) -> CallStateSnapshot {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(snapshot) = rx.borrow_and_update().as_ref() {
                if check(snapshot) {
                    return snapshot.clone();
                }
            }
            rx.changed().await.expect("watch alive");
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}; last {:?}", *rx.borrow()))
}

#[tokio::test]
async fn polling_detects_call_start_and_end() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let client = Arc::new(uci(&pbx, "0001", "demo"));
    let watch = TelephonyWatch::spawn(client, fast_polling());
    let mut rx = watch.subscribe();

    let idle = wait_until(&mut rx, "first poll", |_| true).await;
    assert!(!idle.in_call);
    assert_eq!(idle.telephony, TelephonyState::Available);

    let call = pbx.start_call("0001");
    let busy = wait_until(&mut rx, "call start", |s| s.in_call).await;
    assert_eq!(busy.telephony, TelephonyState::Active);
    assert_eq!(busy.call_count, 1);

    pbx.end_call("0001", &call);
    let done = wait_until(&mut rx, "call end", |s| !s.in_call).await;
    assert_eq!(done.call_count, 0);

    watch.stop().await;
    let log = pbx.request_log();
    let bodies: Vec<String> = log
        .matching("POST", "/xml-rpc")
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert!(bodies
        .iter()
        .any(|b| b.contains("ucp.v30.requests.connection.login")));
    assert!(bodies
        .iter()
        .any(|b| b.contains("ucp.v30.requests.userState.getUserState")));
    assert!(bodies
        .iter()
        .any(|b| b.contains("ucp.v30.requests.call.getCallIds")));
    assert!(
        bodies.last().unwrap().contains("connection.logout"),
        "stop logs out"
    );
    assert!(!pbx.uci_session_active("0001"));
}

#[tokio::test]
async fn polling_sees_chat_presence_changes() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let watch = TelephonyWatch::spawn(Arc::new(uci(&pbx, "0001", "demo")), fast_polling());
    let mut rx = watch.subscribe();
    wait_until(&mut rx, "first poll", |s| {
        s.chat_presence == Some(ChatPresence::Available)
    })
    .await;
    pbx.set_chat_presence("0001", SimChatPresence::DoNotDisturb);
    wait_until(&mut rx, "DND chat presence", |s| {
        s.chat_presence == Some(ChatPresence::DoNotDisturb)
    })
    .await;
    watch.stop().await;
}

#[tokio::test]
async fn the_session_is_kept_for_ten_simulated_minutes_of_polling() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let time = SimulatedTime::new();
    let client = uci_on(&pbx, &time);
    let watch = TelephonyWatch::spawn(client.clone(), TelephonyWatchSettings::default());
    time.run_for(Duration::from_secs(600), POLLER_AND_KEEPER)
        .await;
    watch.stop().await;

    let stats = client.session_stats();
    assert_eq!(stats.logins, 1, "no re-login: {stats:?}");
    assert_eq!(stats.sessions_lost, 0);
    assert_eq!(not_connected_answers(&pbx), 0, "no failed poll");
    assert_eq!(xml_rpc_calls(&pbx, "connection.login"), 1);
    assert!(xml_rpc_calls(&pbx, "userState.getUserState") >= 190);
    // Every 45 s since the last keepAlive, although a poll came every 3 s.
    assert_eq!(xml_rpc_calls(&pbx, "connection.keepAlive"), 13);
    let gaps = pbx.uci_keep_alive_gaps("0001");
    assert_eq!(gaps.len(), 13);
    assert!(
        gaps.iter()
            .all(|g| *g >= Duration::from_secs(45) && *g < Duration::from_secs(46)),
        "{gaps:?}"
    );
    assert!(
        xml_rpc_calls(&pbx, "connection.logout") == 1 && !pbx.uci_session_active("0001"),
        "stop logs out"
    );
}

#[tokio::test]
async fn keep_alives_go_on_without_any_poll() {
    // The bridge may poll only every few minutes: the client keeps the session by itself.
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let time = SimulatedTime::new();
    let client = uci_on(&pbx, &time);
    client.login().await.unwrap();
    time.run_for(Duration::from_secs(300), 1).await;
    assert!(pbx.uci_session_active("0001"));
    assert_eq!(client.session_stats().keep_alives, 6);
    client.user_state().await.unwrap();
    assert_eq!(client.session_stats().logins, 1);
    assert_eq!(not_connected_answers(&pbx), 0);
}

#[tokio::test]
async fn a_false_keep_alive_leads_to_exactly_one_login_and_no_failed_poll() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let time = SimulatedTime::new();
    let client = uci_on(&pbx, &time);
    let watch = TelephonyWatch::spawn(client.clone(), TelephonyWatchSettings::default());
    time.run_for(Duration::from_secs(60), POLLER_AND_KEEPER)
        .await;
    pbx.end_uci_session_at_next_keep_alive("0001");
    time.run_for(Duration::from_secs(120), POLLER_AND_KEEPER)
        .await;
    let mut rx = watch.subscribe();
    pbx.start_call("0001");
    time.run_for(Duration::from_secs(3), POLLER_AND_KEEPER)
        .await;
    assert!(rx.borrow_and_update().as_ref().is_some_and(|s| s.in_call));
    watch.stop().await;

    let stats = client.session_stats();
    assert_eq!(stats.sessions_lost, 1, "{stats:?}");
    assert_eq!(stats.logins, 2, "exactly one re-login: {stats:?}");
    assert_eq!(xml_rpc_calls(&pbx, "connection.login"), 2);
    assert_eq!(not_connected_answers(&pbx), 0, "no failed poll");
}

#[tokio::test]
async fn a_session_lost_between_keep_alives_is_logged_in_again() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let watch = TelephonyWatch::spawn(Arc::new(uci(&pbx, "0001", "demo")), fast_polling());
    let mut rx = watch.subscribe();
    wait_until(&mut rx, "first poll", |_| true).await;
    // E.g. the PBX restarted: the next poll fails and the watch logs in again.
    pbx.expire_uci_sessions();
    tokio::time::timeout(WAIT, async {
        while xml_rpc_calls(&pbx, "connection.login") < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a new login after the session was lost");
    // Polling goes on after the new login.
    pbx.start_call("0001");
    wait_until(&mut rx, "call after re-login", |s| s.in_call).await;
    watch.stop().await;
}

#[tokio::test]
async fn chat_message_is_set_via_uci() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let client = uci(&pbx, "0001", "demo");
    assert_eq!(client.login().await.unwrap(), UciApiVersion::V30);
    client
        .set_chat_presence_message("In a Teams meeting until 15:00")
        .await
        .unwrap();
    assert_eq!(
        pbx.chat_presence_message("0001"),
        "In a Teams meeting until 15:00"
    );
    assert_eq!(
        client.user_state().await.unwrap().chat_presence_message,
        "In a Teams meeting until 15:00"
    );
    client.logout().await.unwrap();
    assert!(matches!(
        client.user_state().await,
        Err(UciError::NotLoggedIn(_))
    ));
}

#[tokio::test]
async fn old_pbx_falls_back_to_v22() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    pbx.set_uci_prefixes(&["ucp.v22.requests"]);
    let client = uci(&pbx, "0001", "demo");
    assert_eq!(client.login().await.unwrap(), UciApiVersion::V22);
    pbx.start_call("0001");
    assert_eq!(client.call_ids().await.unwrap().len(), 1);
    let last = pbx.request_log().entries().last().unwrap().body.clone();
    assert!(last.contains("ucp.v22.requests.call.getCallIds"), "{last}");
}

#[tokio::test]
async fn wrong_password_is_an_auth_fault() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let client = uci(&pbx, "0001", "wrong");
    let error = client.login().await.unwrap_err();
    assert!(matches!(error, UciError::AuthFailed(_)), "{error}");
    // The token travels in the URL; it must not appear in the error text.
    let token = starface_client::login_secret::uci_auth_token("0001", &Secret::new("wrong"));
    assert!(!error.to_string().contains(token.expose()));
}

#[tokio::test]
async fn methods_before_login_fault_with_not_logged_in() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let client = uci(&pbx, "0001", "demo");
    assert!(matches!(
        client.user_state().await,
        Err(UciError::NotLoggedIn(_))
    ));
    assert!(!client.keep_alive().await.unwrap());
}

#[tokio::test]
async fn uci_session_times_out_without_keep_alive() {
    let settings = SimSettings {
        uci_session_timeout: Duration::from_millis(300),
        ..SimSettings::default()
    };
    let pbx = StarfaceSimulator::start_with(Organisation::demo(), settings)
        .await
        .unwrap();
    let client = uci(&pbx, "0001", "demo");
    client.login().await.unwrap();
    assert!(client.keep_alive().await.unwrap());
    pbx.advance_clock(Duration::from_millis(301));
    assert!(
        !client.keep_alive().await.unwrap(),
        "session must have timed out"
    );
}

#[tokio::test]
async fn starface_10_uses_the_oauth_token_as_jwt() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let sign_in = PbxSignIn::new(
        endpoint(&pbx),
        Credentials::new("0001", Secret::new("demo")),
        AuthMode::OAuth,
        Some(OAuthSettings::new(Secret::new(pbx.oauth_client_secret()))),
        starface_client::Timing::real(),
    )
    .unwrap();
    let client = UciClient::new(endpoint(&pbx), UciAuth::SignIn(sign_in)).unwrap();
    client.login().await.unwrap();
    client.set_chat_presence_message("via jwt").await.unwrap();
    assert_eq!(pbx.chat_presence_message("0001"), "via jwt");
    let calls = pbx.request_log().matching("POST", "/xml-rpc");
    assert!(calls.iter().all(|r| r
        .query
        .as_deref()
        .unwrap_or_default()
        .starts_with("de.vertico.starface.jwt=")));
}

#[tokio::test]
async fn injected_fault_is_reported_and_polling_recovers() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let watch = TelephonyWatch::spawn(Arc::new(uci(&pbx, "0001", "demo")), fast_polling());
    let mut rx = watch.subscribe();
    wait_until(&mut rx, "first poll", |_| true).await;
    pbx.inject_uci_fault("userState.getUserState", 3);
    pbx.start_call("0001");
    wait_until(&mut rx, "call after faults", |s| s.in_call).await;
    let faults = pbx
        .request_log()
        .matching("POST", "/xml-rpc")
        .iter()
        .filter(|r| r.body.contains("getUserState"))
        .count();
    assert!(faults >= 4, "three faulted polls and a good one: {faults}");
    watch.stop().await;
}
