//! `presence-bridge doctor`'s look at the relay: can this desktop reach the relay's NATS servers
//! over TLS with the policy's credential, read and watch the presence bucket, is a relay
//! renewing its lease (and reaching Microsoft 365), and is the credential refused writes (a
//! desktop credential that may write could forge everybody's presence).

use std::time::Duration;

use futures::StreamExt;
use relay_feed::{LeaseRecord, BUCKET, LEASE_KEY};

use crate::relay_watch::RelayLink;

/// A key no relay writes, for the write probe (not an object id, not the lease).
const WRITE_PROBE_KEY: &str = "doctor.write-probe";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    Warning,
    Failed,
}

/// One line of the relay's part of `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayCheck {
    /// `relay.connect`, `relay.bucket`, `relay.lease`, `relay.read_only`.
    pub check: &'static str,
    pub status: CheckStatus,
    pub detail: String,
    pub hint: Option<&'static str>,
}

impl RelayCheck {
    fn new(check: &'static str, status: CheckStatus, detail: impl Into<String>) -> Self {
        Self {
            check,
            status,
            detail: detail.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }
}

/// Runs the checks in order, stopping at the first that leaves nothing to check. Waits up to
/// `renewal_wait` for a lease renewal (a relay renews every third of its TTL: 3.3 s by default).
pub async fn check_relay(link: &RelayLink, renewal_wait: Duration) -> Vec<RelayCheck> {
    let mut checks = Vec::new();
    let connection = match link.connection() {
        Ok(connection) => connection,
        Err(reason) => {
            checks.push(
                RelayCheck::new("relay.settings", CheckStatus::Failed, reason).hint(
                    "the relay's servers, user, password and CA file come from the admin policy's \
                     [defaults.relay] (docs/RELAY.md)",
                ),
            );
            return checks;
        }
    };
    let client = match connection.connect().await {
        Ok(client) => client,
        Err(error) => {
            checks.push(
                RelayCheck::new(
                    "relay.connect",
                    CheckStatus::Failed,
                    format!("{}: {error}", connection.servers.join(", ")),
                )
                .hint(
                    "check relay.servers, relay.ca_file and that the policy's relay password is \
                     the desktop user's; meanwhile the app polls Microsoft directly",
                ),
            );
            return checks;
        }
    };
    checks.push(RelayCheck::new(
        "relay.connect",
        CheckStatus::Ok,
        format!(
            "TLS connection as `{}` to {}",
            connection.user,
            connection.servers.join(", ")
        ),
    ));
    let js = async_nats::jetstream::new(client);
    let store = match js.get_key_value(BUCKET).await {
        Ok(store) => store,
        Err(error) => {
            checks.push(
                RelayCheck::new(
                    "relay.bucket",
                    CheckStatus::Failed,
                    format!("cannot open the bucket `{BUCKET}`: {error}"),
                )
                .hint("the relay creates the bucket at its first start; is it running?"),
            );
            return checks;
        }
    };
    checks.push(lease_check(&store, renewal_wait).await);
    checks.push(write_check(&store).await);
    checks
}

/// Watches the lease: its current value, then a renewal within `renewal_wait`.
async fn lease_check(store: &async_nats::jetstream::kv::Store, wait: Duration) -> RelayCheck {
    let mut watch = match store.watch_with_history(LEASE_KEY).await {
        Ok(watch) => watch,
        Err(error) => {
            return RelayCheck::new(
                "relay.lease",
                CheckStatus::Failed,
                format!("this credential cannot watch the bucket: {error}"),
            )
            .hint("the desktop user needs the consumer permissions docs/RELAY.md lists");
        }
    };
    let mut seen = 0u32;
    let mut last: Option<LeaseRecord> = None;
    let watched = tokio::time::timeout(wait, async {
        while let Some(entry) = watch.next().await {
            let Ok(entry) = entry else { break };
            last = LeaseRecord::decode(&entry.value).ok();
            seen += 1;
            if seen >= 2 {
                break;
            }
        }
    })
    .await;
    let renewed = watched.is_ok() && seen >= 2;
    match (renewed, last) {
        (true, Some(lease)) if lease.graph_ok => RelayCheck::new(
            "relay.lease",
            CheckStatus::Ok,
            format!(
                "relay `{}` renews its lease and reads presence from Microsoft 365: the app uses \
                 the relay",
                lease.holder
            ),
        ),
        (true, Some(lease)) => RelayCheck::new(
            "relay.lease",
            CheckStatus::Warning,
            format!(
                "relay `{}` cannot read presence from Microsoft 365: the app polls Microsoft \
                 directly",
                lease.holder
            ),
        )
        .hint("run `presence-relay doctor` on the relay host"),
        _ => RelayCheck::new(
            "relay.lease",
            CheckStatus::Warning,
            format!(
                "no relay renewed its lease within {} s: the app polls Microsoft directly",
                wait.as_secs()
            ),
        )
        .hint("start the relay (systemctl status presence-relay on its hosts)"),
    }
}

/// Tries a write the credential must not be allowed; removes it again if it went through.
async fn write_check(store: &async_nats::jetstream::kv::Store) -> RelayCheck {
    let written = store
        .put(WRITE_PROBE_KEY, b"{}".to_vec().into())
        .await
        .is_ok();
    if written {
        let _ = store.purge(WRITE_PROBE_KEY).await;
        return RelayCheck::new(
            "relay.read_only",
            CheckStatus::Failed,
            "this credential may write the presence bucket: anyone with it could forge \
             colleagues' presence",
        )
        .hint(
            "give desktops the read-only NATS user (docs/RELAY.md, `desktop`), never the relay's",
        );
    }
    RelayCheck::new(
        "relay.read_only",
        CheckStatus::Ok,
        "writes are refused to this credential",
    )
}
