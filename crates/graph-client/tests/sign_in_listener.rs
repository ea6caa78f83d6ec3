//! The sign-in redirect listener (issue 15): the redirect URI says `localhost`, so the port is
//! held on both loopbacks; a flood of connections stays bounded and cannot keep the real
//! redirect out.

mod common;

use std::time::Duration;

use common::{browser, follow_authorize, Harness};
use graph_client::auth::{self, PkceOptions};
use graph_client::ScopeRequest;
use simulators::graph::GraphSimSetup;
use tokio::net::TcpStream;

fn port_of(redirect_uri: &str) -> u16 {
    url::Url::parse(redirect_uri).unwrap().port().unwrap()
}

#[tokio::test]
async fn the_redirect_may_arrive_on_the_ipv6_loopback() {
    if std::net::TcpListener::bind(("::1", 0)).is_err() {
        eprintln!("no IPv6 loopback on this machine: only 127.0.0.1 can be bound, nothing to test");
        return;
    }
    let h = Harness::start(GraphSimSetup::default()).await;
    let pending =
        auth::begin_pkce_sign_in(&h.config, ScopeRequest::default(), PkceOptions::default())
            .await
            .unwrap();
    assert!(pending.redirect_uri().starts_with("http://localhost:"));
    let port = port_of(pending.redirect_uri());
    // Nobody else can take the IPv6 side of the port while the sign-in waits.
    assert!(std::net::TcpListener::bind(("::1", port)).is_err());
    let url = pending.authorize_url().clone();
    let completion = tokio::spawn(pending.complete(h.store_dyn(), h.timing()));
    let browser = browser();
    let location = follow_authorize(&browser, url.as_str()).await;
    // A browser that resolves `localhost` to ::1.
    let over_ipv6 = location.replacen("http://localhost:", "http://[::1]:", 1);
    assert_ne!(over_ipv6, location);
    assert_eq!(browser.get(&over_ipv6).send().await.unwrap().status(), 200);
    let credentials = tokio::time::timeout(Duration::from_secs(20), completion)
        .await
        .expect("sign-in completes")
        .unwrap()
        .unwrap();
    assert!(credentials.has_saved_sign_in().await.unwrap());
}

/// Whether the server has closed `stream` (EOF or reset), without waiting.
fn closed(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.try_read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.kind() != std::io::ErrorKind::WouldBlock,
    }
}

#[tokio::test]
async fn a_flood_of_idle_connections_is_bounded_and_the_redirect_still_arrives() {
    const FLOOD: usize = 200;
    let h = Harness::start(GraphSimSetup::default()).await;
    let pending =
        auth::begin_pkce_sign_in(&h.config, ScopeRequest::default(), PkceOptions::default())
            .await
            .unwrap();
    let port = port_of(pending.redirect_uri());
    let url = pending.authorize_url().clone();
    let completion = tokio::spawn(pending.complete(h.store_dyn(), h.timing()));

    let mut flood = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        flood.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    // Idle connections are otherwise held for the 10 s read timeout; all but the newest few
    // must be let go long before that.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
    let mut let_go = 0;
    while tokio::time::Instant::now() < deadline {
        let_go = flood.iter().filter(|stream| closed(stream)).count();
        if let_go >= FLOOD - 32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        let_go >= FLOOD - 32,
        "{let_go} of {FLOOD} idle connections let go"
    );

    let browser = browser();
    let location = follow_authorize(&browser, url.as_str()).await;
    assert_eq!(browser.get(&location).send().await.unwrap().status(), 200);
    let result = tokio::time::timeout(Duration::from_secs(8), completion)
        .await
        .expect("the flood does not keep the redirect out");
    assert!(result.unwrap().is_ok());
}
