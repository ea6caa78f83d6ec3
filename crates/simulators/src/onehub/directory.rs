//! The users on the simulated OneHub, their presence, and the simulator's tunables.

use std::time::Duration;

use onehub_proto::presence::{ChatState, TelephonyState};

/// One STARFACE user as OneHub knows them.
#[derive(Debug, Clone)]
pub struct OneHubUser {
    /// The REST account id (decimal), e.g. `"1004"`.
    pub account_id: String,
    /// OneHub's `user_id`.
    pub user_id: String,
    /// OneHub's `one_hub_user_id`; differs from `user_id` unless a test makes them equal.
    pub one_hub_user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Raw `TelephonyState` number (so tests can set values no version knows).
    pub telephony: i32,
    /// Raw `ChatState` number.
    pub chat: i32,
    pub chat_message: String,
    pub dnd: bool,
    pub redirect: bool,
    /// Whether this user may subscribe colleagues' presence (otherwise `PermissionDenied`).
    pub may_subscribe_presence: bool,
    /// What `MeService.GetPermissions` answers.
    pub permissions: Vec<String>,
}

impl OneHubUser {
    /// A user with a free phone, chat available, and distinct `user_id` / `one_hub_user_id`.
    pub fn new(account_id: u32, first_name: &str, last_name: &str) -> Self {
        Self {
            account_id: account_id.to_string(),
            user_id: format!("user-{account_id}"),
            one_hub_user_id: format!("onehub-{:08x}", account_id.wrapping_mul(2_654_435_761)),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            email: format!(
                "{}.{}@example.com",
                first_name.to_ascii_lowercase(),
                last_name.to_ascii_lowercase()
            ),
            telephony: TelephonyState::Available as i32,
            chat: ChatState::Available as i32,
            chat_message: String::new(),
            dnd: false,
            redirect: false,
            may_subscribe_presence: true,
            permissions: [
                "login",
                "instant_messaging",
                "redirection",
                "fkey_module_key",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }

    /// Both OneHub ids of this user.
    pub fn ids(&self) -> [&str; 2] {
        [&self.user_id, &self.one_hub_user_id]
    }

    pub(crate) fn has_id(&self, id: &str) -> bool {
        self.user_id == id || self.one_hub_user_id == id
    }
}

/// A demo office: `count` users with account ids from 1001.
pub fn office(count: u32) -> Vec<OneHubUser> {
    (0..count)
        .map(|i| OneHubUser::new(1001 + i, "Colleague", &format!("Number{:03}", i + 1)))
        .collect()
}

/// Which of a user's two ids the PBX puts into presence states and events. No source says
/// which one the real PBX uses, so tests run the client against both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventIdKind {
    UserId,
    OneHubUserId,
}

/// How a missing right is reported: as `PermissionDenied`, or as `Internal` with a text
/// containing "does not have the permission" (both seen from STARFACE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionStyle {
    PermissionDenied,
    Internal,
}

/// Tunables of the simulated OneHub.
#[derive(Debug, Clone)]
pub struct OneHubSettings {
    pub server_version: String,
    /// Lifetime of the access tokens from [`super::OneHubSimulator::issue_token`] (300 s on
    /// STARFACE 10).
    pub token_lifetime: Duration,
    pub event_id_kind: EventIdKind,
    /// Whether a subscribe is followed by one `presence_state_subscribed` event per id (unknown
    /// on the real PBX; off means the event stream's headers wait for the next real change).
    pub announce_subscriptions: bool,
    /// More ids in one subscribe call are refused with `InvalidArgument`.
    pub max_ids_per_call: usize,
    pub permission_style: PermissionStyle,
}

impl Default for OneHubSettings {
    fn default() -> Self {
        Self {
            server_version: "10.0.2.6".to_owned(),
            token_lifetime: Duration::from_secs(300),
            event_id_kind: EventIdKind::OneHubUserId,
            announce_subscriptions: false,
            max_ids_per_call: 100,
            permission_style: PermissionStyle::PermissionDenied,
        }
    }
}
