//! Shared parts: certificates from a private CA, statuses, waiting for a hook's result.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use keychain::{MemoryStore, Secret, SecretStore};
use presence_core::{PhoneState, TeamsPresence, TelephonyState};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use settings::HookKind;
use status_hooks::{HookReport, HookStatus, StatusHooks};

/// Long enough for any slow CI machine; a deadline against hangs, not a timing goal.
pub const PATIENCE: Duration = Duration::from_secs(40);

/// A private CA and a server certificate for `localhost` and `127.0.0.1` it signed, as files.
pub struct Certificates {
    _dir: tempfile::TempDir,
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Certificates {
    pub fn new() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        let cert_file = dir.path().join("server.pem");
        let key_file = dir.path().join("server.key");
        let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
        std::fs::write(&ca_file, ca.pem()).unwrap();
        std::fs::write(&cert_file, &cert_pem).unwrap();
        std::fs::write(&key_file, &key_pem).unwrap();
        Self {
            _dir: dir,
            ca_file,
            cert_file,
            key_file,
            cert_pem,
            key_pem,
        }
    }

    pub fn ca_path(&self) -> String {
        self.ca_file.to_str().unwrap().to_owned()
    }
}

/// A keychain holding one entry.
pub fn secrets_with(entry: &str, value: &str) -> Arc<dyn SecretStore> {
    let store = MemoryStore::new();
    store.set(entry, &Secret::new(value)).unwrap();
    Arc::new(store)
}

pub fn in_a_meeting() -> HookStatus {
    HookStatus::new(
        Some(
            TeamsPresence::new("Busy", "InAMeeting")
                .with_status_message("Budget review, back at 3"),
        ),
        Some(PhoneState::new(TelephonyState::Available)),
    )
}

pub fn available() -> HookStatus {
    HookStatus::new(
        Some(TeamsPresence::new("Available", "Available")),
        Some(PhoneState::new(TelephonyState::Available)),
    )
}

pub fn on_the_phone() -> HookStatus {
    let mut phone = PhoneState::new(TelephonyState::Active);
    phone.dnd = true;
    HookStatus::new(
        Some(TeamsPresence::new("Available", "Available")),
        Some(phone),
    )
}

/// Waits until `kind`'s report satisfies `done`; panics with the last report after [`PATIENCE`].
pub async fn wait_for(
    hooks: &StatusHooks,
    kind: HookKind,
    what: &str,
    done: impl Fn(&HookReport) -> bool,
) -> HookReport {
    let mut results = hooks.results();
    let waited = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(report) = results.borrow_and_update().get(kind) {
                if done(report) {
                    return report.clone();
                }
            }
            results.changed().await.expect("the hooks are running");
        }
    })
    .await;
    waited.unwrap_or_else(|_| {
        panic!(
            "{what}: last report {:?}",
            hooks.results().borrow().get(kind)
        )
    })
}

/// Whether the last attempt succeeded.
pub fn ok(report: &HookReport) -> bool {
    report
        .last
        .as_ref()
        .is_some_and(|attempt| attempt.result.is_ok())
}

/// Polls `check` until it is true; panics with `what` after [`PATIENCE`].
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
