//! The pure decoders the REST client runs on STARFACE answers, public so that fuzz tests and
//! benchmarks exercise exactly the shipped code (`crates/hardening/tests/fuzz_starface.rs`).
//! Every function returns an error for a malformed body and never panics.

use keychain::Secret;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::directory::{address_book_entries, merge_users_and_accounts};
use super::dto::{AuthTokenResponse, LoginTemplate};
use super::{Account, AddressBookEntry, ContactList, DirectoryEntry, PhoneConfig, RestError, User};

pub(crate) fn json<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, RestError> {
    serde_json::from_slice(bytes).map_err(|e| RestError::BadResponse {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// `GET /rest/users/me`.
pub fn user(bytes: &[u8]) -> Result<User, RestError> {
    json("rest/users/me", bytes)
}

/// `GET /rest/users/{id}/phoneconfig`.
pub fn phone_config(bytes: &[u8]) -> Result<PhoneConfig, RestError> {
    json("rest/users/{id}/phoneconfig", bytes)
}

/// The phone config with `doNotDisturb` replaced and every other field kept, as `set_dnd` PUTs it.
pub fn phone_config_with_dnd(path: &str, bytes: &[u8], on: bool) -> Result<Value, RestError> {
    let mut config: Value = json(path, bytes)?;
    let object = config
        .as_object_mut()
        .ok_or_else(|| RestError::BadResponse {
            path: path.to_owned(),
            reason: "phone config is not a JSON object".to_owned(),
        })?;
    if !object.get("doNotDisturb").is_some_and(Value::is_boolean) {
        return Err(RestError::BadResponse {
            path: path.to_owned(),
            reason: "phone config has no boolean doNotDisturb".to_owned(),
        });
    }
    object.insert("doNotDisturb".to_owned(), Value::Bool(on));
    Ok(config)
}

/// `GET /rest/users` joined with `GET /rest/accounts`, as [`super::RestClient::directory`] does.
pub fn directory(users: &[u8], accounts: &[u8]) -> Result<Vec<DirectoryEntry>, RestError> {
    let users: Vec<User> = json("rest/users", users)?;
    let accounts: Vec<Account> = json("rest/accounts", accounts)?;
    Ok(merge_users_and_accounts(users, &accounts))
}

/// One page of `GET /rest/contacts`, as address-book entries.
pub fn address_book_page(bytes: &[u8]) -> Result<(Vec<AddressBookEntry>, u32), RestError> {
    let list: ContactList = json("rest/contacts", bytes)?;
    let total_pages = list.metadata.as_ref().map_or(0, |m| m.total_pages);
    Ok((address_book_entries(&list), total_pages))
}

/// The `loginType` and `nonce` of `GET /rest/login`.
pub fn login_template(bytes: &[u8]) -> Result<(String, String), RestError> {
    let template: LoginTemplate = json("rest/login", bytes)?;
    Ok((template.login_type, template.nonce))
}

/// The token of the `POST /rest/login` answer (`token`, or `authToken` as one client reads it).
pub fn login_token(bytes: &[u8]) -> Result<Secret, RestError> {
    let answer: AuthTokenResponse = json("rest/login", bytes)?;
    answer
        .token
        .or(answer.auth_token)
        .map(Secret::new)
        .ok_or_else(|| RestError::BadResponse {
            path: "rest/login".to_owned(),
            reason: "login answer has neither `token` nor `authToken`".to_owned(),
        })
}

/// STARFACE error bodies are `{"code": ..., "message": ...}`; fall back to the raw text (cut to
/// 300 characters: it ends up in the journal).
pub fn error_message(bytes: &[u8]) -> String {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).chars().take(300).collect())
}
