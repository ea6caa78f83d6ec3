//! `presence-bridge doctor`: one line per check with OK/WARN/FAIL and, where it helps, a hint.
//! Exits non-zero when any check fails.

use std::fmt;
use std::process::ExitCode;

use keychain::{KeychainError, OsKeychain, SecretStore};

use crate::cli::Paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        })
    }
}

#[derive(Debug)]
pub struct Check {
    pub verdict: Verdict,
    pub name: &'static str,
    pub detail: String,
    pub hint: Option<String>,
}

impl Check {
    fn new(verdict: Verdict, name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            verdict,
            name,
            detail: detail.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

pub fn run(paths: &Paths) -> ExitCode {
    let mut checks = settings_checks(paths);
    checks.push(keychain_check(
        &OsKeychain::new().with_deadline(std::time::Duration::from_secs(10)),
    ));
    let mut failed = false;
    for check in &checks {
        println!("{:<4}  {:<10}  {}", check.verdict, check.name, check.detail);
        if let Some(hint) = &check.hint {
            println!("{:<4}  {:<10}  hint: {hint}", "", "");
        }
        failed |= check.verdict == Verdict::Fail;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn settings_checks(paths: &Paths) -> Vec<Check> {
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    let mut checks = Vec::new();
    let in_file = |problem: &settings::SettingsError, file: &std::path::Path| {
        problem.to_string().starts_with(&file.display().to_string())
    };

    let policy_problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| in_file(p, &paths.policy_file))
        .collect();
    for problem in &policy_problems {
        checks.push(
            Check::new(Verdict::Fail, "policy", problem.to_string())
                .hint("ask your administrator to fix the policy file; it is ignored meanwhile"),
        );
    }
    if policy_problems.is_empty() {
        checks.push(match &store.policy().file {
            Some(file) => Check::new(
                Verdict::Ok,
                "policy",
                format!(
                    "{} ({} locked keys)",
                    file.display(),
                    store.policy().locked.len()
                ),
            ),
            None => Check::new(Verdict::Ok, "policy", "no admin policy"),
        });
    }

    let config_problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| !in_file(p, &paths.policy_file))
        .collect();
    for problem in &config_problems {
        checks.push(
            Check::new(Verdict::Fail, "config", problem.to_string())
                .hint("fix the file in a text editor (docs/CONFIG.md lists every key); the app runs on defaults meanwhile"),
        );
    }
    if config_problems.is_empty() {
        let detail = if paths.config_file.exists() {
            format!("{} is valid", paths.config_file.display())
        } else {
            format!(
                "{} does not exist yet; using defaults",
                paths.config_file.display()
            )
        };
        checks.push(Check::new(Verdict::Ok, "config", detail));
    }
    for key in &report.overridden_by_policy {
        checks.push(Check::new(
            Verdict::Warn,
            "config",
            format!("`{key}` is locked by the admin policy; your value is ignored"),
        ));
    }

    let s = store.settings();
    if s.microsoft.client_id.is_none() {
        checks.push(
            Check::new(
                Verdict::Warn,
                "microsoft",
                "no app registration configured (microsoft.client_id)",
            )
            .hint("see docs/ENTRA-SETUP.md, then set microsoft.client_id in the settings"),
        );
    }
    match (&s.starface.url, &s.starface.login) {
        (Some(url), Some(_)) if url.starts_with("http://") => checks.push(
            Check::new(Verdict::Warn, "starface", format!("{url} is not encrypted"))
                .hint("use https:// unless this is a test system"),
        ),
        (Some(_), Some(_)) => {}
        _ => checks.push(
            Check::new(
                Verdict::Warn,
                "starface",
                "no PBX configured (starface.url, starface.login)",
            )
            .hint("set them in the settings window or the settings file"),
        ),
    }
    checks
}

fn keychain_check(store: &dyn SecretStore) -> Check {
    // Reading an entry that need not exist proves the keychain answers without changing it.
    match store.get("doctor.probe") {
        Ok(_) => Check::new(Verdict::Ok, "keychain", "reachable and unlocked"),
        Err(error @ KeychainError::Locked) => Check::new(Verdict::Fail, "keychain", error.to_string()),
        Err(error) => Check::new(Verdict::Fail, "keychain", error.to_string())
            .hint("secrets are never written to disk in plain text, so sign-in cannot be remembered without a keychain"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keychain::MemoryStore;

    #[test]
    fn locked_keychain_fails_the_check() {
        let store = MemoryStore::new();
        assert_eq!(keychain_check(&store).verdict, Verdict::Ok);
        store.set_locked(true);
        let check = keychain_check(&store);
        assert_eq!(check.verdict, Verdict::Fail);
        assert!(check.detail.contains("locked"));
    }
}
