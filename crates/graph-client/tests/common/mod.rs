//! Shared test setup: a simulator, a config pointing at it, and sign-in shortcuts.
#![allow(dead_code)]

pub mod canned;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use graph_client::auth::{self, DeviceCodeOptions, PkceOptions};
use graph_client::timing::RecordingSleeper;
use graph_client::{Credentials, GraphClient, ManualClock, MicrosoftConfig, ScopeRequest, Timing};
use keychain::{MemoryStore, SecretStore};
use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID};

pub struct Harness {
    pub sim: GraphSimulator,
    pub config: MicrosoftConfig,
    pub store: Arc<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub sleeper: Arc<RecordingSleeper>,
}

impl Harness {
    pub async fn start(setup: GraphSimSetup) -> Self {
        let sim = GraphSimulator::start(setup)
            .await
            .expect("simulator starts");
        let config = MicrosoftConfig::new(DEFAULT_CLIENT_ID)
            .unwrap()
            .with_authority(&sim.base_url())
            .unwrap()
            .with_graph_base(&sim.graph_url())
            .unwrap();
        let clock = Arc::new(ManualClock::new(SystemTime::now()));
        let sleeper = Arc::new(RecordingSleeper::new().advancing(clock.clone()));
        Self {
            sim,
            config,
            store: Arc::new(MemoryStore::new()),
            clock,
            sleeper,
        }
    }

    pub fn timing(&self) -> Timing {
        Timing::new(self.clock.clone(), self.sleeper.clone())
    }

    pub fn store_dyn(&self) -> Arc<dyn SecretStore> {
        self.store.clone()
    }

    /// Device-code sign-in approved on the first wait (fast path for tests about other things).
    pub async fn sign_in(&self, scopes: ScopeRequest) -> Arc<Credentials> {
        let control = self.sim.control().clone();
        let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
            for code in control.pending_user_codes() {
                control.approve_device_code(&code);
            }
        }));
        let timing = Timing::new(self.clock.clone(), sleeper);
        let credentials = auth::device_code_sign_in(
            &self.config,
            scopes,
            self.store_dyn(),
            timing,
            DeviceCodeOptions::default(),
            |_| {},
        )
        .await
        .expect("device sign-in succeeds");
        // Later calls use the harness's recording sleeper.
        Arc::new(Credentials::from_store(
            credentials.config().clone(),
            scopes,
            self.store_dyn(),
            self.timing(),
        ))
    }

    pub async fn graph(&self, scopes: ScopeRequest) -> GraphClient {
        GraphClient::new(self.sign_in(scopes).await)
    }

    pub fn me(&self) -> String {
        self.sim.control().signed_in_user().id.to_string()
    }
}

/// Runs a PKCE sign-in with the test acting as the browser: follows the authorize redirect and
/// delivers it to the loopback listener.
pub async fn browser_sign_in(
    harness: &Harness,
    scopes: ScopeRequest,
) -> Result<Credentials, graph_client::AuthError> {
    let pending = auth::begin_pkce_sign_in(
        &harness.config,
        scopes,
        PkceOptions {
            timeout: Duration::from_secs(20),
            ..PkceOptions::default()
        },
    )
    .await
    .expect("listener binds");
    let authorize_url = pending.authorize_url().clone();
    let completion = tokio::spawn(pending.complete(harness.store_dyn(), harness.timing()));
    let browser = browser();
    let location = follow_authorize(&browser, authorize_url.as_str()).await;
    let _ = browser
        .get(location)
        .send()
        .await
        .expect("redirect delivered");
    completion.await.expect("sign-in task")
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs the authorize URL and returns the `Location` Entra redirects to.
pub async fn follow_authorize(browser: &reqwest::Client, authorize_url: &str) -> String {
    let response = browser.get(authorize_url).send().await.expect("authorize");
    assert_eq!(response.status(), 302, "authorize should redirect");
    response
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Counts calls; for sleep hooks.
#[derive(Default, Clone)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
