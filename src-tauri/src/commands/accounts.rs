//! `sign_in_microsoft`, `sign_out_microsoft`, `save_starface_password`, `trust_certificate`.

use std::time::Duration;

use graph_client::auth::{self, PkceOptions};
use graph_client::Timing;
use keychain::{names, Secret};
use tauri::{AppHandle, Runtime, State};

use crate::app_state::AppState;
use crate::error::{CommandError, CommandResult};
use crate::events::{publish_settings, publish_state, restart_sync};

/// How a browser sign-in ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignInEnd {
    /// The refresh token is in the keychain.
    SignedIn,
    /// A newer sign-in replaced this one before it finished (that one reports the outcome).
    Replaced,
}

/// One browser sign-in from start to end, without Tauri: binds the redirect listener, marks the
/// account as signing in, has `open` show the authorize page, then waits for the redirect and the
/// code redemption, at most `options.timeout`. However it ends, the mark goes again (unless a
/// newer sign-in took over), and a failure comes back as the error the window shows: the sign-in
/// never stays "signing in" without an end. `changed` runs whenever the account state changed.
pub(crate) async fn browser_sign_in(
    state: &AppState,
    options: PkceOptions,
    open: impl FnOnce(&url::Url) -> CommandResult<()>,
    changed: impl Fn(),
) -> CommandResult<SignInEnd> {
    let settings = state.settings();
    let config = bridge::setup::microsoft_config(&settings)?;
    let scopes = bridge::setup::scope_request(&settings);
    let pending = auth::begin_pkce_sign_in(&config, scopes, options).await?;
    let authorize_url = pending.authorize_url().clone();
    // Its own task, so a newer sign-in can cancel it (which also closes its listener).
    let waiting = tokio::spawn(pending.complete(state.secrets(), Timing::real()));
    let attempt = state.begin_sign_in(waiting.abort_handle());
    changed();
    if let Err(error) = open(&authorize_url) {
        waiting.abort();
        state.end_sign_in(attempt);
        changed();
        return Err(error);
    }
    tracing::info!(attempt, "waiting for the Microsoft sign-in in the browser");
    let result = waiting.await;
    if !state.end_sign_in(attempt) {
        return Ok(SignInEnd::Replaced);
    }
    let end = match result {
        Ok(Ok(_credentials)) => {
            state.set_microsoft_saved(true);
            tracing::info!(attempt, "signed in to Microsoft 365");
            Ok(SignInEnd::SignedIn)
        }
        Ok(Err(error)) => {
            tracing::warn!(attempt, %error, "Microsoft sign-in did not complete");
            Err(CommandError::SignIn(error))
        }
        Err(error) => {
            tracing::error!(attempt, %error, "the Microsoft sign-in task failed");
            Err(CommandError::Task(error.to_string()))
        }
    };
    changed();
    end
}

/// The browser sign-in (PKCE). Resolves when it is over: `null` once signed in (the sync
/// restarts), or the reason it failed (refused, declined, no answer from the browser within
/// five minutes). Meanwhile `state.accounts.microsoft.state` is `signing_in`.
#[tauri::command]
pub async fn sign_in_microsoft<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<()> {
    if state.demo {
        return Err(CommandError::Invalid {
            key: None,
            message: "the demo is signed in to its simulator already".into(),
        });
    }
    let authority = state.settings().microsoft.authority;
    let end = browser_sign_in(
        &state,
        PkceOptions::default(),
        |page| Ok(crate::opener::open_sign_in_page(&app, page, &authority)?),
        || publish_state(&app),
    )
    .await?;
    if end == SignInEnd::SignedIn {
        tracing::info!("restarting the sync with the new Microsoft sign-in");
        restart_sync(&app).await;
    }
    Ok(())
}

#[tauri::command]
pub async fn sign_out_microsoft<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<()> {
    state.stop_sync().await;
    let store = state.secrets();
    tauri::async_runtime::spawn_blocking(move || store.delete(names::MICROSOFT_REFRESH_TOKEN))
        .await
        .map_err(|e| CommandError::Task(e.to_string()))??;
    state.set_microsoft_saved(false);
    tracing::info!("signed out of Microsoft 365");
    publish_state(&app);
    Ok(())
}

/// Stores the password in the keychain (never logged, never returned) and reconnects. It
/// arrives as a `Secret`, wiped from memory when the command is done with it.
#[tauri::command]
pub async fn save_starface_password<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    password: Secret,
) -> CommandResult<()> {
    if password.is_empty() {
        return Err(CommandError::invalid(
            "starface.password",
            "the password is empty",
        ));
    }
    let store = state.secrets();
    tauri::async_runtime::spawn_blocking(move || store.set(names::STARFACE_PASSWORD, &password))
        .await
        .map_err(|e| CommandError::Task(e.to_string()))??;
    tracing::info!("STARFACE password stored in the keychain");
    restart_sync(&app).await;
    publish_state(&app);
    Ok(())
}

/// Pins `fingerprint`, but only if the PBX presents exactly that certificate right now: a stale
/// dialog (or a swapped certificate) must not pin something the user never saw.
#[tauri::command]
pub async fn trust_certificate<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    fingerprint: String,
) -> CommandResult<()> {
    const KEY: &str = "starface.certificate_pin";
    let wanted: starface_client::CertificatePin = fingerprint
        .parse()
        .map_err(|e: starface_client::TlsError| CommandError::invalid(KEY, e.to_string()))?;
    let settings = state.settings();
    let endpoint = bridge::setup::pbx_endpoint(&settings)?;
    let host = endpoint
        .host()
        .ok_or_else(|| CommandError::invalid("starface.url", "the STARFACE URL has no host"))?;
    let port = endpoint.port();
    let presented = starface_client::tls::fetch_presented_certificate(
        &host,
        port,
        &endpoint.trust,
        Duration::from_secs(10),
    )
    .await
    .map_err(|e| CommandError::invalid(KEY, e.to_string()))?;
    state.set_presented_fingerprint(presented.sha256.to_string());
    if presented.sha256 != wanted {
        return Err(CommandError::invalid(
            KEY,
            format!(
                "the server now presents a different certificate ({}); check it and try again",
                presented.sha256
            ),
        ));
    }
    state.with_store(|store| -> CommandResult<()> {
        if store.is_locked(KEY) {
            return Err(CommandError::invalid(
                KEY,
                "the certificate pin is locked by your administrator's policy",
            ));
        }
        let mut new = store.settings().clone();
        new.starface.certificate_pin = Some(presented.sha256.to_string());
        Ok(store.save(new)?)
    })?;
    tracing::info!(fingerprint = %presented.sha256, "STARFACE certificate pinned");
    restart_sync(&app).await;
    let settings_app = app.clone();
    // The settings view reads the keychain: off the async runtime.
    let _ = tauri::async_runtime::spawn_blocking(move || publish_settings(&settings_app)).await;
    publish_state(&app);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The browser sign-in against the Entra simulator on loopback, with the test as the browser
    //! and an in-memory keychain; what the window would show comes from `current_state`.

    use std::sync::{Arc, Mutex};

    use keychain::SecretStore;
    use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID};

    use super::*;

    struct World {
        sim: GraphSimulator,
        state: Arc<AppState>,
        keychain: Arc<keychain::MemoryStore>,
        _dir: tempfile::TempDir,
    }

    async fn world() -> World {
        let sim = GraphSimulator::start(GraphSimSetup {
            colleagues: 2,
            ..GraphSimSetup::default()
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        // STARFACE is set up but has no password yet, so the sync cannot run: the first-run
        // order in which a Microsoft sign-in must still count.
        std::fs::write(
            &config,
            format!(
                "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\n\
                 graph_base = \"{}\"\n[starface]\nurl = \"https://127.0.0.1:1\"\nlogin = \"0001\"\n",
                sim.base_url(),
                sim.graph_url()
            ),
        )
        .unwrap();
        let (store, report) =
            settings::SettingsStore::load(&config, &dir.path().join("no-policy.toml"));
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let keychain = Arc::new(keychain::MemoryStore::new());
        let state = AppState::new(store, keychain.clone(), None, Arc::new(bridge::LogNotifier));
        World {
            sim,
            state: Arc::new(state),
            keychain,
            _dir: dir,
        }
    }

    impl World {
        fn microsoft_state(&self) -> String {
            serde_json::to_value(self.state.current_state().accounts.microsoft.state)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        }
    }

    fn browser() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap()
    }

    /// Plays the browser: signs in on the simulator's authorize page and delivers its redirect
    /// to the app's listener, after `tamper` had a go at it.
    fn play_browser(page: &url::Url, tamper: fn(String) -> String) {
        let page = page.to_string();
        tokio::spawn(async move {
            let browser = browser();
            let authorize = browser.get(&page).send().await.expect("authorize page");
            assert_eq!(authorize.status(), 302, "authorize redirects");
            let location = authorize.headers()["location"].to_str().unwrap().to_owned();
            let delivered = browser
                .get(tamper(location))
                .send()
                .await
                .expect("the app's redirect listener");
            assert!(delivered.status().is_success(), "{}", delivered.status());
        });
    }

    /// `changed` for the tests: records whether the account showed "signing in" each time.
    fn recorder(state: &Arc<AppState>) -> (Arc<Mutex<Vec<bool>>>, impl Fn()) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (record, state) = (seen.clone(), state.clone());
        (seen, move || {
            record.lock().unwrap().push(state.signing_in())
        })
    }

    fn options(timeout: Duration) -> PkceOptions {
        PkceOptions {
            timeout,
            ..PkceOptions::default()
        }
    }

    #[tokio::test]
    async fn a_completed_sign_in_counts_while_the_sync_cannot_run() {
        let w = world().await;
        assert_eq!(w.microsoft_state(), "signed_out");
        let (seen, changed) = recorder(&w.state);
        let end = browser_sign_in(
            &w.state,
            options(Duration::from_secs(60)),
            |page| {
                play_browser(page, |location| location);
                Ok(())
            },
            changed,
        )
        .await
        .expect("sign-in completes");
        assert_eq!(end, SignInEnd::SignedIn);
        assert_eq!(*seen.lock().unwrap(), [true, false]);
        let token = w.keychain.get(names::MICROSOFT_REFRESH_TOKEN).unwrap();
        assert!(w.sim.control().refresh_token_valid(token.unwrap().expose()));
        // No bridge runs (the STARFACE password is missing), yet the account is signed in.
        assert!(w.state.running().is_none());
        assert_eq!(w.microsoft_state(), "signed_in");
    }

    #[tokio::test]
    async fn a_refused_code_redemption_ends_the_sign_in_with_the_reason() {
        let w = world().await;
        let (seen, changed) = recorder(&w.state);
        let error = browser_sign_in(
            &w.state,
            // Far longer than the test may take: the refusal, not the timeout, must end it.
            options(Duration::from_secs(600)),
            |page| {
                // The state is right, the code is not one Entra issued: the token endpoint
                // refuses to redeem it.
                play_browser(page, |location| location.replace("code=", "code=forged-"));
                Ok(())
            },
            changed,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                error,
                CommandError::SignIn(graph_client::AuthError::SignInRequired { .. })
            ),
            "{error:?}"
        );
        // Microsoft's own reason, without "sign in again" (the user just tried).
        let message = error.to_string();
        assert!(
            message.starts_with("Microsoft sign-in did not complete: AADSTS9002313"),
            "{message}"
        );
        let redemptions = w
            .sim
            .control()
            .log()
            .matching("POST", "/organizations/oauth2/v2.0/token");
        assert_eq!(redemptions.len(), 1);
        assert_eq!(redemptions[0].status, 400, "the simulator refused the code");
        assert_eq!(*seen.lock().unwrap(), [true, false]);
        assert!(!w.state.signing_in());
        assert_eq!(w.microsoft_state(), "signed_out");
        assert!(w
            .keychain
            .get(names::MICROSOFT_REFRESH_TOKEN)
            .unwrap()
            .is_none());
    }

    #[tokio::test]
    async fn a_browser_that_never_comes_back_ends_the_sign_in_at_the_timeout() {
        let w = world().await;
        let (seen, changed) = recorder(&w.state);
        let error = browser_sign_in(
            &w.state,
            options(Duration::from_millis(300)),
            |_page| Ok(()),
            changed,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                error,
                CommandError::SignIn(graph_client::AuthError::TimedOut(_))
            ),
            "{error:?}"
        );
        assert_eq!(*seen.lock().unwrap(), [true, false]);
        assert_eq!(w.microsoft_state(), "signed_out");
    }

    #[tokio::test]
    async fn a_page_that_cannot_be_opened_ends_the_sign_in_at_once() {
        let w = world().await;
        let (seen, changed) = recorder(&w.state);
        let error = browser_sign_in(
            &w.state,
            options(Duration::from_secs(600)),
            |_page| Err(CommandError::Task("no browser".into())),
            changed,
        )
        .await
        .unwrap_err();
        assert!(matches!(error, CommandError::Task(_)), "{error:?}");
        assert_eq!(*seen.lock().unwrap(), [true, false]);
        assert_eq!(w.microsoft_state(), "signed_out");
    }

    #[tokio::test]
    async fn a_second_sign_in_replaces_the_one_still_waiting() {
        let w = world().await;
        let (first_page_tx, first_page) = tokio::sync::oneshot::channel();
        let state = w.state.clone();
        let first = tokio::spawn(async move {
            browser_sign_in(
                &state,
                options(Duration::from_secs(600)),
                move |page| {
                    let _ = first_page_tx.send(page.clone());
                    Ok(())
                },
                || {},
            )
            .await
        });
        // The user closed the first tab without signing in, and asks again.
        let first_page: url::Url = first_page.await.unwrap();
        assert!(w.state.signing_in());
        let end = browser_sign_in(
            &w.state,
            options(Duration::from_secs(60)),
            |page| {
                play_browser(page, |location| location);
                Ok(())
            },
            || {},
        )
        .await
        .expect("the second sign-in completes");
        assert_eq!(end, SignInEnd::SignedIn);
        assert_eq!(first.await.unwrap().unwrap(), SignInEnd::Replaced);
        assert!(!w.state.signing_in());
        assert_eq!(w.microsoft_state(), "signed_in");
        // The first attempt's listener is gone: its redirect cannot land anywhere.
        let redirect = first_page
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let port = url::Url::parse(&redirect).unwrap().port().unwrap();
        assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err());
    }
}
