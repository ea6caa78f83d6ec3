//! TLS trust against the simulator served over HTTPS with certificates generated here.

use std::time::Duration;

use keychain::Secret;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use simulators::starface::{Organisation, SimSettings, StarfaceSimulator};
use starface_client::doctor::{self, CheckStatus};
use starface_client::tls::fetch_presented_certificate;
use starface_client::{
    CertificatePin, Credentials, PbxEndpoint, RestAuth, RestClient, RestError, TlsTrust, UciAuth,
    UciClient,
};
use url::Url;

struct SelfSigned {
    cert_pem: String,
    key_pem: String,
    pin: CertificatePin,
}

fn self_signed() -> SelfSigned {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    SelfSigned {
        cert_pem: generated.cert.pem(),
        key_pem: generated.signing_key.serialize_pem(),
        pin: CertificatePin::of_certificate(generated.cert.der()),
    }
}

async fn https_pbx(cert: &SelfSigned) -> StarfaceSimulator {
    StarfaceSimulator::start_tls(
        Organisation::demo(),
        SimSettings::default(),
        &cert.cert_pem,
        &cert.key_pem,
    )
    .await
    .unwrap()
}

fn rest(url: &str, trust: TlsTrust) -> RestClient {
    RestClient::new(
        PbxEndpoint::new(Url::parse(url).unwrap()).with_trust(trust),
        Credentials::new("0001", Secret::new("demo")),
        RestAuth::NonceLogin,
    )
    .unwrap()
}

#[tokio::test]
async fn matching_pin_is_accepted() {
    let cert = self_signed();
    let pbx = https_pbx(&cert).await;
    assert!(pbx.base_url().starts_with("https://"));
    let client = rest(&pbx.base_url(), TlsTrust::Pin(cert.pin));
    assert_eq!(client.me().await.unwrap().login, "0001");

    let uci = UciClient::new(
        PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap()).with_trust(TlsTrust::Pin(cert.pin)),
        UciAuth::legacy(&Credentials::new("0001", Secret::new("demo"))),
    )
    .unwrap();
    uci.login().await.unwrap();
}

#[tokio::test]
async fn wrong_pin_is_rejected_before_any_request() {
    let cert = self_signed();
    let other = self_signed();
    let pbx = https_pbx(&cert).await;
    let client = rest(&pbx.base_url(), TlsTrust::Pin(other.pin));
    let error = client.me().await.unwrap_err();
    assert!(matches!(error, RestError::Unreachable { .. }), "{error}");
    assert!(pbx.request_log().is_empty(), "no HTTP request got through");
}

#[tokio::test]
async fn self_signed_certificate_is_rejected_by_default() {
    let cert = self_signed();
    let pbx = https_pbx(&cert).await;
    let client = rest(&pbx.base_url(), TlsTrust::PublicRoots);
    assert!(matches!(
        client.me().await,
        Err(RestError::Unreachable { .. })
    ));
    assert!(pbx.request_log().is_empty());
}

#[tokio::test]
async fn custom_ca_file_is_trusted_with_host_name_check() {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let pbx = StarfaceSimulator::start_tls(
        Organisation::demo(),
        SimSettings::default(),
        &leaf.pem(),
        &leaf_key.serialize_pem(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("pbx-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let by_name = format!("https://localhost:{}", pbx.port());
    let client = rest(&by_name, TlsTrust::CaFile(ca_file.clone()));
    assert_eq!(client.me().await.unwrap().login, "0001");

    // The certificate names `localhost` only: dialling the IP must fail the host name check.
    let by_ip = format!("https://127.0.0.1:{}", pbx.port());
    let client = rest(&by_ip, TlsTrust::CaFile(ca_file));
    assert!(matches!(
        client.me().await,
        Err(RestError::Unreachable { .. })
    ));
}

#[tokio::test]
async fn presented_fingerprint_is_reported_for_pinning() {
    let cert = self_signed();
    let pbx = https_pbx(&cert).await;
    let timeout = Duration::from_secs(10);
    let untrusted =
        fetch_presented_certificate("127.0.0.1", pbx.port(), &TlsTrust::PublicRoots, timeout)
            .await
            .unwrap();
    assert_eq!(untrusted.sha256, cert.pin);
    assert!(!untrusted.trusted);
    let pinned =
        fetch_presented_certificate("127.0.0.1", pbx.port(), &TlsTrust::Pin(cert.pin), timeout)
            .await
            .unwrap();
    assert!(pinned.trusted);

    let endpoint = PbxEndpoint::new(Url::parse(&pbx.base_url()).unwrap());
    let report = doctor::check_tls_fingerprint(&endpoint).await;
    assert_eq!(report.status, CheckStatus::Failed);
    assert!(
        report.detail.contains(&cert.pin.to_string()),
        "{}",
        report.detail
    );
    let report = doctor::check_tls_fingerprint(&endpoint.with_trust(TlsTrust::Pin(cert.pin))).await;
    assert_eq!(report.status, CheckStatus::Ok, "{}", report.detail);
}
