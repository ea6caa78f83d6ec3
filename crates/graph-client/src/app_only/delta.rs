//! `/users/delta`: the tenant's directory, read once in pages, then only what changed.

use serde::Deserialize;

use crate::graph::{is_object_id, GraphError};

/// One user as the relay needs it: the object id (the NATS key), the e-mail addresses that
/// phone state is matched by, and whether the account may sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Lower-case object id.
    pub id: String,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
    /// `false` for disabled accounts (Graph omits the property when it did not change).
    pub account_enabled: Option<bool>,
}

/// One page of a delta round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDeltaPage {
    /// Users added or changed (the first round lists everyone).
    pub changed: Vec<DirectoryEntry>,
    /// Object ids of users deleted (or moved out of scope) since the last round.
    pub removed: Vec<String>,
    /// Graph's `@odata.nextLink`: more pages of this round follow.
    pub next_link: Option<String>,
    /// Graph's `@odata.deltaLink`: the round is complete; ask this link next time.
    pub delta_link: Option<String>,
}

#[derive(Deserialize)]
struct PageWire {
    #[serde(default)]
    value: Vec<UserWire>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserWire {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    mail: Option<String>,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    account_enabled: Option<bool>,
    #[serde(rename = "@removed", default)]
    removed: Option<serde_json::Value>,
}

/// Decodes one `/users/delta` page. A page with neither link is a protocol error (the round
/// could not be finished or resumed).
pub fn parse_user_delta_page(body: &[u8]) -> Result<UserDeltaPage, GraphError> {
    let wire: PageWire = crate::graph::decode_json(body)?;
    if wire.next_link.is_none() && wire.delta_link.is_none() {
        return Err(GraphError::Decode(
            "a /users/delta page carried neither @odata.nextLink nor @odata.deltaLink".into(),
        ));
    }
    let mut page = UserDeltaPage {
        changed: Vec::new(),
        removed: Vec::new(),
        next_link: wire.next_link,
        delta_link: wire.delta_link,
    };
    for user in wire.value {
        if !is_object_id(&user.id) {
            tracing::warn!(id = %user.id, "skipping a delta entry whose id is not an object id");
            continue;
        }
        let id = user.id.to_ascii_lowercase();
        if user.removed.is_some() {
            page.removed.push(id);
        } else {
            page.changed.push(DirectoryEntry {
                id,
                display_name: user.display_name,
                mail: user.mail.filter(|m| !m.is_empty()),
                user_principal_name: user.user_principal_name,
                account_enabled: user.account_enabled,
            });
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_joiners_changes_and_leavers() {
        let page = parse_user_delta_page(
            br#"{"@odata.context":"x","@odata.nextLink":"https://graph.microsoft.com/v1.0/users/delta?$skiptoken=abc",
            "value":[{"id":"AAAAAAAA-0000-0000-0000-000000000001","displayName":"Anna","mail":"anna@contoso.com",
                      "userPrincipalName":"anna@contoso.com","accountEnabled":true},
                     {"id":"aaaaaaaa-0000-0000-0000-000000000002","@removed":{"reason":"changed"}},
                     {"id":"not-a-guid","displayName":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(page.changed.len(), 1);
        assert_eq!(page.changed[0].id, "aaaaaaaa-0000-0000-0000-000000000001");
        assert_eq!(page.removed, vec!["aaaaaaaa-0000-0000-0000-000000000002"]);
        assert!(page.next_link.is_some() && page.delta_link.is_none());
        assert!(parse_user_delta_page(br#"{"value":[]}"#).is_err());
    }
}
