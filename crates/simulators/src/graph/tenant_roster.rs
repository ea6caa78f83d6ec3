//! A large generated tenant (tens of thousands of users) and `/users/delta` over the whole
//! directory, for the presence relay.
//!
//! Cheap in memory: a generated user is only its index. Its object id encodes the index
//! (`SSSSSSSS-5e1a-4000-8000-IIIIIIIIIIII`, S from the seed), names and e-mail are derived from
//! the index on demand, and its presence is generated from the index until a test sets it
//! (then it lives in the world's presence map like everybody else's). Joiners get the next
//! index, leavers are remembered in a set, and every change is a numbered event, so
//! `/users/delta` can answer "what changed since token N" exactly.
//!
//! The round trip follows Graph: the first `GET /users/delta` pages through everyone with
//! `@odata.nextLink` (`$skiptoken`) and ends with an `@odata.deltaLink` (`$deltatoken`); asking
//! that link later lists joiners and changed users, and leavers as `{"id", "@removed"}`.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::bearer::authenticate;
use super::control::GraphControl;
use super::errors::bad_request;
use super::presence_sessions::PresenceState;
use super::world::World;
use super::Shared;

const READ_DIRECTORY: &[&str] = &["User.Read.All", "Directory.Read.All", "User.ReadBasic.All"];
/// Properties `$select` may name on `/users/delta` (the ones the simulator can produce).
const SELECTABLE: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
    "accountEnabled",
    "jobTitle",
];

const GIVEN: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katrin",
    "Lukas", "Mia", "Noah", "Olga", "Paul", "Quirin", "Rosa", "Simon", "Tina", "Uwe", "Vera",
    "Wolf", "Xenia", "Yusuf", "Zoe", "Ayşe", "Björn", "Jürgen", "Søren",
];
const SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Yılmaz",
    "Kowalski",
    "Nowak",
    "Rossi",
    "García",
];

/// The generated part of the tenant.
#[derive(Debug, Clone)]
pub struct RosterSetup {
    /// Generated users (0 = none; the world's own users are always listed too).
    pub users: u32,
    /// Users per `/users/delta` page.
    pub delta_page_size: usize,
}

impl Default for RosterSetup {
    fn default() -> Self {
        Self {
            users: 0,
            delta_page_size: 500,
        }
    }
}

pub(crate) struct Roster {
    prefix: u32,
    /// Indices below this were generated or joined.
    next_index: u32,
    removed: HashSet<u32>,
    /// Change events: (sequence, roster index), in order.
    events: Vec<(u64, u32)>,
    sequence: u64,
    page_size: usize,
    seed: u64,
}

/// Where a delta round stands, carried in the opaque tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    /// A full listing started at `since` (sequence) with `world` world users; `position` into
    /// [world users.., roster indices..].
    Full {
        since: u64,
        world: usize,
        position: usize,
    },
    /// Changes in (`since`, `upto`] and world users in [`since_world`, `upto_world`), from `offset`.
    Changes {
        since: u64,
        since_world: usize,
        upto: u64,
        upto_world: usize,
        offset: usize,
    },
    /// A finished round: the next request lists what changed after `since`.
    After { since: u64, world: usize },
}

impl Cursor {
    fn encode(self) -> String {
        let text = match self {
            Cursor::Full {
                since,
                world,
                position,
            } => format!("f.{since}.{world}.{position}"),
            Cursor::Changes {
                since,
                since_world,
                upto,
                upto_world,
                offset,
            } => {
                format!("c.{since}.{since_world}.{upto}.{upto_world}.{offset}")
            }
            Cursor::After { since, world } => format!("a.{since}.{world}"),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(token: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split('.');
        let kind = parts.next()?;
        let numbers: Vec<u64> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
        match (kind, numbers.as_slice()) {
            ("f", [since, world, position]) => Some(Cursor::Full {
                since: *since,
                world: *world as usize,
                position: *position as usize,
            }),
            ("c", [since, since_world, upto, upto_world, offset]) => Some(Cursor::Changes {
                since: *since,
                since_world: *since_world as usize,
                upto: *upto,
                upto_world: *upto_world as usize,
                offset: *offset as usize,
            }),
            ("a", [since, world]) => Some(Cursor::After {
                since: *since,
                world: *world as usize,
            }),
            _ => None,
        }
    }
}

/// One listed entry: a world user (by position) or a roster index.
enum Listed {
    World(usize),
    Generated(u32),
}

impl Roster {
    pub fn new(setup: &RosterSetup, seed: u64) -> Self {
        Self {
            prefix: (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32,
            next_index: setup.users,
            removed: HashSet::new(),
            events: Vec::new(),
            sequence: 0,
            page_size: setup.delta_page_size.max(1),
            seed,
        }
    }

    pub fn id_of(&self, index: u32) -> Uuid {
        Uuid::parse_str(&format!(
            "{:08x}-5e1a-4000-8000-{:012x}",
            self.prefix, index
        ))
        .expect("the generated id format is a valid UUID")
    }

    /// The roster index of `id`, if it is a current generated user.
    pub fn index_of(&self, id: Uuid) -> Option<u32> {
        let text = id.to_string();
        let (prefix, rest) = text.split_once('-')?;
        let index = rest.strip_prefix("5e1a-4000-8000-")?;
        if u32::from_str_radix(prefix, 16).ok()? != self.prefix {
            return None;
        }
        let index = u32::try_from(u64::from_str_radix(index, 16).ok()?).ok()?;
        (index < self.next_index && !self.removed.contains(&index)).then_some(index)
    }

    pub fn len(&self) -> usize {
        self.next_index as usize - self.removed.len()
    }

    fn record(&mut self, index: u32) {
        self.sequence += 1;
        self.events.push((self.sequence, index));
    }

    pub fn add(&mut self, count: u32) -> Vec<Uuid> {
        (0..count)
            .map(|_| {
                let index = self.next_index;
                self.next_index += 1;
                self.record(index);
                self.id_of(index)
            })
            .collect()
    }

    pub fn remove(&mut self, id: Uuid) -> bool {
        let Some(index) = self.index_of(id) else {
            return false;
        };
        self.removed.insert(index);
        self.record(index);
        true
    }

    pub fn rename(&mut self, id: Uuid) -> bool {
        let Some(index) = self.index_of(id) else {
            return false;
        };
        self.record(index);
        true
    }

    fn names(&self, index: u32) -> (&'static str, &'static str) {
        let mixed = (index as u64 ^ self.seed).wrapping_mul(0x2545_F491_4F6C_DD1D);
        (
            GIVEN[(mixed % GIVEN.len() as u64) as usize],
            SURNAMES[((mixed >> 20) % SURNAMES.len() as u64) as usize],
        )
    }

    fn generated_json(&self, index: u32) -> Value {
        let (given, surname) = self.names(index);
        let local = format!("{}.{}{index}", ascii_fold(given), ascii_fold(surname));
        json!({
            "id": self.id_of(index).to_string(),
            "displayName": format!("{given} {surname}"),
            "givenName": given,
            "surname": surname,
            "mail": format!("{local}@contoso.com"),
            "userPrincipalName": format!("{local}@contoso.com"),
            "accountEnabled": true,
            "jobTitle": "Sachbearbeitung",
        })
    }

    /// The generated presence of a roster user nobody has set yet.
    pub fn generated_presence(&self, index: u32, now: SystemTime) -> PresenceState {
        PresenceState::generated(index as u64 ^ self.seed ^ 0x5e1a, false, now)
    }
}

fn ascii_fold(name: &str) -> String {
    name.chars()
        .flat_map(|c| match c {
            'ä' => "ae".chars().collect::<Vec<_>>(),
            'ö' => "oe".chars().collect(),
            'ü' => "ue".chars().collect(),
            'ß' => "ss".chars().collect(),
            'ø' => "o".chars().collect(),
            'ş' => "s".chars().collect(),
            'ı' => "i".chars().collect(),
            'í' => "i".chars().collect(),
            other => other.to_lowercase().collect(),
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn world_user_json(world: &World, position: usize) -> Value {
    let user = &world.users[position];
    json!({
        "id": user.id.to_string(),
        "displayName": user.display_name,
        "givenName": user.given_name,
        "surname": user.surname,
        "mail": user.mail,
        "userPrincipalName": user.user_principal_name,
        "accountEnabled": true,
        "jobTitle": user.job_title,
    })
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/v1.0/users/delta", get(users_delta))
}

fn project(mut user: Value, select: &Option<BTreeSet<String>>) -> Value {
    if let (Some(select), Some(object)) = (select, user.as_object_mut()) {
        object.retain(|k, _| k == "id" || select.contains(k));
    }
    user
}

async fn users_delta(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    if let Err(response) = authenticate(&world, now, &headers, READ_DIRECTORY) {
        return response;
    }
    let mut select = None;
    let mut token = None;
    for (name, value) in &query {
        match name.as_str() {
            "$select" => {
                let mut fields = BTreeSet::new();
                for field in value.split(',').map(str::trim) {
                    if !SELECTABLE.contains(&field) {
                        return bad_request(
                            "Request_BadRequest",
                            &format!("Could not find a property named '{field}' on type 'microsoft.graph.user'."),
                        );
                    }
                    fields.insert(field.to_owned());
                }
                select = Some(fields);
            }
            "$skiptoken" | "$deltatoken" => match Cursor::decode(value) {
                Some(cursor) => token = Some(cursor),
                None => return bad_request("Request_BadRequest", "Badly formed token."),
            },
            other => {
                return bad_request(
                    "Request_BadRequest",
                    &format!("Query option '{other}' is not supported with delta queries."),
                )
            }
        }
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let roster = shared.roster();
    let cursor = token.unwrap_or(Cursor::Full {
        since: roster.sequence,
        world: world.users.len(),
        position: 0,
    });
    let (listed, next, done) = page(&roster, &world, cursor);
    let mut value = Vec::with_capacity(listed.len());
    for entry in listed {
        value.push(match entry {
            Listed::World(position) => project(world_user_json(&world, position), &select),
            Listed::Generated(index) if roster.removed.contains(&index) => json!({
                "id": roster.id_of(index).to_string(),
                "@removed": {"reason": "changed"},
            }),
            Listed::Generated(index) => project(roster.generated_json(index), &select),
        });
    }
    let select_param = select
        .map(|s| format!("$select={}&", s.into_iter().collect::<Vec<_>>().join(",")))
        .unwrap_or_default();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!("https://graph.microsoft.com/v1.0/$metadata#users"),
    );
    let link = |kind: &str, cursor: Cursor| {
        format!(
            "http://{host}/v1.0/users/delta?{select_param}{kind}={}",
            cursor.encode()
        )
    };
    if done {
        body.insert("@odata.deltaLink".into(), json!(link("$deltatoken", next)));
    } else {
        body.insert("@odata.nextLink".into(), json!(link("$skiptoken", next)));
    }
    body.insert("value".into(), Value::Array(value));
    Json(Value::Object(body)).into_response()
}

/// The entries of one page, the cursor after it, and whether the round is finished.
fn page(roster: &Roster, world: &World, cursor: Cursor) -> (Vec<Listed>, Cursor, bool) {
    let size = roster.page_size;
    match cursor {
        Cursor::Full {
            since,
            world: world_len,
            position,
        } => {
            let world_len = world_len.min(world.users.len());
            let total = world_len + roster.next_index as usize;
            let mut listed = Vec::new();
            let mut position = position;
            while position < total && listed.len() < size {
                if position < world_len {
                    listed.push(Listed::World(position));
                } else {
                    let index = (position - world_len) as u32;
                    if !roster.removed.contains(&index) {
                        listed.push(Listed::Generated(index));
                    }
                }
                position += 1;
            }
            if position >= total {
                (
                    listed,
                    Cursor::After {
                        since,
                        world: world_len,
                    },
                    true,
                )
            } else {
                (
                    listed,
                    Cursor::Full {
                        since,
                        world: world_len,
                        position,
                    },
                    false,
                )
            }
        }
        Cursor::After {
            since,
            world: since_world,
        } => page(
            roster,
            world,
            Cursor::Changes {
                since,
                since_world,
                upto: roster.sequence,
                upto_world: world.users.len(),
                offset: 0,
            },
        ),
        Cursor::Changes {
            since,
            since_world,
            upto,
            upto_world,
            offset,
        } => {
            let mut changed: Vec<u32> = roster
                .events
                .iter()
                .filter(|(seq, _)| *seq > since && *seq <= upto)
                .map(|(_, index)| *index)
                .collect();
            changed.sort_unstable();
            changed.dedup();
            let upto_world = upto_world.min(world.users.len());
            let entries: Vec<Listed> = (since_world.min(upto_world)..upto_world)
                .map(Listed::World)
                .chain(changed.into_iter().map(Listed::Generated))
                .collect();
            let end = (offset + size).min(entries.len());
            let done = end >= entries.len();
            let listed = entries
                .into_iter()
                .skip(offset)
                .take(end - offset.min(end))
                .collect();
            if done {
                (
                    listed,
                    Cursor::After {
                        since: upto,
                        world: upto_world,
                    },
                    true,
                )
            } else {
                (
                    listed,
                    Cursor::Changes {
                        since,
                        since_world,
                        upto,
                        upto_world,
                        offset: end,
                    },
                    false,
                )
            }
        }
    }
}

/// Steering the generated tenant (joiners, leavers) from tests and benchmarks.
impl GraphControl {
    /// The object id of generated user number `index` (whether or not it left since).
    pub fn roster_id(&self, index: u32) -> Uuid {
        self.shared().roster().id_of(index)
    }

    /// Generated users currently in the tenant.
    pub fn roster_len(&self) -> usize {
        self.shared().roster().len()
    }

    /// Joiners: `count` new generated users, listed by the next `/users/delta` round.
    pub fn roster_join(&self, count: u32) -> Vec<Uuid> {
        self.shared().roster().add(count)
    }

    /// A leaver: the user disappears from the directory (`@removed` in the next delta round)
    /// and from presence. `false` when `id` is not a current generated user.
    pub fn roster_leave(&self, id: Uuid) -> bool {
        let removed = self.shared().roster().remove(id);
        if removed {
            self.shared().world().presence.remove(&id);
        }
        removed
    }

    /// Marks a generated user as changed (the next delta round lists it again).
    pub fn roster_touch(&self, id: Uuid) -> bool {
        self.shared().roster().rename(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_encode_the_index_and_leavers_are_forgotten() {
        let mut roster = Roster::new(
            &RosterSetup {
                users: 50_000,
                delta_page_size: 100,
            },
            7,
        );
        let id = roster.id_of(49_999);
        assert_eq!(roster.index_of(id), Some(49_999));
        assert_eq!(roster.index_of(roster.id_of(50_000)), None);
        assert!(roster.remove(id));
        assert_eq!(roster.index_of(id), None);
        assert_eq!(roster.len(), 49_999);
        let joined = roster.add(2);
        assert_eq!(roster.index_of(joined[1]), Some(50_001));
        for cursor in [
            Cursor::Full {
                since: 3,
                world: 31,
                position: 700,
            },
            Cursor::Changes {
                since: 1,
                since_world: 2,
                upto: 3,
                upto_world: 4,
                offset: 5,
            },
            Cursor::After {
                since: 9,
                world: 31,
            },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        assert_eq!(Cursor::decode("garbage!"), None);
    }
}
