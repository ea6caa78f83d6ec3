//! Colleagues' phones in the running bridge, against a STARFACE 10 office with OneHub (TLS,
//! OAuth, the PBX's tokens): pushed phone states merged with Teams, alerts that wait for the
//! phone, subscriptions that follow the watched colleagues, typed warnings, the XMPP user name
//! from OneHub, a clean stop, and no colleague's phone in the logs.

mod support;

use bridge::{
    BridgeCommand, BridgeNotification, BridgeWarning, ColleagueView, OneHubLink, Service,
};
use keychain::Secret;
use presence_core::person_status::{Dot, PersonActivity};
use presence_core::watch_list::AlertMode;
use presence_core::TelephonyState;
use simulators::office::Office;
use starface_client::xmpp::ChatUser;
use starface_client::{CertificatePin, Credentials, PbxEndpoint, PbxSignIn, TlsTrust};
use std::sync::{Mutex, OnceLock};

use support::Harness;

/// The OneHub account id (as a string) of the first colleague with a free phone in the
/// snapshot, and their Graph id and login.
fn first_colleague(h: &Harness) -> (String, String, String) {
    let view = h
        .snapshot()
        .colleagues
        .into_iter()
        .find(|c| c.phone.is_some())
        .expect("a colleague with a phone");
    let account = view.person.starface.as_ref().unwrap();
    (
        account.account_id.unwrap().to_string(),
        view.person.id.clone(),
        account.login.clone(),
    )
}

fn view(h: &Harness, id: &str) -> ColleagueView {
    h.snapshot()
        .colleagues
        .into_iter()
        .find(|c| c.person.id == id)
        .expect("watched")
}

/// Everything logged at INFO and above by this test binary (installed once, for all its tests).
fn info_log() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log: &'static Mutex<Vec<u8>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        struct Sink(&'static Mutex<Vec<u8>>);
        impl std::io::Write for Sink {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            // Without time stamps: their digits could hold an account id ("1004" in
            // "17:04:56.810043Z"), which the test looks for.
            .without_time()
            .with_writer(move || Sink(log))
            .init();
        log
    })
}

fn onehub(h: &Harness) -> &simulators::onehub::OneHubSimulator {
    h.office.onehub().expect("the office runs OneHub")
}

fn me_account(h: &Harness) -> String {
    h.office
        .account_id(&h.office.me().login)
        .unwrap()
        .to_string()
}

async fn phones_known(h: &Harness) {
    h.wait("every watched colleague's phone", |h| {
        let s = h.snapshot();
        !s.colleagues.is_empty() && s.colleagues.iter().all(|c| c.phone.is_some())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_shows_on_the_phone_whatever_teams_says_and_the_alert_waits_for_the_phone() {
    let log = info_log();
    let mut h = Harness::start_with_onehub().await;
    phones_known(&h).await;
    let (_, id, login) = first_colleague(&h);
    let graph_id = id.parse().unwrap();
    h.graph().set_presence(graph_id, "Away", "Away");
    h.wait("Teams away", |h| {
        view(h, &id).status.activity == PersonActivity::Teams(presence_core::StatusRow::Away)
    })
    .await;
    h.bridge()
        .send(BridgeCommand::NotifyWhenAvailable {
            id: id.clone(),
            mode: AlertMode::Once,
        })
        .unwrap();

    let call = h.office.start_call(&login);
    h.wait("on the phone", |h| {
        view(h, &id).status.activity == PersonActivity::OnThePhone
    })
    .await;
    let on_the_phone = view(&h, &id);
    assert_eq!(on_the_phone.status.dot, Dot::Busy);
    assert_eq!(
        on_the_phone.phone.as_ref().unwrap().telephony,
        TelephonyState::Active
    );
    // Teams turns available while the phone is busy: still busy, no alert.
    h.graph().set_presence(graph_id, "Available", "Available");
    h.wait("Teams read as available", |h| {
        view(h, &id).teams.as_ref().map(|t| t.availability.as_str()) == Some("Available")
    })
    .await;
    assert_eq!(view(&h, &id).status.activity, PersonActivity::OnThePhone);
    assert!(!view(&h, &id).status.free);
    assert!(h.notifier.0.lock().unwrap().is_empty(), "no alert yet");

    h.office.end_call(&login, &call);
    h.wait("the alert", |h| !h.notifier.0.lock().unwrap().is_empty())
        .await;
    let free = view(&h, &id);
    assert!(free.status.free);
    assert_eq!(free.status.dot, Dot::Available);
    match &h.notifier.0.lock().unwrap()[..] {
        [BridgeNotification::ColleagueAvailable {
            id: alerted,
            phone_known,
            ..
        }] => {
            assert_eq!(alerted, &id);
            assert!(phone_known, "the notification says the phone is free too");
        }
        other => panic!("{other:?}"),
    }

    // Ringing, DND and forwarding reach the view; DND makes the colleague not free.
    let account = h.office.account_id(&login).unwrap().to_string();
    let hub = onehub(&h);
    hub.set_telephony(&account, onehub_proto::presence::TelephonyState::Ringing);
    hub.set_dnd(&account, true);
    hub.set_redirect(&account, true);
    h.wait("ringing with DND and forwarding", |h| {
        let status = view(h, &id).status;
        status.activity == PersonActivity::Ringing && status.phone_dnd && status.calls_forwarded
    })
    .await;
    hub.set_telephony(&account, onehub_proto::presence::TelephonyState::Available);
    h.wait("free line, DND still on", |h| {
        let status = view(h, &id).status;
        status.activity == PersonActivity::Teams(presence_core::StatusRow::Available)
            && !status.free
    })
    .await;
    let name = view(&h, &id).person.display_name;
    h.shutdown().await;

    // No history of a colleague's phone: nothing at INFO names them, their account or a line
    // state (the alert's notification goes to the notifier, not the log). Their id is in the
    // log once, with the user's own command that set the alert: what the user did, no
    // presence.
    let log = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(
        log.contains("OneHub presence connected"),
        "the log was captured:\n{log}"
    );
    for needle in [
        &name,
        &account,
        "ACTIVE",
        "RINGING",
        "Ringing",
        "OnThePhone",
    ] {
        assert!(
            !log.contains(needle),
            "{needle:?} is in the INFO log:\n{log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_follow_the_watched_colleagues_and_end_with_the_bridge() {
    let mut h = Harness::start_with_onehub().await;
    phones_known(&h).await;
    let me = me_account(&h);
    let watched = h.snapshot().colleagues.len();
    // Both ids of every watched colleague.
    assert_eq!(onehub(&h).subscribed(&me).len(), 2 * watched);
    let (account, id, _) = first_colleague(&h);
    let ids = onehub(&h).user(&account);
    h.bridge().send(BridgeCommand::Unwatch(id.clone())).unwrap();
    h.wait("unsubscribed", |h| {
        let subscribed = onehub(h).subscribed(&me);
        subscribed.len() == 2 * (watched - 1) && !subscribed.contains(&ids.user_id)
    })
    .await;
    h.shutdown().await;
    assert!(
        onehub(&h).subscribed(&me).is_empty(),
        "stopping unsubscribes everything"
    );
    h.wait("the event stream closed", |h| onehub(h).open_streams() == 0)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_right_is_a_typed_phone_state_warning_beside_a_working_pbx() {
    let office = Office::builder()
        .colleagues(3)
        .pbx_tls_self_signed()
        .unwrap()
        .onehub()
        .start()
        .await
        .unwrap();
    let me = office.account_id(&office.me().login).unwrap().to_string();
    office.onehub().unwrap().set_presence_permission(&me, false);
    let mut h = Harness::start_in(office, None, bridge::BridgeOptions::default()).await;
    h.wait_running().await;
    h.wait("the phone-state warning", |h| {
        h.snapshot()
            .sync
            .warnings
            .iter()
            .any(|w| matches!(w, BridgeWarning::PhoneStateRefused { .. }))
    })
    .await;
    let sync = h.snapshot().sync;
    assert!(
        sync.warnings
            .iter()
            .all(|w| w.service() == Service::PhoneState),
        "the PBX itself works: {:?}",
        sync.warnings
    );
    assert!(h.snapshot().colleagues.iter().all(|c| c.phone.is_none()));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_xmpp_user_name_comes_from_onehub() {
    let office = Office::builder()
        .colleagues(2)
        .pbx_tls_self_signed()
        .unwrap()
        .onehub()
        .start()
        .await
        .unwrap();
    let mut h = Harness::signed_in(office, None, bridge::BridgeOptions::default()).await;
    let chat_user = ChatUser::new();
    let mut connectors = h.connectors();
    connectors.onehub.as_mut().unwrap().chat_user = Some(chat_user.clone());
    h.start_bridge_with(None, connectors);
    let me = me_account(&h);
    h.wait("the chat user", |_| chat_user.get().is_some()).await;
    // The simulated OneHub names chat ids after the account id.
    assert_eq!(chat_user.get().as_deref(), Some(me.as_str()));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classic_sign_in_has_no_phone_state_and_asks_onehub_nothing() {
    // The PBX runs OneHub, but the account signs in with the classic login (as on STARFACE 9,
    // or `auto` without a client secret): there is no bearer token, so OneHub is never asked.
    let office = Office::builder()
        .colleagues(2)
        .pbx_tls_self_signed()
        .unwrap()
        .onehub()
        .start()
        .await
        .unwrap();
    let endpoint =
        PbxEndpoint::new(office.pbx().base_url().parse().unwrap()).with_trust(TlsTrust::Pin(
            CertificatePin::of_certificate(office.pbx_certificate_der().unwrap()),
        ));
    let classic = PbxSignIn::classic(
        endpoint,
        Credentials::new(&office.me().login, Secret::new(office.password())),
    );
    let mut h = Harness::signed_in(office, None, bridge::BridgeOptions::default()).await;
    let mut connectors = h.connectors();
    connectors.onehub = Some(OneHubLink::new(classic, None));
    h.start_bridge_with(None, connectors);
    h.wait("colleagues with presence", |h| {
        let s = h.snapshot();
        !s.colleagues.is_empty() && s.colleagues.iter().all(|c| c.teams.is_some())
    })
    .await;
    h.let_time_pass(std::time::Duration::from_secs(2)).await;
    let snapshot = h.snapshot();
    assert!(snapshot.colleagues.iter().all(|c| c.phone.is_none()));
    assert!(onehub(&h).calls().is_empty(), "{:?}", onehub(&h).calls());
    assert!(snapshot
        .sync
        .warnings
        .iter()
        .all(|w| w.service() != Service::PhoneState));
    h.shutdown().await;
}
