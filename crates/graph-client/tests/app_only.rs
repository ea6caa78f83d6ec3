//! App-only sign-in (client credentials) and the relay's Graph calls, against the simulator's
//! strict confidential-client registration and its generated 2,000-user tenant.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use graph_client::app_only::{
    client_assertion, AppCredential, AppGraphClient, AppTokenSource, AssertionClaims,
    CertificateCredential, CLIENT_ASSERTION_TYPE,
};
use graph_client::{AuthError, GraphError, MicrosoftConfig, Timing};
use keychain::Secret;
use simulators::graph::{
    AppOnlySetup, GraphSimSetup, GraphSimulator, RosterSetup, DEFAULT_TENANT_ID, RELAY_CLIENT_ID,
};

/// A fresh RSA key and self-signed certificate from the `openssl` command line (ring cannot
/// generate RSA keys). Returns (certificate PEM, key PEM).
fn rsa_certificate() -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let cert = dir.path().join("cert.pem");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        ])
        .arg("/CN=presence-relay")
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is installed (scripts/install-deps.sh test)");
    assert!(status.success());
    (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap())
}

fn certificate_der(pem: &[u8]) -> Vec<u8> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(pem)
        .unwrap()
        .to_vec()
}

async fn simulator(setup: AppOnlySetup, users: u32, budget: u32) -> GraphSimulator {
    GraphSimulator::start(GraphSimSetup {
        app_only: setup,
        roster: RosterSetup {
            users,
            delta_page_size: 500,
        },
        presence_budget_per_30s: budget,
        ..GraphSimSetup::default()
    })
    .await
    .unwrap()
}

fn config(sim: &GraphSimulator) -> MicrosoftConfig {
    MicrosoftConfig::new(RELAY_CLIENT_ID)
        .unwrap()
        .with_tenant(DEFAULT_TENANT_ID)
        .with_authority(&sim.base_url())
        .unwrap()
        .with_graph_base(&sim.graph_url())
        .unwrap()
}

fn client(sim: &GraphSimulator, credential: AppCredential) -> AppGraphClient {
    let tokens = AppTokenSource::new(config(sim), credential, Timing::real()).unwrap();
    AppGraphClient::new(Arc::new(tokens), Duration::from_secs(10))
}

#[tokio::test]
async fn a_client_secret_reads_presence_and_a_wrong_one_is_refused() {
    let sim = simulator(
        AppOnlySetup {
            secrets: vec!["s3cret~value".into()],
            ..AppOnlySetup::default()
        },
        100,
        1_500,
    )
    .await;
    let ids: Vec<String> = (0..3)
        .map(|i| sim.control().roster_id(i).to_string())
        .collect();
    let graph = client(&sim, AppCredential::Secret(Secret::new("s3cret~value")));
    let records = graph.presence_batch(&ids).await.unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].id, ids[0]);
    assert_eq!(sim.control().app_tokens_issued(), 1);

    let wrong = client(
        &sim,
        AppCredential::Secret(Secret::new("secret-id-not-value")),
    );
    let error = wrong.presence_batch(&ids).await.unwrap_err();
    assert!(
        matches!(
            error,
            GraphError::Auth(AuthError::AppRegistration {
                aadsts: 7000215,
                ..
            })
        ),
        "{error:?}"
    );

    // Without the application permission, Graph refuses the batch.
    sim.control().set_app_roles(&["User.Read.All"]);
    let no_role = client(&sim, AppCredential::Secret(Secret::new("s3cret~value")));
    let error = no_role.presence_batch(&ids).await.unwrap_err();
    assert!(error.is_forbidden(), "{error:?}");

    // App-only needs a named tenant.
    let organizations = config(&sim).with_tenant("organizations");
    assert!(AppTokenSource::new(
        organizations,
        AppCredential::Secret(Secret::new("x")),
        Timing::real()
    )
    .is_err());
}

#[tokio::test]
async fn a_certificate_assertion_signs_in_and_the_simulator_checks_every_claim() {
    let (cert_pem, key_pem) = rsa_certificate();
    let sim = simulator(
        AppOnlySetup {
            certificates: vec![certificate_der(&cert_pem)],
            ..AppOnlySetup::default()
        },
        10,
        1_500,
    )
    .await;
    let certificate =
        Arc::new(CertificateCredential::from_pem(&cert_pem, &key_pem, "test").unwrap());
    let graph = client(&sim, AppCredential::Certificate(certificate.clone()));
    let id = sim.control().roster_id(1).to_string();
    assert_eq!(graph.presence_batch(&[id]).await.unwrap().len(), 1);

    // A key whose certificate was never uploaded.
    let (other_cert, other_key) = rsa_certificate();
    let stranger =
        Arc::new(CertificateCredential::from_pem(&other_cert, &other_key, "other").unwrap());
    let error = client(&sim, AppCredential::Certificate(stranger.clone()))
        .users_delta(None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, GraphError::Auth(ref e) if e.aadsts() == Some(700027)),
        "{error:?}"
    );

    // Hand-made assertions: each broken claim is refused with Entra's code.
    let endpoint = config(&sim).token_endpoint();
    let http = reqwest::Client::new();
    let post = |assertion: String| {
        let http = http.clone();
        let endpoint = endpoint.clone();
        async move {
            let response = http
                .post(&endpoint)
                .form(&[
                    ("client_id", RELAY_CLIENT_ID),
                    ("scope", "https://graph.microsoft.com/.default"),
                    ("grant_type", "client_credentials"),
                    ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                    ("client_assertion", assertion.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body["error_codes"][0].as_u64().unwrap_or(0))
        }
    };
    let now = SystemTime::now();
    let good = AssertionClaims::new(RELAY_CLIENT_ID, &endpoint, now);
    let signed = client_assertion(&certificate, &good).unwrap();
    assert_eq!(post(signed.clone()).await.0, 200);
    assert_eq!(
        post(signed).await,
        (401, 700027),
        "a replayed jti is refused"
    );

    let wrong_audience = AssertionClaims {
        aud: "https://login.microsoftonline.com/other/oauth2/v2.0/token".into(),
        ..AssertionClaims::new(RELAY_CLIENT_ID, &endpoint, now)
    };
    assert_eq!(
        post(client_assertion(&certificate, &wrong_audience).unwrap()).await,
        (401, 700023)
    );
    let expired = AssertionClaims::new(RELAY_CLIENT_ID, &endpoint, now - Duration::from_secs(3600));
    assert_eq!(
        post(client_assertion(&certificate, &expired).unwrap()).await,
        (401, 700024)
    );
    let not_yet = AssertionClaims::new(RELAY_CLIENT_ID, &endpoint, now + Duration::from_secs(3600));
    assert_eq!(
        post(client_assertion(&certificate, &not_yet).unwrap()).await,
        (401, 700024)
    );
    let other_issuer = AssertionClaims {
        iss: "someone-else".into(),
        ..AssertionClaims::new(RELAY_CLIENT_ID, &endpoint, now)
    };
    assert_eq!(
        post(client_assertion(&certificate, &other_issuer).unwrap()).await,
        (401, 700021)
    );
    // Signed by another key but naming the registered certificate: the signature check fails.
    let forged = client_assertion(
        &stranger,
        &AssertionClaims::new(RELAY_CLIENT_ID, &endpoint, now),
    )
    .unwrap();
    let mut parts: Vec<&str> = forged.split('.').collect();
    let genuine_header = client_assertion(&certificate, &good).unwrap();
    parts[0] = genuine_header.split('.').next().unwrap();
    assert_eq!(post(parts.join(".")).await, (401, 700027));
}

#[tokio::test]
async fn user_delta_pages_through_the_tenant_then_lists_joiners_and_leavers() {
    let sim = simulator(
        AppOnlySetup {
            secrets: vec!["s".into()],
            ..AppOnlySetup::default()
        },
        2_000,
        1_500,
    )
    .await;
    let graph = client(&sim, AppCredential::Secret(Secret::new("s")));
    let mut link = None;
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    let delta_link = loop {
        let page = graph.users_delta(link.as_deref()).await.unwrap();
        pages += 1;
        assert!(page.removed.is_empty());
        for user in &page.changed {
            assert!(user
                .mail
                .as_deref()
                .is_some_and(|m| m.ends_with("@contoso.com")));
            seen.insert(user.id.clone());
        }
        match (page.next_link, page.delta_link) {
            (Some(next), None) => link = Some(next),
            (None, Some(delta)) => break delta,
            other => panic!("unexpected links {other:?}"),
        }
    };
    // 2,000 generated + the 31 users of the small world, in pages of 500.
    assert_eq!(seen.len(), 2_031);
    assert_eq!(pages, 5);

    let leaver = sim.control().roster_id(17);
    assert!(sim.control().roster_leave(leaver));
    let joiners = sim.control().roster_join(2);
    let page = graph.users_delta(Some(&delta_link)).await.unwrap();
    assert_eq!(page.removed, vec![leaver.to_string()]);
    let mut changed: Vec<String> = page.changed.iter().map(|u| u.id.clone()).collect();
    changed.sort();
    let mut expected: Vec<String> = joiners.iter().map(|u| u.to_string()).collect();
    expected.sort();
    assert_eq!(changed, expected);
    let after = graph.users_delta(page.delta_link.as_deref()).await.unwrap();
    assert!(after.changed.is_empty() && after.removed.is_empty());

    // A delta link to another host is never followed with the app token.
    let error = graph
        .users_delta(Some("https://evil.example/v1.0/users/delta?$deltatoken=x"))
        .await
        .unwrap_err();
    assert!(matches!(error, GraphError::InvalidRequest(_)));
}

#[tokio::test]
async fn the_presence_budget_is_shared_by_every_client_of_the_app_and_429_carries_retry_after() {
    let sim = simulator(
        AppOnlySetup {
            secrets: vec!["s".into()],
            ..AppOnlySetup::default()
        },
        10,
        3,
    )
    .await;
    let ids = vec![sim.control().roster_id(0).to_string()];
    let first = client(&sim, AppCredential::Secret(Secret::new("s")));
    let second = client(&sim, AppCredential::Secret(Secret::new("s")));
    first.presence_batch(&ids).await.unwrap();
    second.presence_batch(&ids).await.unwrap();
    first.presence_batch(&ids).await.unwrap();
    // The fourth request in the window, from the other client: throttled, not retried inside.
    let error = second.presence_batch(&ids).await.unwrap_err();
    match error {
        GraphError::Throttled {
            status: 429,
            retry_after: Some(wait),
        } => assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30)),
        other => panic!("expected a 429 with Retry-After, got {other:?}"),
    }
}
