//! `sign_in_microsoft`, `sign_out_microsoft`, `save_starface_password`,
//! `save_starface_client_secret`, `inspect_certificate`, `trust_certificate`.

use std::time::Duration;

use bridge::setup::StarfaceSecret;
use graph_client::auth::{self, PkceOptions};
use graph_client::{AuthError, ScopeRequest, Timing};
use keychain::{names, Secret};
use tauri::{AppHandle, Runtime, State};
use window_model::free_busy::{FreeBusyLeftOut, SignedInWithoutFreeBusy};
use window_model::sign_in::Certificate;

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

/// One browser sign-in for the settings' permissions, with no second try (the tests' view of
/// [`browser_sign_in_for`]).
#[cfg(test)]
pub(crate) async fn browser_sign_in(
    state: &AppState,
    options: PkceOptions,
    open: impl FnOnce(&url::Url) -> CommandResult<()>,
    changed: impl Fn(),
) -> CommandResult<SignInEnd> {
    let scopes = bridge::setup::scope_request(&state.settings());
    browser_sign_in_for(state, scopes, options, open, changed).await
}

/// [`browser_sign_in_for`] the settings' permissions and, when Entra wants a consent for the
/// calendar permission that nobody gave (an administrator must approve it, or the user declined
/// the prompt), a second one without it (`open` shows the second page): presence works, and
/// what was left out comes back for the window to say.
pub(crate) async fn browser_sign_in_leaving_out_free_busy(
    state: &AppState,
    options: PkceOptions,
    open: impl Fn(&url::Url) -> CommandResult<()>,
    changed: impl Fn(),
) -> CommandResult<(SignInEnd, Option<FreeBusyLeftOut>)> {
    let scopes = bridge::setup::scope_request(&state.settings());
    let error = match browser_sign_in_for(state, scopes, options.clone(), &open, &changed).await {
        Err(CommandError::SignIn(error)) => error,
        other => return other.map(|end| (end, None)),
    };
    let Some(fewer) = bridge::setup::sign_in_again_without_free_busy(scopes, &error) else {
        return Err(CommandError::SignIn(error));
    };
    let left_out = match error {
        AuthError::ConsentRequired {
            needs_admin: true, ..
        } => FreeBusyLeftOut::NeedsAdmin,
        _ => FreeBusyLeftOut::Declined,
    };
    tracing::warn!(
        ?left_out,
        aadsts = ?error.aadsts(),
        "the calendar permission needs a consent nobody gave; signing in again without free/busy"
    );
    let end = browser_sign_in_for(state, fewer, options, &open, &changed).await?;
    Ok((end, Some(left_out)))
}

/// One browser sign-in for `scopes` from start to end, without Tauri: binds the redirect
/// listener, marks the account as signing in, has `open` show the authorize page, then waits for
/// the redirect and the code redemption, at most `options.timeout`. However it ends, the mark
/// goes again (unless a newer sign-in took over), and a failure comes back as the error the
/// window shows: the sign-in never stays "signing in" without an end. `changed` runs whenever
/// the account state changed.
async fn browser_sign_in_for(
    state: &AppState,
    scopes: ScopeRequest,
    options: PkceOptions,
    open: impl FnOnce(&url::Url) -> CommandResult<()>,
    changed: impl Fn(),
) -> CommandResult<SignInEnd> {
    let settings = state.settings();
    let config = bridge::setup::microsoft_config(&settings)?;
    let pending = auth::begin_pkce_sign_in(&config, scopes, options).await?;
    let authorize_url = pending.authorize_url().clone();
    // Its own task, so a newer sign-in can cancel it (which also closes its listener).
    // The refresh token is kept for the Microsoft settings it was issued under.
    let waiting = tokio::spawn(pending.complete(state.microsoft_secrets(), Timing::real()));
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
/// restarts), `{free_busy_left_out}` once signed in without the calendar permission (a second
/// sign-in after Entra wanted a consent for it nobody gave), or the reason it failed (refused,
/// declined, no answer from the browser within five minutes). Meanwhile
/// `state.accounts.microsoft.state` is `signing_in`.
#[tauri::command]
pub async fn sign_in_microsoft<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<Option<SignedInWithoutFreeBusy>> {
    if state.demo {
        return Err(CommandError::Invalid {
            key: None,
            message: "the demo is signed in to its simulator already".into(),
        });
    }
    let authority = state.settings().microsoft.authority;
    let (end, left_out) = browser_sign_in_leaving_out_free_busy(
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
    Ok(left_out.map(|free_busy_left_out| SignedInWithoutFreeBusy { free_busy_left_out }))
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
    save_starface_secret(&app, &state, StarfaceSecret::Password, password).await
}

/// Stores the STARFACE 10 OAuth client secret in the keychain (never logged, never returned)
/// and reconnects. Like the password, it arrives as a `Secret`.
#[tauri::command]
pub async fn save_starface_client_secret<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    client_secret: Secret,
) -> CommandResult<()> {
    save_starface_secret(
        &app,
        &state,
        StarfaceSecret::OAuthClientSecret,
        client_secret,
    )
    .await
}

/// Keeps `value` as `secret` for the PBX (and login) the settings name now, then restarts the
/// sync and tells the window what the keychain holds.
async fn save_starface_secret<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    secret: StarfaceSecret,
    value: Secret,
) -> CommandResult<()> {
    let key = match secret {
        StarfaceSecret::Password => "starface.password",
        StarfaceSecret::OAuthClientSecret => "starface.oauth.client_secret",
    };
    if value.is_empty() {
        return Err(CommandError::invalid(
            key,
            format!("the {} is empty", secret.describe()),
        ));
    }
    let settings = state.settings();
    if settings.starface.url.is_none() || settings.starface.login.is_none() {
        return Err(CommandError::invalid(
            "starface.url",
            "enter the STARFACE server URL and login ID first",
        ));
    }
    let store = state.secrets();
    tauri::async_runtime::spawn_blocking(move || {
        bridge::setup::store_starface_secret(&settings, store.as_ref(), secret, &value)
    })
    .await
    .map_err(|e| CommandError::Task(e.to_string()))??;
    tracing::info!("{} stored in the keychain", secret.describe());
    restart_sync(app).await;
    let settings_app = app.clone();
    // The settings view reads the keychain: off the async runtime.
    let _ = tauri::async_runtime::spawn_blocking(move || publish_settings(&settings_app)).await;
    publish_state(app);
    Ok(())
}

/// The certificate the PBX presents now (one TLS handshake; nothing is sent), remembered for
/// the window's state.
#[tauri::command]
pub async fn inspect_certificate<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<Certificate> {
    let presented = presented_certificate(&state).await?;
    let certificate = certificate_view(&presented);
    state.set_certificate(certificate.clone());
    publish_state(&app);
    Ok(certificate)
}

fn certificate_view(presented: &starface_client::tls::PresentedCertificate) -> Certificate {
    let details = presented
        .details
        .as_ref()
        .map(|details| bridge::CertificateDetails {
            subject: details.subject.clone(),
            issuer: details.issuer.clone(),
            not_before: details.not_before,
            not_after: details.not_after,
        });
    Certificate::new(
        presented.sha256.to_string(),
        details.as_ref(),
        presented.trusted,
    )
}

/// What the PBX of the settings presents, checked against the configured trust.
async fn presented_certificate(
    state: &AppState,
) -> CommandResult<starface_client::tls::PresentedCertificate> {
    const KEY: &str = "starface.url";
    let settings = state.settings();
    let endpoint = bridge::setup::pbx_endpoint(&settings)?;
    if endpoint.base_url.scheme() != "https" {
        return Err(CommandError::invalid(
            KEY,
            "the STARFACE URL is not https: there is no certificate",
        ));
    }
    let host = endpoint
        .host()
        .ok_or_else(|| CommandError::invalid(KEY, "the STARFACE URL has no host"))?;
    starface_client::tls::fetch_presented_certificate(
        &host,
        endpoint.port(),
        &endpoint.trust,
        Duration::from_secs(10),
    )
    .await
    .map_err(|e| CommandError::invalid(KEY, e.to_string()))
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
    let presented = presented_certificate(&state)
        .await
        .map_err(|error| CommandError::invalid(KEY, error.to_string()))?;
    state.set_certificate(certificate_view(&presented));
    if presented.sha256 != wanted {
        publish_state(&app);
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
    // Seen again with the new pin: now trusted.
    state.set_certificate(Certificate {
        trusted: true,
        ..certificate_view(&presented)
    });
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
        world_with(GraphSimSetup {
            colleagues: 2,
            ..GraphSimSetup::default()
        })
        .await
    }

    async fn world_with(setup: GraphSimSetup) -> World {
        let sim = GraphSimulator::start(setup).await.unwrap();
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
        let token = w
            .state
            .microsoft_secrets()
            .get(names::MICROSOFT_REFRESH_TOKEN)
            .unwrap();
        assert!(w.sim.control().refresh_token_valid(token.unwrap().expose()));
        // No bridge runs (the STARFACE password is missing), yet the account is signed in.
        assert!(w.state.running().is_none());
        assert_eq!(w.microsoft_state(), "signed_in");
    }

    /// The scopes a sign-in page asks for.
    fn asked(page: &url::Url) -> String {
        page.query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn a_calendar_permission_only_an_admin_may_grant_is_left_out_in_a_second_sign_in() {
        let w = world_with(GraphSimSetup {
            colleagues: 2,
            admin_consent_required: vec!["Calendars.ReadBasic".into()],
            ..GraphSimSetup::default()
        })
        .await;
        let pages = Mutex::new(Vec::new());
        let (end, left_out) = browser_sign_in_leaving_out_free_busy(
            &w.state,
            options(Duration::from_secs(60)),
            |page| {
                pages.lock().unwrap().push(asked(page));
                play_browser(page, |location| location);
                Ok(())
            },
            || {},
        )
        .await
        .expect("signed in at the second try");
        assert_eq!(end, SignInEnd::SignedIn);
        assert_eq!(left_out, Some(FreeBusyLeftOut::NeedsAdmin));
        let pages = pages.into_inner().unwrap();
        assert_eq!(pages.len(), 2, "{pages:?}");
        assert!(pages[0].contains("Calendars.ReadBasic"), "{pages:?}");
        assert!(!pages[1].contains("Calendars"), "{pages:?}");
        assert!(pages[1].contains("Presence.Read.All"), "{pages:?}");
        // Read as the sync reads it: bound to the Microsoft account of the settings.
        let token = w
            .state
            .microsoft_secrets()
            .get(names::MICROSOFT_REFRESH_TOKEN)
            .unwrap();
        assert!(w.sim.control().refresh_token_valid(token.unwrap().expose()));
        assert_eq!(w.microsoft_state(), "signed_in");
    }

    #[tokio::test]
    async fn without_free_busy_in_the_settings_the_calendar_permission_is_not_asked_for() {
        let w = world().await;
        w.state.with_store(|store| {
            let mut settings = store.settings().clone();
            settings.microsoft.free_busy = false;
            store.save(settings).unwrap();
        });
        let pages = Mutex::new(Vec::new());
        let (end, left_out) = browser_sign_in_leaving_out_free_busy(
            &w.state,
            options(Duration::from_secs(60)),
            |page| {
                pages.lock().unwrap().push(asked(page));
                play_browser(page, |location| location);
                Ok(())
            },
            || {},
        )
        .await
        .unwrap();
        assert_eq!((end, left_out), (SignInEnd::SignedIn, None));
        let pages = pages.into_inner().unwrap();
        assert_eq!(pages.len(), 1);
        assert!(!pages[0].contains("Calendars"), "{pages:?}");
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
