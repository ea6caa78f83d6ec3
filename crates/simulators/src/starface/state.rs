//! Mutable PBX state shared by the REST, OAuth and UCI handlers and the control API.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::distributions::Alphanumeric;
use rand::Rng;

use super::organisation::{Organisation, SimUser};

/// Tunables of the simulated PBX. Defaults follow the reference (4 h REST tokens, 300 s OAuth
/// access tokens, a UCI session ends 60 s after its last `keepAlive`).
#[derive(Debug, Clone)]
pub struct SimSettings {
    /// `Internal` or `ActiveDirectory`, as answered by `GET /rest/login`.
    pub login_type: String,
    pub rest_token_lifetime: Duration,
    pub oauth_access_lifetime: Duration,
    /// The admin-UI client secret for `rest-client-headless`.
    pub oauth_client_secret: String,
    /// A UCI session ends this long after its last `connection.keepAlive` (or the login);
    /// other calls do not keep it (the strict reading of the UCI documentation).
    pub uci_session_timeout: Duration,
    /// UCI method prefixes this PBX answers, e.g. `ucp.v30.requests` (7.3+) and `ucp.v22.requests`.
    pub uci_prefixes: Vec<String>,
    /// The `token_endpoint` the OpenID configuration names instead of the PBX's own (a
    /// misconfigured or tampered PBX).
    pub discovery_token_endpoint: Option<String>,
    /// STARFACE 10: Keycloak answers discovery (root redirect into `/auth/realms/pbx`) and the
    /// token endpoint. `false`: STARFACE 9 or older, both are 404.
    pub keycloak: bool,
    /// The classic login (`/rest/login`, UCI `de.vertico.starface.auth`). `false`: STARFACE 10
    /// with an external identity provider or the classic login switched off (403 / UCI fault).
    pub classic_login: bool,
    /// How the token endpoint accepts the client's authentication.
    pub oauth_client_auth: SimClientAuth,
    /// `refresh_expires_in` (Keycloak's SSO session idle time; 6 h on STARFACE).
    pub oauth_refresh_lifetime: Duration,
}

/// Which client authentication the simulated Keycloak accepts (never both in one request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimClientAuth {
    FormOrBasic,
    FormOnly,
    BasicOnly,
}

impl SimSettings {
    /// STARFACE 9: no Keycloak, only the classic login.
    pub fn starface_9() -> Self {
        Self {
            keycloak: false,
            ..Self::default()
        }
    }

    /// STARFACE 10 with the classic login switched off: OAuth only.
    pub fn starface_10_oauth_only() -> Self {
        Self {
            classic_login: false,
            ..Self::default()
        }
    }
}

impl Default for SimSettings {
    fn default() -> Self {
        Self {
            login_type: "Internal".to_owned(),
            rest_token_lifetime: Duration::from_secs(4 * 3600),
            oauth_access_lifetime: Duration::from_secs(300),
            oauth_client_secret: "sim-client-secret".to_owned(),
            uci_session_timeout: Duration::from_secs(60),
            uci_prefixes: vec!["ucp.v30.requests".to_owned(), "ucp.v22.requests".to_owned()],
            discovery_token_endpoint: None,
            keycloak: true,
            classic_login: true,
            oauth_client_auth: SimClientAuth::FormOrBasic,
            oauth_refresh_lifetime: Duration::from_secs(6 * 3600),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant {
    pub user_id: i64,
    pub expires_at: Instant,
}

/// An OAuth token, tied to the Keycloak session of the password grant that started it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OAuthGrant {
    pub session: u64,
    pub expires_at: Instant,
}

/// A Keycloak user session: started by a password grant, continued by refreshes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OAuthSession {
    pub user_id: i64,
    /// Ended by the admin (or a test): its tokens stop working at once.
    pub revoked: bool,
}

/// A failure the test asked for: the next `times` matching requests fail.
#[derive(Debug, Clone)]
pub(crate) enum InjectedFault {
    Rest {
        path_prefix: String,
        status: u16,
        times: usize,
    },
    Uci {
        method_suffix: String,
        times: usize,
    },
    /// Any route: a redirect instead of the answer.
    Redirect {
        path_prefix: String,
        status: u16,
        location: String,
        times: usize,
    },
    /// Any route: this body (status 200) instead of the answer.
    Body {
        path_prefix: String,
        content_type: String,
        body: Arc<String>,
        times: usize,
    },
}

/// An answer a test put in place of the real one ([`PbxState::take_injected_answer`]).
pub(crate) enum InjectedAnswer {
    Redirect {
        status: u16,
        location: String,
    },
    Body {
        content_type: String,
        body: Arc<String>,
    },
}

#[derive(Debug)]
pub(crate) struct PbxState {
    pub org: Organisation,
    pub settings: SimSettings,
    pub nonces: HashSet<String>,
    pub rest_tokens: HashMap<String, Grant>,
    pub oauth_sessions: HashMap<u64, OAuthSession>,
    pub oauth_access_tokens: HashMap<String, OAuthGrant>,
    pub oauth_refresh_tokens: HashMap<String, OAuthGrant>,
    /// Refresh tokens already exchanged (rotation): presenting one again is refused.
    pub oauth_used_refresh_tokens: HashSet<String>,
    pub next_oauth_session: u64,
    /// UCI login sessions by user id: when the last `keepAlive` (or the login) came.
    pub uci_sessions: HashMap<i64, Instant>,
    /// Per user, the time between consecutive keep-alives (the login counts as the first).
    pub uci_keep_alive_gaps: HashMap<i64, Vec<Duration>>,
    /// Users whose next `keepAlive` finds the session ended (answered `false`).
    pub uci_end_at_next_keep_alive: HashSet<i64>,
    /// How far the simulated clock is ahead of real time ([`PbxState::now`]).
    pub clock_offset: Duration,
    pub faults: Vec<InjectedFault>,
    /// Scheme, host and port the simulator is reachable at (for OpenID discovery).
    pub public_base_url: String,
    /// The `gRpcUrl` that `/rpc/oauth/login-config` names (a OneHub not on port 9092); `None`:
    /// the endpoint is 404, as on PBXs without it.
    pub onehub_gateway: Option<String>,
    next_call: u64,
}

pub(crate) type SharedState = Arc<Mutex<PbxState>>;

pub(crate) fn lock(state: &SharedState) -> MutexGuard<'_, PbxState> {
    // A panicking handler must not wedge every later request of a test.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect::<String>()
        .to_lowercase()
}

impl PbxState {
    pub fn new(org: Organisation, settings: SimSettings) -> Self {
        Self {
            org,
            settings,
            nonces: HashSet::new(),
            rest_tokens: HashMap::new(),
            oauth_sessions: HashMap::new(),
            oauth_access_tokens: HashMap::new(),
            oauth_refresh_tokens: HashMap::new(),
            onehub_gateway: None,
            oauth_used_refresh_tokens: HashSet::new(),
            next_oauth_session: 1,
            uci_sessions: HashMap::new(),
            uci_keep_alive_gaps: HashMap::new(),
            uci_end_at_next_keep_alive: HashSet::new(),
            clock_offset: Duration::ZERO,
            faults: Vec::new(),
            public_base_url: String::new(),
            next_call: 1,
        }
    }

    /// The PBX's time: real time plus the jumps a test asked for.
    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    pub fn user(&self, id: i64) -> Option<&SimUser> {
        self.org.users.iter().find(|u| u.id == id)
    }

    pub fn user_mut(&mut self, id: i64) -> Option<&mut SimUser> {
        self.org.users.iter_mut().find(|u| u.id == id)
    }

    pub fn user_by_login(&self, login: &str) -> Option<&SimUser> {
        self.org.users.iter().find(|u| u.login == login)
    }

    pub fn user_by_login_mut(&mut self, login: &str) -> Option<&mut SimUser> {
        self.org.users.iter_mut().find(|u| u.login == login)
    }

    pub fn next_call_id(&mut self) -> String {
        let id = self.next_call;
        self.next_call += 1;
        format!("00000000-0000-4000-8000-{id:012}")
    }

    /// The user a REST request is authenticated as (classic `authToken` or OAuth Bearer).
    pub fn rest_user(&self, auth_token: Option<&str>, bearer: Option<&str>) -> Option<i64> {
        match (auth_token, bearer) {
            (Some(token), _) => {
                let grant = self.rest_tokens.get(token)?;
                (grant.expires_at > self.now()).then_some(grant.user_id)
            }
            (None, Some(token)) => self.oauth_user(token),
            (None, None) => None,
        }
    }

    /// The user of a valid access token: not expired, its session not revoked.
    pub fn oauth_user(&self, access_token: &str) -> Option<i64> {
        let grant = self.oauth_access_tokens.get(access_token)?;
        let session = self.oauth_sessions.get(&grant.session)?;
        (grant.expires_at > self.now() && !session.revoked).then_some(session.user_id)
    }

    /// Consumes one injected REST failure matching `path`, if any.
    pub fn take_rest_fault(&mut self, path: &str) -> Option<u16> {
        take_fault(&mut self.faults, |fault| match fault {
            InjectedFault::Rest {
                path_prefix,
                status,
                times,
            } if path.starts_with(path_prefix.as_str()) && *times > 0 => {
                *times -= 1;
                Some(*status)
            }
            _ => None,
        })
    }

    /// Consumes one injected redirect or body for `path`, if any.
    pub fn take_injected_answer(&mut self, path: &str) -> Option<InjectedAnswer> {
        take_fault(&mut self.faults, |fault| match fault {
            InjectedFault::Redirect {
                path_prefix,
                status,
                location,
                times,
            } if path.starts_with(path_prefix.as_str()) && *times > 0 => {
                *times -= 1;
                Some(InjectedAnswer::Redirect {
                    status: *status,
                    location: location.clone(),
                })
            }
            InjectedFault::Body {
                path_prefix,
                content_type,
                body,
                times,
            } if path.starts_with(path_prefix.as_str()) && *times > 0 => {
                *times -= 1;
                Some(InjectedAnswer::Body {
                    content_type: content_type.clone(),
                    body: body.clone(),
                })
            }
            _ => None,
        })
    }

    pub fn take_uci_fault(&mut self, method: &str) -> bool {
        take_fault(&mut self.faults, |fault| match fault {
            InjectedFault::Uci {
                method_suffix,
                times,
            } if method.ends_with(method_suffix.as_str()) && *times > 0 => {
                *times -= 1;
                Some(())
            }
            _ => None,
        })
        .is_some()
    }

    /// Everything a PBX restart forgets: tokens, nonces and UCI sessions (not the users).
    pub fn forget_sessions(&mut self) {
        self.nonces.clear();
        self.rest_tokens.clear();
        self.oauth_sessions.clear();
        self.oauth_access_tokens.clear();
        self.oauth_refresh_tokens.clear();
        self.uci_sessions.clear();
    }
}

fn take_fault<T>(
    faults: &mut Vec<InjectedFault>,
    mut pick: impl FnMut(&mut InjectedFault) -> Option<T>,
) -> Option<T> {
    let picked = faults.iter_mut().find_map(&mut pick);
    faults.retain(|fault| match fault {
        InjectedFault::Rest { times, .. }
        | InjectedFault::Uci { times, .. }
        | InjectedFault::Redirect { times, .. }
        | InjectedFault::Body { times, .. } => *times > 0,
    });
    picked
}
