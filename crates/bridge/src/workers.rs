//! The two connector tasks. Each one polls its system and executes the engine's writes to it
//! *serially* and reports both over the same ordered channel, which gives the engine contract for
//! free: readings arrive in the order they were taken, and a reading taken before a write's result
//! arrived is delivered before that result.

use std::sync::Arc;
use std::time::Duration;

use graph_client::graph::{AppPresenceStatus, ClearOutcome, ColleaguePresence, PollPacing};
use graph_client::{GraphClient, GraphError};
use presence_core::engine::{Command, CommandFailure, CommandId, IssuedCommand};
use presence_core::mapping::SessionPresence;
use presence_core::{Activity, Availability, Person, StarfaceState, TeamsPresence, TelephonyState};
use starface_client::rest::DirectoryEntry;
use starface_client::{RestClient, RestError, UciClient, XmppChatLink};
use tokio::sync::{mpsc, watch, Notify};
use tokio::time::Instant;

use crate::people;
use crate::presence_source::{PresenceSource, RelayReading};
use crate::snapshot::{BridgeWarning, Service};

/// PollPacing never polls faster than this; shorter base intervals bypass it (simulators only).
const SIMULATOR_ONLY_INTERVAL: Duration = Duration::from_secs(10);
const XMPP_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the look at the PBX's certificate may take when it cannot be reached.
const CERTIFICATE_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the workers tell the bridge task.
#[derive(Debug)]
pub(crate) enum WorkerEvent {
    /// Signed in to Microsoft 365: the user's name and the colleagues to watch (resolved
    /// favourites and `/me/people`).
    SignedIn {
        display_name: String,
        /// The user's Entra object id (lower case): the own key in the relay's feed.
        own_id: String,
        colleagues: Vec<Person>,
        /// The ids of `/me/people`, most relevant first (Graph's order), without the user.
        relevant: Vec<String>,
    },
    /// One presence poll.
    Teams {
        own: Option<TeamsPresence>,
        colleagues: Vec<(String, TeamsPresence)>,
        /// Colleagues' presence needs an administrator's consent (only the own was read).
        consent_needed: bool,
    },
    /// Presence from the relay's feed (own and colleagues'), while it is live.
    RelayPresence(Vec<RelayReading>),
    /// Where presence comes from changed (the relay worker's verdict on the feed).
    PresenceSource(PresenceSource),
    /// One reading of the own STARFACE state.
    Starface(StarfaceState),
    /// The STARFACE directory (for matching colleagues by e-mail).
    Directory(Vec<DirectoryEntry>),
    /// A write finished.
    Finished {
        id: CommandId,
        command: Command,
        result: Result<(), CommandFailure>,
    },
    /// A sign-in must be repeated.
    SignInNeeded { service: Service, reason: String },
    /// A STARFACE secret must be entered (the PBX refuses the classic login: the OAuth client
    /// secret).
    StarfaceSecretNeeded {
        secret: crate::secrets::StarfaceSecret,
        need: crate::secrets::SecretNeed,
    },
    /// A connector works again after a problem.
    Healthy(Service),
    /// A problem worth showing (its service is part of it).
    Warning(BridgeWarning),
    /// The free/busy of everyone whose calendar is wanted, by colleague id (the free/busy
    /// worker's; sent when one of them changed).
    FreeBusy(Vec<(String, graph_client::graph::FreeBusyReading)>),
    /// Watched colleagues' phones as OneHub reports them now (STARFACE 10).
    Phones(starface_client::onehub::PhoneBook),
    /// Colleagues' chat status by STARFACE login, from the XMPP roster (PBXs without OneHub).
    RosterChat(std::collections::BTreeMap<String, starface_client::ChatStatus>),
}

pub(crate) type Events = mpsc::UnboundedSender<WorkerEvent>;

/// Controls shared by both workers.
#[derive(Clone)]
pub(crate) struct WorkerControl {
    pub stop: watch::Receiver<bool>,
    pub poll_now: Arc<Notify>,
}

fn session_status(presence: SessionPresence) -> AppPresenceStatus {
    match presence {
        SessionPresence::BusyInACall => AppPresenceStatus::InACall,
        SessionPresence::DoNotDisturbPresenting => AppPresenceStatus::Presenting,
    }
}

pub(crate) fn teams_presence(record: &graph_client::graph::PresenceRecord) -> TeamsPresence {
    let mut presence = TeamsPresence::new(
        Availability::from(record.availability.as_str()),
        Activity::from(record.activity.as_str()),
    )
    .with_out_of_office(record.out_of_office);
    if let Some(message) = &record.status_message {
        presence = presence.with_status_message(message.clone());
    }
    presence
}

/// Polls Graph (own presence and watched colleagues in one batch) and writes the presence session.
/// While `source` says the relay's feed is used, it reads no presence at all (sign-in, the
/// colleague list and the session writes go on); when it says otherwise, it polls at once.
#[allow(clippy::too_many_arguments)] // plumbing of one task; grouping would only rename them
pub(crate) async fn graph_worker(
    graph: GraphClient,
    events: Events,
    mut commands: mpsc::UnboundedReceiver<IssuedCommand>,
    watched: watch::Receiver<Vec<String>>,
    mut source: watch::Receiver<PresenceSource>,
    favourites: Vec<String>,
    people_count: usize,
    base_interval: Duration,
    control: WorkerControl,
) {
    let WorkerControl { mut stop, poll_now } = control;
    let mut pacing = PollPacing::new(base_interval);
    let mut own_id: Option<String> = None;
    let mut signed_out = false;
    let mut next_poll = Instant::now();
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            Some(issued) = commands.recv() => {
                let result = match own_id.as_deref() {
                    Some(id) => execute_graph(&graph, id, &issued.command).await,
                    None => Err(CommandFailure::new("not signed in to Microsoft 365 yet")),
                };
                let _ = events.send(WorkerEvent::Finished { id: issued.id, command: issued.command, result });
                continue;
            }
            _ = tokio::time::sleep_until(next_poll) => {}
            _ = poll_now.notified() => {}
            Ok(()) = source.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
        let delay = if own_id.is_none() {
            match graph.me().await {
                Ok(me) => {
                    let (colleagues, relevant) =
                        load_colleagues(&graph, &favourites, people_count, &me.id).await;
                    own_id = Some(me.id.clone());
                    let _ = events.send(WorkerEvent::SignedIn {
                        display_name: me.display_name,
                        own_id: me.id.to_ascii_lowercase(),
                        colleagues: colleagues.into_iter().map(people::from_graph).collect(),
                        relevant,
                    });
                    Duration::ZERO
                }
                Err(error) => failure_delay(&events, &error, &mut signed_out, base_interval),
            }
        } else if !source.borrow_and_update().polls_graph() {
            // The relay's feed brings presence; a change of source wakes this loop.
            base_interval
        } else {
            let ids = watched.borrow().clone();
            let own = own_id.as_deref().unwrap_or_default();
            match graph.poll_presence(own, &ids).await {
                Ok(snapshot) => {
                    if signed_out {
                        signed_out = false;
                        let _ = events.send(WorkerEvent::Healthy(Service::Microsoft));
                    }
                    pacing.set_requests_per_poll(snapshot.requests);
                    pacing.on_success();
                    let consent_needed = match snapshot.colleague_presence {
                        ColleaguePresence::Available => false,
                        ColleaguePresence::NeedsAdminConsent { explanation } => {
                            tracing::warn!(explanation, "colleagues' presence is not read");
                            true
                        }
                    };
                    let _ = events.send(WorkerEvent::Teams {
                        own: snapshot.own.as_ref().map(teams_presence),
                        colleagues: snapshot
                            .colleagues
                            .values()
                            .map(|r| (r.id.clone(), teams_presence(r)))
                            .collect(),
                        consent_needed,
                    });
                    if base_interval < SIMULATOR_ONLY_INTERVAL {
                        // Sub-10 s polling exists for the simulators (tests, demo) only; real
                        // tenants always get PollPacing's budget-aware interval.
                        base_interval
                    } else {
                        pacing.next_delay(&mut rand::thread_rng())
                    }
                }
                Err(GraphError::Throttled { retry_after, .. }) => {
                    pacing.on_throttled(retry_after);
                    pacing.next_delay(&mut rand::thread_rng())
                }
                Err(error) => failure_delay(&events, &error, &mut signed_out, base_interval),
            }
        };
        next_poll = Instant::now() + delay;
    }
    // Clean shutdown: a call-driven Teams status must not outlive the app.
    if let Some(id) = own_id {
        match graph.clear_presence(&id).await {
            Ok(_) => tracing::info!("Teams presence session cleared"),
            Err(error) => tracing::warn!(%error, "cannot clear the Teams presence session"),
        }
    }
}

fn failure_delay(
    events: &Events,
    error: &GraphError,
    signed_out: &mut bool,
    base: Duration,
) -> Duration {
    if error.needs_sign_in() {
        if !*signed_out {
            tracing::warn!(%error, "Microsoft sign-in needed");
            let _ = events.send(WorkerEvent::SignInNeeded {
                service: Service::Microsoft,
                reason: error.to_string(),
            });
        }
        *signed_out = true;
        // Nothing will change until the user signs in again; check rarely.
        base * 6
    } else {
        tracing::warn!(%error, "Microsoft Graph poll failed");
        let _ = events.send(WorkerEvent::Warning(BridgeWarning::GraphUnreachable {
            reason: error.to_string(),
        }));
        base * 2
    }
}

/// The colleagues to watch (favourites and the relevant people, merged) and the relevant
/// people's ids in Graph's order (its ranking; the user left out).
async fn load_colleagues(
    graph: &GraphClient,
    favourites: &[String],
    people_count: usize,
    own_id: &str,
) -> (Vec<graph_client::graph::Colleague>, Vec<String>) {
    let mut users = Vec::new();
    for mail in favourites {
        match graph.search_users(mail, 1).await {
            Ok(found) => users.extend(found),
            Err(error) => tracing::warn!(%error, "cannot look up a favourite colleague"),
        }
    }
    let people = if people_count == 0 {
        Vec::new()
    } else {
        graph
            .people(people_count, None)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot read relevant people");
                Vec::new()
            })
    };
    let relevant = people
        .iter()
        .map(|person| person.id.to_ascii_lowercase())
        .filter(|id| !id.eq_ignore_ascii_case(own_id))
        .collect();
    (
        graph_client::graph::merge_colleagues(&users, &people),
        relevant,
    )
}

async fn execute_graph(
    graph: &GraphClient,
    own_id: &str,
    command: &Command,
) -> Result<(), CommandFailure> {
    match command {
        Command::SetTeamsSession {
            presence,
            expiration,
        } => graph
            .set_presence(own_id, session_status(*presence), *expiration)
            .await
            .map_err(|e| CommandFailure::new(e.to_string())),
        Command::ClearTeamsSession => match graph.clear_presence(own_id).await {
            Ok(ClearOutcome::Cleared | ClearOutcome::AlreadyGone) => Ok(()),
            Err(error) => Err(CommandFailure::new(error.to_string())),
        },
        other => Err(CommandFailure::new(format!(
            "{other} is not a Microsoft 365 command"
        ))),
    }
}

/// The STARFACE side of the bridge.
pub(crate) struct StarfaceLinks {
    pub rest: Arc<RestClient>,
    pub uci: Arc<UciClient>,
    /// Started by the bridge, which also hands its roster to the phone worker.
    pub xmpp: Option<XmppChatLink>,
}

/// Reads own DND (REST) and telephony (UCI) and writes DND and chat status.
pub(crate) async fn starface_worker(
    links: StarfaceLinks,
    events: Events,
    mut commands: mpsc::UnboundedReceiver<IssuedCommand>,
    interval: Duration,
    control: WorkerControl,
) {
    let WorkerControl { mut stop, poll_now } = control;
    let StarfaceLinks { rest, uci, xmpp } = links;
    let mut logged_in = false;
    let mut uci_ready = false;
    let mut directory_loaded = false;
    let mut failing = Failing::default();
    let mut next_poll = Instant::now();
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            Some(issued) = commands.recv() => {
                let result = execute_starface(&rest, &uci, xmpp.as_ref(), &issued.command).await;
                let _ = events.send(WorkerEvent::Finished { id: issued.id, command: issued.command, result });
                continue;
            }
            _ = tokio::time::sleep_until(next_poll) => {}
            _ = poll_now.notified() => {}
        }
        if *stop.borrow() {
            break;
        }
        next_poll = Instant::now() + interval;
        if !logged_in {
            match rest.login().await {
                Ok(()) => logged_in = true,
                Err(error) => {
                    failing.report(&events, &rest, &error).await;
                    next_poll = Instant::now() + interval * 3;
                    continue;
                }
            }
        }
        if !uci_ready {
            match uci.login().await {
                Ok(_) => uci_ready = true,
                Err(error) => tracing::warn!(%error, "UCI login failed; telephony state unknown"),
            }
        }
        if !directory_loaded {
            match rest.directory().await {
                Ok(entries) => {
                    directory_loaded = true;
                    let _ = events.send(WorkerEvent::Directory(entries));
                }
                Err(error) => tracing::warn!(%error, "cannot read the STARFACE directory"),
            }
        }
        match read_state(&rest, &uci, &mut uci_ready).await {
            Ok(state) => {
                if failing.recovered() {
                    let _ = events.send(WorkerEvent::Healthy(Service::Starface));
                }
                let _ = events.send(WorkerEvent::Starface(state));
            }
            Err(error) => failing.report(&events, &rest, &error).await,
        }
    }
    if let Some(link) = xmpp {
        link.close().await;
    }
    if uci_ready {
        match uci.logout().await {
            Ok(()) => tracing::info!("logged out of STARFACE UCI"),
            Err(error) => tracing::warn!(%error, "UCI logout failed"),
        }
    }
    if logged_in {
        match rest.logout().await {
            Ok(()) => tracing::info!("logged out of STARFACE REST"),
            Err(error) => tracing::warn!(%error, "REST logout failed"),
        }
    }
}

/// A run of failed STARFACE polls, and what it is about.
#[derive(Default)]
struct Failing {
    since_last_success: bool,
    /// The certificate the PBX presents, when the configured trust refuses it. Looked at once
    /// per run of failures: a handshake per poll would only repeat the answer.
    untrusted_certificate: Option<Option<BridgeWarning>>,
}

impl Failing {
    /// Reports `error` as the warning it means: a PBX that signs in with OAuth only asks for the
    /// client secret, any other refused sign-in asks to sign in again, a connection the
    /// configured trust refuses is an untrusted certificate, anything else means the PBX cannot
    /// be reached.
    async fn report(&mut self, events: &Events, rest: &RestClient, error: &RestError) {
        if !self.since_last_success {
            tracing::warn!(%error, "STARFACE not reachable");
        }
        self.since_last_success = true;
        let event = match error {
            RestError::ClassicLoginDisabled { detail } => WorkerEvent::StarfaceSecretNeeded {
                secret: crate::secrets::StarfaceSecret::OAuthClientSecret,
                need: crate::secrets::SecretNeed::ClassicLoginDisabled {
                    detail: detail.clone(),
                },
            },
            error if error.needs_sign_in() => WorkerEvent::SignInNeeded {
                service: Service::Starface,
                reason: error.to_string(),
            },
            RestError::Unreachable { .. } | RestError::Tls(_) => {
                if self.untrusted_certificate.is_none() {
                    self.untrusted_certificate = Some(untrusted_certificate(rest).await);
                }
                match self.untrusted_certificate.clone().flatten() {
                    Some(untrusted) => WorkerEvent::Warning(untrusted),
                    None => WorkerEvent::Warning(BridgeWarning::StarfaceUnreachable {
                        reason: error.to_string(),
                    }),
                }
            }
            _ => WorkerEvent::Warning(BridgeWarning::StarfaceUnreachable {
                reason: error.to_string(),
            }),
        };
        let _ = events.send(event);
    }

    /// Ends the run; true if there was one.
    fn recovered(&mut self) -> bool {
        let was = self.since_last_success;
        *self = Self::default();
        was
    }
}

/// The certificate the PBX presents as a warning, if the configured trust does not accept it
/// (`None` when it does, or when no TLS handshake happens at all: plain http, nobody there).
async fn untrusted_certificate(rest: &RestClient) -> Option<BridgeWarning> {
    let endpoint = rest.endpoint();
    if endpoint.base_url.scheme() != "https" {
        return None;
    }
    let host = endpoint.host()?;
    match starface_client::tls::fetch_presented_certificate(
        &host,
        endpoint.port(),
        &endpoint.trust,
        CERTIFICATE_PROBE_TIMEOUT,
    )
    .await
    {
        Ok(presented) if !presented.trusted => {
            tracing::warn!(fingerprint = %presented.sha256, "the PBX presents an untrusted certificate");
            Some(BridgeWarning::CertificateUntrusted {
                presented: presented.sha256.to_string(),
                details: presented
                    .details
                    .map(|details| crate::snapshot::CertificateDetails {
                        subject: details.subject,
                        issuer: details.issuer,
                        not_before: details.not_before,
                        not_after: details.not_after,
                    }),
            })
        }
        Ok(_) => None,
        Err(error) => {
            tracing::debug!(%error, "no TLS handshake with the PBX");
            None
        }
    }
}

async fn read_state(
    rest: &RestClient,
    uci: &UciClient,
    uci_ready: &mut bool,
) -> Result<StarfaceState, RestError> {
    // Telephony first, then DND: both are part of one reading taken now.
    let telephony = if *uci_ready {
        match uci.user_state().await {
            Ok(state) => telephony_state(&state.telephony),
            Err(error) => {
                tracing::info!(%error, "UCI poll failed; logging in again next time");
                *uci_ready = false;
                TelephonyState::Other("UNKNOWN".into())
            }
        }
    } else {
        TelephonyState::Other("UNKNOWN".into())
    };
    let dnd = rest.dnd().await?;
    Ok(StarfaceState {
        dnd,
        // The chat presence cannot be read back reliably (the UCC client overwrites it), so the
        // engine only relies on what it wrote.
        chat: None,
        telephony,
    })
}

pub(crate) fn telephony_state(state: &starface_client::TelephonyState) -> TelephonyState {
    use starface_client::TelephonyState as Sf;
    match state {
        Sf::Available => TelephonyState::Available,
        Sf::Ringing => TelephonyState::Ringing,
        Sf::Active => TelephonyState::Active,
        Sf::Unavailable => TelephonyState::Unavailable,
        Sf::QueuePause => TelephonyState::Other("QUEUE_PAUSE".into()),
        Sf::Other(other) => TelephonyState::Other(other.clone()),
    }
}

async fn execute_starface(
    rest: &RestClient,
    uci: &UciClient,
    xmpp: Option<&XmppChatLink>,
    command: &Command,
) -> Result<(), CommandFailure> {
    match command {
        Command::SetDnd(on) => rest
            .set_dnd(*on)
            .await
            .map_err(|e| CommandFailure::new(e.to_string())),
        Command::SetChatStatus(status) => {
            if let Some(link) = xmpp {
                let presence =
                    starface_client::ChatPresence::from_uci_name(status.presence.as_starface_str())
                        .unwrap_or(starface_client::ChatPresence::Available);
                // Offline, the link keeps the wanted status for the next connect; never let a
                // stuck link hold up DND writes.
                let wanted =
                    starface_client::ChatStatus::new(presence, Some(status.message.as_str()));
                match tokio::time::timeout(XMPP_COMMAND_TIMEOUT, link.set_chat_status(wanted)).await
                {
                    Ok(result) => result.map_err(|e| CommandFailure::new(e.to_string()))?,
                    Err(_) => {
                        tracing::warn!("XMPP link busy; the chat status is sent when it is online")
                    }
                }
            }
            uci.set_chat_presence_message(&status.message)
                .await
                .map_err(|e| CommandFailure::new(e.to_string()))
        }
        other => Err(CommandFailure::new(format!(
            "{other} is not a STARFACE command"
        ))),
    }
}

#[cfg(test)]
mod tests {
    //! What a failed STARFACE poll is reported as, against the STARFACE simulator over TLS with a
    //! self-signed certificate.

    use simulators::starface::{Organisation, SimSettings, StarfaceSimulator};
    use starface_client::{CertificatePin, Credentials, PbxEndpoint, RestAuth, TlsTrust};

    use super::*;

    async fn self_signed_pbx() -> (StarfaceSimulator, CertificatePin) {
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .unwrap();
        let pbx = StarfaceSimulator::start_tls(
            Organisation::demo(),
            SimSettings::default(),
            &generated.cert.pem(),
            &generated.signing_key.serialize_pem(),
        )
        .await
        .unwrap();
        (pbx, CertificatePin::of_certificate(generated.cert.der()))
    }

    fn rest_client(pbx: &StarfaceSimulator, trust: TlsTrust) -> RestClient {
        let endpoint = PbxEndpoint::new(pbx.base_url().parse().unwrap()).with_trust(trust);
        let credentials = Credentials::new("0001", keychain::Secret::new("wrong"));
        RestClient::new(endpoint, credentials, RestAuth::NonceLogin).unwrap()
    }

    /// Reports the failure of one login attempt and returns what the bridge was told.
    async fn report_login(failing: &mut Failing, rest: &RestClient) -> WorkerEvent {
        let error = rest.login().await.unwrap_err();
        let (events, mut reported) = mpsc::unbounded_channel();
        failing.report(&events, rest, &error).await;
        reported.try_recv().unwrap()
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_reported_with_its_fingerprint() {
        let (pbx, pin) = self_signed_pbx().await;
        let rest = rest_client(&pbx, TlsTrust::PublicRoots);
        let mut failing = Failing::default();
        for _ in 0..2 {
            match report_login(&mut failing, &rest).await {
                WorkerEvent::Warning(BridgeWarning::CertificateUntrusted {
                    presented,
                    details,
                }) => {
                    assert_eq!(presented, pin.to_string());
                    let details = details.expect("the certificate's details");
                    assert!(details.subject.contains("rcgen"), "{details:?}");
                    assert!(details.not_before < details.not_after, "{details:?}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(pbx.request_log().is_empty(), "no request got through");
        assert!(failing.recovered());
        assert!(!failing.recovered(), "a run ends once");
    }

    #[tokio::test]
    async fn with_the_certificate_pinned_a_wrong_password_asks_to_sign_in_again() {
        let (pbx, pin) = self_signed_pbx().await;
        let rest = rest_client(&pbx, TlsTrust::Pin(pin));
        match report_login(&mut Failing::default(), &rest).await {
            WorkerEvent::SignInNeeded { service, .. } => assert_eq!(service, Service::Starface),
            other => panic!("{other:?}"),
        }
    }

    /// Before, the 403 of a PBX with the classic login switched off read as "not reachable".
    #[tokio::test]
    async fn a_pbx_that_only_signs_in_with_oauth_asks_for_the_client_secret() {
        let pbx = StarfaceSimulator::start_with(
            Organisation::demo(),
            SimSettings::starface_10_oauth_only(),
        )
        .await
        .unwrap();
        let endpoint = PbxEndpoint::new(pbx.base_url().parse().unwrap()).allowing_plain_http();
        let credentials = Credentials::new("0001", keychain::Secret::new("secret"));
        let rest = RestClient::new(endpoint, credentials, RestAuth::NonceLogin).unwrap();
        match report_login(&mut Failing::default(), &rest).await {
            WorkerEvent::StarfaceSecretNeeded {
                secret: crate::secrets::StarfaceSecret::OAuthClientSecret,
                need: crate::secrets::SecretNeed::ClassicLoginDisabled { detail },
            } => assert!(!detail.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn nobody_listening_is_unreachable_not_a_certificate_problem() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let endpoint = PbxEndpoint::new(format!("https://127.0.0.1:{port}").parse().unwrap());
        let credentials = Credentials::new("0001", keychain::Secret::new("secret"));
        let rest = RestClient::new(endpoint, credentials, RestAuth::NonceLogin).unwrap();
        match report_login(&mut Failing::default(), &rest).await {
            WorkerEvent::Warning(BridgeWarning::StarfaceUnreachable { reason }) => {
                assert!(!reason.is_empty())
            }
            other => panic!("{other:?}"),
        }
    }
}
