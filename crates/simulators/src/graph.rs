//! Microsoft Entra ID + Microsoft Graph simulator (strict, loopback only).
//!
//! Serves the identity platform (`/{tenant}/oauth2/v2.0/authorize|token|devicecode`) and the Graph
//! endpoints Presence Bridge uses (`/v1.0/me`, `/me/presence`, `/users/{id}/presence`,
//! `/communications/getPresencesByUserId`, `/users`, `/me/people`, `setPresence`,
//! `clearPresence`, `setUserPreferredPresence`, `clearUserPreferredPresence`,
//! `/me/calendar/getSchedule`) with the documented JSON shapes and the errors the real services
//! give for malformed requests. Every user has a calendar (`calendars.rs`).
//!
//! Deliberate modelling decisions (see `/_control` and [`GraphControl`] for steering):
//! - Refresh tokens rotate on every use and, as in Entra, the old one stays valid until revoked.
//! - Authorization always signs in the simulated user (or the `login_hint` user) and consents to
//!   the requested scopes unless the tenant requires admin consent for one of them.
//! - PKCE is required on `/authorize` (stricter than Entra, which only requires it for SPAs).
//! - Time is a [`SimClock`]: real time plus manual jumps, so token and presence-session expiry can
//!   be tested without waiting.

// Handlers bail out early with the finished error `Response`; boxing it would only add noise on
// a cold path of a test server.
#![allow(clippy::result_large_err)]

mod app_only;
mod bearer;
mod calendars;
mod clock;
mod control;
mod directory_api;
mod entra;
mod errors;
mod gate;
mod org;
mod presence_api;
mod presence_sessions;
mod schedule_api;
mod tenant_roster;
mod time_zones;
mod world;

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::loopback::LoopbackServer;
use crate::request_log::{record, RequestLog};

pub use app_only::{AppOnlySetup, RELAY_CLIENT_ID};
pub use calendars::{CalendarControl, SimEvent, SimFreeBusy, SimWorkingHours, SimZone};
pub use clock::SimClock;
pub use control::GraphControl;
pub use gate::{Fault, FaultKind};
pub use org::{generate_organisation, SimUser};
pub use presence_sessions::{aggregate_presence, PresenceState};
pub use tenant_roster::RosterSetup;

/// Client id of the app registration the simulator knows by default.
pub const DEFAULT_CLIENT_ID: &str = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346";
/// The simulated tenant's id.
pub const DEFAULT_TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// How the simulated tenant and app registration look.
#[derive(Debug, Clone)]
pub struct GraphSimSetup {
    pub tenant_id: String,
    /// The registered public-client app.
    pub client_id: String,
    /// Registered redirect URIs ("Mobile and desktop"); the port is ignored for loopback hosts.
    pub redirect_uris: Vec<String>,
    /// "Allow public client flows" (needed for the device-code flow).
    pub public_client_flows: bool,
    /// Generated colleagues besides the signed-in user.
    pub colleagues: usize,
    /// Seed of the organisation generator (same seed, same people).
    pub seed: u64,
    pub access_token_lifetime: std::time::Duration,
    /// Device-code polling interval announced to clients, in seconds.
    pub device_code_interval: u64,
    /// Scopes for which the tenant blocks user consent (admin approval needed).
    pub admin_consent_required: Vec<String>,
    /// Presence requests per 30 s for this app in the tenant before 429 (counted across every
    /// client and token, delegated and app-only: Graph's budget is per app per tenant).
    pub presence_budget_per_30s: u32,
    /// The confidential app (the presence relay) and its client-credentials sign-in.
    pub app_only: AppOnlySetup,
    /// Generated users besides `colleagues` (the large tenant, `/users/delta`).
    pub roster: RosterSetup,
}

impl Default for GraphSimSetup {
    fn default() -> Self {
        Self {
            tenant_id: DEFAULT_TENANT_ID.into(),
            client_id: DEFAULT_CLIENT_ID.into(),
            redirect_uris: vec!["http://localhost".into()],
            public_client_flows: true,
            colleagues: 30,
            seed: 7,
            access_token_lifetime: std::time::Duration::from_secs(3599),
            device_code_interval: 5,
            admin_consent_required: Vec::new(),
            presence_budget_per_30s: 1_500,
            app_only: AppOnlySetup::default(),
            roster: RosterSetup::default(),
        }
    }
}

/// State shared by all handlers.
pub(crate) struct Shared {
    pub world: Mutex<world::World>,
    /// Calendar overrides; never locked before `world` (handlers take `world` first).
    pub calendars: Mutex<calendars::CalendarBook>,
    pub clock: SimClock,
    pub log: RequestLog,
    pub app_only: Mutex<app_only::AppOnlyState>,
    pub roster: Mutex<tenant_roster::Roster>,
}

impl Shared {
    pub fn world(&self) -> std::sync::MutexGuard<'_, world::World> {
        self.world.lock().expect("graph simulator lock")
    }

    /// Lock order: `world` before `app_only` before `roster`.
    pub fn app_only(&self) -> std::sync::MutexGuard<'_, app_only::AppOnlyState> {
        self.app_only.lock().expect("graph simulator lock")
    }

    pub fn roster(&self) -> std::sync::MutexGuard<'_, tenant_roster::Roster> {
        self.roster.lock().expect("graph simulator lock")
    }
}

/// A running simulator. Dropping it stops the server.
pub struct GraphSimulator {
    server: LoopbackServer,
    control: GraphControl,
}

impl GraphSimulator {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start(setup: GraphSimSetup) -> std::io::Result<Self> {
        Self::start_on(setup, 0).await
    }

    pub async fn start_on(setup: GraphSimSetup, port: u16) -> std::io::Result<Self> {
        let clock = SimClock::new();
        let log = RequestLog::new();
        let shared = Arc::new(Shared {
            world: Mutex::new(world::World::new(&setup, clock.now())),
            calendars: Mutex::new(calendars::CalendarBook::new(setup.seed)),
            clock,
            log: log.clone(),
            app_only: Mutex::new(app_only::AppOnlyState::new(&setup.app_only)),
            roster: Mutex::new(tenant_roster::Roster::new(&setup.roster, setup.seed)),
        });
        let router = Router::new()
            .merge(entra::routes())
            .merge(
                Router::new()
                    .merge(presence_api::routes())
                    .merge(directory_api::routes())
                    .merge(schedule_api::routes())
                    .merge(tenant_roster::routes())
                    .fallback(errors::unknown_segment)
                    .layer(axum::middleware::from_fn_with_state(
                        shared.clone(),
                        gate::faults_and_throttling,
                    )),
            )
            .layer(axum::middleware::from_fn_with_state(log, record))
            .merge(control::routes())
            .with_state(shared.clone());
        // Hang-up capable, for the injected connection resets.
        let server = LoopbackServer::start_with_hang_up(router, port).await?;
        Ok(Self {
            server,
            control: GraphControl::new(shared),
        })
    }

    /// `http://127.0.0.1:PORT`: the authority host (tenant segment goes after it).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `http://127.0.0.1:PORT/v1.0`.
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.server.base_url())
    }

    pub fn control(&self) -> &GraphControl {
        &self.control
    }

    pub async fn stop(self) {
        self.server.stop().await
    }
}
