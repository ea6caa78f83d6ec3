//! `--demo`: both simulators in-process on loopback, a made-up organisation, a scripted and
//! sped-up working day, and the real bridge running against them.
//!
//! Demo credentials live in a [`MemoryStore`] only; the user's settings file and keychain are
//! never read or written. Every few seconds something visible happens: the demo user's Teams
//! status changes (meeting, presenting, away, out of office), a STARFACE call starts or ends, and
//! colleagues' presence and phones change. The script loops.

use std::sync::Arc;
use std::time::Duration;

use graph_client::auth::{self, DeviceCodeOptions};
use graph_client::{
    Credentials, GraphClient, MicrosoftConfig, RecordingSleeper, ScopeRequest, SystemClock, Timing,
};
use keychain::{MemoryStore, SecretStore};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simulators::graph::{GraphSimSetup, GraphSimulator, DEFAULT_CLIENT_ID};
use simulators::starface::{Organisation, SimUser, StarfaceSimulator};
use starface_client::{
    Credentials as PbxCredentials, PbxEndpoint, RestAuth, RestClient, UciAuth, UciClient,
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::clock::SystemBridgeClock;
use crate::error::BridgeError;
use crate::notifier::Notifier;
use crate::runtime::{start, BridgeHandle, BridgeOptions, Connectors};

/// The demo user's STARFACE login.
pub const DEMO_LOGIN: &str = "0001";
const DEMO_PASSWORD: &str = "demo";
/// Colleagues in the made-up organisation.
pub const DEMO_COLLEAGUES: usize = 36;

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

/// A running demo: the simulators, the bridge and the script.
pub struct Demo {
    graph: GraphSimulator,
    pbx: Arc<StarfaceSimulator>,
    bridge: BridgeHandle,
    script: JoinHandle<()>,
}

impl Demo {
    /// Starts the simulators, signs in to both with demo credentials kept in memory and runs the
    /// bridge and the script.
    pub async fn start(pace: DemoPace, notifier: Arc<dyn Notifier>) -> Result<Self, BridgeError> {
        let graph = GraphSimulator::start(GraphSimSetup {
            colleagues: DEMO_COLLEAGUES,
            seed: 2026,
            ..GraphSimSetup::default()
        })
        .await
        .map_err(|e| BridgeError::Simulator(e.to_string()))?;
        let control = graph.control().clone();
        let me = control.signed_in_user();
        let mut users = vec![SimUser::new(
            1,
            DEMO_LOGIN,
            DEMO_PASSWORD,
            &me.given_name,
            &me.surname,
            &me.mail,
            "401",
        )];
        for (i, colleague) in control.users().iter().filter(|u| u.id != me.id).enumerate() {
            let n = i as i64 + 2;
            users.push(SimUser::new(
                n,
                &format!("{n:04}"),
                DEMO_PASSWORD,
                &colleague.given_name,
                &colleague.surname,
                &colleague.mail,
                &format!("{}", 400 + n),
            ));
        }
        let pbx = Arc::new(
            StarfaceSimulator::start(Organisation::new(users))
                .await
                .map_err(|e| BridgeError::Simulator(e.to_string()))?,
        );

        // Demo credentials: in memory only.
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let config = MicrosoftConfig::new(DEFAULT_CLIENT_ID)
            .and_then(|c| c.with_authority(&graph.base_url()))
            .and_then(|c| c.with_graph_base(&graph.graph_url()))
            .map_err(|e| BridgeError::Simulator(e.to_string()))?;
        let scopes = ScopeRequest::default().with_reverse_sync();
        let approve = control.clone();
        // The "user" approves the device code at once.
        let sleeper = Arc::new(RecordingSleeper::new().with_hook(move |_| {
            for code in approve.pending_user_codes() {
                approve.approve_device_code(&code);
            }
        }));
        auth::device_code_sign_in(
            &config,
            scopes,
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
        let base_url = pbx
            .base_url()
            .parse()
            .map_err(|e: url::ParseError| BridgeError::Simulator(e.to_string()))?;
        let endpoint = PbxEndpoint::new(base_url).allowing_plain_http();
        let pbx_credentials = PbxCredentials::new(DEMO_LOGIN, keychain::Secret::new(DEMO_PASSWORD));
        let connectors = Connectors {
            graph: GraphClient::new(credentials),
            rest: Arc::new(RestClient::new(
                endpoint.clone(),
                pbx_credentials.clone(),
                RestAuth::NonceLogin,
            )?),
            uci: Arc::new(UciClient::new(endpoint, UciAuth::legacy(&pbx_credentials))?),
            // The simulators have no XMPP server; the chat message goes through UCI.
            xmpp: None,
        };
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
            connectors,
            Arc::new(SystemBridgeClock::new()),
            notifier,
        )?;
        tracing::info!(
            user = %me.display_name,
            colleagues = DEMO_COLLEAGUES,
            "demo running on built-in simulators (Microsoft 365: {}, STARFACE: {})",
            graph.base_url(),
            pbx.base_url()
        );
        let script = tokio::spawn(run_script(control, me.id, pbx.clone(), pace));
        Ok(Self {
            graph,
            pbx,
            bridge,
            script,
        })
    }

    /// The bridge, for front ends.
    pub fn bridge(&self) -> &BridgeHandle {
        &self.bridge
    }

    /// The demo user's DND on the simulated PBX.
    pub fn pbx_dnd(&self) -> bool {
        self.pbx.phone_config(DEMO_LOGIN).do_not_disturb
    }

    /// Stops the script, the bridge (cleanly) and the simulators.
    pub async fn shutdown(self) {
        self.script.abort();
        self.bridge.shutdown().await;
        self.pbx.stop().await;
        self.graph.stop().await;
    }
}

async fn run_script(
    control: simulators::graph::GraphControl,
    me: Uuid,
    pbx: Arc<StarfaceSimulator>,
    pace: DemoPace,
) {
    let mut rng = StdRng::seed_from_u64(7);
    let colleagues = control.colleague_ids();
    let logins: Vec<String> = pbx
        .users()
        .iter()
        .map(|u| u.login.clone())
        .filter(|l| l != DEMO_LOGIN)
        .collect();
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
                (true, None) => own_call = Some(pbx.start_call(DEMO_LOGIN)),
                (true, Some(call)) => own_call = Some(call),
                (false, Some(call)) => pbx.end_call(DEMO_LOGIN, &call),
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
                pbx.end_call(&login, &call);
            }
            if !logins.is_empty() {
                let login = logins[rng.gen_range(0..logins.len())].clone();
                let call = pbx.start_call(&login);
                colleague_calls.insert(0, (login, call));
                colleague_calls.truncate(3);
            }
            tokio::time::sleep(pace.step).await;
        }
    }
}
