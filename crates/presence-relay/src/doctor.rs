//! `presence-relay doctor`: every link of the chain checked once, each with what to do when it
//! fails. Prints no secret and no presence.

use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use relay_feed::{LeaseRecord, BUCKET, LEASE_KEY};

use crate::config::RelayConfig;
use crate::pacing::CyclePlan;
use crate::setup::resolve_config;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    Warning(String),
    Failed(String),
    /// Not run because an earlier check failed.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
}

impl Check {
    fn new(name: &'static str, outcome: Outcome) -> Self {
        Self { name, outcome }
    }
}

/// Whether every check passed (warnings pass).
pub fn all_passed(checks: &[Check]) -> bool {
    !checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Failed(_) | Outcome::Skipped))
}

pub fn render(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        let (mark, text) = match &check.outcome {
            Outcome::Ok(text) => ("ok  ", text.as_str()),
            Outcome::Warning(text) => ("warn", text.as_str()),
            Outcome::Failed(text) => ("FAIL", text.as_str()),
            Outcome::Skipped => ("skip", "not checked (an earlier check failed)"),
        };
        out.push_str(&format!("[{mark}] {}: {text}\n", check.name));
    }
    out
}

pub async fn run(config: &RelayConfig, keychain: &dyn Fn() -> Arc<dyn SecretStore>) -> Vec<Check> {
    let mut checks = vec![Check::new(
        "configuration",
        Outcome::Ok("readable and valid".into()),
    )];
    let resolved = match resolve_config(config, keychain) {
        Ok(resolved) => {
            checks.push(Check::new(
                "secrets",
                Outcome::Ok(
                    "read (files are private to the service user, or from the keychain)".into(),
                ),
            ));
            resolved
        }
        Err(error) => {
            checks.push(Check::new("secrets", Outcome::Failed(error.to_string())));
            for name in [
                "Entra sign-in",
                "Graph directory",
                "Graph presence",
                "NATS",
                "bucket",
                "lease",
            ] {
                checks.push(Check::new(name, Outcome::Skipped));
            }
            return checks;
        }
    };

    // Microsoft side.
    let graph = &resolved.graph;
    match graph.tokens().access_token().await {
        Ok(_) => {
            checks.push(Check::new(
                "Entra sign-in",
                Outcome::Ok(format!(
                    "app-only token for client {} in tenant {}",
                    config.microsoft.client_id, config.microsoft.tenant
                )),
            ));
            match graph.users_delta(None).await {
                Ok(page) => {
                    checks.push(Check::new(
                        "Graph directory",
                        Outcome::Ok(format!(
                            "/users/delta answers ({} users on the first page)",
                            page.changed.len()
                        )),
                    ));
                    match page.changed.first() {
                        Some(first) => match graph.presence_batch(std::slice::from_ref(&first.id)).await {
                            Ok(_) => checks.push(Check::new("Graph presence", Outcome::Ok("getPresencesByUserId answers".into()))),
                            Err(error) if error.is_forbidden() => checks.push(Check::new(
                                "Graph presence",
                                Outcome::Failed("forbidden: grant the application permission Presence.Read.All to the relay's app registration and give admin consent".into()),
                            )),
                            Err(error) => checks.push(Check::new("Graph presence", Outcome::Failed(error.to_string()))),
                        },
                        None => checks.push(Check::new("Graph presence", Outcome::Warning("the directory is empty; nothing to read".into()))),
                    }
                }
                Err(error) if error.is_forbidden() => {
                    checks.push(Check::new(
                        "Graph directory",
                        Outcome::Failed("forbidden: grant the application permission User.Read.All to the relay's app registration and give admin consent".into()),
                    ));
                    checks.push(Check::new("Graph presence", Outcome::Skipped));
                }
                Err(error) => {
                    checks.push(Check::new(
                        "Graph directory",
                        Outcome::Failed(error.to_string()),
                    ));
                    checks.push(Check::new("Graph presence", Outcome::Skipped));
                }
            }
        }
        Err(error) => {
            checks.push(Check::new(
                "Entra sign-in",
                Outcome::Failed(error.to_string()),
            ));
            checks.push(Check::new("Graph directory", Outcome::Skipped));
            checks.push(Check::new("Graph presence", Outcome::Skipped));
        }
    }

    // NATS side.
    let client =
        match tokio::time::timeout(Duration::from_secs(10), resolved.connection.connect()).await {
            Ok(Ok(client)) => {
                let info = client.server_info();
                checks.push(Check::new(
                    "NATS",
                    Outcome::Ok(format!(
                        "connected over TLS to {} (nats-server {})",
                        info.server_name, info.version
                    )),
                ));
                client
            }
            Ok(Err(error)) => {
                checks.push(Check::new(
                    "NATS",
                    Outcome::Failed(format!(
                        "{error} (servers, user, password and CA file in [nats])"
                    )),
                ));
                checks.push(Check::new("bucket", Outcome::Skipped));
                checks.push(Check::new("lease", Outcome::Skipped));
                return checks;
            }
            Err(_) => {
                checks.push(Check::new(
                    "NATS",
                    Outcome::Failed("no server answered within 10 s".into()),
                ));
                checks.push(Check::new("bucket", Outcome::Skipped));
                checks.push(Check::new("lease", Outcome::Skipped));
                return checks;
            }
        };
    let js = async_nats::jetstream::new(client);
    let store = match js.get_key_value(BUCKET).await {
        Ok(store) => store,
        Err(_) => {
            checks.push(Check::new(
                "bucket",
                Outcome::Warning(format!("`{BUCKET}` does not exist yet; the relay creates it with {} replicas when it starts", config.nats.replicas)),
            ));
            checks.push(Check::new(
                "lease",
                Outcome::Warning("no relay has run yet".into()),
            ));
            return checks;
        }
    };
    match store.stream.get_info().await {
        Ok(stream) => {
            let info = &stream.config;
            let people = stream.state.messages.saturating_sub(1) as usize;
            let plan = CyclePlan::new(
                people,
                config.polling.interval(),
                config.polling.allowed_per_30s(),
            );
            let text = format!(
                "`{BUCKET}`: {} replicas, history {}, {people} people published; at that size a cycle takes {:.1} s with {:.0} presence requests / 30 s ({:.0} % of the tenant's {})",
                info.num_replicas,
                info.max_messages_per_subject,
                plan.cycle.as_secs_f64(),
                plan.requests_per_30s(),
                plan.requests_per_30s() * 100.0 / config.polling.tenant_budget_per_30s as f64,
                config.polling.tenant_budget_per_30s,
            );
            let outcome = if info.max_messages_per_subject != 1 {
                Outcome::Failed(format!(
                    "{text}; the bucket keeps presence history: recreate it with history 1"
                ))
            } else if info.num_replicas < config.nats.replicas {
                Outcome::Warning(format!(
                    "{text}; fewer replicas than nats.replicas = {}",
                    config.nats.replicas
                ))
            } else {
                Outcome::Ok(text)
            };
            checks.push(Check::new("bucket", outcome));
        }
        Err(error) => checks.push(Check::new("bucket", Outcome::Failed(error.to_string()))),
    }
    match store.entry(LEASE_KEY).await {
        Ok(Some(entry)) if entry.operation == async_nats::jetstream::kv::Operation::Put => {
            let record = LeaseRecord::decode(&entry.value).ok();
            let age = time::OffsetDateTime::now_utc() - entry.created;
            let text = match &record {
                Some(record) => format!(
                    "held by {} (renewed {:.1} s ago, Graph {})",
                    record.holder,
                    age.as_seconds_f64(),
                    if record.graph_ok {
                        "reachable"
                    } else {
                        "NOT reachable"
                    }
                ),
                None => "held, with an unreadable record".into(),
            };
            let stale = age > time::Duration::seconds_f64(config.lease.ttl_secs);
            checks.push(Check::new(
                "lease",
                if stale || record.as_ref().is_some_and(|r| !r.graph_ok) {
                    Outcome::Warning(format!(
                        "{text}; desktops will fall back to polling Graph themselves"
                    ))
                } else {
                    Outcome::Ok(text)
                },
            ));
        }
        Ok(_) => checks.push(Check::new(
            "lease",
            Outcome::Warning("free: no relay is polling now".into()),
        )),
        Err(error) => checks.push(Check::new("lease", Outcome::Failed(error.to_string()))),
    }
    checks
}
