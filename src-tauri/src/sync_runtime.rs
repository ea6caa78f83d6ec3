//! Starting the bridge the same way for the tray app and `--headless`: the demo on the built-in
//! simulators, the real sync from the user's settings, or nothing when it is not configured.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use bridge::demo::{Demo, DemoPace, DemoPbx};
use bridge::{
    BridgeCarryOver, BridgeError, BridgeHandle, BridgeSnapshot, BridgeWarning, Notifier, Service,
    SyncStateView, SystemBridgeClock,
};
use keychain::{OsKeychain, SecretStore};
use presence_core::Mapping;
use settings::{MicrosoftSettings, Settings};
use tokio::sync::watch;

use window_model::i18n::{self, Lang};

use crate::cli::Paths;

/// A running bridge.
pub enum Running {
    Demo(Demo),
    Sync {
        handle: BridgeHandle,
        /// The accounts it runs with, for the hand-over to the next sync.
        accounts: SyncAccounts,
    },
}

impl Running {
    pub fn subscribe(&self) -> watch::Receiver<BridgeSnapshot> {
        self.handle().subscribe()
    }

    /// The bridge to send commands to.
    pub fn handle(&self) -> &BridgeHandle {
        match self {
            Running::Demo(demo) => demo.bridge(),
            Running::Sync { handle, .. } => handle,
        }
    }

    /// Wall-clock milliseconds at which the snapshot's times (journal, pause end) count from;
    /// `None` for the demo, whose clock starts with it.
    pub fn clock_started_wall_ms(&self) -> Option<u64> {
        match self {
            Running::Demo(_) => None,
            Running::Sync { .. } => {
                let started = process_clock().started_at();
                Some(
                    started
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis() as u64),
                )
            }
        }
    }

    /// Clears the Teams session, logs out of STARFACE, flushes the journal. Returns what the next
    /// sync goes on from (nothing for the demo: it starts its scripted day afresh).
    pub async fn shutdown(self) -> Option<SyncHandOver> {
        match self {
            Running::Demo(demo) => {
                demo.shutdown().await;
                None
            }
            Running::Sync { handle, accounts } => {
                let carry_over = handle.shutdown().await?;
                Some(SyncHandOver {
                    accounts,
                    carry_over,
                })
            }
        }
    }
}

/// What says whose accounts a sync runs with. The signed-in Microsoft user is not in the
/// settings; a sign-out ends the hand-over instead (`AppState::set_microsoft_saved`).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncAccounts {
    /// Authority, tenant, app registration and Graph endpoint: where the Microsoft account lives.
    microsoft: MicrosoftSettings,
    /// The PBX and the login on it. Connection details (certificate pin, XMPP) are not the
    /// account: pinning a certificate restarts the sync for the same user.
    starface_url: Option<String>,
    starface_login: Option<String>,
}

impl SyncAccounts {
    pub fn of(settings: &Settings) -> Self {
        Self {
            microsoft: settings.microsoft.clone(),
            starface_url: settings.starface.url.clone(),
            starface_login: settings.starface.login.clone(),
        }
    }
}

/// What a stopped sync leaves for the next one: the bridge's carry-over (a DND kept by hand, a
/// pause, the "another sync" stop, ...) and the accounts it belongs to. Memory only.
#[derive(Debug)]
pub struct SyncHandOver {
    accounts: SyncAccounts,
    carry_over: BridgeCarryOver,
}

impl SyncHandOver {
    /// The carry-over if the next sync runs with the same accounts: the user's choices belong
    /// to them; another account starts afresh.
    fn for_accounts(self, accounts: &SyncAccounts) -> Option<BridgeCarryOver> {
        if self.accounts == *accounts {
            Some(self.carry_over)
        } else {
            tracing::info!("the accounts changed; the sync starts afresh");
            None
        }
    }
}

/// The clock of every sync this process runs (one origin, not one per start): a carry-over's
/// times, such as a pause's end, are readings of the stopped bridge's clock.
fn process_clock() -> &'static SystemBridgeClock {
    static CLOCK: OnceLock<SystemBridgeClock> = OnceLock::new();
    CLOCK.get_or_init(SystemBridgeClock::new)
}

/// Why no sync runs: the sign-ins to repeat first, if that is the reason (each one is also
/// logged). Shown in the window and the tray like a running sync's warnings.
#[derive(Debug, Clone, Default)]
pub struct NotRunning {
    /// `SignInNeeded` / `StarfaceSecretNeeded`, at most one per service.
    pub sign_in: Vec<BridgeWarning>,
}

impl NotRunning {
    /// "Not configured", with the sign-ins it waits for.
    pub fn snapshot(&self) -> BridgeSnapshot {
        BridgeSnapshot {
            sync: bridge::SyncView {
                state: SyncStateView::NotConfigured,
                warnings: self.sign_in.clone(),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// Starts the demo (`demo`, on that PBX), or the sync from the settings, going on from
/// `hand_over` (of the sync that stopped before) if it is for the same accounts. When it cannot
/// start (not configured, a secret to enter, the keychain), the reason is logged and returned.
pub async fn start(
    demo: Option<DemoPbx>,
    paths: &Paths,
    notifier: Arc<dyn Notifier>,
    hand_over: Option<SyncHandOver>,
) -> Result<Running, NotRunning> {
    if let Some(pbx) = demo {
        // `--headless --demo` reads no settings: the messages follow the OS language.
        let messages = Lang::choose(settings::Language::Auto).messages();
        return start_demo(notifier, Mapping::defaults_in(messages), pbx).await;
    }
    let (store, report) = settings::SettingsStore::load(&paths.config_file, &paths.policy_file);
    for problem in &report.problems {
        tracing::error!(%problem, "settings problem; the file is left untouched");
    }
    if let Some(broken) = &store.policy().broken {
        tracing::error!("{broken}");
    }
    let settings = store.settings().clone();
    if let Some(missing) = bridge::setup::missing_configuration(&settings) {
        tracing::warn!("not configured: {missing}; the sync does not run");
        return Err(NotRunning::default());
    }
    let accounts = SyncAccounts::of(&settings);
    let options = bridge::BridgeOptions {
        carry_over: hand_over.and_then(|hand_over| hand_over.for_accounts(&accounts)),
        ..bridge::setup::options_from_settings(
            &settings,
            i18n::message_language(&settings),
            Some(&paths.state_dir),
        )
    };
    let connectors = tokio::task::spawn_blocking(move || {
        let keychain: Arc<dyn SecretStore> =
            Arc::new(OsKeychain::new().with_deadline(Duration::from_secs(30)));
        let microsoft = microsoft_sign_in_moved(&settings, keychain.as_ref());
        (
            bridge::setup::connectors_from_settings(&settings, keychain),
            microsoft,
        )
    })
    .await;
    let (connectors, microsoft_moved) = match connectors {
        Ok(started) => started,
        Err(error) => {
            tracing::error!(%error, "cannot read the keychain");
            return Err(NotRunning::default());
        }
    };
    let connectors = match connectors {
        Ok(connectors) => connectors,
        Err(BridgeError::StarfaceSecretNeeded { secret, need }) => {
            tracing::warn!(
                "the sync does not run: {}",
                BridgeError::StarfaceSecretNeeded {
                    secret,
                    need: need.clone()
                }
            );
            let starface = BridgeWarning::StarfaceSecretNeeded { secret, need };
            return Err(NotRunning {
                sign_in: microsoft_moved.into_iter().chain([starface]).collect(),
            });
        }
        Err(error) => {
            tracing::warn!(%error, "the sync does not run");
            return Err(NotRunning {
                sign_in: microsoft_moved.into_iter().collect(),
            });
        }
    };
    match bridge::start(
        options,
        connectors,
        Arc::new(process_clock().continued()),
        notifier,
    ) {
        Ok(handle) => {
            tracing::info!("sync started");
            Ok(Running::Sync { handle, accounts })
        }
        Err(error) => {
            tracing::error!(%error, "cannot start the sync");
            Err(NotRunning::default())
        }
    }
}

/// The Microsoft sign-in to repeat when the one in the keychain was made for other Microsoft
/// settings (logged here; the Graph worker would only see "not signed in").
fn microsoft_sign_in_moved(
    settings: &settings::Settings,
    keychain: &dyn SecretStore,
) -> Option<BridgeWarning> {
    match bridge::secrets::microsoft_sign_in(settings, keychain) {
        Ok(Some(bridge::secrets::SecretNeed::StoredForAnotherServer { stored_for })) => {
            let reason = format!(
                "the Microsoft sign-in in the keychain was made for {stored_for}; the settings \
                 name another sign-in now ({}), so it is not used. Sign in again \
                 (`presence-bridge login microsoft`, or in the window)",
                bridge::secrets::microsoft_endpoint(settings)
            );
            tracing::warn!("{reason}");
            Some(BridgeWarning::SignInNeeded {
                service: Service::Microsoft,
                reason,
            })
        }
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "cannot read the Microsoft sign-in from the keychain");
            None
        }
    }
}

/// Starts the demo with `mapping` (its built-in one has the English default messages) on `pbx`.
pub async fn start_demo(
    notifier: Arc<dyn Notifier>,
    mapping: Mapping,
    pbx: DemoPbx,
) -> Result<Running, NotRunning> {
    match Demo::start_with(DemoPace::default(), pbx, notifier).await {
        Ok(demo) => {
            // Should the first Teams reading be acted on already, the mapping change re-applies
            // its row.
            let _ = demo
                .bridge()
                .send(bridge::BridgeCommand::MappingChanged(Box::new(mapping)));
            Ok(Running::Demo(demo))
        }
        Err(error) => {
            tracing::error!(%error, "cannot start the demo");
            Err(NotRunning::default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let mut settings = Settings::default();
        settings.microsoft.client_id = Some("11111111-2222-3333-4444-555555555555".into());
        settings.starface.url = Some("https://pbx.example.com".into());
        settings.starface.login = Some("0001".into());
        settings
    }

    /// Whether a hand-over taken under `before` reaches a sync started under `after`.
    fn carried(before: &Settings, after: &Settings) -> bool {
        SyncAccounts::of(before) == SyncAccounts::of(after)
    }

    #[test]
    fn the_hand_over_reaches_only_a_sync_for_the_same_accounts() {
        let before = settings();
        assert!(carried(&before, &before.clone()));

        // Connection details and everything else are not the account.
        let mut after = before.clone();
        after.starface.certificate_pin = Some("AB:CD".into());
        after.starface.xmpp_enabled = false;
        after.mapping.busy.dnd = presence_core::mapping::DndAction::Activate;
        assert!(carried(&before, &after));

        let mut after = before.clone();
        after.starface.login = Some("0002".into());
        assert!(!carried(&before, &after), "another STARFACE login");
        let mut after = before.clone();
        after.starface.url = Some("https://other-pbx.example.com".into());
        assert!(!carried(&before, &after), "another PBX");
        let mut after = before.clone();
        after.microsoft.tenant = "contoso.onmicrosoft.com".into();
        assert!(!carried(&before, &after), "another tenant");
        let mut after = before.clone();
        after.microsoft.client_id = Some("66666666-2222-3333-4444-555555555555".into());
        assert!(!carried(&before, &after), "another app registration");
    }
}
