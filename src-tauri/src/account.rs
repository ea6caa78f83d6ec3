//! `login microsoft|starface` and `logout microsoft|starface`: sign-ins kept in the keychain.

use std::io::{IsTerminal, Write};
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
        LoginTarget::Starface => login_starface(&settings),
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
    let store = keychain();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let credentials = if device_code {
            auth::device_code_sign_in(
                &config,
                scopes,
                store,
                Timing::real(),
                DeviceCodeOptions::default(),
                |prompt| {
                    println!("{}", prompt.message);
                    let _ = std::io::stdout().flush();
                },
            )
            .await
        } else {
            let pending = auth::begin_pkce_sign_in(&config, scopes, PkceOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            let url = pending.authorize_url().to_string();
            println!(
                "Sign in to Microsoft 365 in your browser. If it does not open, visit:\n{url}"
            );
            let _ = std::io::stdout().flush();
            if let Err(error) = open_browser(&url) {
                tracing::info!(%error, "cannot open the browser; the URL is printed");
            }
            pending.complete(store, Timing::real()).await
        }
        .map_err(|e| e.to_string())?;
        let graph = graph_client::GraphClient::new(Arc::new(credentials));
        let me = graph.me().await.map_err(|e| e.to_string())?;
        Ok(format!(
            "Signed in to Microsoft 365 as {} ({}). The sign-in is kept in the keychain.",
            me.display_name, me.user_principal_name
        ))
    })
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

fn login_starface(settings: &settings::Settings) -> Result<String, String> {
    let login = settings
        .starface
        .login
        .clone()
        .ok_or("set starface.url and starface.login in the settings first")?;
    // Straight into a `Secret` (wiped when dropped), without a copy on the way.
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("STARFACE password for {login}: "))
            .map(Secret::from)
            .map_err(|e| e.to_string())?
    } else {
        Secret::read_line(&mut std::io::stdin().lock()).map_err(|e| e.to_string())?
    };
    if password.is_empty() {
        return Err("no password given".into());
    }
    // Check the password against the PBX before keeping it.
    let store = keychain::MemoryStore::new();
    store
        .set(names::STARFACE_PASSWORD, &password)
        .map_err(|e| e.to_string())?;
    if settings.starface.auth == settings::StarfaceAuth::Oauth {
        if let Some(secret) = keychain()
            .get(names::STARFACE_OAUTH_CLIENT_SECRET)
            .map_err(|e| e.to_string())?
        {
            store
                .set(names::STARFACE_OAUTH_CLIENT_SECRET, &secret)
                .map_err(|e| e.to_string())?;
        }
    }
    let (rest, _, _) =
        bridge::setup::starface_links(settings, &store).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        rest.login().await.map_err(|e| e.to_string())?;
        let _ = rest.logout().await;
        Ok::<_, String>(())
    })?;
    keychain()
        .set(names::STARFACE_PASSWORD, &password)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "STARFACE login for {login} works; the password is kept in the keychain."
    ))
}

pub fn logout(service: Service) -> ExitCode {
    let name = match service {
        Service::Microsoft => names::MICROSOFT_REFRESH_TOKEN,
        Service::Starface => names::STARFACE_PASSWORD,
    };
    match keychain().delete(name) {
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
