//! The structured checks `doctor` runs, against the simulator.

use keychain::Secret;
use simulators::starface::{Organisation, StarfaceSimulator, UserRight};
use starface_client::doctor::{self, CheckStatus};
use starface_client::{Credentials, PbxEndpoint, RestAuth, RestClient, UciAuth, UciClient};
use url::Url;

#[tokio::test]
async fn checks_pass_on_a_healthy_pbx_and_name_the_problem_otherwise() {
    let pbx = StarfaceSimulator::start(Organisation::demo())
        .await
        .unwrap();
    let endpoint = PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http();
    let credentials = Credentials::new("0001", Secret::new("demo"));
    let rest =
        RestClient::new(endpoint.clone(), credentials.clone(), RestAuth::NonceLogin).unwrap();
    let uci = UciClient::new(endpoint.clone(), UciAuth::legacy(&credentials)).unwrap();

    assert_eq!(
        doctor::check_transport(&endpoint).status,
        CheckStatus::Warning
    );
    let login = doctor::check_login(&rest).await;
    assert_eq!(login.status, CheckStatus::Ok, "{}", login.detail);
    assert!(login.detail.contains("Anna Berger"));
    pbx.press_dnd_on_phone("0001", true);
    let dnd = doctor::check_dnd_read(&rest).await;
    assert_eq!(
        (dnd.status, dnd.detail.as_str()),
        (CheckStatus::Ok, "DND is on")
    );
    let uci_report = doctor::check_uci(&uci).await;
    assert_eq!(uci_report.status, CheckStatus::Ok, "{}", uci_report.detail);

    pbx.revoke_right("0001", UserRight::PhoneSettings);
    let dnd = doctor::check_dnd_read(&rest).await;
    assert_eq!(dnd.status, CheckStatus::Failed);
    assert!(dnd.detail.contains("administrator"), "{}", dnd.detail);

    let bad = RestClient::new(
        endpoint,
        Credentials::new("0001", Secret::new("nope")),
        RestAuth::NonceLogin,
    )
    .unwrap();
    let login = doctor::check_login(&bad).await;
    assert_eq!(login.status, CheckStatus::Failed);
    assert!(!login.detail.contains("nope"));
}
