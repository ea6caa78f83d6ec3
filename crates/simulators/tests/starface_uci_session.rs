//! The STARFACE simulator's UCI session is as strict as the documentation: only
//! `connection.keepAlive` keeps it, 60 s after the last one it is over. Raw XML-RPC, the PBX's
//! clock moved by the test (no waiting).

use std::time::Duration;

use sha2::{Digest, Sha512};
use simulators::starface::{Organisation, StarfaceSimulator, NOTE_NOT_CONNECTED};

fn sha512_hex(input: &str) -> String {
    hex::encode(Sha512::digest(input.as_bytes()))
}

/// Calls `ucp.v30.requests.<method>` as user 0001 and returns the response body.
async fn call(pbx: &StarfaceSimulator, method: &str) -> String {
    let token = format!(
        "0001:{}",
        sha512_hex(&format!("0001*{}", sha512_hex("demo")))
    );
    let body = format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>ucp.v30.requests.{method}</methodName><params/></methodCall>"
    );
    reqwest::Client::new()
        .post(format!("{}/xml-rpc", pbx.base_url()))
        .query(&[("de.vertico.starface.auth", token)])
        .header("Content-Type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn is_true(body: &str) -> bool {
    body.contains("<boolean>1</boolean>")
}

fn is_not_connected(body: &str) -> bool {
    body.contains("<fault>") && body.contains("UcpNotConnectedException")
}

#[tokio::test]
async fn a_session_with_only_polls_ends_60_s_after_the_login() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    assert!(is_true(&call(&pbx, "connection.login").await));
    // A poll every 10 s: busy, but never a keepAlive.
    for _ in 0..5 {
        pbx.advance_clock(Duration::from_secs(10));
        let state = call(&pbx, "userState.getUserState").await;
        assert!(state.contains("telephonyState"), "{state}");
    }
    pbx.advance_clock(Duration::from_secs(10));
    let poll = call(&pbx, "userState.getUserState").await;
    assert!(is_not_connected(&poll), "60 s without keepAlive: {poll}");
    assert!(!pbx.uci_session_active("0001"));
    // keepAlive cannot revive it: it says the session is gone.
    let keep_alive = call(&pbx, "connection.keepAlive").await;
    assert!(keep_alive.contains("<boolean>0</boolean>"), "{keep_alive}");

    let notes: Vec<String> = pbx
        .request_log()
        .matching("POST", "/xml-rpc")
        .into_iter()
        .filter_map(|r| r.note)
        .collect();
    // 60 s of simulated time plus the few milliseconds the requests really took.
    let [note] = notes.as_slice() else {
        panic!("one note expected: {notes:?}");
    };
    let seconds: f64 = note
        .strip_prefix("UCI session ended: no keepAlive for ")
        .and_then(|rest| rest.strip_suffix(&format!(" s; {NOTE_NOT_CONNECTED}")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected note {note}"));
    assert!((60.0..61.0).contains(&seconds), "{note}");
}

#[tokio::test]
async fn keep_alives_keep_the_session_and_their_gaps_are_recorded() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    assert!(is_true(&call(&pbx, "connection.login").await));
    for _ in 0..4 {
        pbx.advance_clock(Duration::from_secs(45));
        assert!(is_true(&call(&pbx, "connection.keepAlive").await));
        let state = call(&pbx, "userState.getUserState").await;
        assert!(!is_not_connected(&state), "{state}");
    }
    let gaps = pbx.uci_keep_alive_gaps("0001");
    assert_eq!(gaps.len(), 4);
    assert!(
        gaps.iter()
            .all(|g| *g >= Duration::from_secs(45) && *g < Duration::from_secs(46)),
        "{gaps:?}"
    );
    let notes: Vec<String> = pbx
        .request_log()
        .matching("POST", "/xml-rpc")
        .into_iter()
        .filter_map(|r| r.note)
        .collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(
        notes.iter().all(|n| n.starts_with("keepAlive gap 45.")),
        "{notes:?}"
    );

    // 61 s of silence after the last keepAlive ends it.
    pbx.advance_clock(Duration::from_secs(61));
    assert!(is_not_connected(
        &call(&pbx, "userState.getUserState").await
    ));
}

#[tokio::test]
async fn a_session_can_be_ended_at_the_next_keep_alive() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    assert!(is_true(&call(&pbx, "connection.login").await));
    pbx.end_uci_session_at_next_keep_alive("0001");
    assert!(call(&pbx, "connection.keepAlive")
        .await
        .contains("<boolean>0</boolean>"));
    assert!(is_not_connected(&call(&pbx, "call.getCallIds").await));
    // A new login works and is not ended again.
    assert!(is_true(&call(&pbx, "connection.login").await));
    assert!(is_true(&call(&pbx, "connection.keepAlive").await));
}
