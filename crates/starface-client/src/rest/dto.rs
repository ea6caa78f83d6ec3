//! STARFACE REST objects as the API description (6.7.0.22) defines them. Kept local to this
//! crate; the app converts them to its own vocabulary.

use serde::{Deserialize, Serialize};

/// `GET /rest/login` answer and `POST /rest/login` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginTemplate {
    pub login_type: String,
    pub nonce: String,
    /// `null` in the GET answer on real PBXs; absent in others.
    #[serde(default)]
    pub secret: Option<String>,
}

/// The login answer: the API description says `token`, one third-party client reads
/// `authToken`; both are accepted.
#[derive(Debug, Deserialize)]
pub(crate) struct AuthTokenResponse {
    pub token: Option<String>,
    #[serde(rename = "authToken")]
    pub auth_token: Option<String>,
}

/// A STARFACE user (`GET /rest/users/me`, `/rest/users`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    /// The login id, also the XMPP local part.
    pub login: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub language: Option<String>,
}

/// `GET /rest/users/{id}/phoneconfig`: all four fields are required by the API description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneConfig {
    pub call_waiting: bool,
    pub display_number_id: i64,
    pub do_not_disturb: bool,
    pub primary_phone_id: i64,
}

/// `GET /rest/accounts`: names and the internal number in one call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_id: i64,
    #[serde(default)]
    pub display_information: String,
    #[serde(default)]
    pub firstname: String,
    #[serde(default)]
    pub lastname: String,
    #[serde(default)]
    pub primary_internal_phone_number: String,
    #[serde(default)]
    pub local: bool,
    /// `USER`, `GROUP`, `REMOTE_USER` or `REMOTE_GROUP`.
    #[serde(rename = "type", default)]
    pub account_type: String,
}

/// `GET /rest/contacts` page.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactList {
    pub contacts: Vec<ContactSummary>,
    #[serde(default)]
    pub metadata: Option<RequestMetadata>,
    #[serde(default)]
    pub summary_block_schema: Option<Block>,
    #[serde(default)]
    pub phone_numbers_block_schema: Option<Block>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    pub id: String,
    #[serde(default)]
    pub summary_values: Vec<String>,
    #[serde(default)]
    pub phone_number_values: Vec<String>,
    #[serde(default)]
    pub additional_values: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestMetadata {
    pub page: u32,
    pub pagesize: u32,
    #[serde(default)]
    pub total_pages: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    #[serde(default)]
    pub attributes: Vec<Attribute>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    pub name: String,
    /// `NAME`, `SURNAME`, `EMAIL`, `PHONE_NUMBER`, ...
    pub display_key: String,
}
