//! Reading presence: one `getPresencesByUserId` batch per poll (own id included), chunked at 650.

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::json;

use super::ids::is_object_id;
use super::{decode_json, GraphClient, GraphError, GraphRequest};
use crate::auth::PresenceAccess;

/// Graph's documented maximum of user ids in one `getPresencesByUserId` request.
pub const MAX_IDS_PER_PRESENCE_REQUEST: usize = 650;

/// One user's presence as Graph reported it. `availability` and `activity` are kept verbatim
/// (Graph mixes PascalCase and camelCase and adds values over time); interpret them with
/// presence-core's lenient parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceRecord {
    /// Lower-case object id.
    pub id: String,
    pub availability: String,
    pub activity: String,
    pub out_of_office: bool,
    pub out_of_office_message: Option<String>,
    /// The user's status note (text content only).
    pub status_message: Option<String>,
    pub sequence_number: Option<String>,
}

impl PresenceRecord {
    pub fn availability_is(&self, value: &str) -> bool {
        self.availability.eq_ignore_ascii_case(value)
    }

    pub fn activity_is(&self, value: &str) -> bool {
        self.activity.eq_ignore_ascii_case(value)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PresenceWire {
    id: String,
    #[serde(default)]
    availability: Option<String>,
    #[serde(default)]
    activity: Option<String>,
    #[serde(default)]
    out_of_office_settings: Option<OutOfOfficeWire>,
    #[serde(default)]
    status_message: Option<StatusMessageWire>,
    #[serde(default)]
    sequence_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutOfOfficeWire {
    #[serde(default)]
    is_out_of_office: Option<bool>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StatusMessageWire {
    #[serde(default)]
    message: Option<ItemBodyWire>,
}

#[derive(Debug, Deserialize)]
struct ItemBodyWire {
    #[serde(default)]
    content: Option<String>,
}

impl From<PresenceWire> for PresenceRecord {
    fn from(wire: PresenceWire) -> Self {
        let unknown = || "PresenceUnknown".to_owned();
        let ooo = wire.out_of_office_settings;
        Self {
            id: wire.id.to_ascii_lowercase(),
            availability: wire
                .availability
                .filter(|s| !s.is_empty())
                .unwrap_or_else(unknown),
            activity: wire
                .activity
                .filter(|s| !s.is_empty())
                .unwrap_or_else(unknown),
            out_of_office: ooo
                .as_ref()
                .and_then(|o| o.is_out_of_office)
                .unwrap_or(false),
            out_of_office_message: ooo.and_then(|o| o.message).filter(|m| !m.is_empty()),
            status_message: wire
                .status_message
                .and_then(|s| s.message)
                .and_then(|m| m.content)
                .filter(|c| !c.is_empty()),
            sequence_number: wire.sequence_number,
        }
    }
}

/// Tolerates both the documented `{"value":[...]}` and a bare array.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PresenceList {
    Wrapped { value: Vec<PresenceWire> },
    Bare(Vec<PresenceWire>),
}

/// Decodes a `getPresencesByUserId` response body (`{"value":[...]}` or a bare array).
/// Pure, so benches and fuzz tests exercise exactly what a poll runs.
pub fn parse_presence_batch(body: &[u8]) -> Result<Vec<PresenceRecord>, GraphError> {
    let wires = match decode_json::<PresenceList>(body)? {
        PresenceList::Wrapped { value } | PresenceList::Bare(value) => value,
    };
    Ok(wires.into_iter().map(PresenceRecord::from).collect())
}

/// Decodes one `presence` resource (`/me/presence`, `/users/{id}/presence`).
pub fn parse_presence(body: &[u8]) -> Result<PresenceRecord, GraphError> {
    decode_json::<PresenceWire>(body).map(PresenceRecord::from)
}

/// Whether colleagues' presence could be read this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColleaguePresence {
    Available,
    /// `Presence.Read.All` is not granted (tenant needs admin consent); only own presence shown.
    NeedsAdminConsent {
        explanation: &'static str,
    },
}

/// The result of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceSnapshot {
    pub own: Option<PresenceRecord>,
    /// By lower-case object id.
    pub colleagues: HashMap<String, PresenceRecord>,
    pub colleague_presence: ColleaguePresence,
    /// Ids that are not object ids (GUIDs) and were therefore not sent.
    pub skipped_ids: Vec<String>,
    /// Presence requests this poll cost (for [`super::PollPacing`]).
    pub requests: usize,
}

impl GraphClient {
    /// `GET /me/presence` (works with `Presence.Read` alone).
    pub async fn my_presence(&self) -> Result<PresenceRecord, GraphError> {
        parse_presence(&self.get_bytes(GraphRequest::get("me/presence")).await?)
    }

    /// `GET /users/{id}/presence` (`Presence.Read.All`).
    pub async fn user_presence(&self, user_id: &str) -> Result<PresenceRecord, GraphError> {
        if !is_object_id(user_id) {
            return Err(GraphError::InvalidRequest(format!(
                "`{user_id}` is not a user object id"
            )));
        }
        let path = format!("users/{user_id}/presence");
        parse_presence(&self.get_bytes(GraphRequest::get(&path)).await?)
    }

    /// One poll: own presence and colleagues' in as few `getPresencesByUserId` requests as
    /// possible (own id first in the batch, at most 650 ids each, at most two in flight).
    ///
    /// Without `Presence.Read.All` (the tenant blocks user consent), or when Graph answers 403,
    /// only `/me/presence` is read and the snapshot says colleagues need admin consent.
    pub async fn poll_presence(
        &self,
        own_id: &str,
        colleague_ids: &[String],
    ) -> Result<PresenceSnapshot, GraphError> {
        // Makes sure the granted scopes are known before choosing the endpoint.
        self.credentials().access_token().await?;
        let access = self.credentials().granted_scopes().await.presence_access();
        if access != PresenceAccess::Colleagues {
            return self.own_presence_only(access).await;
        }

        let (ids, skipped_ids) = batch_ids(own_id, colleague_ids);
        if !skipped_ids.is_empty() {
            tracing::warn!(
                count = skipped_ids.len(),
                "skipping ids that are not object ids"
            );
        }
        let chunks: Vec<Vec<String>> = ids
            .chunks(MAX_IDS_PER_PRESENCE_REQUEST)
            .map(<[String]>::to_vec)
            .collect();
        let requests = chunks.len();
        let fetched: Result<Vec<Vec<PresenceRecord>>, GraphError> = futures::stream::iter(chunks)
            .map(|chunk| self.presence_batch(chunk))
            .buffer_unordered(self.inner.presence_concurrency)
            .try_collect()
            .await;
        let records = match fetched {
            Ok(records) => records,
            Err(error) if error.is_forbidden() => {
                tracing::warn!(%error, "colleague presence forbidden; falling back to own presence");
                return self.own_presence_only(PresenceAccess::OwnOnly).await;
            }
            Err(error) => return Err(error),
        };

        let own_key = own_id.to_ascii_lowercase();
        let mut snapshot = PresenceSnapshot {
            own: None,
            colleagues: HashMap::new(),
            colleague_presence: ColleaguePresence::Available,
            skipped_ids,
            requests,
        };
        for record in records.into_iter().flatten() {
            if record.id == own_key {
                snapshot.own = Some(record);
            } else {
                snapshot.colleagues.insert(record.id.clone(), record);
            }
        }
        Ok(snapshot)
    }

    async fn presence_batch(&self, ids: Vec<String>) -> Result<Vec<PresenceRecord>, GraphError> {
        let body = self
            .get_bytes(GraphRequest::post(
                "communications/getPresencesByUserId",
                json!({ "ids": ids }),
            ))
            .await?;
        parse_presence_batch(&body)
    }

    async fn own_presence_only(
        &self,
        access: PresenceAccess,
    ) -> Result<PresenceSnapshot, GraphError> {
        let own = self.my_presence().await?;
        Ok(PresenceSnapshot {
            own: Some(own),
            colleagues: HashMap::new(),
            colleague_presence: ColleaguePresence::NeedsAdminConsent {
                explanation: access
                    .explanation()
                    .unwrap_or(PresenceAccess::OwnOnly.explanation().unwrap_or_default()),
            },
            skipped_ids: Vec::new(),
            requests: 1,
        })
    }
}

/// Own id first, then colleagues without duplicates (case-insensitive); non-GUIDs set aside.
fn batch_ids(own_id: &str, colleague_ids: &[String]) -> (Vec<String>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(colleague_ids.len() + 1);
    let mut skipped = Vec::new();
    for id in std::iter::once(own_id).chain(colleague_ids.iter().map(String::as_str)) {
        let id = id.trim();
        if !is_object_id(id) {
            skipped.push(id.to_owned());
            continue;
        }
        let key = id.to_ascii_lowercase();
        if seen.insert(key.clone()) {
            ids.push(key);
        }
    }
    (ids, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parsing_keeps_raw_values() {
        let list: PresenceList = serde_json::from_str(
            r#"{"value":[{"id":"FA8BF3DC-ECA7-46B7-BAD1-DB199B62AFC3","availability":"busy",
            "activity":"inAMeeting","outOfOfficeSettings":{"message":null,"isOutOfOffice":true},
            "statusMessage":{"message":{"content":"back at 3","contentType":"text"}},
            "workLocation":{"workLocationType":"remote"},"somethingNew":1},
            {"id":"00000000-0000-0000-0000-000000000001","availability":"Focusing"}]}"#,
        )
        .unwrap();
        let PresenceList::Wrapped { value } = list else {
            panic!("wrapped list expected")
        };
        let records: Vec<PresenceRecord> = value.into_iter().map(Into::into).collect();
        assert_eq!(records[0].id, "fa8bf3dc-eca7-46b7-bad1-db199b62afc3");
        assert_eq!(records[0].availability, "busy");
        assert!(records[0].availability_is("Busy"));
        assert!(records[0].activity_is("InAMeeting"));
        assert!(records[0].out_of_office);
        assert_eq!(records[0].status_message.as_deref(), Some("back at 3"));
        assert_eq!(records[1].availability, "Focusing");
        assert_eq!(records[1].activity, "PresenceUnknown");
    }

    #[test]
    fn batch_ids_puts_own_first_and_deduplicates() {
        let own = "AAAAAAAA-0000-0000-0000-000000000000";
        let colleagues = vec![
            "bbbbbbbb-0000-0000-0000-000000000000".to_owned(),
            "aaaaaaaa-0000-0000-0000-000000000000".to_owned(),
            "BBBBBBBB-0000-0000-0000-000000000000".to_owned(),
            "someone@contoso.com".to_owned(),
        ];
        let (ids, skipped) = batch_ids(own, &colleagues);
        assert_eq!(
            ids,
            vec![
                "aaaaaaaa-0000-0000-0000-000000000000",
                "bbbbbbbb-0000-0000-0000-000000000000"
            ]
        );
        assert_eq!(skipped, vec!["someone@contoso.com"]);
    }
}
