//! `--demo`: the simulated office (both simulators in-process on loopback, one made-up
//! organisation), a scripted and sped-up working day, and the real bridge running against them.
//! [`OfficeAccount`] signs in to the office the way the app does; the bridge's tests and the soak
//! use it too.
//!
//! The demo's PBX is a STARFACE 10 that signs in with OAuth only and runs OneHub, over TLS
//! with a certificate made at start (pinned by the demo's connectors), so colleagues' phones are
//! pushed as in a real office.
//!
//! Demo credentials live in a [`MemoryStore`] only; the user's settings file and keychain are
//! never read or written. Every few seconds something visible happens: the demo user's Teams
//! status changes (meeting, presenting, away, out of office), a STARFACE call starts or ends, and
//! colleagues' presence and phones change (calls, a ringing phone, DND, forwarded calls). The
//! script loops.
//!
//! The PBX is a STARFACE 10 ([`DemoPbx`]): by default one whose admin switched the classic login
//! off, so the demo signs in with OAuth on every channel, over TLS with a certificate made at
//! start (pinned by the demo's connectors), and runs OneHub, so colleagues' phones are pushed as
//! in a real office. With [`DemoPbx::Classic`] (`--demo --demo-classic`) it is a PBX with the
//! classic login over plain HTTP on loopback and no OneHub: no phone state, as on STARFACE 9.

use std::sync::Arc;
use std::time::Duration;

use graph_client::auth::{self, DeviceCodeOptions};
use graph_client::{
    Credentials, GraphClient, MicrosoftConfig, RecordingSleeper, ScopeRequest, SystemClock, Timing,
};
use keychain::{MemoryStore, SecretStore};
use onehub_proto::presence::TelephonyState;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simulators::office::Office;
use simulators::starface::SimSettings;
use starface_client::xmpp::XmppSettings;
use starface_client::{
    AuthMode, CertificatePin, Credentials as PbxCredentials, OAuthSettings, PbxEndpoint, PbxSignIn,
    RestAuth, RestClient, TlsTrust, UciAuth, UciClient,
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::clock::SystemBridgeClock;
use crate::error::BridgeError;
use crate::notifier::Notifier;
use crate::phones::OneHubLink;
use crate::runtime::{start, BridgeHandle, BridgeOptions, Connectors};

/// The demo user's STARFACE login.
pub const DEMO_LOGIN: &str = simulators::office::USER_LOGIN;
const DEMO_PASSWORD: &str = "demo";
/// Colleagues in the made-up organisation.
pub const DEMO_COLLEAGUES: usize = 36;

/// Which STARFACE the demo plays, and how it signs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DemoPbx {
    /// A PBX with the classic login (nonce login on REST, UCI login), over plain HTTP on
    /// loopback, without OneHub: colleagues show no phone state, as on STARFACE 9.
    Classic,
    /// A STARFACE 10 with the classic login switched off: OAuth (password grant with the
    /// admin's client secret) on REST, UCI and OneHub, over TLS with a pinned certificate.
    #[default]
    OAuthOnly,
}

/// How fast the demo runs.
#[derive(Debug, Clone)]
pub struct DemoPace {
    /// Real time between two steps of the script (each step is half an hour of the day).
    pub step: Duration,
}

impl Default for DemoPace {
    fn default() -> Self {
        Self {
            step: Duration::from_secs(4),
        }
    }
}

/// One step of the demo user's day: what Teams shows and whether the phone is busy.
struct Step {
    clock: &'static str,
    availability: &'static str,
    activity: &'static str,
    out_of_office: bool,
    on_the_phone: bool,
    what: &'static str,
}

const DAY: &[Step] = &[
    Step {
        clock: "08:30",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: false,
        what: "starts the day",
    },
    Step {
        clock: "09:00",
        availability: "Busy",
        activity: "InAMeeting",
        out_of_office: false,
        on_the_phone: false,
        what: "joins the team stand-up",
    },
    Step {
        clock: "09:30",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: false,
        what: "is back at the desk",
    },
    Step {
        clock: "10:00",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: true,
        what: "takes a customer call on the STARFACE phone",
    },
    Step {
        clock: "10:30",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: false,
        what: "hangs up",
    },
    Step {
        clock: "11:00",
        availability: "DoNotDisturb",
        activity: "Presenting",
        out_of_office: false,
        on_the_phone: false,
        what: "presents the quarterly figures",
    },
    Step {
        clock: "11:30",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: false,
        what: "is available again",
    },
    Step {
        clock: "12:00",
        availability: "Away",
        activity: "Away",
        out_of_office: false,
        on_the_phone: false,
        what: "goes to lunch",
    },
    Step {
        clock: "13:00",
        availability: "BeRightBack",
        activity: "BeRightBack",
        out_of_office: false,
        on_the_phone: false,
        what: "will be right back",
    },
    Step {
        clock: "13:30",
        availability: "Busy",
        activity: "InACall",
        out_of_office: false,
        on_the_phone: false,
        what: "is in a Teams call",
    },
    Step {
        clock: "14:00",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: false,
        what: "is available",
    },
    Step {
        clock: "15:00",
        availability: "Busy",
        activity: "InAMeeting",
        out_of_office: false,
        on_the_phone: false,
        what: "is in a workshop",
    },
    Step {
        clock: "16:30",
        availability: "Available",
        activity: "Available",
        out_of_office: false,
        on_the_phone: false,
        what: "wraps up",
    },
    Step {
        clock: "17:00",
        availability: "Offline",
        activity: "OffWork",
        out_of_office: true,
        on_the_phone: false,
        what: "is off (out of office)",
    },
];

const COLLEAGUE_STATES: &[(&str, &str)] = &[
    ("Available", "Available"),
    ("Available", "Available"),
    ("Busy", "InAMeeting"),
    ("Busy", "InACall"),
    ("DoNotDisturb", "Presenting"),
    ("Away", "Away"),
    ("BeRightBack", "BeRightBack"),
    ("Offline", "OffWork"),
];

/// The office's user signed in the way the app signs in: Microsoft by device code (approved at
/// once by the office, so nobody waits for the announced polling interval) with the tokens in a
/// keychain; STARFACE by nonce login with the office's password, or, when the office runs OneHub
/// (STARFACE 10), by OAuth with the PBX's client secret, which OneHub needs. A PBX over TLS is
/// trusted by pinning the office's certificate. Makes the bridge's connectors: the demo uses it,
/// and so do the bridge's tests and the soak.
pub struct OfficeAccount {
    credentials: Arc<Credentials>,
    endpoint: PbxEndpoint,
    pbx_credentials: PbxCredentials,
    /// The OAuth client, when the office runs OneHub.
    oauth: Option<OAuthSettings>,
}

impl OfficeAccount {
    /// Signs in to the office's Microsoft account (tokens into `store`, which may already hold
    /// other secrets) for the scopes the bridge asks for, reverse sync and free/busy included.
    pub async fn sign_in(
        office: &Office,
        store: Arc<dyn SecretStore>,
    ) -> Result<Self, BridgeError> {
        let scopes = ScopeRequest::default().with_reverse_sync().with_free_busy();
        Self::sign_in_consenting_to(office, store, scopes).await
    }

    /// Like [`Self::sign_in`], but the user signs in for `consented` only (say, before free/busy
    /// was switched on); the connectors still ask for everything the bridge asks for, as the app
    /// does with a sign-in saved by an older setting.
    pub async fn sign_in_consenting_to(
        office: &Office,
        store: Arc<dyn SecretStore>,
        consented: ScopeRequest,
    ) -> Result<Self, BridgeError> {
        let graph = office.graph();
        let config = MicrosoftConfig::new(graph.control().client_id())
            .and_then(|c| c.with_authority(&graph.base_url()))
            .and_then(|c| c.with_graph_base(&graph.graph_url()))
            .map_err(|e| BridgeError::Simulator(e.to_string()))?;
        let scopes = ScopeRequest::default().with_reverse_sync().with_free_busy();
        let approver = office.approver();
        // Signing in polls through this sleeper; each "wait" is the user approving the code.
        let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
            approver.approve_waiting();
        }));
        auth::device_code_sign_in(
            &config,
            consented,
            store.clone(),
            Timing::new(Arc::new(SystemClock), sleeper),
            DeviceCodeOptions::default(),
            |_| {},
        )
        .await?;
        let credentials = Arc::new(Credentials::from_store(
            config,
            scopes,
            store,
            Timing::real(),
        ));
        let base_url: url::Url = office
            .pbx()
            .base_url()
            .parse()
            .map_err(|e: url::ParseError| BridgeError::Simulator(e.to_string()))?;
        let endpoint = match office.pbx_certificate_der() {
            Some(certificate) => PbxEndpoint::new(base_url)
                .with_trust(TlsTrust::Pin(CertificatePin::of_certificate(certificate))),
            None => PbxEndpoint::new(base_url).allowing_plain_http(),
        };
        let oauth = office
            .onehub()
            .map(|_| OAuthSettings::new(keychain::Secret::new(office.pbx().oauth_client_secret())));
        Ok(Self {
            credentials,
            endpoint,
            pbx_credentials: PbxCredentials::new(
                &office.me().login,
                keychain::Secret::new(office.password()),
            ),
            oauth,
        })
    }

    /// The Microsoft credentials (for a Graph client of its own).
    pub fn credentials(&self) -> Arc<Credentials> {
        self.credentials.clone()
    }

    /// Fresh connectors for a bridge; `xmpp`: the chat status link, if any (the office has no
    /// XMPP server; without it the chat message goes through UCI).
    /// With OneHub, one OAuth sign-in serves REST, UCI and OneHub.
    pub fn connectors(&self, xmpp: Option<XmppSettings>) -> Result<Connectors, BridgeError> {
        let graph = GraphClient::new(self.credentials.clone());
        let Some(oauth) = &self.oauth else {
            return Ok(Connectors {
                graph,
                rest: Arc::new(RestClient::new(
                    self.endpoint.clone(),
                    self.pbx_credentials.clone(),
                    RestAuth::NonceLogin,
                )?),
                uci: Arc::new(UciClient::new(
                    self.endpoint.clone(),
                    UciAuth::legacy(&self.pbx_credentials),
                )?),
                xmpp,
                onehub: None,
                relay: None,
            });
        };
        let sign_in = PbxSignIn::new(
            self.endpoint.clone(),
            self.pbx_credentials.clone(),
            AuthMode::OAuth,
            Some(oauth.clone()),
            starface_client::Timing::real(),
        )
        .map_err(|e| BridgeError::Rest(e.into()))?;
        Ok(Connectors {
            graph,
            rest: Arc::new(RestClient::with_sign_in(
                self.endpoint.clone(),
                sign_in.clone(),
            )?),
            uci: Arc::new(UciClient::new(
                self.endpoint.clone(),
                UciAuth::SignIn(sign_in.clone()),
            )?),
            xmpp,
            onehub: Some(OneHubLink::new(sign_in, None)),
            relay: None,
        })
    }
}

/// A running demo: the office, the bridge and the script.
pub struct Demo {
    /// Shared with the script, which ends before the office stops.
    office: Arc<Office>,
    bridge: BridgeHandle,
    script: JoinHandle<()>,
}

impl Demo {
    /// Opens the office, signs in to both services with demo credentials kept in memory and runs
    /// the bridge and the script (on the default [`DemoPbx`], a STARFACE 10 with OneHub).
    pub async fn start(pace: DemoPace, notifier: Arc<dyn Notifier>) -> Result<Self, BridgeError> {
        Self::start_with(pace, DemoPbx::default(), notifier).await
    }

    /// [`Self::start`] on the PBX `pbx`.
    pub async fn start_with(
        pace: DemoPace,
        pbx: DemoPbx,
        notifier: Arc<dyn Notifier>,
    ) -> Result<Self, BridgeError> {
        let simulator = |e: simulators::office::OfficeError| BridgeError::Simulator(e.to_string());
        let builder = Office::builder()
            .colleagues(DEMO_COLLEAGUES)
            .seed(2026)
            .password(DEMO_PASSWORD);
        let builder = match pbx {
            DemoPbx::Classic => builder.pbx_settings(SimSettings::default()),
            DemoPbx::OAuthOnly => builder
                .pbx_settings(SimSettings::starface_10_oauth_only())
                .pbx_tls_self_signed()
                .map_err(simulator)?
                .onehub(),
        };
        let office = builder.start().await.map_err(simulator)?;
        // Demo credentials: in memory only.
        let account = OfficeAccount::sign_in(&office, Arc::new(MemoryStore::new())).await?;
        let mut options = BridgeOptions {
            graph_poll_interval: Duration::from_secs(2),
            starface_poll_interval: Duration::from_secs(1),
            tick_interval: Duration::from_millis(500),
            people_count: DEMO_COLLEAGUES,
            ..BridgeOptions::default()
        };
        options.engine.sync.debounce_seconds = 1;
        let bridge = start(
            options,
            account.connectors(None)?,
            Arc::new(SystemBridgeClock::new()),
            notifier,
        )?;
        tracing::info!(
            user = %office.me().graph.display_name,
            colleagues = DEMO_COLLEAGUES,
            pbx = ?pbx,
            "demo running on built-in simulators (Microsoft 365: {}, STARFACE: {})",
            office.graph().base_url(),
            office.pbx().base_url()
        );
        let office = Arc::new(office);
        let script = tokio::spawn(run_script(office.clone(), pace));
        Ok(Self {
            office,
            bridge,
            script,
        })
    }

    /// The bridge, for front ends.
    pub fn bridge(&self) -> &BridgeHandle {
        &self.bridge
    }

    /// The e-mail addresses of the few colleagues the demo starts with as favourites, so the
    /// first look at the tray shows favourites and, below them, the most relevant people.
    pub fn starting_favourites(&self) -> Vec<String> {
        self.office
            .colleagues()
            .iter()
            .step_by(7)
            .take(3)
            .map(|person| person.graph.mail.to_ascii_lowercase())
            .collect()
    }

    /// The demo user's DND on the simulated PBX.
    pub fn pbx_dnd(&self) -> bool {
        self.office.dnd()
    }

    /// Where the simulated PBX listens (on loopback), for the settings screen's read-only view.
    pub fn pbx_url(&self) -> String {
        self.office.pbx().base_url()
    }

    /// Stops the script, the bridge (cleanly) and the simulators.
    pub async fn shutdown(self) {
        self.script.abort();
        let _ = self.script.await;
        self.bridge.shutdown().await;
        if let Ok(office) = Arc::try_unwrap(self.office) {
            office.stop().await;
        }
    }
}

/// What the script does to colleagues' phones besides calls (OneHub shows it): one phone
/// rings per step, and now and then someone switches DND or call forwarding.
#[derive(Default)]
struct ColleaguePhones {
    ringing: Option<String>,
    dnd: Option<String>,
    forwarded: Option<String>,
}

impl ColleaguePhones {
    fn step(&mut self, office: &Office, logins: &[String], rng: &mut StdRng) {
        let Some(hub) = office.onehub() else {
            return;
        };
        let account = |login: &str| office.account_id(login).map(|id| id.to_string());
        let mut pick = || logins[rng.gen_range(0..logins.len())].clone();
        // The phone that rang stops ringing (unless a call came through meanwhile).
        if let Some(login) = self.ringing.take() {
            if let Some(account) = account(&login) {
                if hub.user(&account).telephony == TelephonyState::Ringing as i32 {
                    hub.set_telephony(&account, TelephonyState::Available);
                }
            }
        }
        let login = pick();
        if let Some(account) = account(&login) {
            if hub.user(&account).telephony == TelephonyState::Available as i32 {
                hub.set_telephony(&account, TelephonyState::Ringing);
                self.ringing = Some(login);
            }
        }
        for (slot, dnd) in [(&mut self.dnd, true), (&mut self.forwarded, false)] {
            if let Some(login) = slot.take() {
                if let Some(account) = account(&login) {
                    set_mark(hub, &account, dnd, false);
                }
            } else {
                let login = pick();
                if let Some(account) = account(&login) {
                    set_mark(hub, &account, dnd, true);
                    *slot = Some(login);
                }
            }
        }
    }
}

fn set_mark(hub: &simulators::onehub::OneHubSimulator, account: &str, dnd: bool, on: bool) {
    if dnd {
        hub.set_dnd(account, on);
    } else {
        hub.set_redirect(account, on);
    }
}

async fn run_script(office: Arc<Office>, pace: DemoPace) {
    let control = office.graph().control().clone();
    let me: Uuid = office.me().id();
    let mut rng = StdRng::seed_from_u64(7);
    let colleagues = control.colleague_ids();
    let logins: Vec<String> = office
        .colleagues()
        .iter()
        .map(|c| c.login.clone())
        .collect();
    let mut phones = ColleaguePhones::default();
    for id in &colleagues {
        let (availability, activity) = COLLEAGUE_STATES[rng.gen_range(0..COLLEAGUE_STATES.len())];
        control.set_presence(*id, availability, activity);
    }
    let mut own_call: Option<String> = None;
    let mut colleague_calls: Vec<(String, String)> = Vec::new();
    loop {
        for step in DAY {
            control.set_presence(me, step.availability, step.activity);
            control.set_out_of_office(me, step.out_of_office.then_some("Back tomorrow"));
            match (step.on_the_phone, own_call.take()) {
                (true, None) => own_call = Some(office.start_call(DEMO_LOGIN)),
                (true, Some(call)) => own_call = Some(call),
                (false, Some(call)) => office.end_call(DEMO_LOGIN, &call),
                (false, None) => {}
            }
            tracing::info!(
                "demo {}: the demo user {} (Teams {} / {})",
                step.clock,
                step.what,
                step.availability,
                step.activity
            );
            // A few colleagues change too, and some phones ring.
            for _ in 0..4 {
                if colleagues.is_empty() {
                    break;
                }
                let id = colleagues[rng.gen_range(0..colleagues.len())];
                let (availability, activity) =
                    COLLEAGUE_STATES[rng.gen_range(0..COLLEAGUE_STATES.len())];
                control.set_presence(id, availability, activity);
            }
            if let Some((login, call)) = colleague_calls.pop() {
                office.end_call(&login, &call);
            }
            if !logins.is_empty() {
                let login = logins[rng.gen_range(0..logins.len())].clone();
                let call = office.start_call(&login);
                colleague_calls.insert(0, (login, call));
                colleague_calls.truncate(3);
                phones.step(&office, &logins, &mut rng);
            }
            tokio::time::sleep(pace.step).await;
        }
    }
}
