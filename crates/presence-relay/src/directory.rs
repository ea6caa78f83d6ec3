//! Who is in the tenant: a full `/users/delta` round at start, then only what changed.

use std::collections::BTreeMap;

use graph_client::app_only::{AppGraphClient, DirectoryEntry};
use graph_client::GraphError;

/// Joiners and leavers of one delta round.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DirectoryChanges {
    /// Added, or changed (e.g. a new e-mail address): their entry is current in the directory.
    pub joined_or_changed: Vec<String>,
    pub left: Vec<String>,
}

/// The people whose presence the relay reads, by object id.
#[derive(Debug, Default)]
pub struct Directory {
    people: BTreeMap<String, DirectoryEntry>,
    /// Where the next round starts; `None` until a full round completed.
    delta_link: Option<String>,
}

impl Directory {
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.people.keys()
    }

    pub fn get(&self, id: &str) -> Option<&DirectoryEntry> {
        self.people.get(id)
    }

    /// Whether a full round completed (before that, the relay does not poll presence).
    pub fn is_complete(&self) -> bool {
        self.delta_link.is_some()
    }

    /// Runs one delta round to its end (all pages). On failure nothing of the round is lost that
    /// was already applied, and the next round starts again from the last complete delta link.
    pub async fn sync(&mut self, graph: &AppGraphClient) -> Result<DirectoryChanges, GraphError> {
        let mut changes = DirectoryChanges::default();
        let mut link = self.delta_link.clone();
        loop {
            let page = match graph.users_delta(link.as_deref()).await {
                Ok(page) => page,
                Err(GraphError::Api { status: 410, .. }) if self.delta_link.is_some() => {
                    // The delta token expired: Graph wants a full round again.
                    tracing::warn!(
                        "the directory delta link expired; reading the whole directory again"
                    );
                    self.delta_link = None;
                    link = None;
                    continue;
                }
                Err(error) => return Err(error),
            };
            for entry in page.changed {
                if entry.account_enabled == Some(false) {
                    if self.people.remove(&entry.id).is_some() {
                        changes.left.push(entry.id);
                    }
                    continue;
                }
                changes.joined_or_changed.push(entry.id.clone());
                self.people.insert(entry.id.clone(), entry);
            }
            for id in page.removed {
                if self.people.remove(&id).is_some() {
                    changes.left.push(id);
                }
            }
            match (page.next_link, page.delta_link) {
                (Some(next), _) => link = Some(next),
                (None, Some(delta)) => {
                    self.delta_link = Some(delta);
                    return Ok(changes);
                }
                (None, None) => unreachable!("parse_user_delta_page rejects pages without links"),
            }
        }
    }
}
