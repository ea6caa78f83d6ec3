//! The people on the simulated PBX: who they are, what they may do, and their phone state.

use std::collections::BTreeSet;

/// A user right the simulator enforces (the real PBX has many more; these are the ones the
/// connector touches). A request needing a right the user lacks gets `403` naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserRight {
    /// Read and change the own phone settings (`/rest/users/{id}/phoneconfig`).
    PhoneSettings,
    /// See colleagues (`/rest/users`, `/rest/accounts`).
    UserDirectory,
    /// Read the address book (`/rest/contacts`).
    AddressBook,
    /// Get tokens with the OAuth password grant (STARFACE 10).
    OAuthPasswordGrant,
    /// Use UCI (XML-RPC).
    Uci,
}

impl UserRight {
    pub fn all() -> BTreeSet<UserRight> {
        [
            UserRight::PhoneSettings,
            UserRight::UserDirectory,
            UserRight::AddressBook,
            UserRight::OAuthPasswordGrant,
            UserRight::Uci,
        ]
        .into_iter()
        .collect()
    }

    /// The name in the STARFACE error text (`... has no permission for <name>`).
    pub fn permission_name(self) -> &'static str {
        match self {
            UserRight::PhoneSettings => "phoneconfig",
            UserRight::UserDirectory => "users",
            UserRight::AddressBook => "addressbook",
            UserRight::OAuthPasswordGrant => "oauth_password_grant",
            UserRight::Uci => "uci",
        }
    }
}

/// The UCI chat presence values (`ucp.v30...values.ChatPresence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimChatPresence {
    Available,
    Away,
    DoNotDisturb,
    ExtendedAway,
    FreeForChat,
    Unavailable,
}

impl SimChatPresence {
    pub fn wire_name(self) -> &'static str {
        match self {
            SimChatPresence::Available => "AVAILABLE",
            SimChatPresence::Away => "AWAY",
            SimChatPresence::DoNotDisturb => "DO_NOT_DISTURB",
            SimChatPresence::ExtendedAway => "EXTENDED_AWAY",
            SimChatPresence::FreeForChat => "FREE_FOR_CHAT",
            SimChatPresence::Unavailable => "UNAVAILABLE",
        }
    }
}

/// The four fields of STARFACE's `PhoneConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimPhoneConfig {
    pub call_waiting: bool,
    pub display_number_id: i64,
    pub do_not_disturb: bool,
    pub primary_phone_id: i64,
}

#[derive(Debug, Clone)]
pub struct SimUser {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub password: String,
    pub first_name: String,
    pub family_name: String,
    pub email: String,
    pub internal_number: String,
    pub language: String,
    pub rights: BTreeSet<UserRight>,
    pub phone_config: SimPhoneConfig,
    pub chat_presence: SimChatPresence,
    pub chat_presence_message: String,
    /// Ids of the calls this user currently holds (UCI `call.getCallIds`).
    pub call_ids: Vec<String>,
    /// UCI `telephonyState` while not in a call (a call makes it `ACTIVE`).
    pub idle_telephony_state: &'static str,
}

impl SimUser {
    /// A user with every right, not in DND, available, no calls.
    pub fn new(
        id: i64,
        login: &str,
        password: &str,
        first_name: &str,
        family_name: &str,
        email: &str,
        internal_number: &str,
    ) -> Self {
        Self {
            id,
            account_id: 1000 + id,
            login: login.to_owned(),
            password: password.to_owned(),
            first_name: first_name.to_owned(),
            family_name: family_name.to_owned(),
            email: email.to_owned(),
            internal_number: internal_number.to_owned(),
            language: "de".to_owned(),
            rights: UserRight::all(),
            phone_config: SimPhoneConfig {
                call_waiting: true,
                display_number_id: 100 + id,
                do_not_disturb: false,
                primary_phone_id: 200 + id,
            },
            chat_presence: SimChatPresence::Available,
            chat_presence_message: String::new(),
            call_ids: Vec::new(),
            idle_telephony_state: "AVAILABLE",
        }
    }

    pub fn without_right(mut self, right: UserRight) -> Self {
        self.rights.remove(&right);
        self
    }

    pub fn telephony_state(&self) -> &'static str {
        if self.call_ids.is_empty() {
            self.idle_telephony_state
        } else {
            "ACTIVE"
        }
    }
}

/// The users of one simulated PBX.
#[derive(Debug, Clone, Default)]
pub struct Organisation {
    pub users: Vec<SimUser>,
}

impl Organisation {
    pub fn new(users: Vec<SimUser>) -> Self {
        Self { users }
    }

    /// A small company for tests of the PBX alone. Passwords are all `demo`; the first user is
    /// `0001`. The e-mails (`first.last@contoso.example`) are not the Graph simulator's people:
    /// for the same people on both simulators, open an [`crate::office::Office`].
    pub fn demo() -> Self {
        let people = [
            ("0001", "Anna", "Berger", "401"),
            ("0002", "Jonas", "Keller", "402"),
            ("0003", "Mira", "Schulz", "403"),
            ("0004", "Tobias", "Wagner", "404"),
            ("0005", "Lena", "Hoffmann", "405"),
        ];
        let users = people
            .iter()
            .enumerate()
            .map(|(i, (login, first, last, number))| {
                let email = format!(
                    "{}.{}@contoso.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                );
                SimUser::new(i as i64 + 1, login, "demo", first, last, &email, number)
            })
            .collect();
        Self { users }
    }
}
