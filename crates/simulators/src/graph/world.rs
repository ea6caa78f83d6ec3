//! Everything the simulated tenant knows: users, presence, app registration, grants.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime};

use rand::distributions::Alphanumeric;
use rand::Rng;
use uuid::Uuid;

use super::gate::{Fault, ThrottleWindow};
use super::org::{generate_organisation, SimUser};
use super::presence_sessions::PresenceState;
use super::GraphSimSetup;

/// Graph permissions the simulator knows (unqualified names).
pub(crate) const KNOWN_GRAPH_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "Directory.Read.All",
    "People.Read",
    "People.Read.All",
    "Presence.Read",
    "Presence.Read.All",
    "Presence.ReadWrite",
    "Calendars.ReadBasic",
    "Calendars.Read",
    "Calendars.ReadWrite",
];
/// OpenID Connect scopes, not Graph permissions.
pub(crate) const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub user: Uuid,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub user: Uuid,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub challenge_method: String,
    pub scopes: BTreeSet<String>,
    pub offline: bool,
    pub user: Uuid,
    pub expires_at: SystemTime,
    pub redeemed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceState {
    Pending,
    Approved(Uuid),
    Declined,
    /// Approved, but a scope needs admin consent the tenant has not given.
    ConsentBlocked,
    Redeemed,
}

#[derive(Debug, Clone)]
pub(crate) struct DeviceGrant {
    pub user_code: String,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    pub offline: bool,
    pub expires_at: SystemTime,
    pub state: DeviceState,
}

pub(crate) struct World {
    pub tenant_id: String,
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub public_client_flows: bool,
    pub access_token_lifetime: Duration,
    pub device_code_interval: u64,
    pub users: Vec<SimUser>,
    pub index: HashMap<Uuid, usize>,
    /// The user the browser / device page signs in (unless `login_hint` names another).
    pub me: Uuid,
    pub presence: HashMap<Uuid, PresenceState>,
    pub codes: HashMap<String, AuthCode>,
    pub devices: HashMap<String, DeviceGrant>,
    pub access_tokens: HashMap<String, AccessGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// Per user: permissions the user consented to for the app.
    pub consents: HashMap<Uuid, BTreeSet<String>>,
    pub admin_consent_required: BTreeSet<String>,
    pub admin_consented: bool,
    pub decline_next_sign_in: bool,
    pub mfa_required_on_refresh: bool,
    /// Graph rejects every access token (as after a continuous-access-evaluation revocation).
    pub reject_access_tokens: bool,
    /// Device polls still to be answered with `slow_down`.
    pub slow_down_polls: u32,
    pub faults: Vec<Fault>,
    pub throttle: ThrottleWindow,
    pub next_sequence: u64,
    seed: u64,
}

impl World {
    pub fn new(setup: &GraphSimSetup, now: SystemTime) -> Self {
        let users = generate_organisation(setup.colleagues + 1, setup.seed, "contoso.com");
        let me = users[0].id;
        let mut world = Self {
            tenant_id: setup.tenant_id.clone(),
            client_id: setup.client_id.clone(),
            redirect_uris: setup.redirect_uris.clone(),
            public_client_flows: setup.public_client_flows,
            access_token_lifetime: setup.access_token_lifetime,
            device_code_interval: setup.device_code_interval,
            users: Vec::new(),
            index: HashMap::new(),
            me,
            presence: HashMap::new(),
            codes: HashMap::new(),
            devices: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            consents: HashMap::new(),
            admin_consent_required: setup
                .admin_consent_required
                .iter()
                .map(|s| canonical_scope(s).unwrap_or_else(|| s.clone()))
                .collect(),
            admin_consented: false,
            decline_next_sign_in: false,
            mfa_required_on_refresh: false,
            reject_access_tokens: false,
            slow_down_polls: 0,
            faults: Vec::new(),
            throttle: ThrottleWindow::new(setup.presence_budget_per_30s, now),
            next_sequence: 1,
            seed: setup.seed,
        };
        for (i, user) in users.into_iter().enumerate() {
            let initial = PresenceState::generated(i as u64 ^ world.seed, i == 0, now);
            world.insert_user(user, initial);
        }
        world
    }

    pub fn insert_user(&mut self, user: SimUser, presence: PresenceState) {
        self.index.insert(user.id, self.users.len());
        self.presence.insert(user.id, presence);
        self.users.push(user);
    }

    pub fn user(&self, id: Uuid) -> Option<&SimUser> {
        self.index.get(&id).map(|&i| &self.users[i])
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&SimUser> {
        self.users
            .iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn))
    }

    /// Adds `count` generated users (names continue from the existing ones).
    pub fn add_generated_users(&mut self, count: usize, now: SystemTime) -> Vec<Uuid> {
        let existing = self.users.len();
        let seed = self.seed.wrapping_add(existing as u64 * 7919);
        let mut added = Vec::new();
        for (i, mut user) in generate_organisation(count, seed, "contoso.com")
            .into_iter()
            .enumerate()
        {
            let mut suffix = 2;
            let local = user.mail.split('@').next().unwrap_or_default().to_owned();
            while self.user_by_upn(&user.user_principal_name).is_some() {
                user.user_principal_name = format!("{local}{suffix}@contoso.com");
                user.mail = user.user_principal_name.clone();
                suffix += 1;
            }
            let initial = PresenceState::generated((existing + i) as u64 ^ self.seed, false, now);
            added.push(user.id);
            self.insert_user(user, initial);
        }
        added
    }

    pub fn new_token(prefix: &str) -> String {
        let random: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(48)
            .map(char::from)
            .collect();
        format!("{prefix}.{random}")
    }

    pub fn sequence(&mut self) -> u64 {
        self.next_sequence += 1;
        self.next_sequence
    }

    /// Scopes the user may get tokens for without another consent prompt.
    pub fn consented(&self, user: Uuid) -> BTreeSet<String> {
        let mut scopes = self.consents.get(&user).cloned().unwrap_or_default();
        if self.admin_consented {
            scopes.extend(self.admin_consent_required.iter().cloned());
        }
        scopes
    }

    /// Scopes among `requested` that need an admin's consent the tenant has not given.
    pub fn blocked(&self, user: Uuid, requested: &BTreeSet<String>) -> Vec<String> {
        let consented = self.consented(user);
        requested
            .iter()
            .filter(|s| self.admin_consent_required.contains(*s) && !consented.contains(*s))
            .cloned()
            .collect()
    }
}

/// `https://graph.microsoft.com/Presence.Read` or `presence.read` -> `Presence.Read`; `None` for
/// unknown scopes. OIDC scopes are returned as they are.
pub(crate) fn canonical_scope(raw: &str) -> Option<String> {
    let bare = if raw.starts_with("http://") || raw.starts_with("https://") {
        raw.rsplit('/').next().unwrap_or(raw)
    } else {
        raw
    };
    KNOWN_GRAPH_SCOPES
        .iter()
        .chain(OIDC_SCOPES)
        .chain([".default"].iter())
        .find(|known| known.eq_ignore_ascii_case(bare))
        .map(|known| (*known).to_owned())
}

/// Parsed `scope` parameter.
pub(crate) struct ScopeParam {
    pub graph: BTreeSet<String>,
    pub offline: bool,
    pub openid: bool,
    pub default: bool,
}

/// Splits and validates a `scope` parameter; `Err(unknown scope)`.
pub(crate) fn parse_scope_param(value: &str) -> Result<ScopeParam, String> {
    let mut parsed = ScopeParam {
        graph: BTreeSet::new(),
        offline: false,
        openid: false,
        default: false,
    };
    for raw in value.split_whitespace() {
        match canonical_scope(raw).as_deref() {
            Some("offline_access") => parsed.offline = true,
            Some("openid") => parsed.openid = true,
            Some("profile" | "email") => {}
            Some(".default") => parsed.default = true,
            Some(scope) => {
                parsed.graph.insert(scope.to_owned());
            }
            None => return Err(raw.to_owned()),
        }
    }
    Ok(parsed)
}
