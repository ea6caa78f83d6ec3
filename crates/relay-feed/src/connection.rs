//! How to reach the NATS servers: a URL list, a user and password, and the CA that signed the
//! servers' certificates. TLS is always required; there is no switch to turn it off.

use std::path::PathBuf;
use std::time::Duration;

use keychain::Secret;

/// Why the connection settings are unusable (checked before any network traffic).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConnectionError {
    #[error("no NATS server URL is configured")]
    NoServers,
    #[error("`{0}` is not a NATS URL: use tls://host:port (or nats://host:port; TLS is required either way)")]
    BadUrl(String),
    #[error("the NATS user name is empty")]
    NoUser,
    #[error("the CA certificate file {0} does not exist")]
    MissingCaFile(PathBuf),
}

/// Connection settings shared by the relay (its writing user) and desktops (the read-only user).
#[derive(Clone)]
pub struct FeedConnection {
    /// `tls://host:4222`, several for a cluster (the client also learns the others).
    pub servers: Vec<String>,
    pub user: String,
    pub password: Secret,
    /// The CA that signed the servers' certificates, when it is not a public one.
    pub ca_file: Option<PathBuf>,
    /// Shown in the server's connection list (`presence-relay@host`, `presence-bridge@host`).
    pub client_name: String,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// How long a JetStream request (put, update, consumer creation) may take.
    pub request_timeout: Duration,
}

impl std::fmt::Debug for FeedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedConnection")
            .field("servers", &self.servers)
            .field("user", &self.user)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl FeedConnection {
    pub fn new(servers: Vec<String>, user: impl Into<String>, password: Secret) -> Self {
        Self {
            servers,
            user: user.into(),
            password,
            ca_file: None,
            client_name: "presence-feed".into(),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(5),
        }
    }

    pub fn with_ca_file(mut self, ca_file: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(ca_file.into());
        self
    }

    pub fn with_client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = name.into();
        self
    }

    /// Checks the settings without connecting.
    pub fn validate(&self) -> Result<(), ConnectionError> {
        if self.servers.is_empty() {
            return Err(ConnectionError::NoServers);
        }
        for server in &self.servers {
            let rest = server
                .strip_prefix("tls://")
                .or_else(|| server.strip_prefix("nats://"))
                .ok_or_else(|| ConnectionError::BadUrl(server.clone()))?;
            if rest.is_empty() || rest.contains('/') || rest.contains('@') {
                // Credentials in the URL would end up in logs; they belong in `user`/`password`.
                return Err(ConnectionError::BadUrl(server.clone()));
            }
        }
        if self.user.trim().is_empty() {
            return Err(ConnectionError::NoUser);
        }
        if let Some(ca) = &self.ca_file {
            if !ca.is_file() {
                return Err(ConnectionError::MissingCaFile(ca.clone()));
            }
        }
        Ok(())
    }

    /// async-nats options: TLS required, our CA, user and password, our timeouts, and reconnects
    /// forever (a desktop or relay outlives any server).
    pub fn options(&self) -> async_nats::ConnectOptions {
        let mut options = async_nats::ConnectOptions::with_user_and_password(
            self.user.clone(),
            self.password.expose().to_owned(),
        )
        .require_tls(true)
        .name(&self.client_name)
        .connection_timeout(self.connect_timeout)
        .request_timeout(Some(self.request_timeout))
        .ping_interval(Duration::from_secs(5))
        .max_reconnects(None)
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis((250 * attempts as u64).min(2_000))
        });
        if let Some(ca) = &self.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        options
    }

    /// Connects once (no retry: callers decide how to wait and what to report meanwhile).
    pub async fn connect(&self) -> Result<async_nats::Client, async_nats::ConnectError> {
        self.options().connect(self.servers.clone()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_before_connecting() {
        let ok = FeedConnection::new(vec!["tls://nats1:4222".into()], "desktop", Secret::new("x"));
        assert_eq!(ok.validate(), Ok(()));
        let none = FeedConnection::new(vec![], "desktop", Secret::new("x"));
        assert_eq!(none.validate(), Err(ConnectionError::NoServers));
        let creds = FeedConnection::new(
            vec!["tls://desktop:pw@nats1:4222".into()],
            "desktop",
            Secret::new("x"),
        );
        assert!(matches!(creds.validate(), Err(ConnectionError::BadUrl(_))));
        let http = FeedConnection::new(vec!["https://nats1".into()], "d", Secret::new("x"));
        assert!(matches!(http.validate(), Err(ConnectionError::BadUrl(_))));
        let no_user = FeedConnection::new(vec!["tls://n:1".into()], " ", Secret::new("x"));
        assert_eq!(no_user.validate(), Err(ConnectionError::NoUser));
        let ca = ok.clone().with_ca_file("/nonexistent/ca.pem");
        assert!(matches!(
            ca.validate(),
            Err(ConnectionError::MissingCaFile(_))
        ));
    }
}
