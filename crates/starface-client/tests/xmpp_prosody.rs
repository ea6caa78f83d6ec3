//! Chat status over XMPP against a real Prosody started by the test.

use std::time::Duration;

use keychain::Secret;
use starface_client::xmpp::{ChatStatus, XmppChatLink, XmppLinkState, XmppSettings};
use starface_client::{ChatPresence, TlsTrust};
use test_session::xmpp_peer::{PeerView, XmppPeer};
use test_session::ProsodyServer;
use tokio_xmpp::jid::BareJid;

const WAIT: Duration = Duration::from_secs(30);

fn link_settings(server: &ProsodyServer, password: &str) -> XmppSettings {
    // Dial the IP while the XMPP domain is a name, as on many STARFACE installations.
    let mut settings =
        XmppSettings::new("127.0.0.1", server.domain(), "alice", Secret::new(password));
    settings.port = server.port();
    settings.trust = TlsTrust::Pin(server.cert_pin());
    settings.keepalive_interval = Duration::from_secs(5);
    settings.response_timeout = Duration::from_secs(5);
    settings
}

/// bob subscribes to alice (approved by a temporary alice client), so bob receives every
/// presence alice publishes.
async fn bob_watching_alice(server: &ProsodyServer) -> XmppPeer {
    let trust = TlsTrust::Pin(server.cert_pin());
    let alice_helper = XmppPeer::connect(
        server.port(),
        server.domain(),
        "alice",
        "secret1",
        trust.clone(),
    );
    let bob = XmppPeer::connect(server.port(), server.domain(), "bob", "secret2", trust);
    alice_helper
        .wait_for("alice helper online", WAIT, |v| v.sessions >= 1)
        .await;
    bob.wait_for("bob online", WAIT, |v| v.sessions >= 1).await;
    let alice = BareJid::new(&format!("alice@{}", server.domain())).unwrap();
    bob.subscribe_to(&alice).await;
    bob.wait_for("alice's presence after subscribing", WAIT, |v| {
        v.presences
            .keys()
            .any(|k| k.starts_with("alice@") && k.ends_with("/test-peer"))
    })
    .await;
    alice_helper.close().await;
    bob
}

fn alice_link_status(view: &PeerView, domain: &str) -> Option<ChatStatus> {
    view.presences
        .get(&format!("alice@{domain}/presence-bridge"))
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_status_set_over_xmpp_is_seen_by_a_second_client() {
    let server = ProsodyServer::start(&[("alice", "secret1"), ("bob", "secret2")]);
    let bob = bob_watching_alice(&server).await;

    let link = XmppChatLink::start(link_settings(&server, "secret1")).unwrap();
    link.wait_online(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));

    let domain = server.domain().to_owned();
    let cases = [
        (ChatPresence::DoNotDisturb, Some("In a meeting (Teams)")),
        (ChatPresence::Away, None),
        (ChatPresence::ExtendedAway, Some("Out of office")),
        (ChatPresence::FreeForChat, None),
        (ChatPresence::Available, Some("back")),
        (ChatPresence::Unavailable, None),
    ];
    for (presence, text) in cases {
        let wanted = ChatStatus::new(presence, text);
        link.set_chat_status(wanted.clone()).await.unwrap();
        bob.wait_for(&format!("alice's link showing {wanted:?}"), WAIT, |v| {
            alice_link_status(v, &domain).as_ref() == Some(&wanted)
        })
        .await;
    }
    link.close().await;
    bob.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_never_comes_online() {
    let server = ProsodyServer::start(&[("alice", "secret1")]);
    let link = XmppChatLink::start(link_settings(&server, "wrong")).unwrap();
    let result = link.wait_online(Duration::from_secs(3)).await;
    assert!(
        result.is_err(),
        "a wrong password must not give an online link"
    );
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_certificate_pin_never_comes_online() {
    let server = ProsodyServer::start(&[("alice", "secret1")]);
    let mut settings = link_settings(&server, "secret1");
    settings.trust = TlsTrust::Pin("00".repeat(32).parse().unwrap());
    let link = XmppChatLink::start(settings).unwrap();
    assert!(link.wait_online(Duration::from_secs(3)).await.is_err());
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_reconnects_after_server_restart_and_publishes_again() {
    let mut server = ProsodyServer::start(&[("alice", "secret1"), ("bob", "secret2")]);
    let bob = bob_watching_alice(&server).await;
    let link = XmppChatLink::start(link_settings(&server, "secret1")).unwrap();
    assert_eq!(link.wait_online(WAIT).await.unwrap(), 1);
    let wanted = ChatStatus::new(ChatPresence::DoNotDisturb, Some("In a call (Teams)"));
    link.set_chat_status(wanted.clone()).await.unwrap();
    let domain = server.domain().to_owned();
    bob.wait_for("DND before the restart", WAIT, |v| {
        alice_link_status(v, &domain).as_ref() == Some(&wanted)
    })
    .await;

    server.restart();

    // The link must come back as a new session and publish the wanted status unprompted.
    let mut state = link.link_state();
    tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            if matches!(*state.borrow_and_update(), XmppLinkState::Online { session } if session >= 2) {
                break;
            }
            state.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("link did not reconnect; state {:?}\n{}", *link.link_state().borrow(), server.log()));
    bob.wait_for("bob back online", Duration::from_secs(90), |v| {
        v.sessions >= 2
    })
    .await;
    bob.wait_for("DND again after the restart", WAIT, |v| {
        alice_link_status(v, &domain).as_ref() == Some(&wanted)
    })
    .await;
    link.close().await;
    bob.close().await;
}

/// Waits until the link reports `wanted` (a state) or panics with the server log.
async fn wait_link_state(
    link: &XmppChatLink,
    server: &ProsodyServer,
    what: &str,
    timeout: Duration,
    check: impl Fn(&XmppLinkState) -> bool,
) {
    let mut state = link.link_state();
    tokio::time::timeout(timeout, async {
        loop {
            if check(&state.borrow_and_update()) {
                break;
            }
            state.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "link not {what} within {timeout:?}; state {:?}\n{}",
            *link.link_state().borrow(),
            server.log()
        )
    });
}

/// Regression: with the server down longer than tokio-xmpp's first reconnect attempts (1 s,
/// then 2 s, 4 s, 8 s apart; outages over 5 s failed in the fault soak), the link must notice
/// the outage, not block on a status set meanwhile, and publish the current status after the
/// server is back: once for a status changed while down, once more for an unchanged one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_republishes_after_a_long_server_outage() {
    const OUTAGE: Duration = Duration::from_secs(8);
    // Longer than the link's and bob's reconnect backoff after OUTAGE (up to 16 s) plus start-up.
    const BACK: Duration = Duration::from_secs(90);
    let mut server = ProsodyServer::start(&[("alice", "secret1"), ("bob", "secret2")]);
    let bob = bob_watching_alice(&server).await;
    let link = XmppChatLink::start(link_settings(&server, "secret1")).unwrap();
    assert_eq!(link.wait_online(WAIT).await.unwrap(), 1);
    let domain = server.domain().to_owned();
    let before = ChatStatus::new(ChatPresence::Away, Some("before"));
    link.set_chat_status(before.clone()).await.unwrap();
    bob.wait_for("alice away before the outage", WAIT, |v| {
        alice_link_status(v, &domain).as_ref() == Some(&before)
    })
    .await;

    let wanted = ChatStatus::new(ChatPresence::DoNotDisturb, Some("In a call (Teams)"));
    // Round 1 changes the status while the server is down, round 2 keeps it.
    for (round, change) in [(1, true), (2, false)] {
        let bob_sessions = bob.view().sessions;
        server.stop();
        wait_link_state(&link, &server, "disconnected", WAIT, |s| {
            *s == XmppLinkState::Connecting
        })
        .await;
        tokio::time::sleep(OUTAGE / 2).await;
        if change {
            // The bridge gives a status command 5 s; a set while down must only be kept.
            tokio::time::timeout(Duration::from_secs(5), link.set_chat_status(wanted.clone()))
                .await
                .unwrap_or_else(|_| {
                    panic!("round {round}: set_chat_status blocked while the server was down")
                })
                .unwrap();
        }
        tokio::time::sleep(OUTAGE / 2).await;
        server.start_again();

        wait_link_state(
            &link,
            &server,
            "online again",
            BACK,
            |s| matches!(s, XmppLinkState::Online { session } if *session > round),
        )
        .await;
        // bob forgets what he saw when he reconnects: what he sees now was published again.
        bob.wait_for(&format!("round {round}: bob back online"), BACK, |v| {
            v.sessions > bob_sessions
        })
        .await;
        bob.wait_for(
            &format!("round {round}: alice's status after the outage"),
            WAIT,
            |v| alice_link_status(v, &domain).as_ref() == Some(&wanted),
        )
        .await;
    }
    link.close().await;
    bob.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_xmpp_check_reports_success_and_failure() {
    use starface_client::doctor::{check_xmpp, CheckStatus};
    let server = ProsodyServer::start(&[("alice", "secret1")]);
    let ok = check_xmpp(link_settings(&server, "secret1"), WAIT).await;
    assert_eq!(ok.status, CheckStatus::Ok, "{}", ok.detail);
    let failed = check_xmpp(
        link_settings(&server, "Tr0ub4dor&3"),
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(failed.status, CheckStatus::Failed);
    assert!(
        !failed.detail.contains("Tr0ub4dor"),
        "no password in the report: {}",
        failed.detail
    );
}

/// Sets `user`'s Prosody password (what the PBX does with each access token it issues: on
/// STARFACE 10 the chat server accepts the current token as the password).
fn set_prosody_password(server_dir: &std::path::Path, jid: &str, password: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("/usr/bin/prosodyctl")
        .arg("--config")
        .arg(server_dir.join("prosody.cfg.lua"))
        .args(["passwd", jid])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run prosodyctl passwd");
    writeln!(child.stdin.take().unwrap(), "{password}\n{password}").unwrap();
    assert!(child.wait().unwrap().success(), "prosodyctl passwd {jid}");
}

/// STARFACE 10: the XMPP link signs in with the chat user name the app got from OneHub and the
/// OAuth access token as password, shares the token with REST and UCI, and reconnects with a
/// refreshed token before the one it used expires. Real Prosody; the PBX is the simulator
/// (70 s tokens renewed 65 s early, so the renewal comes after about 5 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starface_10_signs_in_with_the_access_token_and_renews_it_before_expiry() {
    use simulators::starface::{Organisation, SimSettings, StarfaceSimulator};
    use starface_client::xmpp::{ChatUser, XmppLogin};
    use starface_client::{
        AuthMode, Credentials, OAuthSettings, PbxEndpoint, PbxSignIn, RestClient, Timing, UciAuth,
        UciClient,
    };

    let server = ProsodyServer::start(&[("alice", "not-a-token-yet")]);
    let pbx = StarfaceSimulator::start_with(
        Organisation::demo(),
        SimSettings {
            oauth_access_lifetime: Duration::from_secs(70),
            ..SimSettings::default()
        },
    )
    .await
    .unwrap();
    let endpoint =
        PbxEndpoint::new(url::Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http();
    let mut oauth = OAuthSettings::new(Secret::new(pbx.oauth_client_secret()));
    oauth.refresh_margin = Duration::from_secs(65);
    let sign_in = PbxSignIn::new(
        endpoint.clone(),
        Credentials::new("0001", Secret::new("demo")),
        AuthMode::OAuth,
        Some(oauth),
        Timing::real(),
    )
    .unwrap();
    let tokens = sign_in.tokens().unwrap().clone();
    let alice = format!("alice@{}", server.domain());

    // The chat server learns each token as it is issued.
    let first = tokens.fresh().await.unwrap();
    set_prosody_password(server.dir(), &alice, first.secret().expose());
    let mut issued = tokens.subscribe();
    let (dir, jid) = (server.dir().to_owned(), alice.clone());
    let propagate = tokio::spawn(async move {
        while issued.changed().await.is_ok() {
            let token = issued.borrow_and_update().clone();
            if let Some(token) = token {
                let (dir, jid) = (dir.clone(), jid.clone());
                tokio::task::spawn_blocking(move || {
                    set_prosody_password(&dir, &jid, token.secret().expose())
                })
                .await
                .unwrap();
            }
        }
    });

    // The user name comes from OneHub's ChatService.GetChatId, not the STARFACE login id.
    let chat_user = ChatUser::new();
    chat_user.set_from_chat_id(&format!("{alice}/StarfaceWindows"));
    let mut settings = XmppSettings::with_login(
        "127.0.0.1",
        server.domain(),
        XmppLogin::SignIn {
            sign_in: sign_in.clone(),
            chat_user,
        },
    );
    settings.port = server.port();
    settings.trust = TlsTrust::Pin(server.cert_pin());
    settings.response_timeout = Duration::from_secs(5);
    let started = std::time::Instant::now();
    let link = XmppChatLink::start(settings).unwrap();
    assert_eq!(
        link.wait_online(WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", server.log())),
        1
    );
    // REST and UCI on the same sign-in use the same token meanwhile.
    let rest = RestClient::with_sign_in(endpoint.clone(), sign_in.clone()).unwrap();
    let uci = UciClient::new(endpoint, UciAuth::SignIn(sign_in.clone())).unwrap();
    rest.me().await.unwrap();
    uci.login().await.unwrap();

    // Before the first token's 70 s are over, the link is online again with a new one.
    wait_link_state(
        &link,
        &server,
        "online with a renewed token",
        WAIT,
        |s| matches!(s, XmppLinkState::Online { session } if *session >= 2),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let renewed = tokens.current().unwrap();
    assert!(renewed.generation() > first.generation());
    // Prosody only accepts the latest token, so session 2 signed in with the renewed one.
    rest.me().await.unwrap();
    uci.user_state().await.unwrap();
    let used: Vec<String> = pbx
        .request_log()
        .entries()
        .iter()
        .filter_map(|r| {
            r.header("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
                .map(str::to_owned)
                .or_else(|| {
                    r.query
                        .as_deref()
                        .and_then(|q| q.strip_prefix("de.vertico.starface.jwt="))
                        .map(str::to_owned)
                })
        })
        .collect();
    assert!(used.contains(&first.secret().expose().to_owned()));
    assert!(
        used.last() == Some(&tokens.current().unwrap().secret().expose().to_owned()),
        "REST and UCI moved on to the refreshed token too"
    );
    link.close().await;
    propagate.abort();
}
