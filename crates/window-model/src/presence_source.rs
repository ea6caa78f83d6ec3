//! Where presence comes from, as "My status" shows it (`State.sync.presence_source`,
//! docs/UI-CONTRACT.md): the app's own Graph poll, or the organisation's relay, and why a
//! configured relay is not used right now.

use bridge::{PresenceSource, RelayDown};
use serde::Serialize;

/// `{kind, why, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceSourceView {
    pub kind: SourceKind,
    /// With `direct`: why the relay is not used.
    pub why: Option<RelayDownKind>,
    /// With `direct`: the details in the connector's words (an unreachable server's error, the
    /// settings key, the schema version found), for a tooltip; never parsed.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// No relay configured: the app polls Microsoft 365 (nothing to show).
    Graph,
    /// Connecting to the relay.
    RelayStarting,
    /// Presence from the relay.
    Relay,
    /// A relay is configured but not used: polling Microsoft 365 directly.
    Direct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayDownKind {
    NoRelay,
    RelayCannotReachGraph,
    UnsupportedSchema,
    Unreachable,
    Misconfigured,
}

impl From<&PresenceSource> for PresenceSourceView {
    fn from(source: &PresenceSource) -> Self {
        let plain = |kind| Self {
            kind,
            why: None,
            message: None,
        };
        match source {
            PresenceSource::Graph => plain(SourceKind::Graph),
            PresenceSource::RelayStarting => plain(SourceKind::RelayStarting),
            PresenceSource::Relay => plain(SourceKind::Relay),
            PresenceSource::Direct { why } => {
                let (kind, message) = match why {
                    RelayDown::NoRelay => (RelayDownKind::NoRelay, None),
                    RelayDown::RelayCannotReachGraph => {
                        (RelayDownKind::RelayCannotReachGraph, None)
                    }
                    RelayDown::UnsupportedSchema { found } => (
                        RelayDownKind::UnsupportedSchema,
                        Some(format!("schema {found}")),
                    ),
                    RelayDown::Unreachable { reason } => {
                        (RelayDownKind::Unreachable, Some(reason.clone()))
                    }
                    RelayDown::Misconfigured { reason } => {
                        (RelayDownKind::Misconfigured, Some(reason.clone()))
                    }
                };
                Self {
                    kind: SourceKind::Direct,
                    why: Some(kind),
                    message,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_has_its_wire_form() {
        let json = |source: PresenceSource| {
            serde_json::to_value(PresenceSourceView::from(&source)).unwrap()
        };
        assert_eq!(
            json(PresenceSource::Relay),
            serde_json::json!({"kind": "relay", "why": null, "message": null})
        );
        assert_eq!(json(PresenceSource::Graph)["kind"], "graph");
        assert_eq!(
            json(PresenceSource::RelayStarting)["kind"],
            "relay_starting"
        );
        assert_eq!(
            json(PresenceSource::Direct {
                why: RelayDown::Unreachable {
                    reason: "connection refused".into()
                }
            }),
            serde_json::json!({"kind": "direct", "why": "unreachable", "message": "connection refused"})
        );
        assert_eq!(
            json(PresenceSource::Direct {
                why: RelayDown::UnsupportedSchema { found: 2 }
            })["why"],
            "unsupported_schema"
        );
        assert_eq!(
            json(PresenceSource::Direct {
                why: RelayDown::NoRelay
            })["message"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn the_state_carries_the_snapshot_source() {
        let mut snapshot = bridge::BridgeSnapshot::default();
        snapshot.sync.presence_source = PresenceSource::Direct {
            why: RelayDown::NoRelay,
        };
        let state = crate::state::state(&snapshot, &crate::state::StateContext::default());
        assert_eq!(state.sync.presence_source.kind, SourceKind::Direct);
        assert_eq!(state.sync.presence_source.why, Some(RelayDownKind::NoRelay));
    }
}
