//! The JSON written under each person's key, and the lease record.

use presence_core::starface::TelephonyState;
use presence_core::teams::{Activity, Availability};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The key-value bucket (stream `KV_presence`).
pub const BUCKET: &str = "presence";
/// The relays' lease, in the same bucket. Not an object id, so it never collides with a person.
pub const LEASE_KEY: &str = "relay.lease";
/// The value schema this version writes and reads. A reader refuses a higher major version
/// instead of guessing ([`ValueError::UnsupportedSchema`]); new optional fields keep the version.
pub const SCHEMA_VERSION: u32 = 1;

/// Why a stored value could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ValueError {
    #[error("the relay writes presence schema {found}; this version reads up to {SCHEMA_VERSION}: update the app")]
    UnsupportedSchema { found: u32 },
    #[error("unreadable presence value: {0}")]
    Malformed(String),
}

/// A person's phone as the PBX reports it (STARFACE telephony state), when a phone-state source
/// is connected to the relay.
pub type PhoneState = TelephonyState;

/// One person's presence as the relay publishes it. Small on purpose (it is sent to every
/// desktop watching the person): no status message text, only whether there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceValue {
    /// [`SCHEMA_VERSION`] at the time of writing.
    pub v: u32,
    /// Graph `availability`, verbatim wire spelling (open enum: unknown values survive).
    pub availability: Availability,
    /// Graph `activity`, verbatim wire spelling.
    pub activity: Activity,
    #[serde(default)]
    pub out_of_office: bool,
    /// Whether the person has a Teams status message (the text stays in Graph).
    #[serde(default)]
    pub has_status_message: bool,
    /// The phone, when a phone-state source is connected and knows the person (by e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneState>,
    /// When the relay saw this value first (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Deserialize)]
struct VersionProbe {
    v: u32,
}

impl PresenceValue {
    /// Whether the presence part differs (the timestamp does not count: publishing only
    /// changes means an unchanged person is never rewritten).
    pub fn same_presence(&self, other: &PresenceValue) -> bool {
        self.availability == other.availability
            && self.activity == other.activity
            && self.out_of_office == other.out_of_office
            && self.has_status_message == other.has_status_message
            && self.phone == other.phone
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a presence value always serialises")
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ValueError> {
        let probe: VersionProbe =
            serde_json::from_slice(bytes).map_err(|e| ValueError::Malformed(e.to_string()))?;
        if probe.v > SCHEMA_VERSION {
            return Err(ValueError::UnsupportedSchema { found: probe.v });
        }
        serde_json::from_slice(bytes).map_err(|e| ValueError::Malformed(e.to_string()))
    }
}

/// Whether `key` is a person's key: a lower-case Entra object id.
pub fn is_person_key(key: &str) -> bool {
    key.len() == 36
        && key.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// The lease a polling relay holds and renews. Every renewal is a new revision of
/// [`LEASE_KEY`]; that the revision moves is what standbys and desktops watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    pub v: u32,
    /// The holder's instance name (host name + process id unless configured).
    pub holder: String,
    /// How long after the last renewal others may take over, in milliseconds.
    pub ttl_ms: u64,
    /// Whether the holder's last presence cycle reached Graph. `false` while Graph refuses or
    /// cannot be reached: desktops then treat the feed as stale and poll Graph themselves.
    pub graph_ok: bool,
    /// The holder's poll interval, in milliseconds (desktops derive "stale" from it).
    pub poll_interval_ms: u64,
}

impl LeaseRecord {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a lease always serialises")
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ValueError> {
        serde_json::from_slice(bytes).map_err(|e| ValueError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value() -> PresenceValue {
        PresenceValue {
            v: SCHEMA_VERSION,
            availability: Availability::parse("Busy"),
            activity: Activity::parse("InACall"),
            out_of_office: false,
            has_status_message: true,
            phone: Some(TelephonyState::Active),
            updated_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        }
    }

    #[test]
    fn values_round_trip_and_keep_unknown_graph_values() {
        let mut v = value();
        let json = String::from_utf8(v.encode()).unwrap();
        assert!(json.contains(r#""availability":"Busy""#), "{json}");
        assert!(json.contains(r#""phone":"ACTIVE""#), "{json}");
        assert!(
            json.contains(r#""updated_at":"2027-01-15T08:00:00Z""#),
            "{json}"
        );
        assert_eq!(PresenceValue::decode(json.as_bytes()).unwrap(), v);
        v.availability = Availability::parse("Focusing");
        let back = PresenceValue::decode(&v.encode()).unwrap();
        assert_eq!(back.availability.as_str(), "Focusing");
        // A newer optional field from a newer relay is ignored; a newer schema is refused.
        let extra = json.replace(r#""v":1"#, r#""v":1,"location":"office""#);
        assert!(PresenceValue::decode(extra.as_bytes()).is_ok());
        let newer = json.replace(r#""v":1"#, r#""v":2"#);
        assert_eq!(
            PresenceValue::decode(newer.as_bytes()),
            Err(ValueError::UnsupportedSchema { found: 2 })
        );
        assert!(matches!(
            PresenceValue::decode(b"{}"),
            Err(ValueError::Malformed(_))
        ));
    }

    #[test]
    fn only_presence_fields_make_a_change() {
        let a = value();
        let mut b = value();
        b.updated_at = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        assert!(a.same_presence(&b));
        b.phone = None;
        assert!(!a.same_presence(&b));
    }

    #[test]
    fn person_keys_are_lower_case_object_ids() {
        assert!(is_person_key("fa8bf3dc-eca7-46b7-bad1-db199b62afc3"));
        assert!(!is_person_key("FA8BF3DC-ECA7-46B7-BAD1-DB199B62AFC3"));
        assert!(!is_person_key(LEASE_KEY));
        assert!(!is_person_key("fa8bf3dc-eca7-46b7-bad1-db199b62afc"));
    }
}
