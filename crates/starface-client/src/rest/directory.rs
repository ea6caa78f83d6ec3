//! Colleagues from `/rest/users`, `/rest/accounts` and `/rest/contacts`, reduced to what the app
//! merges with the Graph directory: names, e-mail, internal numbers.

use super::dto::{Account, ContactList, User};
use super::{RestClient, RestError};

/// A PBX user with the internal number from the matching account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub user_id: i64,
    /// Login id, also the XMPP local part.
    pub login: String,
    pub first_name: String,
    pub family_name: String,
    /// Lower-cased; the app merges with Graph by this.
    pub email: Option<String>,
    pub internal_number: Option<String>,
    pub account_id: Option<i64>,
}

/// One address-book contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressBookEntry {
    pub id: String,
    pub first_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub phone_numbers: Vec<String>,
    pub internal_number: Option<String>,
}

fn name_key(first: &str, last: &str) -> (String, String) {
    (first.trim().to_lowercase(), last.trim().to_lowercase())
}

/// Users joined with accounts by first and last name (the only fields both carry).
pub(crate) fn merge_users_and_accounts(
    users: Vec<User>,
    accounts: &[Account],
) -> Vec<DirectoryEntry> {
    users
        .into_iter()
        .map(|user| {
            let key = name_key(&user.first_name, &user.family_name);
            let mut matching = accounts
                .iter()
                .filter(|a| a.account_type == "USER" && name_key(&a.firstname, &a.lastname) == key);
            // Two colleagues with the same name: no number rather than a wrong one.
            let account = match (matching.next(), matching.next()) {
                (Some(account), None) => Some(account),
                _ => None,
            };
            DirectoryEntry {
                user_id: user.id,
                login: user.login,
                first_name: user.first_name,
                family_name: user.family_name,
                email: Some(user.email.trim().to_lowercase()).filter(|e| !e.is_empty()),
                internal_number: account
                    .map(|a| a.primary_internal_phone_number.clone())
                    .filter(|n| !n.is_empty()),
                account_id: account.map(|a| a.account_id),
            }
        })
        .collect()
}

pub(crate) fn address_book_entries(page: &ContactList) -> Vec<AddressBookEntry> {
    let keys: Vec<&str> = page
        .summary_block_schema
        .as_ref()
        .map(|b| {
            b.attributes
                .iter()
                .map(|a| a.display_key.as_str())
                .collect()
        })
        .unwrap_or_default();
    page.contacts
        .iter()
        .map(|contact| {
            let field = |key: &str| {
                keys.iter()
                    .position(|k| *k == key)
                    .and_then(|i| contact.summary_values.get(i))
                    .filter(|v| !v.is_empty())
                    .cloned()
            };
            AddressBookEntry {
                id: contact.id.clone(),
                first_name: field("NAME"),
                family_name: field("SURNAME"),
                email: field("EMAIL").map(|e| e.to_lowercase()),
                phone_numbers: contact.phone_number_values.clone(),
                internal_number: contact.additional_values.get("INTERNALPHONE").cloned(),
            }
        })
        .collect()
}

impl RestClient {
    /// Colleagues with names, e-mails and internal numbers. Without the right to list accounts
    /// the numbers are left out (with a warning) rather than failing the whole directory.
    pub async fn directory(&self) -> Result<Vec<DirectoryEntry>, RestError> {
        let users = self.users(None).await?;
        let accounts = match self.accounts().await {
            Ok(accounts) => accounts,
            Err(RestError::MissingRight { .. }) => {
                tracing::warn!("no right to list STARFACE accounts; directory without numbers");
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        Ok(merge_users_and_accounts(users, &accounts))
    }

    /// All address-book contacts, page by page (bounded, in case a server misreports pages).
    pub async fn address_book(&self) -> Result<Vec<AddressBookEntry>, RestError> {
        const PAGE_SIZE: u32 = 100;
        const MAX_PAGES: u32 = 200;
        let mut entries = Vec::new();
        let mut page = 0;
        loop {
            let list = self.contacts_page(page, PAGE_SIZE).await?;
            entries.extend(address_book_entries(&list));
            let total = list.metadata.as_ref().map_or(0, |m| m.total_pages);
            page += 1;
            if page >= total || list.contacts.is_empty() || page >= MAX_PAGES {
                return Ok(entries);
            }
        }
    }
}
