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
use presence_core::{Activity, Availability, StarfaceState, TeamsPresence, TelephonyState};
use starface_client::rest::DirectoryEntry;
use starface_client::{RestClient, RestError, UciClient, XmppChatLink, XmppSettings};
use tokio::sync::{mpsc, watch, Notify};
use tokio::time::Instant;

/// PollPacing never polls faster than this; shorter base intervals bypass it (simulators only).
const SIMULATOR_ONLY_INTERVAL: Duration = Duration::from_secs(10);
const XMPP_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// What the workers tell the bridge task.
#[derive(Debug)]
pub(crate) enum WorkerEvent {
    /// The signed-in Microsoft user.
    Me { id: String, display_name: String },
    /// Colleagues to watch (from `/me/people` and resolved favourites).
    Colleagues(Vec<graph_client::graph::Colleague>),
    /// One presence poll.
    Teams {
        own: Option<TeamsPresence>,
        colleagues: Vec<(String, TeamsPresence)>,
        warning: Option<String>,
    },
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
    /// A sign-in must be repeated (`microsoft` / `starface`).
    SignInNeeded {
        service: &'static str,
        reason: String,
    },
    /// A connector works again after a problem.
    Healthy { service: &'static str },
    /// A transient problem worth showing.
    Warning { service: &'static str, text: String },
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
#[allow(clippy::too_many_arguments)] // plumbing of one task; grouping would only rename them
pub(crate) async fn graph_worker(
    graph: GraphClient,
    events: Events,
    mut commands: mpsc::UnboundedReceiver<IssuedCommand>,
    watched: watch::Receiver<Vec<String>>,
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
        }
        if *stop.borrow() {
            break;
        }
        let delay = if own_id.is_none() {
            match graph.me().await {
                Ok(me) => {
                    let _ = events.send(WorkerEvent::Me {
                        id: me.id.clone(),
                        display_name: me.display_name.clone(),
                    });
                    own_id = Some(me.id);
                    let colleagues = load_colleagues(&graph, &favourites, people_count).await;
                    let _ = events.send(WorkerEvent::Colleagues(colleagues));
                    Duration::ZERO
                }
                Err(error) => failure_delay(&events, &error, &mut signed_out, base_interval),
            }
        } else {
            let ids = watched.borrow().clone();
            let own = own_id.as_deref().unwrap_or_default();
            match graph.poll_presence(own, &ids).await {
                Ok(snapshot) => {
                    if signed_out {
                        signed_out = false;
                        let _ = events.send(WorkerEvent::Healthy {
                            service: "microsoft",
                        });
                    }
                    pacing.set_requests_per_poll(snapshot.requests);
                    pacing.on_success();
                    let warning = match snapshot.colleague_presence {
                        ColleaguePresence::Available => None,
                        ColleaguePresence::NeedsAdminConsent { explanation } => {
                            Some(explanation.to_owned())
                        }
                    };
                    let _ = events.send(WorkerEvent::Teams {
                        own: snapshot.own.as_ref().map(teams_presence),
                        colleagues: snapshot
                            .colleagues
                            .values()
                            .map(|r| (r.id.clone(), teams_presence(r)))
                            .collect(),
                        warning,
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
                service: "microsoft",
                reason: error.to_string(),
            });
        }
        *signed_out = true;
        // Nothing will change until the user signs in again; check rarely.
        base * 6
    } else {
        tracing::warn!(%error, "Microsoft Graph poll failed");
        let _ = events.send(WorkerEvent::Warning {
            service: "microsoft",
            text: error.to_string(),
        });
        base * 2
    }
}

async fn load_colleagues(
    graph: &GraphClient,
    favourites: &[String],
    people_count: usize,
) -> Vec<graph_client::graph::Colleague> {
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
    graph_client::graph::merge_colleagues(&users, &people)
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
    pub xmpp: Option<XmppSettings>,
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
    let xmpp = match xmpp.map(XmppChatLink::start).transpose() {
        Ok(link) => link,
        Err(error) => {
            tracing::warn!(%error, "cannot start the XMPP chat link; chat status is set via UCI only");
            None
        }
    };
    let mut logged_in = false;
    let mut uci_ready = false;
    let mut directory_loaded = false;
    let mut failing = false;
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
                    report_rest_failure(&events, &error, &mut failing);
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
                if failing {
                    failing = false;
                    let _ = events.send(WorkerEvent::Healthy {
                        service: "starface",
                    });
                }
                let _ = events.send(WorkerEvent::Starface(state));
            }
            Err(error) => report_rest_failure(&events, &error, &mut failing),
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

fn report_rest_failure(events: &Events, error: &RestError, failing: &mut bool) {
    if !*failing {
        tracing::warn!(%error, "STARFACE not reachable");
    }
    *failing = true;
    let event = match error {
        RestError::LoginRejected { .. } | RestError::OAuthDenied { .. } => {
            WorkerEvent::SignInNeeded {
                service: "starface",
                reason: error.to_string(),
            }
        }
        _ => WorkerEvent::Warning {
            service: "starface",
            text: error.to_string(),
        },
    };
    let _ = events.send(event);
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

fn telephony_state(state: &starface_client::TelephonyState) -> TelephonyState {
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
