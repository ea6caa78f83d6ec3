//! Colleagues' STARFACE phones: the phone-state worker and what the bridge keeps of its reports.
//!
//! Which source applies is decided by how the account signs in, once the sign-in has decided:
//! - **OAuth (STARFACE 10)**: OneHub pushes each watched colleague's phone ([`OneHubWatch`]),
//!   with the token of the account's one [`PbxSignIn`] ([`SignInBearer`]), so OneHub, REST, UCI
//!   and XMPP share one token and one refresh. The watched accounts follow the colleagues the
//!   window and the tray show. The XMPP user name is asked from OneHub (`GetChatId`) and handed
//!   to the chat link ([`ChatUser`]).
//! - **Classic login (STARFACE 9 and older)**: there is no phone state (UCI shows other users'
//!   phones only through busy-lamp keys whose field names are not known, so nothing is
//!   guessed); colleagues' STARFACE chat status comes from the XMPP roster where the chat link
//!   runs.
//!
//! OneHub's connection state becomes a typed [`BridgeWarning`] only when it matters: a missing
//! right or a PBX without OneHub at once, an unreachable OneHub once a reconnect failed too (one
//! dropped stream that comes back is no news), never a problem the STARFACE sign-in already
//! reports. Phone states are never logged above debug and never journalled: they are presence
//! history of other people.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use presence_core::person_status::PhoneState;
use presence_core::{ChatPresence, ChatStatus, Person};
use starface_client::onehub::{
    AccountId, BearerSource, ChannelSettings, OneHubClient, OneHubError, OneHubLocation,
    OneHubStatus, OneHubTarget, OneHubWatch, OneHubWatchSettings, PhoneBook, SignInBearer,
};
use starface_client::xmpp::{ChatUser, ObservedPresence};
use starface_client::PbxSignIn;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_xmpp::jid::BareJid;

use crate::snapshot::{BridgeWarning, Service};
use crate::workers::{telephony_state, Events, WorkerEvent};

/// Waits between asking the sign-in which method it uses, while the PBX cannot say.
const DECIDE_RETRY_MIN: Duration = Duration::from_secs(2);
const DECIDE_RETRY_MAX: Duration = Duration::from_secs(60);
/// How long stopping may wait for OneHub's unsubscribe before the watch is dropped.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// OneHub for one STARFACE account: used when its sign-in turns out to be OAuth (STARFACE 10).
#[derive(Debug, Clone)]
pub struct OneHubLink {
    /// The account's sign-in, shared with REST, UCI and XMPP.
    pub sign_in: PbxSignIn,
    /// The XMPP user name to fill from OneHub's `GetChatId`, when the chat link signs in with
    /// this sign-in.
    pub chat_user: Option<ChatUser>,
    /// Where OneHub is: by default asked from the PBX (its login config, else port 9092).
    pub location: OneHubLocation,
    pub settings: OneHubWatchSettings,
}

impl OneHubLink {
    /// OneHub of the PBX `sign_in` signs in to, with the default settings.
    pub fn new(sign_in: PbxSignIn, chat_user: Option<ChatUser>) -> Self {
        Self {
            location: OneHubLocation::FromPbx(sign_in.endpoint().clone()),
            sign_in,
            chat_user,
            settings: OneHubWatchSettings::default(),
        }
    }
}

/// The chat link's roster: colleagues' chat status on PBXs without OneHub.
pub(crate) struct Roster {
    pub observed: watch::Receiver<BTreeMap<String, ObservedPresence>>,
    /// The user's own JID, whose resources are not colleagues.
    pub own: BareJid,
}

/// Runs until `stop`: OneHub when the sign-in is OAuth, else the roster's chat status.
pub(crate) async fn phone_worker(
    link: Option<OneHubLink>,
    roster: Option<Roster>,
    events: Events,
    accounts: watch::Receiver<BTreeSet<AccountId>>,
    mut stop: watch::Receiver<bool>,
) {
    let oauth = match &link {
        None => false,
        Some(link) => match uses_oauth(&link.sign_in, &mut stop).await {
            Some(oauth) => oauth,
            None => return,
        },
    };
    match link {
        Some(link) if oauth => follow_onehub(link, &events, accounts, stop).await,
        _ => {
            tracing::info!(
                "no colleagues' phone state: OneHub needs STARFACE 10 with the OAuth sign-in; \
                 colleagues' STARFACE chat status comes from the XMPP roster where the chat \
                 link runs"
            );
            follow_roster(roster, &events, stop).await;
        }
    }
}

/// Whether the account signs in with OAuth, asking until the sign-in knows (`auto` asks the
/// PBX); `None` when stopped first.
async fn uses_oauth(sign_in: &PbxSignIn, stop: &mut watch::Receiver<bool>) -> Option<bool> {
    let mut delay = DECIDE_RETRY_MIN;
    loop {
        tokio::select! {
            _ = stop.changed() => return None,
            decided = sign_in.oauth_tokens() => match decided {
                Ok(tokens) => return Some(tokens.is_some()),
                Err(error) => tracing::debug!(%error, "STARFACE sign-in method not known yet"),
            },
        }
        tokio::select! {
            _ = stop.changed() => return None,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(DECIDE_RETRY_MAX);
    }
}

async fn follow_onehub(
    link: OneHubLink,
    events: &Events,
    mut accounts: watch::Receiver<BTreeSet<AccountId>>,
    mut stop: watch::Receiver<bool>,
) {
    let bearer: Arc<dyn BearerSource> = Arc::new(SignInBearer::new(link.sign_in.clone()));
    let onehub = OneHubWatch::spawn(link.location.clone(), bearer.clone(), link.settings.clone());
    onehub.set_watched(accounts.borrow_and_update().iter().copied());
    let mut phones = onehub.phones();
    let mut status = onehub.status();
    let mut health = PhoneHealth::default();
    let mut asking_chat_user: Option<JoinHandle<()>> = None;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            changed = accounts.changed() => {
                if changed.is_err() {
                    break;
                }
                onehub.set_watched(accounts.borrow_and_update().iter().copied());
            }
            changed = phones.changed() => {
                if changed.is_err() {
                    break;
                }
                let book = phones.borrow_and_update().clone();
                let _ = events.send(WorkerEvent::Phones(book));
            }
            changed = status.changed() => {
                if changed.is_err() {
                    break;
                }
                let now = status.borrow_and_update().clone();
                if let Some(event) = health.on_status(&now) {
                    let _ = events.send(event);
                }
                let connected = matches!(now, OneHubStatus::Connected { .. });
                if let Some(chat_user) = link.chat_user.clone().filter(|c| connected && c.get().is_none()) {
                    if asking_chat_user.as_ref().is_none_or(JoinHandle::is_finished) {
                        asking_chat_user = Some(tokio::spawn(fill_chat_user(
                            link.location.clone(),
                            link.settings.channel.clone(),
                            bearer.clone(),
                            chat_user,
                        )));
                    }
                }
            }
        }
    }
    if let Some(task) = asking_chat_user {
        task.abort();
    }
    if tokio::time::timeout(STOP_TIMEOUT, onehub.stop())
        .await
        .is_err()
    {
        tracing::debug!("OneHub did not answer the unsubscribe in time; connection dropped");
    }
}

/// Asks OneHub for the user's own chat id and hands its user name to the XMPP link (which then
/// signs in under it).
async fn fill_chat_user(
    location: OneHubLocation,
    channel: ChannelSettings,
    bearer: Arc<dyn BearerSource>,
    chat_user: ChatUser,
) {
    let asked = async {
        let target = match location {
            OneHubLocation::Fixed(target) => target,
            OneHubLocation::FromPbx(pbx) => OneHubTarget::discover(&pbx).await?,
        };
        let client = OneHubClient::connect(&target, channel, bearer).await?;
        let me = client.me().await?;
        client.chat_id(&me.user_id).await
    };
    match asked.await {
        Ok(chat_id) if !chat_id.is_empty() => {
            chat_user.set_from_chat_id(&chat_id);
            tracing::info!("XMPP user name taken from OneHub (ChatService.GetChatId)");
        }
        Ok(_) => tracing::warn!("OneHub has no chat id for the user; XMPP uses the login id"),
        Err(error) => {
            tracing::warn!(%error, "cannot ask OneHub for the XMPP user name; XMPP uses the login id")
        }
    }
}

async fn follow_roster(roster: Option<Roster>, events: &Events, mut stop: watch::Receiver<bool>) {
    let Some(Roster { mut observed, own }) = roster else {
        let _ = stop.changed().await;
        return;
    };
    loop {
        let states = starface_client::roster_chat::colleague_chat_states(
            &observed.borrow_and_update(),
            &own,
        );
        let _ = events.send(WorkerEvent::RosterChat(states));
        tokio::select! {
            _ = stop.changed() => return,
            changed = observed.changed() => {
                if changed.is_err() {
                    let _ = stop.changed().await;
                    return;
                }
            }
        }
    }
}

/// Turns OneHub's connection state into warnings, only when it matters.
#[derive(Debug, Default)]
struct PhoneHealth {
    /// Failed sessions since the last good one.
    failures: u32,
    /// A warning is up.
    warned: bool,
}

impl PhoneHealth {
    fn on_status(&mut self, status: &OneHubStatus) -> Option<WorkerEvent> {
        match status {
            OneHubStatus::Connected { .. } => {
                self.failures = 0;
                std::mem::take(&mut self.warned)
                    .then_some(WorkerEvent::Healthy(Service::PhoneState))
            }
            OneHubStatus::Waiting { error, .. } => {
                self.failures += 1;
                let warning = phone_warning(error, self.failures)?;
                self.warned = true;
                Some(WorkerEvent::Warning(warning))
            }
            OneHubStatus::Connecting | OneHubStatus::Stopped => None,
        }
    }
}

/// What a failed OneHub session means for the user after `failures` in a row.
fn phone_warning(error: &OneHubError, failures: u32) -> Option<BridgeWarning> {
    match error {
        OneHubError::PermissionDenied { detail, .. } => Some(BridgeWarning::PhoneStateRefused {
            detail: detail.clone(),
        }),
        OneHubError::NotSupported { .. } => Some(BridgeWarning::PhoneStateNotSupported),
        // The STARFACE sign-in reports its own problems; a rate limit is waited out.
        OneHubError::Bearer(_) | OneHubError::RateLimited { .. } => None,
        OneHubError::Unreachable { .. }
        | OneHubError::Tls(_)
        | OneHubError::Unauthenticated { .. }
        | OneHubError::Status { .. }
        | OneHubError::BadResponse { .. } => {
            (failures >= 2).then(|| BridgeWarning::PhoneStateUnreachable {
                reason: error.to_string(),
            })
        }
    }
}

/// What the phone worker last reported, kept to apply to colleagues added later (or matched to
/// their STARFACE account later).
#[derive(Debug, Default)]
pub(crate) struct ColleaguePhones {
    book: PhoneBook,
    /// Chat status by STARFACE login, from the XMPP roster (PBXs without OneHub).
    roster: BTreeMap<String, ChatStatus>,
}

impl ColleaguePhones {
    /// Keeps `book`; whether it differs from the last one.
    pub(crate) fn set_book(&mut self, book: PhoneBook) -> bool {
        let changed = self.book != book;
        self.book = book;
        changed
    }

    /// Keeps the roster's chat states.
    pub(crate) fn set_roster(&mut self, roster: BTreeMap<String, starface_client::ChatStatus>) {
        self.roster = roster
            .into_iter()
            .map(|(login, status)| (login, chat_status(&status)))
            .collect();
    }

    /// The person's phone as OneHub last reported it (`None`: not known).
    pub(crate) fn phone_of(&self, person: &Person) -> Option<PhoneState> {
        let account = person.starface.as_ref()?.account_id?;
        self.book.get(&AccountId(account)).map(phone_state)
    }

    /// The person's STARFACE chat status from the XMPP roster.
    pub(crate) fn roster_chat_of(&self, person: &Person) -> Option<ChatStatus> {
        self.roster.get(&person.starface.as_ref()?.login).cloned()
    }
}

/// The STARFACE accounts of `people` (those matched to a STARFACE user with an account id).
pub(crate) fn accounts<'a>(people: impl IntoIterator<Item = &'a Person>) -> BTreeSet<AccountId> {
    people
        .into_iter()
        .filter_map(|person| person.starface.as_ref()?.account_id)
        .map(AccountId)
        .collect()
}

/// OneHub's phone in the core's vocabulary (unknown values stay unknown).
fn phone_state(phone: &starface_client::onehub::PhoneState) -> PhoneState {
    PhoneState {
        telephony: telephony_state(&phone.telephony),
        dnd: phone.dnd,
        calls_forwarded: phone.redirect,
        chat: phone.chat.map(|presence| ChatStatus {
            presence: chat_presence(presence),
            message: phone.chat_message.clone(),
        }),
    }
}

fn chat_status(status: &starface_client::ChatStatus) -> ChatStatus {
    ChatStatus {
        presence: chat_presence(status.presence),
        message: status.text.clone().unwrap_or_default(),
    }
}

fn chat_presence(presence: starface_client::ChatPresence) -> ChatPresence {
    use starface_client::ChatPresence as Sf;
    match presence {
        Sf::Available => ChatPresence::Available,
        Sf::FreeForChat => ChatPresence::FreeForChat,
        Sf::Away => ChatPresence::Away,
        Sf::ExtendedAway => ChatPresence::ExtendedAway,
        Sf::DoNotDisturb => ChatPresence::DoNotDisturb,
        Sf::Unavailable => ChatPresence::Unavailable,
    }
}

#[cfg(test)]
mod tests {
    use presence_core::{StarfaceAccount, TelephonyState};
    use starface_client::onehub::TargetSource;

    use super::*;

    fn unreachable() -> OneHubError {
        OneHubError::Unreachable {
            target: "https://pbx:9092".into(),
            reason: "connection refused".into(),
        }
    }

    fn waiting(error: OneHubError) -> OneHubStatus {
        OneHubStatus::Waiting {
            error,
            retry_in: Duration::from_secs(1),
        }
    }

    fn connected() -> OneHubStatus {
        OneHubStatus::Connected {
            target: "https://pbx:9092".into(),
            source: TargetSource::OnPremises,
            server_version: "10.0".into(),
            watched: 1,
            unresolved: Vec::new(),
        }
    }

    #[test]
    fn one_failed_reconnect_is_no_news_a_second_is_a_warning_and_recovery_clears_it() {
        let mut health = PhoneHealth::default();
        assert!(health.on_status(&connected()).is_none());
        assert!(health.on_status(&waiting(unreachable())).is_none());
        assert!(health.on_status(&OneHubStatus::Connecting).is_none());
        assert!(matches!(
            health.on_status(&waiting(unreachable())),
            Some(WorkerEvent::Warning(
                BridgeWarning::PhoneStateUnreachable { .. }
            ))
        ));
        assert!(matches!(
            health.on_status(&connected()),
            Some(WorkerEvent::Healthy(Service::PhoneState))
        ));
        assert!(health.on_status(&connected()).is_none(), "cleared once");
        assert!(
            health.on_status(&waiting(unreachable())).is_none(),
            "the count starts again"
        );
    }

    #[test]
    fn a_missing_right_and_a_pbx_without_onehub_are_said_at_once_sign_in_problems_never() {
        let denied = OneHubError::PermissionDenied {
            method: "PresenceService.SubscribePresenceStates",
            detail: "no presence".into(),
        };
        assert_eq!(
            phone_warning(&denied, 1),
            Some(BridgeWarning::PhoneStateRefused {
                detail: "no presence".into()
            })
        );
        let missing = OneHubError::NotSupported {
            method: "SystemService.GetServerVersion",
        };
        assert_eq!(
            phone_warning(&missing, 1),
            Some(BridgeWarning::PhoneStateNotSupported)
        );
        let sign_in = OneHubError::Bearer(starface_client::onehub::BearerError::SignInNeeded(
            "password refused".into(),
        ));
        assert_eq!(phone_warning(&sign_in, 5), None);
        let limited = OneHubError::RateLimited {
            method: "PresenceService.SubscribePresenceStates",
            retry_after: Duration::from_secs(2),
        };
        assert_eq!(phone_warning(&limited, 5), None);
    }

    #[test]
    fn the_book_reaches_people_by_account_and_the_roster_by_login() {
        let mut anna = Person::new("a", "Anna Berg");
        anna.starface = Some(StarfaceAccount {
            user_id: 7,
            login: "0007".into(),
            account_id: Some(1007),
            internal_number: None,
        });
        let nobody = Person::new("n", "No PBX");
        assert_eq!(
            accounts([&anna, &nobody]),
            BTreeSet::from([AccountId(1007)])
        );

        let mut phones = ColleaguePhones::default();
        let mut wire = starface_client::onehub::PhoneState {
            telephony: starface_client::TelephonyState::Active,
            dnd: true,
            redirect: true,
            chat: Some(starface_client::ChatPresence::Away),
            chat_message: "lunch".into(),
        };
        assert!(phones.set_book(PhoneBook::from([(AccountId(1007), wire.clone())])));
        assert!(!phones.set_book(PhoneBook::from([(AccountId(1007), wire.clone())])));
        let phone = phones.phone_of(&anna).unwrap();
        assert_eq!(phone.telephony, TelephonyState::Active);
        assert!(phone.dnd && phone.calls_forwarded);
        assert_eq!(
            phone.chat,
            Some(ChatStatus::new(ChatPresence::Away, "lunch"))
        );
        assert_eq!(phones.phone_of(&nobody), None);

        wire.telephony = starface_client::TelephonyState::Other("9".into());
        phones.set_book(PhoneBook::from([(AccountId(1007), wire)]));
        assert_eq!(
            phones.phone_of(&anna).unwrap().telephony,
            TelephonyState::Other("9".into()),
            "an unknown line state stays unknown"
        );

        phones.set_roster(BTreeMap::from([(
            "0007".to_owned(),
            starface_client::ChatStatus::new(
                starface_client::ChatPresence::DoNotDisturb,
                Some("focus"),
            ),
        )]));
        assert_eq!(
            phones.roster_chat_of(&anna),
            Some(ChatStatus::new(ChatPresence::DoNotDisturb, "focus"))
        );
    }
}
