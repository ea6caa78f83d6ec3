//! One simulated office: the Graph/Entra simulator and the STARFACE simulator with the same people
//! (same names, e-mails and numbers), one of whom is the user who signs in.
//!
//! The demo, the bridge's tests, the soak, the app's tests and the end-to-end test all start this
//! one office instead of wiring the two simulators together themselves. What differs between them
//! (how many colleagues, the password, TLS on the PBX, the device-code interval, the PBX's
//! settings) is said with [`OfficeBuilder`]; what they steer afterwards (faults, clocks, request
//! logs, calls, DND) stays on the two simulators, reached through [`Office::graph`] and
//! [`Office::pbx`].
//!
//! ```no_run
//! # async fn demo() {
//! use simulators::office::Office;
//! let office = Office::builder().colleagues(6).password("secret").start().await.unwrap();
//! let me = office.me();
//! assert_eq!(me.login, "0001");
//! office.set_teams("Busy", "InAMeeting");
//! let call = office.pbx().start_call(&me.login);
//! office.pbx().end_call(&me.login, &call);
//! office.stop().await;
//! # }
//! ```
//!
//! With [`OfficeBuilder::onehub`] the PBX also runs STARFACE 10's OneHub (colleagues' phone
//! state, pushed): a [`OneHubSimulator`] with the same people, serving the PBX's certificate,
//! accepting the access tokens the PBX's Keycloak issues, and named in the PBX's
//! `/rpc/oauth/login-config` (the simulator cannot take port 9092, so the office's PBX names its
//! OneHub the way cloud PBXs name their gateway). [`Office::start_call`] then shows a call on
//! both: UCI (the caller's own call state) and OneHub (what colleagues see).
//!
//! The client side of "signed in" (a Microsoft token in a keychain, a STARFACE login) belongs to
//! the code under test, not to the simulators: the office only plays the user at the sign-in page
//! ([`SignInApprover`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use onehub_proto::presence::TelephonyState;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;
use uuid::Uuid;

use crate::graph::{
    AppOnlySetup, GraphControl, GraphSimSetup, GraphSimulator, SimUser as GraphUser,
};
use crate::onehub::{OneHubSettings, OneHubSimulator, OneHubSimulatorError, OneHubUser};
use crate::starface::{
    Organisation, SimSettings, SimUser as PbxUser, SimulatorError, StarfaceSimulator,
};

/// The user's STARFACE login; colleagues follow as `0002`, `0003`, ...
pub const USER_LOGIN: &str = "0001";

/// Why an office could not open.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("cannot start the Graph simulator: {0}")]
    Graph(#[source] std::io::Error),
    #[error("cannot start the STARFACE simulator: {0}")]
    Starface(#[source] SimulatorError),
    #[error("cannot start the OneHub simulator: {0}")]
    OneHub(#[source] OneHubSimulatorError),
    #[error("OneHub speaks TLS only: give the office's PBX a certificate (pbx_tls) to serve")]
    OneHubNeedsTls,
    #[error("cannot make the PBX's certificate: {0}")]
    Certificate(String),
}

/// One person as both services know them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// As Microsoft Graph knows them when the office opens (id, names, mail, phones, ...).
    pub graph: GraphUser,
    /// Their STARFACE login (`0001` is the user).
    pub login: String,
    /// Their STARFACE internal number: the extension their Graph business phone ends with.
    pub internal_number: String,
}

impl Person {
    /// Their Graph object id.
    pub fn id(&self) -> Uuid {
        self.graph.id
    }
}

/// How the office looks; start it with [`OfficeBuilder::start`].
#[derive(Debug, Clone)]
pub struct OfficeBuilder {
    graph: GraphSimSetup,
    password: String,
    pbx_settings: SimSettings,
    pbx_tls: Option<(String, String)>,
    onehub: bool,
}

impl Default for OfficeBuilder {
    fn default() -> Self {
        Self {
            graph: GraphSimSetup::default(),
            password: "secret".into(),
            pbx_settings: SimSettings::default(),
            pbx_tls: None,
            onehub: false,
        }
    }
}

impl OfficeBuilder {
    /// Colleagues besides the user (default 30), on both services.
    pub fn colleagues(mut self, count: usize) -> Self {
        self.graph.colleagues = count;
        self
    }

    /// Seed of the organisation generator: same seed, same people (default 7).
    pub fn seed(mut self, seed: u64) -> Self {
        self.graph.seed = seed;
        self
    }

    /// Everyone's STARFACE password (default `secret`); tests that scan for leaks make it
    /// distinctive.
    pub fn password(mut self, password: &str) -> Self {
        self.password = password.to_owned();
        self
    }

    /// Seconds Entra tells a device-code client to wait between polls (default 5).
    pub fn device_code_interval(mut self, seconds: u64) -> Self {
        self.graph.device_code_interval = seconds;
        self
    }

    /// How the PBX behaves (UCI prefixes, session timeout, OAuth secret, ...).
    pub fn pbx_settings(mut self, settings: SimSettings) -> Self {
        self.pbx_settings = settings;
        self
    }

    /// The PBX serves HTTPS with this certificate (PEM chain) and key instead of plain HTTP.
    pub fn pbx_tls(mut self, cert_pem: &str, key_pem: &str) -> Self {
        self.pbx_tls = Some((cert_pem.to_owned(), key_pem.to_owned()));
        self
    }

    /// The PBX serves HTTPS with a self-signed certificate for `127.0.0.1` and `localhost`
    /// made now (clients pin it: [`Office::pbx_certificate_der`]).
    pub fn pbx_tls_self_signed(self) -> Result<Self, OfficeError> {
        let generated = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .map_err(|e| OfficeError::Certificate(e.to_string()))?;
        Ok(self.pbx_tls(
            &generated.cert.pem(),
            &generated.signing_key.serialize_pem(),
        ))
    }

    /// The tenant also has the presence relay's app registration (app-only sign-in with its
    /// secrets or certificates, `/users/delta`), for tests of desktops on the relay.
    pub fn relay_app(mut self, app_only: AppOnlySetup) -> Self {
        self.graph.app_only = app_only;
        self
    }

    /// The PBX also runs OneHub (STARFACE 10's gRPC API, colleagues' phone state) with the
    /// same people and the PBX's certificate; needs [`Self::pbx_tls`] and a PBX with Keycloak
    /// (the default [`SimSettings`]; OneHub takes the PBX's OAuth tokens).
    pub fn onehub(mut self) -> Self {
        self.onehub = true;
        self
    }

    /// Starts both simulators on loopback. The user starts the day available in Teams, with DND
    /// off and no call on the PBX.
    pub async fn start(self) -> Result<Office, OfficeError> {
        let graph = GraphSimulator::start(self.graph)
            .await
            .map_err(OfficeError::Graph)?;
        let control = graph.control();
        let me = control.signed_in_user();
        let colleagues: Vec<GraphUser> = control
            .users()
            .into_iter()
            .filter(|u| u.id != me.id)
            .collect();
        let people: Vec<Person> = std::iter::once(me)
            .chain(colleagues)
            .enumerate()
            .map(|(i, graph)| Person {
                login: format!("{:04}", i + 1),
                internal_number: extension(&graph).unwrap_or_else(|| (100 + i).to_string()),
                graph,
            })
            .collect();
        let organisation = Organisation::new(
            people
                .iter()
                .enumerate()
                .map(|(i, person)| {
                    PbxUser::new(
                        i as i64 + 1,
                        &person.login,
                        &self.password,
                        &person.graph.given_name,
                        &person.graph.surname,
                        &person.graph.mail,
                        &person.internal_number,
                    )
                })
                .collect(),
        );
        let pbx = match &self.pbx_tls {
            None => StarfaceSimulator::start_with(organisation, self.pbx_settings).await,
            Some((cert, key)) => {
                StarfaceSimulator::start_tls(organisation, self.pbx_settings, cert, key).await
            }
        }
        .map_err(OfficeError::Starface)?;
        let pbx = Arc::new(pbx);
        let onehub = match (self.onehub, &self.pbx_tls) {
            (false, _) => None,
            (true, None) => return Err(OfficeError::OneHubNeedsTls),
            (true, Some((cert, key))) => Some(Arc::new(start_onehub(&pbx, cert, key).await?)),
        };
        let pbx_certificate = match &self.pbx_tls {
            None => None,
            Some((cert, _)) => Some(
                CertificateDer::from_pem_slice(cert.as_bytes())
                    .map_err(|e| OfficeError::Certificate(e.to_string()))?
                    .to_vec(),
            ),
        };
        let office = Office {
            graph,
            pbx,
            pbx_certificate,
            onehub,
            people,
            password: self.password,
        };
        office.set_teams("Available", "Available");
        Ok(office)
    }
}

/// OneHub with the PBX's users (same account ids, names and e-mails), taking the PBX's tokens,
/// named in the PBX's login config.
async fn start_onehub(
    pbx: &Arc<StarfaceSimulator>,
    cert: &str,
    key: &str,
) -> Result<OneHubSimulator, OfficeError> {
    let users = pbx
        .users()
        .iter()
        .map(|user| OneHubUser {
            email: user.email.clone(),
            ..OneHubUser::new(user.account_id as u32, &user.first_name, &user.family_name)
        })
        .collect();
    let hub = OneHubSimulator::start(users, OneHubSettings::default(), cert, key)
        .await
        .map_err(OfficeError::OneHub)?;
    let issuer = pbx.clone();
    hub.accept_tokens_from(move |token| issuer.oauth_account_id(token).map(|id| id.to_string()));
    pbx.set_onehub_gateway(Some(&format!("grpcs://127.0.0.1:{}", hub.port())));
    Ok(hub)
}

/// The last group of the first business phone (`+49 721 9876 104` -> `104`).
fn extension(user: &GraphUser) -> Option<String> {
    let phone = user.business_phones.first()?;
    let last = phone.rsplit(' ').next()?;
    (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit())).then(|| last.to_owned())
}

/// Both simulators running with the same people. Dropping it stops them.
pub struct Office {
    graph: GraphSimulator,
    pbx: Arc<StarfaceSimulator>,
    /// The DER of the certificate the PBX (and OneHub) serve, with TLS.
    pbx_certificate: Option<Vec<u8>>,
    onehub: Option<Arc<OneHubSimulator>>,
    /// The user first, then the colleagues in Graph's order.
    people: Vec<Person>,
    password: String,
}

impl Office {
    /// An office with 30 colleagues, password `secret`, plain HTTP: change what a test needs.
    pub fn builder() -> OfficeBuilder {
        OfficeBuilder::default()
    }

    /// Microsoft Entra + Graph: URLs, and through [`GraphSimulator::control`] faults, the clock,
    /// presence, tokens and the request log.
    pub fn graph(&self) -> &GraphSimulator {
        &self.graph
    }

    /// The STARFACE PBX: URL, phone state, calls, faults and the request log. Shared, so a
    /// script can keep a handle while the office runs.
    pub fn pbx(&self) -> &Arc<StarfaceSimulator> {
        &self.pbx
    }

    /// The certificate the PBX (and its OneHub) serve, DER, when the PBX speaks TLS: what a
    /// client pins.
    pub fn pbx_certificate_der(&self) -> Option<&[u8]> {
        self.pbx_certificate.as_deref()
    }

    /// STARFACE 10's OneHub, when the office runs it ([`OfficeBuilder::onehub`]): colleagues'
    /// phone state, faults, the call log. Shared, like [`Self::pbx`].
    pub fn onehub(&self) -> Option<&Arc<OneHubSimulator>> {
        self.onehub.as_ref()
    }

    /// A call starts on `login`'s phone: UCI shows it to them, OneHub (if running) to everyone
    /// watching them. Returns the call id for [`Self::end_call`].
    pub fn start_call(&self, login: &str) -> String {
        let call = self.pbx.start_call(login);
        self.set_onehub_line(login);
        call
    }

    /// The call ends (OneHub shows the phone free once the person holds no other call).
    pub fn end_call(&self, login: &str, call_id: &str) {
        self.pbx.end_call(login, call_id);
        self.set_onehub_line(login);
    }

    /// OneHub's line state of `login` follows the calls the PBX has for them.
    fn set_onehub_line(&self, login: &str) {
        let Some(hub) = &self.onehub else {
            return;
        };
        let Some(user) = self.pbx.users().into_iter().find(|u| u.login == login) else {
            return;
        };
        let line = if user.call_ids.is_empty() {
            TelephonyState::Available
        } else {
            TelephonyState::Active
        };
        hub.set_telephony(&user.account_id.to_string(), line);
    }

    /// `login`'s OneHub account id (the REST `accountId`), for steering OneHub directly.
    pub fn account_id(&self, login: &str) -> Option<i64> {
        self.pbx
            .users()
            .into_iter()
            .find(|u| u.login == login)
            .map(|u| u.account_id)
    }

    /// The user who signs in: Graph's signed-in user, STARFACE login [`USER_LOGIN`].
    pub fn me(&self) -> &Person {
        &self.people[0]
    }

    /// Everyone but the user.
    pub fn colleagues(&self) -> &[Person] {
        &self.people[1..]
    }

    /// The user first, then the colleagues.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// Everyone's STARFACE password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The user's Teams client shows this (what the user "is" in Teams).
    pub fn set_teams(&self, availability: &str, activity: &str) {
        self.graph
            .control()
            .set_presence(self.me().id(), availability, activity);
    }

    /// Whether the user's phone is in DND on the PBX.
    pub fn dnd(&self) -> bool {
        self.pbx.phone_config(&self.me().login).do_not_disturb
    }

    /// The user at the sign-in page, approving device-code sign-ins.
    pub fn approver(&self) -> SignInApprover {
        SignInApprover {
            control: self.graph.control().clone(),
        }
    }

    /// Stops the servers.
    pub async fn stop(self) {
        if let Some(hub) = &self.onehub {
            hub.stop();
        }
        self.pbx.stop().await;
        self.graph.stop().await;
    }
}

/// Plays the office's user at the sign-in page: enters the code a device-code sign-in shows and
/// consents. Cheap to clone.
#[derive(Clone)]
pub struct SignInApprover {
    control: GraphControl,
}

impl SignInApprover {
    /// Approves every device-code sign-in waiting now; returns how many.
    pub fn approve_waiting(&self) -> usize {
        self.control
            .pending_user_codes()
            .iter()
            .filter(|code| self.control.approve_device_code(code))
            .count()
    }

    /// Approves sign-ins as they come (every 50 ms, on a thread of its own) until the returned
    /// guard is dropped: for sign-ins run by another process, such as the app's `login microsoft
    /// --device-code`.
    pub fn keep_approving(self) -> KeepApproving {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                self.approve_waiting();
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        KeepApproving {
            stop,
            thread: Some(thread),
        }
    }
}

/// Approving sign-ins in the background; stops when dropped.
pub struct KeepApproving {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for KeepApproving {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
