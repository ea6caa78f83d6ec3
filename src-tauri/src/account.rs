//! `login microsoft|starface|hook-mqtt|hook-webhook` and `logout …`: sign-ins and the status
//! hooks' secrets kept in the keychain.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use graph_client::auth::{self, DeviceCodeOptions, PkceOptions};
use graph_client::Timing;
use keychain::{names, OsKeychain, Secret, SecretStore};

use crate::cli::{LoginTarget, Paths, Service};

fn keychain() -> Arc<dyn SecretStore> {
    Arc::new(OsKeychain::new().with_deadline(Duration::from_secs(30)))
}

fn load_settings(paths: &Paths) -> Option<settings::Settings> {
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        eprintln!("presence-bridge: {problem}");
    }
    Some(store.settings().clone())
}

pub fn login(paths: &Paths, target: &LoginTarget) -> ExitCode {
    let Some(settings) = load_settings(paths) else {
        return ExitCode::FAILURE;
    };
    let result = match target {
        LoginTarget::Microsoft { device_code } => login_microsoft(&settings, *device_code),
        LoginTarget::Starface {
            client_secret_stdin,
        } => login_starface(&settings, *client_secret_stdin),
        LoginTarget::HookMqtt => login_hook(&settings, bridge::secrets::HookSecret::MqttPassword),
        LoginTarget::HookWebhook => {
            login_hook(&settings, bridge::secrets::HookSecret::WebhookSecret)
        }
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("presence-bridge: {error}");
            ExitCode::FAILURE
        }
    }
}

fn login_microsoft(settings: &settings::Settings, device_code: bool) -> Result<String, String> {
    let config = bridge::setup::microsoft_config(settings).map_err(|e| e.to_string())?;
    let scopes = bridge::setup::scope_request(settings);
    // The refresh token is kept for these Microsoft settings only (`bridge::secrets`).
    let store = bridge::setup::microsoft_store(settings, keychain());
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let mut signed_in = interactive_sign_in(&config, scopes, store.clone(), device_code).await;
        let mut without_free_busy = false;
        if let Err(error) = &signed_in {
            // The calendar permission needs a consent nobody gave: presence is worth more.
            if let Some(fewer) = bridge::setup::sign_in_again_without_free_busy(scopes, error) {
                println!(
                    "{error}\nFree/busy needs the calendar permission Calendars.ReadBasic; \
                     signing in again without it."
                );
                signed_in = interactive_sign_in(&config, fewer, store, device_code).await;
                without_free_busy = true;
            }
        }
        let credentials = signed_in.map_err(|e| e.to_string())?;
        let graph = graph_client::GraphClient::new(Arc::new(credentials));
        let me = graph.me().await.map_err(|e| e.to_string())?;
        let mut message = format!(
            "Signed in to Microsoft 365 as {} ({}). The sign-in is kept in the keychain.",
            me.display_name, me.user_principal_name
        );
        if without_free_busy {
            message.push_str(
                " Colleagues' free/busy is not shown: the calendar permission \
                 (Calendars.ReadBasic) was not granted.",
            );
        }
        Ok(message)
    })
}

/// One sign-in by device code or in the browser, for `scopes`.
async fn interactive_sign_in(
    config: &graph_client::MicrosoftConfig,
    scopes: graph_client::ScopeRequest,
    store: Arc<dyn SecretStore>,
    device_code: bool,
) -> Result<graph_client::Credentials, graph_client::AuthError> {
    if device_code {
        return auth::device_code_sign_in(
            config,
            scopes,
            store,
            Timing::real(),
            DeviceCodeOptions::default(),
            |prompt| {
                println!("{}", prompt.message);
                let _ = std::io::stdout().flush();
            },
        )
        .await;
    }
    let pending = auth::begin_pkce_sign_in(config, scopes, PkceOptions::default()).await?;
    let url = pending.authorize_url().to_string();
    println!("Sign in to Microsoft 365 in your browser. If it does not open, visit:\n{url}");
    let _ = std::io::stdout().flush();
    if let Err(error) = open_browser(&url) {
        tracing::info!(%error, "cannot open the browser; the URL is printed");
    }
    pending.complete(store, Timing::real()).await
}

fn open_browser(url: &str) -> std::io::Result<()> {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(program)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

/// Where `login starface` reads what the user types: the terminal without echo, or the lines of
/// stdin when it is not a terminal (the password first, then the client secret).
struct Answers {
    stdin: Option<std::io::StdinLock<'static>>,
}

impl Answers {
    fn new() -> Self {
        let stdin = (!std::io::stdin().is_terminal()).then(|| std::io::stdin().lock());
        Self { stdin }
    }

    /// The next line of stdin, if stdin is not a terminal: straight into a `Secret` (wiped
    /// when dropped), without a copy on the way.
    fn next_line(&mut self, what: &str) -> Option<Result<Secret, String>> {
        let stdin = self.stdin.as_mut()?;
        Some(match stdin.fill_buf() {
            Ok([]) => Err(format!("stdin ended before the {what}")),
            Ok(_) => Secret::read_line(stdin).map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        })
    }

    /// Asks on the terminal without echo, or takes the next line of stdin.
    fn ask(&mut self, prompt: &str, what: &str) -> Result<Secret, String> {
        let answer = match self.next_line(what) {
            Some(line) => line?,
            None => rpassword::prompt_password(prompt)
                .map(Secret::from)
                .map_err(|e| e.to_string())?,
        };
        if answer.is_empty() {
            return Err(format!("no {what} given"));
        }
        Ok(answer)
    }

    /// With `--client-secret-stdin`: the first line of stdin is the client secret, and the
    /// password is asked on the terminal (`/dev/tty`) when there is one, else read from the
    /// next line.
    fn ask_password_after_stdin_secret(&mut self, prompt: &str) -> Result<Secret, String> {
        match rpassword::prompt_password(prompt) {
            Ok(answer) if !answer.is_empty() => Ok(Secret::from(answer)),
            Ok(_) => Err("no password given".into()),
            Err(_) => self.ask(prompt, "password"),
        }
    }
}

fn login_starface(
    settings: &settings::Settings,
    client_secret_stdin: bool,
) -> Result<String, String> {
    use bridge::setup::{SecretNeed, StarfaceSecret};
    let login = settings
        .starface
        .login
        .clone()
        .ok_or("set starface.url and starface.login in the settings first")?;
    if settings.starface.url.is_none() {
        return Err("set starface.url in the settings first".into());
    }
    let keychain = keychain();
    let needs = bridge::setup::starface_secret_needs(settings, keychain.as_ref())
        .map_err(|e| e.to_string())?;
    for (secret, need) in &needs {
        if let SecretNeed::StoredForAnotherServer { stored_for } = need {
            eprintln!(
                "presence-bridge: the stored {} belongs to {stored_for}; the settings name \
                 another server now, so it is not sent there",
                secret.describe()
            );
        }
    }
    let mut answers = Answers::new();
    let secret_prompt =
        "STARFACE OAuth client secret (admin interface: Server → Status → REST-API): ";
    let mut new_client_secret = if client_secret_stdin {
        let line = answers
            .next_line("client secret")
            .ok_or("--client-secret-stdin: stdin is a terminal; pipe the client secret in")??;
        if line.is_empty() {
            return Err("--client-secret-stdin: the first line of stdin is empty".into());
        }
        Some(line)
    } else {
        None
    };
    let password_prompt = format!("STARFACE password for {login}: ");
    let password = if client_secret_stdin {
        answers.ask_password_after_stdin_secret(&password_prompt)?
    } else {
        answers.ask(&password_prompt, "password")?
    };
    let secret_needed = needs
        .iter()
        .any(|(secret, _)| *secret == StarfaceSecret::OAuthClientSecret);
    if new_client_secret.is_none() && secret_needed {
        new_client_secret = Some(answers.ask(secret_prompt, "client secret")?);
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    // Check the secrets against the PBX before keeping them.
    let mut outcome = check_starface_login(
        &runtime,
        settings,
        keychain.as_ref(),
        &password,
        new_client_secret.as_ref(),
    )?;
    if matches!(
        outcome,
        Err(starface_client::RestError::ClassicLoginDisabled { .. })
    ) && new_client_secret.is_none()
        && settings.starface.auth != settings::StarfaceAuth::Classic
    {
        eprintln!(
            "presence-bridge: this PBX signs in with OAuth only; it needs the OAuth client secret"
        );
        new_client_secret = Some(answers.ask(secret_prompt, "client secret")?);
        outcome = check_starface_login(
            &runtime,
            settings,
            keychain.as_ref(),
            &password,
            new_client_secret.as_ref(),
        )?;
    }
    let method = outcome.map_err(|e| e.to_string())?;
    let store = |secret, value: &Secret| {
        bridge::setup::store_starface_secret(settings, keychain.as_ref(), secret, value)
            .map_err(|e| e.to_string())
    };
    store(StarfaceSecret::Password, &password)?;
    let kept = match &new_client_secret {
        Some(client_secret) => {
            store(StarfaceSecret::OAuthClientSecret, client_secret)?;
            "the password and the client secret are"
        }
        None => "the password is",
    };
    Ok(format!(
        "STARFACE login for {login} works{method}; {kept} kept in the keychain."
    ))
}

/// Logs in once with `password` and `client_secret` (else the client secret stored for this
/// PBX, if any) and out again: `Ok(Ok(" with …"))` names the sign-in method, `Ok(Err(_))` is the
/// PBX's refusal, `Err(_)` a problem before reaching it.
fn check_starface_login(
    runtime: &tokio::runtime::Runtime,
    settings: &settings::Settings,
    keychain: &dyn SecretStore,
    password: &Secret,
    client_secret: Option<&Secret>,
) -> Result<Result<String, starface_client::RestError>, String> {
    use bridge::setup::StarfaceSecret;
    let trial = keychain::MemoryStore::new();
    let put = |secret, value: &Secret| {
        bridge::setup::store_starface_secret(settings, &trial, secret, value)
            .map_err(|e| e.to_string())
    };
    put(StarfaceSecret::Password, password)?;
    let stored = bridge::secrets::bound_store(settings, keychain)
        .get(StarfaceSecret::OAuthClientSecret.keychain_name())
        .map_err(|e| e.to_string())?;
    if let Some(client_secret) = client_secret.or(stored.as_ref()) {
        put(StarfaceSecret::OAuthClientSecret, client_secret)?;
    }
    let connection =
        bridge::setup::starface_connection(settings, &trial).map_err(|e| e.to_string())?;
    let rest = connection.rest;
    Ok(runtime.block_on(async {
        rest.login().await?;
        let _ = rest.logout().await;
        Ok(match rest.sign_in().decided() {
            Some(choice) => format!(" with {choice}"),
            None => String::new(),
        })
    }))
}

/// `login hook-mqtt|hook-webhook`: keeps the hook's secret for the broker or URL the settings
/// name now. Nothing is sent: `doctor` checks the hook.
fn login_hook(
    settings: &settings::Settings,
    secret: bridge::secrets::HookSecret,
) -> Result<String, String> {
    use bridge::secrets::HookSecret;
    let hook = secret.hook().id();
    let endpoint = secret
        .endpoint(settings)
        .ok_or_else(|| format!("set hooks.{hook}.url in the settings first"))?;
    if secret == HookSecret::MqttPassword && settings.hooks.mqtt.username.is_none() {
        return Err(
            "set hooks.mqtt.username in the settings first (a broker without users needs no \
             password)"
                .into(),
        );
    }
    let prompt = match secret {
        HookSecret::MqttPassword => format!("MQTT password for {endpoint}: "),
        HookSecret::WebhookSecret => format!("Webhook signing secret for {endpoint}: "),
    };
    let value = Answers::new().ask(&prompt, secret.describe())?;
    let keychain = keychain();
    bridge::secrets::bound_store(settings, keychain.as_ref())
        .set(secret.keychain_name(), &value)
        .map_err(|e| e.to_string())?;
    let running = match secret {
        _ if !settings.hooks.is_enabled(secret.hook()) => {
            "switch the hook on with hooks.{hook}.enabled = true"
        }
        HookSecret::MqttPassword => {
            "a running Presence Bridge uses it when it next connects to the broker"
        }
        HookSecret::WebhookSecret => "a running Presence Bridge signs its next request with it",
    };
    Ok(format!(
        "The {} for {endpoint} is kept in the keychain; {}. Check it with `presence-bridge \
         doctor`.",
        secret.describe(),
        running.replace("{hook}", hook)
    ))
}

pub fn logout(service: Service) -> ExitCode {
    let names: &[&str] = match service {
        Service::Microsoft => &[names::MICROSOFT_REFRESH_TOKEN],
        Service::Starface => &[
            names::STARFACE_PASSWORD,
            names::STARFACE_OAUTH_CLIENT_SECRET,
        ],
        Service::HookMqtt => &[names::HOOKS_MQTT_PASSWORD],
        Service::HookWebhook => &[names::HOOKS_WEBHOOK_SECRET],
    };
    let store = keychain();
    match names.iter().try_for_each(|name| store.delete(name)) {
        Ok(()) => {
            println!("Signed out; the sign-in was removed from the keychain.");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("presence-bridge: {error}");
            ExitCode::FAILURE
        }
    }
}
