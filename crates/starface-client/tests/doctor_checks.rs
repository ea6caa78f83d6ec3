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

#[tokio::test]
async fn doctor_says_which_sign_in_is_used_and_why() {
    use simulators::starface::SimSettings;
    use starface_client::{AuthMode, OAuthSettings, PbxSignIn, Timing};

    for (settings, with_secret, expected) in [
        (SimSettings::starface_9(), true, "the classic STARFACE login: starface.auth = \"auto\" and the PBX has no OAuth sign-in"),
        (SimSettings::default(), false, "the classic STARFACE login: starface.auth = \"auto\"; the PBX offers OAuth"),
        (SimSettings::default(), true, "STARFACE OAuth (password grant): starface.auth = \"auto\" and the PBX signs in with OAuth"),
    ] {
        let pbx = StarfaceSimulator::start_with(Organisation::demo(), settings)
            .await
            .unwrap();
        let endpoint =
            PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).allowing_plain_http();
        let sign_in = PbxSignIn::new(
            endpoint.clone(),
            Credentials::new("0001", Secret::new("demo")),
            AuthMode::Auto,
            with_secret.then(|| OAuthSettings::new(Secret::new(pbx.oauth_client_secret()))),
            Timing::real(),
        )
        .unwrap();
        let report = doctor::check_sign_in(&sign_in).await;
        assert_eq!(report.status, CheckStatus::Ok, "{}", report.detail);
        assert!(report.detail.contains(expected), "{}", report.detail);
        let rest = RestClient::with_sign_in(endpoint, sign_in).unwrap();
        let login = doctor::check_login(&rest).await;
        assert!(login.detail.contains(expected), "{}", login.detail);
    }
}
