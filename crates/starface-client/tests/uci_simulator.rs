//! UCI XML-RPC connector against the simulator: login, polling, chat message, fallback.

use std::sync::Arc;
use std::time::Duration;

use keychain::Secret;
use simulators::starface::{Organisation, SimChatPresence, SimSettings, StarfaceSimulator};
use starface_client::uci::UciApiVersion;
use starface_client::{
    CallStateSnapshot, ChatPresence, Credentials, OAuthSettings, PbxEndpoint, RestAuth, RestClient,
    TelephonyState, TelephonyWatch, TelephonyWatchSettings, UciAuth, UciClient, UciError,
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
        keep_alive_interval: Duration::from_millis(200),
        retry_delay: Duration::from_millis(100),
    }
}

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
async fn keep_alive_is_sent_and_a_lost_session_is_logged_in_again() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let watch = TelephonyWatch::spawn(Arc::new(uci(&pbx, "0001", "demo")), fast_polling());
    let mut rx = watch.subscribe();
    wait_until(&mut rx, "first poll", |_| true).await;
    let count = |needle: &str| {
        pbx.request_log()
            .matching("POST", "/xml-rpc")
            .iter()
            .filter(|r| r.body.contains(needle))
            .count()
    };
    tokio::time::timeout(WAIT, async {
        while count("connection.keepAlive") == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a keepAlive within the configured interval");

    pbx.expire_uci_sessions();
    tokio::time::timeout(WAIT, async {
        while count("connection.login") < 2 {
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
    tokio::time::sleep(Duration::from_millis(600)).await;
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
    let rest = Arc::new(
        RestClient::new(
            endpoint(&pbx),
            Credentials::new("0001", Secret::new("demo")),
            RestAuth::OAuthPasswordGrant(OAuthSettings::new(Secret::new(
                pbx.oauth_client_secret(),
            ))),
        )
        .unwrap(),
    );
    let client = UciClient::new(endpoint(&pbx), UciAuth::OAuthSession(rest)).unwrap();
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
