//! `presence-bridge doctor`: one line per check with OK/WARN/FAIL and, where it helps, a hint.
//! Exits non-zero when any check fails.

use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use graph_client::Timing;
use keychain::{KeychainError, OsKeychain, SecretStore};
use settings::Settings;

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
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    let mut checks = settings_checks(paths, &store, &report);
    let keychain = OsKeychain::new().with_deadline(Duration::from_secs(10));
    let keychain_ok = {
        let check = keychain_check(&keychain);
        let ok = check.verdict == Verdict::Ok;
        checks.push(check);
        ok
    };
    if keychain_ok {
        match tokio::runtime::Runtime::new() {
            Ok(runtime) => checks
                .extend(runtime.block_on(account_checks(store.settings(), Arc::new(keychain)))),
            Err(error) => checks.push(Check::new(
                Verdict::Fail,
                "runtime",
                format!("cannot start the async runtime: {error}"),
            )),
        }
    }
    print_and_judge(&checks)
}

fn print_and_judge(checks: &[Check]) -> ExitCode {
    let mut failed = false;
    for check in checks {
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

/// The Microsoft and STARFACE checks; each part runs only when it is configured.
async fn account_checks(settings: &Settings, store: Arc<dyn SecretStore>) -> Vec<Check> {
    let mut checks = Vec::new();
    if settings.microsoft.client_id.is_some() {
        checks.extend(microsoft_checks(settings, store.clone()).await);
    }
    if settings.starface.url.is_some() && settings.starface.login.is_some() {
        checks.extend(starface_checks(settings, store.as_ref()).await);
    }
    if let Some(link) = bridge::setup::relay_link(settings) {
        checks.extend(relay_checks(&link).await);
    }
    checks.extend(clock_checks(settings).await);
    checks.extend(hook_checks(settings, store.as_ref()).await);
    checks
}

/// The organisation's relay (`[relay]` from the admin policy): reachable over TLS, a relay
/// serving, and the credential read-only.
async fn relay_checks(link: &bridge::RelayLink) -> Vec<Check> {
    use bridge::relay_doctor::{check_relay, CheckStatus};
    // A relay renews every third of its lease TTL (10 s by default): two renewals fit in 8 s.
    check_relay(link, Duration::from_secs(8))
        .await
        .into_iter()
        .map(|report| {
            let verdict = match report.status {
                CheckStatus::Ok => Verdict::Ok,
                CheckStatus::Warning => Verdict::Warn,
                CheckStatus::Failed => Verdict::Fail,
            };
            let check = Check::new(
                verdict,
                "relay",
                format!("{}: {}", report.check, report.detail),
            );
            match report.hint {
                Some(hint) => check.hint(hint),
                None => check,
            }
        })
        .collect()
}

/// One line per enabled status hook: its secret is in the keychain for its endpoint (MQTT with
/// a user name, webhook), and its broker or receiver accepts a TCP connection (nothing is sent:
/// a test status would reach a real light or dashboard) or its program exists.
async fn hook_checks(settings: &Settings, store: &dyn SecretStore) -> Vec<Check> {
    use bridge::secrets::HookSecret;
    use settings::HookKind;
    let hooks = &settings.hooks;
    let mut checks = Vec::new();
    for secret in HookSecret::ALL {
        if !secret.needed(settings) {
            continue;
        }
        let login = match secret {
            HookSecret::MqttPassword => "presence-bridge login hook-mqtt",
            HookSecret::WebhookSecret => "presence-bridge login hook-webhook",
        };
        checks.push(
            match bridge::secrets::hook_secret_need(settings, store, secret) {
                Ok(None) => Check::new(
                    Verdict::Ok,
                    "hooks",
                    format!("{} is in the keychain", secret.describe()),
                ),
                Ok(Some(need)) => Check::new(
                    Verdict::Fail,
                    "hooks",
                    format!("{}: {need}", secret.describe()),
                )
                .hint(format!(
                    "enter it in the window (Settings › Hooks) or run `{login}`"
                )),
                Err(error) => Check::new(Verdict::Fail, "hooks", error.to_string()),
            },
        );
    }
    if hooks.is_enabled(HookKind::Mqtt) {
        if let Some(url) = &hooks.mqtt.url {
            let default_port = if url.starts_with("mqtts://") {
                8883
            } else {
                1883
            };
            checks.push(reachable("MQTT broker", url, default_port).await);
        }
    }
    if hooks.is_enabled(HookKind::Webhook) {
        if let Some(url) = &hooks.webhook.url {
            let default_port = if url.starts_with("https://") { 443 } else { 80 };
            checks.push(reachable("webhook", url, default_port).await);
        }
    }
    if hooks.is_enabled(HookKind::Command) {
        if let Some(program) = &hooks.command.program {
            checks.push(match program_found(program) {
                Some(path) => Check::new(
                    Verdict::Ok,
                    "hooks",
                    format!("command hook: {} exists", path.display()),
                ),
                None => Check::new(
                    Verdict::Fail,
                    "hooks",
                    format!("command hook: {program} is neither a file nor found in PATH"),
                ),
            });
        }
    }
    checks
}

/// Whether `url`'s host accepts a TCP connection within 5 seconds (named by scheme, host and
/// port only: a webhook path may carry a token).
async fn reachable(what: &str, url: &str, default_port: u16) -> Check {
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Check::new(Verdict::Fail, "hooks", format!("{what}: {error}"));
        }
    };
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']']);
    let port = parsed.port().unwrap_or(default_port);
    let target = format!(
        "{}://{}:{port}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default()
    );
    let connect = tokio::net::TcpStream::connect((host, port));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Check::new(
            Verdict::Ok,
            "hooks",
            format!("{what} {target} is reachable"),
        ),
        Ok(Err(error)) => Check::new(
            Verdict::Fail,
            "hooks",
            format!("{what} {target} cannot be reached: {error}"),
        ),
        Err(_) => Check::new(
            Verdict::Fail,
            "hooks",
            format!("{what} {target} did not accept a connection within 5 s"),
        ),
    }
}

/// `program` as a path, or looked up in `PATH` like the command hook starts it.
fn program_found(program: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(program);
    if path.components().count() > 1 {
        return path.is_file().then(|| path.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

async fn microsoft_checks(settings: &Settings, store: Arc<dyn SecretStore>) -> Vec<Check> {
    use graph_client::doctor::CheckStatus;
    let mut checks = Vec::new();
    if let Ok(Some(bridge::secrets::SecretNeed::StoredForAnotherServer { stored_for })) =
        bridge::secrets::microsoft_sign_in(settings, store.as_ref())
    {
        checks.push(
            Check::new(
                Verdict::Fail,
                "microsoft",
                format!(
                    "the Microsoft sign-in in the keychain was made for {stored_for}; the \
                     settings name another sign-in now ({}), so it is not used there",
                    bridge::secrets::microsoft_endpoint(settings)
                ),
            )
            .hint("sign in again: `presence-bridge login microsoft` (or in the window)"),
        );
    }
    let credentials = match bridge::setup::microsoft_credentials(settings, store, Timing::real()) {
        Ok(credentials) => credentials,
        Err(error) => return vec![Check::new(Verdict::Fail, "microsoft", error.to_string())],
    };
    let graph = graph_client::GraphClient::new(credentials);
    let results = graph_client::doctor::run_checks(&graph).await;
    checks.extend(results.into_iter().map(|result| {
        let (verdict, detail) = match result.status {
            CheckStatus::Ok => (Verdict::Ok, result.summary),
            CheckStatus::Warning => (Verdict::Warn, result.summary),
            CheckStatus::Failed => (Verdict::Fail, result.summary),
            CheckStatus::Skipped => (Verdict::Warn, format!("skipped: {}", result.summary)),
        };
        let check = Check::new(verdict, "microsoft", detail);
        match result.hint {
            Some(hint) => check.hint(hint),
            None => check,
        }
    }));
    checks
}

async fn starface_checks(settings: &Settings, store: &dyn SecretStore) -> Vec<Check> {
    use starface_client::doctor::{self as sf, CheckReport};
    let endpoint = match bridge::setup::pbx_endpoint(settings) {
        Ok(endpoint) => endpoint,
        Err(error) => return vec![Check::new(Verdict::Fail, "starface", error.to_string())],
    };
    let mut reports: Vec<CheckReport> = vec![
        sf::check_transport(&endpoint),
        sf::check_tls_fingerprint(&endpoint).await,
    ];
    let mut checks = secret_checks(settings, store);
    match bridge::setup::starface_connection(settings, store) {
        Ok(connection) => {
            reports.push(sf::check_sign_in(&connection.sign_in).await);
            let rest = connection.rest;
            let login = sf::check_login(&rest).await;
            let logged_in = login.status == sf::CheckStatus::Ok;
            reports.push(login);
            if logged_in {
                reports.push(sf::check_dnd_read(&rest).await);
                reports.push(sf::check_uci(&connection.uci).await);
                // Colleagues' phone state: OneHub on STARFACE 10, or why there is none.
                reports.extend(sf::check_onehub(&connection.sign_in).await);
                if settings.starface.xmpp_enabled {
                    reports.push(sf::check_xmpp(connection.xmpp, Duration::from_secs(15)).await);
                }
                if let Err(error) = rest.logout().await {
                    tracing::debug!(%error, "doctor: REST logout failed");
                }
            }
        }
        Err(bridge::BridgeError::StarfaceSecretNeeded { .. }) => {}
        Err(error) => checks.push(Check::new(Verdict::Fail, "starface", error.to_string())),
    }
    reports
        .into_iter()
        .map(starface_line)
        .chain(checks)
        .collect()
}

/// One line per STARFACE secret the settings need and the keychain lacks (or holds for another
/// server), with how to enter it. With `auth = "auto"` a client secret for another PBX only
/// warns: this PBX may not need one.
fn secret_checks(settings: &Settings, store: &dyn SecretStore) -> Vec<Check> {
    use bridge::setup::StarfaceSecret;
    let optional = |secret| {
        secret == StarfaceSecret::OAuthClientSecret
            && settings.starface.auth == settings::StarfaceAuth::Auto
    };
    match bridge::setup::starface_secret_needs(settings, store) {
        Ok(needs) => needs
            .into_iter()
            .map(|(secret, need)| {
                let verdict = if optional(secret) {
                    Verdict::Warn
                } else {
                    Verdict::Fail
                };
                Check::new(
                    verdict,
                    "starface",
                    format!("{}: {need}", secret.describe()),
                )
                .hint(bridge::setup::how_to_enter(secret))
            })
            .collect(),
        Err(error) => vec![Check::new(Verdict::Fail, "starface", error.to_string())],
    }
}

fn starface_line(report: starface_client::doctor::CheckReport) -> Check {
    use starface_client::doctor::CheckStatus;
    let verdict = match report.status {
        CheckStatus::Ok => Verdict::Ok,
        CheckStatus::Warning => Verdict::Warn,
        CheckStatus::Failed => Verdict::Fail,
    };
    let check = Check::new(
        verdict,
        "starface",
        format!("{}: {}", report.check, report.detail),
    );
    match (verdict, report.check) {
        (Verdict::Fail, "starface.tls.certificate") => check.hint(
            "if the fingerprint is your PBX's, trust it in the window (Settings › Certificate) or \
             set starface.certificate_pin to it",
        ),
        (Verdict::Fail, "starface.rest.login") => check.hint(
            "check starface.login and run `presence-bridge login starface` to store the password \
             (and, if the PBX signs in with OAuth only, the client secret) again",
        ),
        _ => check,
    }
}

/// Token lifetimes and TLS are time-sensitive: compare our clock with the servers' `Date`.
async fn clock_checks(settings: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();
    if settings.microsoft.client_id.is_some() {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build();
        let url = format!("{}/me", settings.microsoft.graph_base.trim_end_matches('/'));
        if let Ok(client) = client {
            checks.push(skew_check("Microsoft Graph", client.get(url).send().await));
        }
    }
    if let (Some(url), Ok(endpoint)) = (
        &settings.starface.url,
        bridge::setup::pbx_endpoint(settings),
    ) {
        let client = starface_client::tls::client_config(&endpoint.trust)
            .map_err(|e| e.to_string())
            .and_then(|tls| {
                reqwest::Client::builder()
                    .use_preconfigured_tls(tls)
                    .timeout(Duration::from_secs(10))
                    .build()
                    .map_err(|e| e.to_string())
            });
        if let Ok(client) = client {
            let url = format!("{}/rest/login", url.trim_end_matches('/'));
            checks.push(skew_check(
                "STARFACE",
                client.get(url).header("X-Version", "2").send().await,
            ));
        }
    }
    checks
}

fn skew_check(server: &str, response: reqwest::Result<reqwest::Response>) -> Check {
    let date = response.ok().and_then(|r| {
        r.headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
    });
    let Some(server_time) = date else {
        return Check::new(
            Verdict::Warn,
            "clock",
            format!("{server} did not tell its time; clock skew not checked"),
        );
    };
    // The one place outside the runtime that reads the wall clock: comparing it is the check.
    let local = std::time::SystemTime::now();
    let skew = local
        .duration_since(server_time)
        .unwrap_or_else(|e| e.duration());
    // Server dates have one-second resolution; a few seconds are noise.
    let detail = format!("{} s difference to {server}", skew.as_secs());
    if skew > Duration::from_secs(300) {
        Check::new(Verdict::Fail, "clock", detail)
            .hint("sign-in tokens are rejected with a clock this far off: enable time sync (NTP)")
    } else if skew > Duration::from_secs(60) {
        Check::new(Verdict::Warn, "clock", detail).hint("enable time sync (NTP)")
    } else {
        Check::new(Verdict::Ok, "clock", detail)
    }
}

fn settings_checks(
    paths: &Paths,
    store: &settings::SettingsStore,
    report: &settings::LoadReport,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let in_file =
        |problem: &settings::SettingsError, file: &std::path::Path| problem.file() == Some(file);

    let policy_problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| in_file(p, &paths.policy_file))
        .collect();
    // A broken policy fails closed; the hint says what that leaves the user.
    let holds = match store.policy().broken.as_ref().map(|broken| broken.holds) {
        Some(settings::FailClosed::EverySetting) => {
            "ask your administrator to fix the policy file; until then every setting keeps its \
             built-in value, locked, and nothing is synced"
        }
        _ => {
            "ask your administrator to fix the policy file; until then the settings it locks \
             keep their built-in values"
        }
    };
    for problem in &policy_problems {
        checks.push(Check::new(Verdict::Fail, "policy", problem.to_string()).hint(holds));
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

    /// Each problem is reported against the file it is in, even where one file's path begins
    /// with the other's (so the text of a settings problem begins with the policy's path).
    #[test]
    fn problems_are_told_apart_by_the_file_they_are_in() {
        let dir = tempfile::tempdir().unwrap();
        let policy_file = dir.path().join("policy.toml");
        let paths = Paths {
            config_file: dir.path().join("policy.toml.d").join("config.toml"),
            policy_file: policy_file.clone(),
            log_dir: dir.path().join("logs"),
            state_dir: dir.path().join("state"),
        };
        std::fs::create_dir_all(paths.config_file.parent().unwrap()).unwrap();
        std::fs::write(&paths.config_file, "[sync]\npoll_interval_secs = 1\n").unwrap();
        // A broken default (a syntax error would lock every setting, the user's file unread).
        std::fs::write(&policy_file, "[defaults.ui]\nlanguage = \"fr\"\n").unwrap();
        let (store, report) = settings::SettingsStore::load(&paths.config_file, &policy_file);
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        let failed: Vec<&str> = settings_checks(&paths, &store, &report)
            .iter()
            .filter(|check| check.verdict == Verdict::Fail)
            .map(|check| check.name)
            .collect();
        assert_eq!(failed, ["policy", "config"]);
    }

    /// Missing and moved secrets each get a line that says why and how to enter them.
    #[test]
    fn secrets_to_enter_are_named_with_the_command() {
        use bridge::setup::StarfaceSecret;
        let mut settings = Settings::default();
        settings.starface.url = Some("https://pbx.example.com".into());
        settings.starface.login = Some("0001".into());
        settings.starface.auth = settings::StarfaceAuth::Oauth;
        let store = MemoryStore::new();
        let lines = secret_checks(&settings, &store);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|c| c.verdict == Verdict::Fail));
        assert!(lines[0]
            .detail
            .contains("STARFACE password: none is stored"));
        assert!(lines[1].hint.as_deref().unwrap().contains("REST-API"));

        let secret = keychain::Secret::new("pw");
        bridge::setup::store_starface_secret(&settings, &store, StarfaceSecret::Password, &secret)
            .unwrap();
        bridge::setup::store_starface_secret(
            &settings,
            &store,
            StarfaceSecret::OAuthClientSecret,
            &secret,
        )
        .unwrap();
        assert!(secret_checks(&settings, &store).is_empty());
        settings.starface.url = Some("https://other.example.com".into());
        settings.starface.auth = settings::StarfaceAuth::Auto;
        let moved = secret_checks(&settings, &store);
        assert_eq!(
            moved.iter().map(|c| c.verdict).collect::<Vec<_>>(),
            [Verdict::Fail, Verdict::Warn],
            "{moved:?}"
        );
        assert!(
            moved[0]
                .detail
                .contains("belongs to 0001 at https://pbx.example.com"),
            "{moved:?}"
        );
        assert!(moved[0].hint.as_deref().unwrap().contains("login starface"));
    }

    /// A broken policy fails closed, and doctor says what that leaves the user with.
    #[test]
    fn a_broken_policy_fails_and_says_what_stays_locked() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_file: dir.path().join("config.toml"),
            policy_file: dir.path().join("policy.toml"),
            log_dir: dir.path().join("logs"),
            state_dir: dir.path().join("state"),
        };
        for (policy, expected) in [
            ("locked = [\n", "every setting keeps its built-in value"),
            (
                "locked = [\"sync\"]\n[defaults.sync]\npoll_interval_secs = 1\n",
                "the settings it locks keep their built-in values",
            ),
        ] {
            std::fs::write(&paths.policy_file, policy).unwrap();
            let (store, report) =
                settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
            let checks = settings_checks(&paths, &store, &report);
            let policy_check = checks.iter().find(|c| c.name == "policy").unwrap();
            assert_eq!(policy_check.verdict, Verdict::Fail, "{policy}");
            let hint = policy_check.hint.as_deref().unwrap_or_default();
            assert!(hint.contains(expected), "{policy}: {hint}");
        }
    }

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
