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

/// OneHub (colleagues' phone state) on a STARFACE 10 office: reachable with its version, the
/// presence permission proved by a subscribe, a missing right and an unreachable OneHub as
/// warnings, and a classic sign-in said to have no phone state.
#[tokio::test]
async fn the_onehub_check_finds_the_version_and_the_presence_permission_or_says_why_not() {
    use simulators::office::Office;
    use starface_client::{AuthMode, CertificatePin, OAuthSettings, PbxSignIn, Timing, TlsTrust};

    let office = Office::builder()
        .colleagues(1)
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
    let credentials = Credentials::new(&office.me().login, Secret::new(office.password()));
    let oauth = PbxSignIn::new(
        endpoint.clone(),
        credentials.clone(),
        AuthMode::OAuth,
        Some(OAuthSettings::new(Secret::new(
            office.pbx().oauth_client_secret(),
        ))),
        Timing::real(),
    )
    .unwrap();
    let lines = |reports: Vec<doctor::CheckReport>| {
        reports
            .into_iter()
            .map(|r| (r.check, r.status, r.detail))
            .collect::<Vec<_>>()
    };

    let healthy = lines(doctor::check_onehub(&oauth).await);
    assert_eq!(healthy.len(), 2, "{healthy:?}");
    assert_eq!(healthy[0].1, CheckStatus::Ok, "{healthy:?}");
    assert!(
        healthy[0].2.contains("server version 10.0.2.6"),
        "{healthy:?}"
    );
    assert_eq!(healthy[1].1, CheckStatus::Ok, "{healthy:?}");
    assert!(
        healthy[1].2.contains("may subscribe presence"),
        "{healthy:?}"
    );
    assert!(
        healthy[1].2.contains("instant_messaging"),
        "the rights are listed"
    );
    let hub = office.onehub().unwrap();
    let me = office.account_id(&office.me().login).unwrap().to_string();
    assert!(
        hub.subscribed(&me).is_empty(),
        "the check leaves nothing subscribed"
    );

    hub.set_presence_permission(&me, false);
    let refused = lines(doctor::check_onehub(&oauth).await);
    assert_eq!(refused[1].1, CheckStatus::Warning, "{refused:?}");
    assert!(refused[1].2.contains("administrator"), "{refused:?}");

    let classic = PbxSignIn::classic(endpoint, credentials);
    let none = lines(doctor::check_onehub(&classic).await);
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].1, CheckStatus::Warning);
    assert!(none[0].2.contains("STARFACE 10"), "{none:?}");

    hub.stop();
    let gone = lines(doctor::check_onehub(&oauth).await);
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0].1, CheckStatus::Warning);
    assert!(gone[0].2.contains("port 9092"), "{gone:?}");
}
