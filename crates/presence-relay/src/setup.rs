//! From the configuration file to a ready [`Relay`]: secrets resolved, certificate loaded.

use std::sync::Arc;
use std::time::Duration;

use graph_client::app_only::{
    AppCredential, AppGraphClient, AppTokenSource, CertificateCredential,
};
use graph_client::Timing;
use keychain::SecretStore;
use relay_feed::FeedConnection;

use crate::config::{EntraCredentialRef, RelayConfig};
use crate::error::RelayError;
use crate::relay::{Relay, RelaySettings};
use crate::secrets::{read_private_file, resolve};

/// Everything the relay needs, secrets included (never logged: `Secret` hides them).
pub struct Resolved {
    pub graph: AppGraphClient,
    pub connection: FeedConnection,
    pub settings: RelaySettings,
}

/// The OS keychain of the service user.
pub fn os_keychain() -> Arc<dyn SecretStore> {
    Arc::new(
        keychain::OsKeychain::with_service("presence-relay").with_deadline(Duration::from_secs(10)),
    )
}

pub fn resolve_config(
    config: &RelayConfig,
    keychain: &dyn Fn() -> Arc<dyn SecretStore>,
) -> Result<Resolved, RelayError> {
    let credential =
        match config
            .entra_credential()
            .map_err(|(key, reason)| RelayError::Setting {
                key: key.into(),
                reason,
            })? {
            EntraCredentialRef::Certificate { certificate, key } => {
                let certificate_pem =
                    std::fs::read(&certificate).map_err(|e| RelayError::Setting {
                        key: "microsoft.certificate_file".into(),
                        reason: format!("cannot read {}: {e}", certificate.display()),
                    })?;
                let key_pem = read_private_file(&key, "microsoft.private_key_file")?;
                let loaded = CertificateCredential::from_pem(
                    &certificate_pem,
                    &key_pem,
                    &format!("{} / {}", certificate.display(), key.display()),
                )
                .map_err(|e| RelayError::Setting {
                    key: "microsoft.certificate_file".into(),
                    reason: e.to_string(),
                })?;
                AppCredential::Certificate(Arc::new(loaded))
            }
            EntraCredentialRef::Secret(reference) => {
                AppCredential::Secret(resolve(&reference, "microsoft.client_secret", keychain)?)
            }
        };
    let tokens = AppTokenSource::new(config.microsoft_config()?, credential, Timing::real())?;
    let graph = AppGraphClient::new(Arc::new(tokens), Duration::from_secs(20));
    let password_ref = config
        .nats_password()
        .map_err(|(key, reason)| RelayError::Setting {
            key: key.into(),
            reason,
        })?;
    let password = resolve(&password_ref, "nats.password", keychain)?;
    let mut connection = config.feed_connection_without_password();
    connection.password = password;
    let instance = config
        .lease
        .instance
        .clone()
        .unwrap_or_else(default_instance);
    connection.client_name = format!("presence-relay@{instance}");
    Ok(Resolved {
        graph,
        connection,
        settings: RelaySettings {
            poll_interval: config.polling.interval(),
            allowed_per_30s: config.polling.allowed_per_30s(),
            directory_refresh: Duration::from_secs(config.polling.directory_refresh_secs),
            lease_ttl: config.lease.ttl(),
            replicas: config.nats.replicas,
            instance,
        },
    })
}

impl Resolved {
    pub fn into_relay(self) -> Relay {
        Relay::new(self.graph, self.connection, self.settings)
    }
}

/// `host:pid`, so two relays on one host are told apart in the lease.
fn default_instance() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "relay".into());
    format!("{host}:{}", std::process::id())
}
