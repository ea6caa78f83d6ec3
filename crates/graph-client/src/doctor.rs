//! Checks for `presence-bridge doctor`: structured, so the CLI prints them and the UI shows them.

use crate::auth::PresenceAccess;
use crate::config::scopes;
use crate::graph::{GraphClient, GraphError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckId {
    SavedSignIn,
    TokenRefresh,
    GraphReachable,
    OwnPresence,
    ColleaguePresence,
    Permissions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    Warning,
    Failed,
    /// Not run because an earlier check failed.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub check: CheckId,
    pub status: CheckStatus,
    pub summary: String,
    /// What to do about a warning or failure.
    pub hint: Option<String>,
}

impl CheckResult {
    fn new(check: CheckId, status: CheckStatus, summary: impl Into<String>) -> Self {
        Self {
            check,
            status,
            summary: summary.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

const SIGN_IN_HINT: &str = "run `presence-bridge login microsoft` (or --device-code)";

fn failure(check: CheckId, error: &GraphError) -> CheckResult {
    let result = CheckResult::new(check, CheckStatus::Failed, error.to_string());
    if error.needs_sign_in() {
        result.hint(SIGN_IN_HINT)
    } else {
        result
    }
}

/// Runs the Microsoft checks in order; later checks are skipped when a prerequisite failed.
pub async fn run_checks(graph: &GraphClient) -> Vec<CheckResult> {
    let credentials = graph.credentials();
    let mut results = Vec::new();
    let skip_rest = |results: &mut Vec<CheckResult>, from: &[CheckId]| {
        for check in from {
            results.push(CheckResult::new(
                *check,
                CheckStatus::Skipped,
                "skipped: an earlier check failed",
            ));
        }
    };

    match credentials.has_saved_sign_in().await {
        Ok(true) => results.push(CheckResult::new(
            CheckId::SavedSignIn,
            CheckStatus::Ok,
            "a Microsoft 365 sign-in is saved in the keychain",
        )),
        Ok(false) => {
            results.push(
                CheckResult::new(CheckId::SavedSignIn, CheckStatus::Failed, "not signed in")
                    .hint(SIGN_IN_HINT),
            );
            skip_rest(
                &mut results,
                &[
                    CheckId::TokenRefresh,
                    CheckId::GraphReachable,
                    CheckId::OwnPresence,
                    CheckId::ColleaguePresence,
                    CheckId::Permissions,
                ],
            );
            return results;
        }
        Err(error) => {
            results.push(CheckResult::new(
                CheckId::SavedSignIn,
                CheckStatus::Failed,
                error.to_string(),
            ));
            skip_rest(
                &mut results,
                &[
                    CheckId::TokenRefresh,
                    CheckId::GraphReachable,
                    CheckId::OwnPresence,
                    CheckId::ColleaguePresence,
                    CheckId::Permissions,
                ],
            );
            return results;
        }
    }

    if let Err(error) = credentials.refresh().await {
        results.push(failure(CheckId::TokenRefresh, &GraphError::Auth(error)));
        skip_rest(
            &mut results,
            &[
                CheckId::GraphReachable,
                CheckId::OwnPresence,
                CheckId::ColleaguePresence,
                CheckId::Permissions,
            ],
        );
        return results;
    }
    results.push(CheckResult::new(
        CheckId::TokenRefresh,
        CheckStatus::Ok,
        "the saved sign-in can be refreshed",
    ));

    let me = match graph.me().await {
        Ok(me) => {
            results.push(CheckResult::new(
                CheckId::GraphReachable,
                CheckStatus::Ok,
                format!(
                    "Microsoft Graph reachable; signed in as {} ({})",
                    me.display_name, me.user_principal_name
                ),
            ));
            me
        }
        Err(error) => {
            results.push(failure(CheckId::GraphReachable, &error));
            skip_rest(
                &mut results,
                &[
                    CheckId::OwnPresence,
                    CheckId::ColleaguePresence,
                    CheckId::Permissions,
                ],
            );
            return results;
        }
    };

    match graph.my_presence().await {
        Ok(presence) => results.push(CheckResult::new(
            CheckId::OwnPresence,
            CheckStatus::Ok,
            format!(
                "own presence readable: {} / {}",
                presence.availability, presence.activity
            ),
        )),
        Err(error) => results.push(failure(CheckId::OwnPresence, &error)),
    }

    let granted = credentials.granted_scopes().await;
    match granted.presence_access() {
        PresenceAccess::Colleagues => match graph.poll_presence(&me.id, &[]).await {
            Ok(_) => results.push(CheckResult::new(
                CheckId::ColleaguePresence,
                CheckStatus::Ok,
                "colleagues' presence readable (getPresencesByUserId)",
            )),
            Err(error) => results.push(failure(CheckId::ColleaguePresence, &error)),
        },
        access => results.push(
            CheckResult::new(
                CheckId::ColleaguePresence,
                CheckStatus::Warning,
                "colleagues' presence is not available with the granted permissions",
            )
            .hint(access.explanation().unwrap_or_default()),
        ),
    }

    let requested = credentials.requested_scopes().names();
    let missing: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|s| *s != scopes::OFFLINE_ACCESS && !granted.contains(s))
        .collect();
    results.push(if missing.is_empty() {
        CheckResult::new(
            CheckId::Permissions,
            CheckStatus::Ok,
            format!("granted: {}", granted.names().collect::<Vec<_>>().join(" ")),
        )
    } else {
        CheckResult::new(
            CheckId::Permissions,
            CheckStatus::Warning,
            format!("not granted: {}", missing.join(" ")),
        )
        .hint("an administrator can grant consent; see the Entra setup guide")
    });
    results
}
