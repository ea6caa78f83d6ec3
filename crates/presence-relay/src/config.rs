//! The relay's configuration file (TOML). Secrets are never in it: it names the file or the
//! keychain entry each secret comes from (see [`crate::secrets`]).
//!
//! ```toml
//! [microsoft]
//! tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
//! client_id = "0b7e6a8c-3f0d-4d5e-9b1c-2a4f6e8d0c11"
//! certificate_file = "/etc/presence-relay/entra-cert.pem"
//! private_key_file = "/etc/presence-relay/entra-key.pem"   # mode 0600
//!
//! [nats]
//! servers = ["tls://nats1.example.com:4222", "tls://nats2.example.com:4222"]
//! user = "relay"
//! password_file = "/etc/presence-relay/nats-password"     # mode 0600
//! ca_file = "/etc/presence-relay/nats-ca.pem"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::RelayError;

/// Graph's documented presence budget per app per tenant (the smaller of the two published
/// figures).
pub const TENANT_BUDGET_PER_30S: u32 = 1_500;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    pub microsoft: MicrosoftSection,
    pub nats: NatsSection,
    #[serde(default)]
    pub polling: PollingSection,
    #[serde(default)]
    pub lease: LeaseSection,
}

/// Where a secret comes from: a file only the service user can read, or the OS keychain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    File(PathBuf),
    Keychain(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicrosoftSection {
    /// The tenant id (or a verified domain): app-only sign-in needs it named.
    pub tenant: String,
    /// The relay's own app registration (not the desktop app's).
    pub client_id: String,
    /// PEM certificate uploaded to the app registration, and its private key (mode 0600).
    #[serde(default)]
    pub certificate_file: Option<PathBuf>,
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    /// Or a client secret, from a file (mode 0600) or a keychain entry.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    #[serde(default)]
    pub client_secret_keychain: Option<String>,
    #[serde(default = "default_authority")]
    pub authority: String,
    #[serde(default = "default_graph")]
    pub graph: String,
}

fn default_authority() -> String {
    graph_client::config::PUBLIC_AUTHORITY.into()
}

fn default_graph() -> String {
    graph_client::config::PUBLIC_GRAPH.into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSection {
    pub servers: Vec<String>,
    pub user: String,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub password_keychain: Option<String>,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Copies of the bucket when the relay creates it (3 in a three-node cluster).
    #[serde(default = "default_replicas")]
    pub replicas: usize,
}

fn default_replicas() -> usize {
    3
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollingSection {
    /// How often every person's presence is read, at best (the budget may stretch it).
    pub interval_secs: f64,
    /// Share of the tenant's presence budget the relay may use, in percent.
    pub budget_share_percent: u32,
    /// The tenant's presence budget per 30 s (Graph documents 1,500; raise it only when
    /// Microsoft confirms a higher limit for the tenant).
    pub tenant_budget_per_30s: u32,
    /// How often `/users/delta` is asked for joiners and leavers.
    pub directory_refresh_secs: u64,
}

impl Default for PollingSection {
    fn default() -> Self {
        Self {
            interval_secs: 5.0,
            budget_share_percent: 20,
            tenant_budget_per_30s: TENANT_BUDGET_PER_30S,
            directory_refresh_secs: 300,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaseSection {
    /// A standby takes over when the lease has not been renewed for this long.
    pub ttl_secs: f64,
    /// This relay's name in the lease (default: host name and process id).
    pub instance: Option<String>,
}

impl Default for LeaseSection {
    fn default() -> Self {
        Self {
            ttl_secs: 10.0,
            instance: None,
        }
    }
}

impl PollingSection {
    pub fn interval(&self) -> Duration {
        Duration::from_secs_f64(self.interval_secs)
    }

    /// Presence requests the relay may send per 30 s.
    pub fn allowed_per_30s(&self) -> u32 {
        (self.tenant_budget_per_30s as u64 * self.budget_share_percent as u64 / 100).max(1) as u32
    }
}

impl LeaseSection {
    pub fn ttl(&self) -> Duration {
        Duration::from_secs_f64(self.ttl_secs)
    }
}

/// How the relay proves itself to Entra, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntraCredentialRef {
    Certificate { certificate: PathBuf, key: PathBuf },
    Secret(SecretRef),
}

impl RelayConfig {
    pub fn load(path: &Path) -> Result<Self, RelayError> {
        let text = std::fs::read_to_string(path).map_err(|source| RelayError::ReadConfig {
            file: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, RelayError> {
        let deserializer =
            toml::Deserializer::parse(text).map_err(|e| RelayError::ConfigSyntax {
                file: path.to_owned(),
                message: e.to_string(),
            })?;
        let config: RelayConfig =
            serde_path_to_error::deserialize(deserializer).map_err(|e| RelayError::Config {
                file: path.to_owned(),
                key: e.path().to_string(),
                reason: e.inner().message().to_owned(),
            })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), RelayError> {
        let bad = |key: &str, reason: String| RelayError::Config {
            file: path.to_owned(),
            key: key.to_owned(),
            reason,
        };
        let m = &self.microsoft;
        if matches!(
            m.tenant.trim().to_ascii_lowercase().as_str(),
            "" | "organizations" | "common" | "consumers"
        ) {
            return Err(bad(
                "microsoft.tenant",
                "name the tenant (its id or a verified domain); the relay signs in as an application, which has no home tenant to guess".into(),
            ));
        }
        if !graph_client::graph::is_object_id(m.client_id.trim()) {
            return Err(bad(
                "microsoft.client_id",
                "expected the relay app registration's Application (client) ID, a GUID".into(),
            ));
        }
        self.entra_credential()
            .map_err(|(key, reason)| bad(key, reason))?;
        for (key, value) in [
            ("microsoft.authority", &m.authority),
            ("microsoft.graph", &m.graph),
        ] {
            let url = url::Url::parse(value).map_err(|e| bad(key, e.to_string()))?;
            let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
                return Err(bad(key, "must be an https:// URL".into()));
            }
        }
        let connection = self.feed_connection_without_password();
        connection
            .validate()
            .map_err(|e| bad("nats.servers", e.to_string()))?;
        if !(1..=5).contains(&self.nats.replicas) {
            return Err(bad("nats.replicas", "must be between 1 and 5".into()));
        }
        self.nats_password()
            .map_err(|(key, reason)| bad(key, reason))?;
        let p = &self.polling;
        if !(1.0..=300.0).contains(&p.interval_secs) {
            return Err(bad(
                "polling.interval_secs",
                "must be between 1 and 300".into(),
            ));
        }
        if !(1..=100).contains(&p.budget_share_percent) {
            return Err(bad(
                "polling.budget_share_percent",
                "must be between 1 and 100".into(),
            ));
        }
        if p.tenant_budget_per_30s == 0 {
            return Err(bad(
                "polling.tenant_budget_per_30s",
                "must be positive".into(),
            ));
        }
        if p.directory_refresh_secs < 30 {
            return Err(bad(
                "polling.directory_refresh_secs",
                "must be at least 30".into(),
            ));
        }
        if !(2.0..=60.0).contains(&self.lease.ttl_secs) {
            return Err(bad("lease.ttl_secs", "must be between 2 and 60".into()));
        }
        Ok(())
    }

    /// Exactly one way to authenticate to Entra.
    pub fn entra_credential(&self) -> Result<EntraCredentialRef, (&'static str, String)> {
        let m = &self.microsoft;
        let certificate = match (&m.certificate_file, &m.private_key_file) {
            (Some(certificate), Some(key)) => Some(EntraCredentialRef::Certificate {
                certificate: certificate.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err((
                    "microsoft.private_key_file",
                    "is needed with microsoft.certificate_file".into(),
                ))
            }
            (None, Some(_)) => {
                return Err((
                    "microsoft.certificate_file",
                    "is needed with microsoft.private_key_file".into(),
                ))
            }
        };
        let secret = match (&m.client_secret_file, &m.client_secret_keychain) {
            (Some(file), None) => Some(EntraCredentialRef::Secret(SecretRef::File(file.clone()))),
            (None, Some(entry)) => Some(EntraCredentialRef::Secret(SecretRef::Keychain(
                entry.clone(),
            ))),
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err((
                    "microsoft.client_secret_file",
                    "set either client_secret_file or client_secret_keychain, not both".into(),
                ))
            }
        };
        match (certificate, secret) {
            (Some(c), None) => Ok(c),
            (None, Some(s)) => Ok(s),
            (None, None) => Err((
                "microsoft.certificate_file",
                "configure a certificate (certificate_file + private_key_file) or a client secret (client_secret_file or client_secret_keychain)".into(),
            )),
            (Some(_), Some(_)) => Err((
                "microsoft.client_secret_file",
                "configure a certificate or a client secret, not both".into(),
            )),
        }
    }

    pub fn nats_password(&self) -> Result<SecretRef, (&'static str, String)> {
        match (&self.nats.password_file, &self.nats.password_keychain) {
            (Some(file), None) => Ok(SecretRef::File(file.clone())),
            (None, Some(entry)) => Ok(SecretRef::Keychain(entry.clone())),
            (None, None) => Err((
                "nats.password_file",
                "set password_file or password_keychain".into(),
            )),
            (Some(_), Some(_)) => Err((
                "nats.password_file",
                "set either password_file or password_keychain, not both".into(),
            )),
        }
    }

    pub(crate) fn feed_connection_without_password(&self) -> relay_feed::FeedConnection {
        let mut connection = relay_feed::FeedConnection::new(
            self.nats.servers.clone(),
            self.nats.user.clone(),
            keychain::Secret::new(""),
        );
        connection.ca_file = self.nats.ca_file.clone();
        connection
    }

    pub fn microsoft_config(&self) -> Result<graph_client::MicrosoftConfig, RelayError> {
        let config_error = |e: graph_client::config::ConfigError| RelayError::Setting {
            key: "microsoft".into(),
            reason: e.to_string(),
        };
        graph_client::MicrosoftConfig::new(self.microsoft.client_id.trim())
            .map_err(config_error)?
            .with_tenant(self.microsoft.tenant.trim())
            .with_authority(&self.microsoft.authority)
            .map_err(config_error)?
            .with_graph_base(&self.microsoft.graph)
            .map_err(config_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[microsoft]
tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
client_id = "0b7e6a8c-3f0d-4d5e-9b1c-2a4f6e8d0c11"
client_secret_file = "/etc/presence-relay/secret"

[nats]
servers = ["tls://127.0.0.1:4222"]
user = "relay"
password_file = "/etc/presence-relay/nats-password"
"#;

    fn parse(text: &str) -> Result<RelayConfig, RelayError> {
        RelayConfig::parse(text, Path::new("relay.toml"))
    }

    #[test]
    fn a_minimal_file_gets_the_defaults() {
        let config = parse(GOOD).unwrap();
        assert_eq!(config.polling.allowed_per_30s(), 300);
        assert_eq!(config.polling.interval(), Duration::from_secs(5));
        assert_eq!(config.lease.ttl(), Duration::from_secs(10));
        assert_eq!(config.nats.replicas, 3);
        assert!(matches!(
            config.entra_credential(),
            Ok(EntraCredentialRef::Secret(SecretRef::File(_)))
        ));
    }

    #[test]
    fn errors_name_the_key() {
        let key_of = |text: &str| match parse(text) {
            Err(RelayError::Config { key, .. }) => key,
            other => panic!("expected a config error, got {other:?}"),
        };
        assert_eq!(
            key_of(&GOOD.replace("72f988bf-86f1-41af-91ab-2d7cd011db47", "organizations")),
            "microsoft.tenant"
        );
        assert_eq!(
            key_of(&GOOD.replace("0b7e6a8c-3f0d-4d5e-9b1c-2a4f6e8d0c11", "relay")),
            "microsoft.client_id"
        );
        assert_eq!(
            key_of(&GOOD.replace("client_secret_file", "certificate_file")),
            "microsoft.private_key_file"
        );
        assert_eq!(
            key_of(&GOOD.replace("tls://127.0.0.1:4222", "http://nats")),
            "nats.servers"
        );
        assert_eq!(
            key_of(&format!("{GOOD}\n[polling]\nbudget_share_percent = 0\n")),
            "polling.budget_share_percent"
        );
        assert_eq!(
            key_of(&format!("{GOOD}\n[polling]\nintervall_secs = 5\n")),
            "polling.intervall_secs"
        );
        assert_eq!(
            key_of(&GOOD.replace("password_file", "passwort_file")),
            "nats.passwort_file"
        );
        assert!(matches!(
            parse("[microsoft"),
            Err(RelayError::ConfigSyntax { .. })
        ));
    }
}
