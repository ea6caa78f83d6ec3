//! The bridge task: owns the engine, the watch list and the journal; routes the engine's commands
//! to the connector workers and publishes [`BridgeSnapshot`]s.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use graph_client::graph::FreeBusyReading;
use graph_client::GraphClient;
use presence_core::engine::{
    Command, ConflictDecision, EngineStatus, Input, IssuedCommand, Outputs, SyncOptions, SyncState,
    UserAction,
};
use presence_core::journal::{Journal, JournalEvent};
use presence_core::person_status::PersonStatus;
use presence_core::watch_list::{
    AlertMode, AvailabilityAlert, ColleagueId, ColleagueSnapshot, WatchList,
};
use presence_core::{
    ChatStatus, Engine, EngineCarryOver, EngineConfig, Mapping, Person, StatusRow, TeamsPresence,
    Timestamp,
};
use starface_client::onehub::AccountId;
use starface_client::{RestClient, UciClient, XmppChatLink, XmppSettings};
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::error::BridgeError;
use crate::free_busy::{self, FreeBusyOptions, Wanted};
use crate::journal_file::JournalFile;
use crate::notifier::{BridgeNotification, Notifier};
use crate::people::{self, PbxDirectory};
use crate::phones::{self, ColleaguePhones, OneHubLink, Roster};
use crate::presence_source::{PresenceSource, RelayReading};
use crate::relay_watch::{self, RelayKeys, RelayLink};
use crate::snapshot::{
    AnotherSyncView, BridgeSnapshot, BridgeWarning, ColleagueView, JournalLine, OwnStatus, Service,
    SyncStateView, SyncView,
};
use crate::workers::{self, StarfaceLinks, WorkerControl, WorkerEvent};

/// How the bridge runs (everything but the connectors).
#[derive(Debug, Clone)]
pub struct BridgeOptions {
    /// Mapping and sync options for the engine.
    pub engine: EngineConfig,
    /// Base interval of the Graph presence poll (adapted by `PollPacing`).
    pub graph_poll_interval: Duration,
    /// Interval of the STARFACE poll (DND and telephony state).
    pub starface_poll_interval: Duration,
    /// How often the engine gets a tick (real time).
    pub tick_interval: Duration,
    /// Journal entries kept in memory.
    pub journal_capacity: usize,
    /// The rotating journal file (own status only), if any.
    pub journal_file: Option<PathBuf>,
    /// A colleague's presence is stale after this many Graph poll intervals without news.
    pub stale_after_polls: u32,
    /// Favourite colleagues' e-mail addresses, watched first.
    pub favourites: Vec<String>,
    /// How many relevant people (`/me/people`) to watch besides favourites.
    pub people_count: usize,
    /// What the bridge this one replaces handed over at [`BridgeHandle::shutdown`] (same accounts,
    /// same clock); `None` starts afresh, with STARFACE's state as found as the starting point.
    pub carry_over: Option<BridgeCarryOver>,
    /// Colleagues' free/busy (`microsoft.free_busy`); `None` reads no calendar.
    pub free_busy: Option<FreeBusyOptions>,
}

impl Default for BridgeOptions {
    fn default() -> Self {
        Self {
            engine: EngineConfig::default(),
            graph_poll_interval: Duration::from_secs(10),
            starface_poll_interval: Duration::from_secs(3),
            tick_interval: Duration::from_secs(1),
            journal_capacity: 200,
            journal_file: None,
            stale_after_polls: 3,
            favourites: Vec::new(),
            people_count: 25,
            carry_over: None,
            free_busy: Some(FreeBusyOptions::default()),
        }
    }
}

/// What a stopped bridge hands to the one that replaces it, so a restart of the sync (accounts
/// edited, a sign-in, a new password) does not undo the user's choices: the engine's carry-over
/// (see [`EngineCarryOver`]) plus what the front ends were shown about the app's own doing.
/// In memory only: it holds the user's last Teams presence.
#[derive(Debug, Clone, PartialEq)]
pub struct BridgeCarryOver {
    engine: EngineCarryOver,
    /// The evidence behind an "another sync" warning that is still up.
    another_sync: Option<AnotherSyncView>,
    /// The chat status the app last set ("set by the app" in front ends).
    chat_set: Option<ChatStatus>,
}

impl BridgeCarryOver {
    /// The engine's part.
    pub fn engine(&self) -> &EngineCarryOver {
        &self.engine
    }
}

/// The connected clients the bridge drives.
pub struct Connectors {
    /// Microsoft Graph for the signed-in user.
    pub graph: GraphClient,
    /// STARFACE REST (DND, directory).
    pub rest: Arc<RestClient>,
    /// STARFACE UCI (telephony state, chat message).
    pub uci: Arc<UciClient>,
    /// XMPP chat link settings; `None` sets the chat status message via UCI only.
    pub xmpp: Option<XmppSettings>,
    /// Colleagues' phone state through OneHub, used when the account signs in with OAuth
    /// (STARFACE 10); `None`, or a classic sign-in: no phone state (chat status from the XMPP
    /// roster where the chat link runs).
    pub onehub: Option<OneHubLink>,
    /// The organisation's presence relay (`[relay]`); `None`: presence is polled from Graph.
    pub relay: Option<RelayLink>,
}

/// What a front end can ask for. Tauri commands map one-to-one onto these.
#[derive(Debug, Clone, PartialEq)]
pub enum BridgeCommand {
    /// Write nothing to STARFACE for this long (the Teams session is cleared).
    PauseFor(Duration),
    /// End a pause or a stop.
    Resume,
    /// Poll both sides now and apply the current Teams state without waiting.
    SyncNow,
    /// The mapping was edited.
    MappingChanged(Box<Mapping>),
    /// Timing, working hours or conflict settings were edited.
    OptionsChanged(SyncOptions),
    /// The answer to the "another sync seems active" warning.
    ConflictDecided(ConflictDecision),
    /// Watch a colleague found by [`BridgeHandle::search_directory`] (or known otherwise);
    /// boxed: a person is large and commands are moved around.
    Watch(Box<Person>),
    /// Stop watching a colleague.
    Unwatch(String),
    /// Notify when the colleague becomes available.
    NotifyWhenAvailable {
        /// Entra object id.
        id: String,
        /// Once or every time.
        mode: AlertMode,
    },
    /// Remove a "notify when available" alert.
    CancelAlert(String),
    /// The favourites in the settings changed (e-mail addresses or sign-in names).
    FavouritesChanged(Vec<String>),
    /// The contact card on screen shows this colleague (Entra object id; a watched one), or none
    /// is on screen: their free/busy is read while it is.
    CardShown(Option<String>),
}

impl BridgeCommand {
    /// What the command is, without whom it is about: the `info` line of a command.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            BridgeCommand::PauseFor(_) => "pause",
            BridgeCommand::Resume => "resume",
            BridgeCommand::SyncNow => "sync now",
            BridgeCommand::MappingChanged(_) => "mapping changed",
            BridgeCommand::OptionsChanged(_) => "options changed",
            BridgeCommand::ConflictDecided(_) => "conflict decided",
            BridgeCommand::Watch(_) => "watch a colleague",
            BridgeCommand::Unwatch(_) => "stop watching a colleague",
            BridgeCommand::NotifyWhenAvailable { .. } => "notify when a colleague is available",
            BridgeCommand::CancelAlert(_) => "cancel an alert",
            BridgeCommand::FavouritesChanged(_) => "favourites changed",
            BridgeCommand::CardShown(_) => "contact card shown",
        }
    }
}

enum Message {
    Command(BridgeCommand),
    Shutdown(oneshot::Sender<()>),
}

/// A running bridge. Front ends subscribe to snapshots and send commands.
pub struct BridgeHandle {
    messages: mpsc::UnboundedSender<Message>,
    snapshot: watch::Receiver<BridgeSnapshot>,
    graph: GraphClient,
    task: JoinHandle<BridgeCarryOver>,
}

impl BridgeHandle {
    /// Snapshots as they change (`changed().await`, then `borrow()`).
    pub fn subscribe(&self) -> watch::Receiver<BridgeSnapshot> {
        self.snapshot.clone()
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> BridgeSnapshot {
        self.snapshot.borrow().clone()
    }

    /// Sends a command; fails only when the bridge has stopped.
    pub fn send(&self, command: BridgeCommand) -> Result<(), BridgeError> {
        self.messages
            .send(Message::Command(command))
            .map_err(|_| BridgeError::Stopped)
    }

    /// Searches the Microsoft 365 directory (name or address prefix). The basic profile it
    /// reads has names and addresses only.
    pub async fn search_directory(
        &self,
        query: &str,
        top: usize,
    ) -> Result<Vec<Person>, BridgeError> {
        let users = self.graph.search_users(query, top).await?;
        Ok(users.into_iter().map(people::from_directory_user).collect())
    }

    /// Stops cleanly: clears the Teams presence session, logs out of STARFACE REST and UCI,
    /// closes XMPP and flushes the journal file. Returns when all of that is done, with what a
    /// bridge started next for the same accounts should go on from ([`BridgeOptions::carry_over`]);
    /// `None` only if the bridge task failed.
    pub async fn shutdown(self) -> Option<BridgeCarryOver> {
        let (done, finished) = oneshot::channel();
        if self.messages.send(Message::Shutdown(done)).is_ok() {
            let _ = finished.await;
        }
        match self.task.await {
            Ok(carry_over) => Some(carry_over),
            Err(error) => {
                tracing::error!(%error, "the bridge task failed; the next start begins afresh");
                None
            }
        }
    }
}

/// Starts the bridge on the current tokio runtime.
pub fn start(
    mut options: BridgeOptions,
    connectors: Connectors,
    clock: SharedClock,
    notifier: Arc<dyn Notifier>,
) -> Result<BridgeHandle, BridgeError> {
    let carry_over = options.carry_over.take();
    let engine = match &carry_over {
        Some(carry_over) => {
            let engine = carry_over.engine();
            tracing::info!(
                row = ?engine.row(),
                kept_manual_dnd = engine.keeps_manual_dnd(),
                kept_manual_chat = engine.keeps_manual_chat(),
                paused = engine.paused_until().is_some(),
                writes_stopped = engine.writes_stopped(),
                "the sync goes on from the one it replaces"
            );
            Engine::resume(options.engine.clone(), engine.clone())?
        }
        None => Engine::new(options.engine.clone())?,
    };
    let (another_sync, chat_set) = carry_over
        .map(|carry_over| (carry_over.another_sync, carry_over.chat_set))
        .unwrap_or_default();
    let (messages, message_rx) = mpsc::unbounded_channel();
    let (snapshot_tx, snapshot) = watch::channel(BridgeSnapshot::default());
    let (events, event_rx) = mpsc::unbounded_channel();
    let (graph_commands, graph_rx) = mpsc::unbounded_channel();
    let (starface_commands, starface_rx) = mpsc::unbounded_channel();
    let (stop_tx, stop) = watch::channel(false);
    let (watched_tx, watched) = watch::channel(Vec::new());
    let (phone_accounts_tx, phone_accounts) = watch::channel(BTreeSet::new());
    let (presence_source_tx, presence_source) = watch::channel(match &connectors.relay {
        Some(_) => PresenceSource::RelayStarting,
        None => PresenceSource::Graph,
    });
    let (relay_keys_tx, relay_keys) = watch::channel(RelayKeys::default());
    let poll_now = Arc::new(Notify::new());
    let control = WorkerControl {
        stop,
        poll_now: poll_now.clone(),
    };
    let graph_task = tokio::spawn(workers::graph_worker(
        connectors.graph.clone(),
        events.clone(),
        graph_rx,
        watched,
        presence_source,
        options.favourites.clone(),
        options.people_count,
        options.graph_poll_interval,
        control.clone(),
    ));
    let (wanted_tx, wanted) = watch::channel(Vec::new());
    let free_busy_task = options.free_busy.clone().map(|free_busy_options| {
        tokio::spawn(free_busy::free_busy_worker(
            connectors.graph.clone(),
            events.clone(),
            wanted,
            free_busy_options,
            clock.clone(),
            control.stop.clone(),
        ))
    });
    let relay_task = connectors.relay.map(|link| {
        tokio::spawn(relay_watch::relay_worker(
            link,
            connectors.graph.clone(),
            events.clone(),
            relay_keys,
            control.stop.clone(),
        ))
    });
    let (xmpp, roster) = start_chat_link(connectors.xmpp);
    let phone_task = tokio::spawn(phones::phone_worker(
        connectors.onehub,
        roster,
        events.clone(),
        phone_accounts,
        control.stop.clone(),
    ));
    let starface_task = tokio::spawn(workers::starface_worker(
        StarfaceLinks {
            rest: connectors.rest,
            uci: connectors.uci,
            xmpp,
        },
        events,
        starface_rx,
        options.starface_poll_interval,
        control,
    ));
    let state = BridgeState {
        journal: Journal::with_capacity(options.journal_capacity),
        journal_file: options.journal_file.clone().map(JournalFile::new),
        favourites: options.favourites.clone(),
        options,
        engine,
        clock,
        notifier,
        watch_list: WatchList::new(),
        colleagues: Vec::new(),
        relevant: Vec::new(),
        directory: PbxDirectory::default(),
        own_name: None,
        own_id: None,
        own_teams: None,
        telephony: None,
        teams_read_at: None,
        starface_read_at: None,
        warnings: BTreeMap::new(),
        chat_set,
        another_sync,
        graph_commands,
        starface_commands,
        watched_tx,
        card: None,
        free_busy: HashMap::new(),
        wanted_tx,
        phones: ColleaguePhones::default(),
        phone_accounts_tx,
        presence_source_tx,
        relay_keys_tx,
        snapshot_tx,
        poll_now,
    };
    let tasks = [
        Some(graph_task),
        Some(starface_task),
        Some(phone_task),
        free_busy_task,
        relay_task,
    ];
    let task = tokio::spawn(state.run(message_rx, event_rx, stop_tx, tasks));
    Ok(BridgeHandle {
        messages,
        snapshot,
        graph: connectors.graph,
        task,
    })
}

/// Starts the XMPP chat link (if configured) and hands out its roster for the phone worker.
fn start_chat_link(settings: Option<XmppSettings>) -> (Option<XmppChatLink>, Option<Roster>) {
    let Some(settings) = settings else {
        return (None, None);
    };
    let own = settings.bare_jid();
    match XmppChatLink::start(settings) {
        Ok(link) => {
            let roster = own.ok().map(|own| Roster {
                observed: link.observed_presences(),
                own,
            });
            (Some(link), roster)
        }
        Err(error) => {
            tracing::warn!(%error, "cannot start the XMPP chat link; chat status is set via UCI only");
            (None, None)
        }
    }
}

struct WatchedColleague {
    person: Person,
    teams: Option<TeamsPresence>,
    /// The latest successful read (staleness).
    observed_at: Option<Timestamp>,
    /// The read that brought the current value (what front ends show as "updated").
    changed_at: Option<Timestamp>,
    /// Their phone as the relay's feed last carried it (used where OneHub knows none).
    relay_phone: Option<presence_core::TelephonyState>,
}

struct BridgeState {
    options: BridgeOptions,
    engine: Engine,
    clock: SharedClock,
    notifier: Arc<dyn Notifier>,
    journal: Journal,
    journal_file: Option<JournalFile>,
    watch_list: WatchList,
    /// The favourites from the settings (addresses).
    favourites: Vec<String>,
    colleagues: Vec<WatchedColleague>,
    /// `/me/people`'s ids, most relevant first.
    relevant: Vec<String>,
    /// The PBX's users, for matching colleagues by e-mail.
    directory: PbxDirectory,
    own_name: Option<String>,
    /// The user's Entra object id (lower case), once signed in.
    own_id: Option<String>,
    /// The latest own Teams presence as polled (the engine acts on it after the debounce).
    own_teams: Option<TeamsPresence>,
    telephony: Option<presence_core::TelephonyState>,
    /// When the own Teams presence and the STARFACE state were last read successfully.
    teams_read_at: Option<Timestamp>,
    starface_read_at: Option<Timestamp>,
    /// At most one per service; ordered, so the snapshot's list does not reorder on its own.
    warnings: BTreeMap<Service, BridgeWarning>,
    /// The chat status last set successfully. Kept here rather than taken from the engine's belief:
    /// the belief would also follow chat readings, and front ends label this "set by the app".
    chat_set: Option<ChatStatus>,
    /// The evidence of the latest "another sync" warning (the engine's status has only the state).
    another_sync: Option<AnotherSyncView>,
    graph_commands: mpsc::UnboundedSender<IssuedCommand>,
    starface_commands: mpsc::UnboundedSender<IssuedCommand>,
    watched_tx: watch::Sender<Vec<String>>,
    /// The colleague on the open contact card.
    card: Option<String>,
    /// The latest free/busy of the colleagues whose calendar is wanted, by id (memory only).
    free_busy: HashMap<String, FreeBusyReading>,
    /// Whose calendar the free/busy worker reads.
    wanted_tx: watch::Sender<Vec<Wanted>>,
    /// What the phone worker reported last (OneHub's phones, the roster's chat states).
    phones: ColleaguePhones,
    /// The STARFACE accounts whose phones OneHub is to push: the watched colleagues'.
    phone_accounts_tx: watch::Sender<BTreeSet<AccountId>>,
    /// Where presence comes from (read by the Graph worker: it polls only when told to).
    presence_source_tx: watch::Sender<PresenceSource>,
    /// The keys the relay worker watches.
    relay_keys_tx: watch::Sender<RelayKeys>,
    snapshot_tx: watch::Sender<BridgeSnapshot>,
    poll_now: Arc<Notify>,
}

impl BridgeState {
    async fn run(
        mut self,
        mut messages: mpsc::UnboundedReceiver<Message>,
        mut events: mpsc::UnboundedReceiver<WorkerEvent>,
        stop: watch::Sender<bool>,
        tasks: [Option<JoinHandle<()>>; 5],
    ) -> BridgeCarryOver {
        let mut tick = tokio::time::interval(self.options.tick_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let done = loop {
            tokio::select! {
                message = messages.recv() => match message {
                    Some(Message::Command(command)) => self.on_command(command),
                    Some(Message::Shutdown(done)) => break Some(done),
                    None => break None,
                },
                Some(event) = events.recv() => self.on_event(event),
                _ = tick.tick() => {
                    self.refresh_relay_reading();
                    self.feed(Input::Tick)
                }
            }
            self.publish();
        };
        tracing::info!("stopping the bridge");
        let _ = stop.send(true);
        for task in tasks.into_iter().flatten() {
            let _ = task.await;
        }
        if let Some(file) = &mut self.journal_file {
            file.flush();
        }
        tracing::info!("bridge stopped");
        if let Some(done) = done {
            let _ = done.send(());
        }
        let status = self.engine.status();
        BridgeCarryOver {
            engine: self.engine.carry_over(),
            another_sync: self
                .another_sync
                .filter(|_| status.state == SyncState::AnotherSyncSuspected),
            chat_set: self.chat_set,
        }
    }

    fn feed(&mut self, input: Input) {
        let now = self.clock.now();
        let outputs = self.engine.handle(input, now);
        self.apply(outputs);
    }

    fn apply(&mut self, outputs: Outputs) {
        if !outputs.journal.is_empty() {
            let wall = self.clock.wall();
            for entry in &outputs.journal {
                tracing::info!(journal = %entry, "sync decision");
                match &entry.event {
                    JournalEvent::CommandSucceeded(Command::SetChatStatus(chat)) => {
                        self.chat_set = Some(chat.clone());
                    }
                    JournalEvent::AnotherSyncSuspected {
                        reverts,
                        period_minutes,
                    } => {
                        self.another_sync = Some(AnotherSyncView {
                            reverts: *reverts,
                            period_minutes: *period_minutes,
                        });
                    }
                    _ => {}
                }
                if let Some(file) = &mut self.journal_file {
                    file.push(wall, &entry.to_string());
                }
            }
            if let Some(file) = &mut self.journal_file {
                file.flush();
            }
            self.journal.extend(outputs.journal);
        }
        for issued in outputs.commands {
            tracing::debug!(command = %issued.command, "executing");
            let routed = match &issued.command {
                Command::SetDnd(_) | Command::SetChatStatus(_) => {
                    self.starface_commands.send(issued)
                }
                Command::SetTeamsSession { .. } | Command::ClearTeamsSession => {
                    self.graph_commands.send(issued)
                }
                Command::Notify(notification) => {
                    self.notifier
                        .notify(&BridgeNotification::Engine(notification.clone()));
                    Ok(())
                }
            };
            if routed.is_err() {
                tracing::warn!("a connector stopped; command dropped");
            }
        }
    }

    fn on_command(&mut self, command: BridgeCommand) {
        // Whom a command is about (a person to watch, favourites' addresses) only at debug.
        tracing::info!(command = command.kind(), "command from the front end");
        tracing::debug!(?command, "command from the front end, in full");
        match command {
            BridgeCommand::PauseFor(duration) => {
                let until = self.clock.now().mono.saturating_add(duration);
                self.feed(Input::User(UserAction::PauseUntil(until)));
            }
            BridgeCommand::Resume => self.feed(Input::User(UserAction::Resume)),
            BridgeCommand::SyncNow => {
                self.poll_now.notify_waiters();
                self.feed(Input::User(UserAction::SyncNow));
            }
            BridgeCommand::MappingChanged(mapping) => {
                self.feed(Input::User(UserAction::MappingChanged(mapping)))
            }
            BridgeCommand::OptionsChanged(options) => {
                self.feed(Input::User(UserAction::OptionsChanged(options)))
            }
            BridgeCommand::ConflictDecided(decision) => {
                self.feed(Input::User(UserAction::ConflictDecided(decision)))
            }
            BridgeCommand::Watch(person) => self.add_colleagues(vec![*person]),
            BridgeCommand::Unwatch(id) => {
                let id = id.to_ascii_lowercase();
                self.colleagues.retain(|c| c.person.id != id);
                self.watch_list.forget(&ColleagueId(id));
                self.update_watched();
            }
            BridgeCommand::NotifyWhenAvailable { id, mode } => {
                self.watch_list
                    .notify_when_available(ColleagueId(id.to_ascii_lowercase()), mode);
            }
            BridgeCommand::CancelAlert(id) => {
                self.watch_list
                    .cancel_alert(&ColleagueId(id.to_ascii_lowercase()));
            }
            BridgeCommand::FavouritesChanged(favourites) => self.favourites = favourites,
            BridgeCommand::CardShown(id) => self.card = id.map(|id| id.to_ascii_lowercase()),
        }
    }

    fn on_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::SignedIn {
                display_name,
                own_id,
                colleagues,
                relevant,
            } => {
                tracing::info!(user = %crate::log_text::Escaped(&display_name), "signed in to Microsoft 365");
                self.own_name = Some(display_name);
                self.own_id = Some(own_id);
                self.relevant = relevant;
                self.add_colleagues(colleagues);
            }
            WorkerEvent::Teams {
                own,
                colleagues,
                consent_needed,
            } => {
                if consent_needed {
                    self.warnings
                        .insert(Service::Microsoft, BridgeWarning::NeedsAdminConsent);
                } else {
                    self.warnings.remove(&Service::Microsoft);
                }
                if let Some(own) = own {
                    self.teams_read_at = Some(self.clock.now().mono);
                    self.own_teams = Some(own.clone());
                    self.feed(Input::TeamsObserved(own));
                }
                self.on_colleague_presence(colleagues);
            }
            WorkerEvent::RelayPresence(readings) => self.on_relay_presence(readings),
            WorkerEvent::PresenceSource(source) => {
                self.presence_source_tx.send_if_modified(|current| {
                    let changed = *current != source;
                    if changed {
                        tracing::info!(%source, "presence source");
                        *current = source;
                    }
                    changed
                });
            }
            WorkerEvent::Starface(state) => {
                self.warnings.remove(&Service::Starface);
                self.starface_read_at = Some(self.clock.now().mono);
                self.telephony = Some(state.telephony.clone());
                self.feed(Input::StarfaceObserved(state));
            }
            WorkerEvent::Directory(entries) => {
                self.directory = PbxDirectory::new(entries);
                tracing::info!(users = self.directory.len(), "STARFACE directory loaded");
                for colleague in &mut self.colleagues {
                    colleague.person.starface = self.directory.account_for(&colleague.person);
                }
                self.follow_phones();
            }
            WorkerEvent::Finished {
                id,
                command,
                result,
            } => {
                match &result {
                    Ok(()) => tracing::info!("applied: {command}"),
                    Err(failure) => tracing::warn!(reason = %failure.reason, "failed: {command}"),
                }
                self.feed(Input::CommandFinished { id, result });
            }
            WorkerEvent::SignInNeeded { service, reason } => {
                // Told once: the worker keeps reporting while the sign-in stays refused.
                if !self.sign_in_needed(service) {
                    self.notifier
                        .notify(&BridgeNotification::SignInNeeded(service));
                }
                self.warnings
                    .insert(service, BridgeWarning::SignInNeeded { service, reason });
            }
            WorkerEvent::StarfaceSecretNeeded { secret, need } => {
                if !self.sign_in_needed(Service::Starface) {
                    self.notifier
                        .notify(&BridgeNotification::SignInNeeded(Service::Starface));
                }
                self.warnings.insert(
                    Service::Starface,
                    BridgeWarning::StarfaceSecretNeeded { secret, need },
                );
            }
            WorkerEvent::Healthy(service) => {
                self.warnings.remove(&service);
            }
            WorkerEvent::Warning(warning) => {
                let service = warning.service();
                // Nothing of a service works until its sign-in is repeated; that is what to say.
                if !self.sign_in_needed(service) {
                    self.warnings.insert(service, warning);
                }
            }
            WorkerEvent::FreeBusy(readings) => self.free_busy = readings.into_iter().collect(),
            WorkerEvent::Phones(book) => {
                if self.phones.set_book(book) {
                    self.apply_phones();
                }
            }
            WorkerEvent::RosterChat(roster) => self.phones.set_roster(roster),
        }
    }

    fn sign_in_needed(&self, service: Service) -> bool {
        self.warnings
            .get(&service)
            .is_some_and(BridgeWarning::is_sign_in)
    }

    fn add_colleagues(&mut self, people: Vec<Person>) {
        for mut person in people {
            if self.colleagues.iter().any(|c| c.person.id == person.id) {
                continue;
            }
            person.starface = self.directory.account_for(&person);
            self.colleagues.push(WatchedColleague {
                person,
                teams: None,
                observed_at: None,
                changed_at: None,
                relay_phone: None,
            });
        }
        self.update_watched();
    }

    fn update_watched(&mut self) {
        let ids: Vec<String> = self
            .colleagues
            .iter()
            .map(|c| c.person.id.clone())
            .collect();
        self.watched_tx.send_replace(ids.clone());
        self.follow_relay_keys(ids);
        self.follow_phones();
    }

    /// The relay worker watches the watched colleagues and the user.
    fn follow_relay_keys(&mut self, colleagues: Vec<String>) {
        let keys = RelayKeys {
            own: self.own_id.clone(),
            colleagues,
        };
        self.relay_keys_tx.send_if_modified(|current| {
            let changed = *current != keys;
            *current = keys;
            changed
        });
    }

    /// Presence from the relay: the user's own as if polled (the sync acts on it), colleagues'
    /// like a poll's, their phones where OneHub knows none.
    fn on_relay_presence(&mut self, readings: Vec<RelayReading>) {
        let mut colleagues = Vec::new();
        let mut phones_changed = false;
        for reading in readings {
            if self.own_id.as_deref() == Some(reading.id.as_str()) {
                self.teams_read_at = Some(self.clock.now().mono);
                self.own_teams = Some(reading.teams.clone());
                self.feed(Input::TeamsObserved(reading.teams));
                continue;
            }
            if let Some(colleague) = self
                .colleagues
                .iter_mut()
                .find(|c| c.person.id == reading.id)
            {
                phones_changed |= colleague.relay_phone != reading.phone;
                colleague.relay_phone = reading.phone;
            }
            colleagues.push((reading.id, reading.teams));
        }
        self.on_colleague_presence(colleagues);
        if phones_changed {
            self.apply_phones();
        }
    }

    /// While the relay's feed is live, what it last brought is current (it pushes every
    /// change, and a feed that stops renewing turns stale): the own reading and the colleagues'
    /// count as read now, so nothing greys out and the last sync time moves on.
    fn refresh_relay_reading(&mut self) {
        if *self.presence_source_tx.borrow() != PresenceSource::Relay {
            return;
        }
        let now = self.clock.now().mono;
        if self.own_teams.is_some() {
            self.teams_read_at = Some(now);
        }
        for colleague in &mut self.colleagues {
            if colleague.teams.is_some() {
                colleague.observed_at = Some(now);
            }
        }
    }

    /// OneHub follows the colleagues shown (the window's list, the tray's favourites, the
    /// alert targets: all watched colleagues), and what is known of their phones is applied.
    fn follow_phones(&mut self) {
        let accounts = phones::accounts(self.colleagues.iter().map(|c| &c.person));
        self.phone_accounts_tx.send_if_modified(|current| {
            let changed = *current != accounts;
            *current = accounts;
            changed
        });
        self.apply_phones();
    }

    /// Hands the watch list each colleague's phone that differs from what it has (so alerts
    /// wait for the phone too).
    fn apply_phones(&mut self) {
        let changed: Vec<_> = self
            .colleagues
            .iter()
            .filter_map(|c| {
                let id = ColleagueId(c.person.id.clone());
                let phone = self.phones.phone_of(&c.person).or_else(|| {
                    c.relay_phone
                        .clone()
                        .map(presence_core::person_status::PhoneState::new)
                });
                let known = self.watch_list.get(&id).and_then(|s| s.phone.as_ref());
                (known != phone.as_ref()).then_some((id, phone))
            })
            .collect();
        if changed.is_empty() {
            return;
        }
        let update = self.watch_list.apply_phone(changed);
        self.notify_alerts(update.alerts);
    }

    fn on_colleague_presence(&mut self, presences: Vec<(String, TeamsPresence)>) {
        let now = self.clock.now().mono;
        let mut snapshots = Vec::new();
        for (id, presence) in presences {
            if let Some(colleague) = self.colleagues.iter_mut().find(|c| c.person.id == id) {
                if colleague.teams.as_ref() != Some(&presence) {
                    colleague.teams = Some(presence.clone());
                    colleague.changed_at = Some(now);
                }
                colleague.observed_at = Some(now);
                snapshots.push(ColleagueSnapshot {
                    id: ColleagueId(id),
                    teams: Some(presence),
                    telephony: None,
                });
            }
        }
        let update = self.watch_list.apply(snapshots);
        self.notify_alerts(update.alerts);
    }

    fn notify_alerts(&self, alerts: Vec<AvailabilityAlert>) {
        for alert in alerts {
            let display_name = self
                .colleagues
                .iter()
                .find(|c| c.person.id == alert.id.0)
                .map(|c| c.person.display_name.clone())
                .unwrap_or_else(|| alert.id.0.clone());
            let free_busy = match self.free_busy.get(&alert.id.0) {
                Some(FreeBusyReading::Line(line)) => Some(*line),
                _ => None,
            };
            let phone_known = self
                .watch_list
                .get(&alert.id)
                .is_some_and(|state| state.phone.is_some());
            self.notifier
                .notify(&BridgeNotification::ColleagueAvailable {
                    id: alert.id.0,
                    display_name,
                    free_busy,
                    phone_known,
                });
        }
    }

    /// Publishes only a snapshot that differs from the last one: every publication wakes each
    /// front end (the tray app re-sends its whole state to the window), so an idle bridge must
    /// stay silent. Hence no ages in the snapshot, only fixed timestamps; and the time of the
    /// last sync, which moves with every poll, is written into the watched value without waking
    /// anyone (`send_if_modified` returning `false` leaves the new value for the next reader).
    fn publish(&self) {
        self.update_wanted();
        let snapshot = self.build_snapshot();
        self.snapshot_tx.send_if_modified(|current| {
            let changed = !same_but_last_sync(current, &snapshot);
            *current = snapshot;
            changed
        });
    }

    fn build_snapshot(&self) -> BridgeSnapshot {
        let now = self.clock.now().mono;
        let status = self.engine.status();
        let stale_after = self.options.graph_poll_interval * self.options.stale_after_polls.max(1);
        BridgeSnapshot {
            own: OwnStatus {
                display_name: self.own_name.clone(),
                row: self.own_teams.as_ref().map(StatusRow::from_presence),
                teams: self.own_teams.clone(),
                starface_dnd: status.starface_dnd,
                starface_chat: self.chat_set.clone(),
                telephony: self.telephony.clone(),
                in_call: status.in_call,
                teams_session_active: status.teams_session_active,
                dnd_kept_manual: status.dnd_kept_manual,
            },
            sync: SyncView {
                state: self.sync_state(&status),
                failing: status.failing.clone(),
                warnings: self.warnings.values().cloned().collect(),
                another_sync: self
                    .another_sync
                    .filter(|_| status.state == SyncState::AnotherSyncSuspected),
                last_sync_ms: self
                    .teams_read_at
                    .zip(self.starface_read_at)
                    .map(|(teams, starface)| teams.min(starface).as_millis()),
                presence_source: self.presence_source_tx.borrow().clone(),
            },
            colleagues: self
                .colleagues
                .iter()
                .map(|c| {
                    let age = c.observed_at.map(|at| now.saturating_since(at));
                    let phone = self
                        .watch_list
                        .get(&ColleagueId(c.person.id.clone()))
                        .and_then(|state| state.phone.clone());
                    ColleagueView {
                        person: c.person.clone(),
                        row: c.teams.as_ref().map(StatusRow::from_presence),
                        teams: c.teams.clone(),
                        updated_at_ms: c.changed_at.map(Timestamp::as_millis),
                        stale: age.is_none_or(|a| a > stale_after),
                        status: PersonStatus::merge(c.teams.as_ref(), phone.as_ref()),
                        starface_chat: phone
                            .as_ref()
                            .and_then(|p| p.chat.clone())
                            .or_else(|| self.phones.roster_chat_of(&c.person)),
                        phone,
                        alert: self.watch_list.alert(&ColleagueId(c.person.id.clone())),
                        favourite: c.person.is_among(&self.favourites),
                        free_busy: self.free_busy.get(&c.person.id).cloned(),
                    }
                })
                .collect(),
            relevant: self
                .relevant
                .iter()
                .filter(|id| self.colleagues.iter().any(|c| c.person.id == **id))
                .cloned()
                .collect(),
            journal: self
                .journal
                .entries()
                .map(|entry| JournalLine {
                    at_ms: entry.at.as_millis(),
                    event: entry.event.clone(),
                    text: entry.to_string(),
                })
                .collect(),
        }
    }

    /// Tells the free/busy worker whose calendars are on screen: the open contact card first,
    /// then favourites and alert targets, each once, by the first address they have.
    fn update_wanted(&self) {
        let card = self
            .card
            .as_deref()
            .and_then(|id| self.colleagues.iter().find(|c| c.person.id == id));
        let on_screen = self.colleagues.iter().filter(|c| {
            c.person.is_among(&self.favourites)
                || self
                    .watch_list
                    .alert(&ColleagueId(c.person.id.clone()))
                    .is_some()
        });
        let mut wanted: Vec<Wanted> = Vec::new();
        for colleague in card.into_iter().chain(on_screen) {
            let person = &colleague.person;
            let Some(address) = person.addresses().next() else {
                continue;
            };
            if !wanted.iter().any(|w| w.id == person.id) {
                wanted.push(Wanted {
                    id: person.id.clone(),
                    address: address.to_owned(),
                });
            }
        }
        self.wanted_tx.send_if_modified(|current| {
            let changed = *current != wanted;
            if changed {
                *current = wanted;
            }
            changed
        });
    }

    fn sync_state(&self, status: &EngineStatus) -> SyncStateView {
        if self.own_teams.is_none() || self.telephony.is_none() {
            return SyncStateView::Starting;
        }
        match status.state {
            SyncState::AnotherSyncSuspected => SyncStateView::AnotherSyncSuspected,
            SyncState::Stopped => SyncStateView::Stopped,
            SyncState::Paused { until } => SyncStateView::Paused {
                until_ms: until.as_millis(),
            },
            SyncState::OutsideWorkingHours => SyncStateView::OutsideWorkingHours,
            SyncState::Running => SyncStateView::Running,
        }
    }
}

/// Whether two snapshots differ only in the time of the last sync (or not at all).
fn same_but_last_sync(a: &BridgeSnapshot, b: &BridgeSnapshot) -> bool {
    a.own == b.own
        && a.colleagues == b.colleagues
        && a.relevant == b.relevant
        && a.journal == b.journal
        && SyncView {
            last_sync_ms: b.sync.last_sync_ms,
            ..a.sync.clone()
        } == b.sync
}
