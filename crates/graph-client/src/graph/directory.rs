//! Directory search (`/users?$search=`), the relevance-ranked `/me/people`, and merging both.

use std::collections::HashMap;

use serde::Deserialize;

use super::ids::is_object_id;
use super::{decode_json, GraphClient, GraphError, GraphRequest};

/// The signed-in user (`GET /me`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub id: String,
    pub display_name: String,
    /// Lower case.
    pub mail: Option<String>,
    /// Lower case.
    pub user_principal_name: String,
    pub job_title: Option<String>,
    pub office_location: Option<String>,
}

/// A user found by directory search (basic profile: `User.ReadBasic.All`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// Lower case.
    pub mail: Option<String>,
    /// Lower case.
    pub user_principal_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// Graph's `type`: `business`, `mobile`, `home`, ...
    pub kind: String,
    pub number: String,
}

/// A relevant person from `/me/people` (`People.Read`): carries phones, office and SIP address
/// that the basic directory profile lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    /// Lower case.
    pub user_principal_name: Option<String>,
    /// `sip:` prefix removed, lower case.
    pub sip_address: Option<String>,
    /// Lower case, most relevant first.
    pub emails: Vec<String>,
    pub phones: Vec<Phone>,
    /// Highest `relevanceScore` of the person's addresses.
    pub relevance: Option<f64>,
}

/// One colleague for the UI: directory data merged with `/me/people` data, keyed by object id.
#[derive(Debug, Clone, PartialEq)]
pub struct Colleague {
    pub id: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub phones: Vec<Phone>,
    pub sip_address: Option<String>,
    pub relevance: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserWire {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    surname: Option<String>,
    #[serde(default)]
    mail: Option<String>,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    job_title: Option<String>,
    #[serde(default)]
    office_location: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Collection<T> {
    value: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersonWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    surname: Option<String>,
    #[serde(default)]
    job_title: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    office_location: Option<String>,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    im_address: Option<String>,
    #[serde(default)]
    scored_email_addresses: Vec<ScoredEmailWire>,
    #[serde(default)]
    phones: Vec<PhoneWire>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScoredEmailWire {
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    relevance_score: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct PhoneWire {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    number: Option<String>,
}

fn lower(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Quotes would end the `$search` clause early; Graph has no escape for them inside one.
fn search_term(query: &str) -> String {
    query
        .chars()
        .filter(|c| !matches!(c, '"' | '\\'))
        .collect::<String>()
        .trim()
        .to_owned()
}

impl GraphClient {
    /// `GET /me` (`User.Read`).
    pub async fn me(&self) -> Result<UserProfile, GraphError> {
        let mut request = GraphRequest::get("me");
        request.query.push((
            "$select",
            "id,displayName,mail,userPrincipalName,jobTitle,officeLocation".into(),
        ));
        let wire: UserWire = self.get_json(request).await?;
        Ok(UserProfile {
            id: wire.id.to_ascii_lowercase(),
            display_name: wire.display_name.unwrap_or_default(),
            mail: lower(wire.mail),
            user_principal_name: lower(wire.user_principal_name).unwrap_or_default(),
            job_title: non_empty(wire.job_title),
            office_location: non_empty(wire.office_location),
        })
    }

    /// Directory search by name or address prefix (`User.ReadBasic.All`); at most `top` results
    /// (1..=999). Sends `ConsistencyLevel: eventual`, which Graph requires for `$search`.
    pub async fn search_users(
        &self,
        query: &str,
        top: usize,
    ) -> Result<Vec<DirectoryUser>, GraphError> {
        let term = search_term(query);
        if term.is_empty() {
            return Ok(Vec::new());
        }
        let mut request = GraphRequest::get("users");
        request.query.push((
            "$search",
            format!("\"displayName:{term}\" OR \"mail:{term}\" OR \"userPrincipalName:{term}\""),
        ));
        request.query.push((
            "$select",
            "id,displayName,givenName,surname,mail,userPrincipalName".into(),
        ));
        request.query.push(("$top", top.clamp(1, 999).to_string()));
        request.query.push(("$orderby", "displayName".into()));
        request.headers.push(("ConsistencyLevel", "eventual"));
        parse_user_search(&self.get_bytes(request).await?)
    }

    /// The people most relevant to the user (`People.Read`), optionally fuzzy-searched.
    pub async fn people(
        &self,
        top: usize,
        search: Option<&str>,
    ) -> Result<Vec<Person>, GraphError> {
        let mut request = GraphRequest::get("me/people");
        request.query.push(("$top", top.clamp(1, 1000).to_string()));
        if let Some(search) = search.map(search_term).filter(|s| !s.is_empty()) {
            request.query.push(("$search", format!("\"{search}\"")));
        }
        parse_people(&self.get_bytes(request).await?)
    }
}

/// Decodes a `/users?$search=` response body. Pure (benches, fuzz tests).
pub fn parse_user_search(body: &[u8]) -> Result<Vec<DirectoryUser>, GraphError> {
    let users: Collection<UserWire> = decode_json(body)?;
    Ok(users
        .value
        .into_iter()
        .map(|u| DirectoryUser {
            id: u.id.to_ascii_lowercase(),
            display_name: u.display_name.unwrap_or_default(),
            given_name: non_empty(u.given_name),
            surname: non_empty(u.surname),
            mail: lower(u.mail),
            user_principal_name: lower(u.user_principal_name),
        })
        .collect())
}

/// Decodes a `/me/people` response body; contacts without an object id are dropped. Pure.
pub fn parse_people(body: &[u8]) -> Result<Vec<Person>, GraphError> {
    let people: Collection<PersonWire> = decode_json(body)?;
    Ok(people
        .value
        .into_iter()
        .filter_map(|p| {
            // Contacts outside the directory have no object id and no Teams presence.
            let id = p.id.filter(|id| is_object_id(id))?.to_ascii_lowercase();
            let relevance = p
                .scored_email_addresses
                .iter()
                .filter_map(|e| e.relevance_score)
                .reduce(f64::max);
            Some(Person {
                id,
                display_name: p.display_name.unwrap_or_default(),
                given_name: non_empty(p.given_name),
                surname: non_empty(p.surname),
                job_title: non_empty(p.job_title),
                department: non_empty(p.department),
                office_location: non_empty(p.office_location),
                user_principal_name: lower(p.user_principal_name),
                sip_address: lower(p.im_address)
                    .map(|a| a.strip_prefix("sip:").map(str::to_owned).unwrap_or(a)),
                emails: p
                    .scored_email_addresses
                    .into_iter()
                    .filter_map(|e| lower(e.address))
                    .collect(),
                phones: p
                    .phones
                    .into_iter()
                    .filter_map(|ph| {
                        Some(Phone {
                            kind: ph.kind.unwrap_or_else(|| "other".into()),
                            number: non_empty(ph.number)?,
                        })
                    })
                    .collect(),
                relevance,
            })
        })
        .collect())
}

/// Merges search results and people by object id: people contribute phones, office, SIP address,
/// job title and relevance; the directory contributes authoritative mail and UPN. Most relevant
/// first, then by name.
pub fn merge_colleagues(users: &[DirectoryUser], people: &[Person]) -> Vec<Colleague> {
    let mut merged: HashMap<String, Colleague> = HashMap::new();
    for person in people {
        merged.insert(
            person.id.to_ascii_lowercase(),
            Colleague {
                id: person.id.to_ascii_lowercase(),
                display_name: person.display_name.clone(),
                mail: person.emails.first().cloned(),
                user_principal_name: person.user_principal_name.clone(),
                job_title: person.job_title.clone(),
                department: person.department.clone(),
                office_location: person.office_location.clone(),
                phones: person.phones.clone(),
                sip_address: person.sip_address.clone(),
                relevance: person.relevance,
            },
        );
    }
    for user in users {
        let key = user.id.to_ascii_lowercase();
        let entry = merged.entry(key.clone()).or_insert_with(|| Colleague {
            id: key,
            display_name: user.display_name.clone(),
            mail: None,
            user_principal_name: None,
            job_title: None,
            department: None,
            office_location: None,
            phones: Vec::new(),
            sip_address: None,
            relevance: None,
        });
        if !user.display_name.is_empty() {
            entry.display_name = user.display_name.clone();
        }
        if user.mail.is_some() {
            entry.mail = user.mail.clone();
        }
        if user.user_principal_name.is_some() {
            entry.user_principal_name = user.user_principal_name.clone();
        }
    }
    let mut colleagues: Vec<Colleague> = merged.into_values().collect();
    colleagues.sort_by(|a, b| {
        b.relevance
            .unwrap_or(f64::MIN)
            .total_cmp(&a.relevance.unwrap_or(f64::MIN))
            .then_with(|| {
                a.display_name
                    .to_lowercase()
                    .cmp(&b.display_name.to_lowercase())
            })
    });
    colleagues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_prefers_directory_addresses_and_people_details() {
        let users = vec![
            DirectoryUser {
                id: "AAAAAAAA-0000-0000-0000-000000000000".into(),
                display_name: "Anna Berger".into(),
                given_name: None,
                surname: None,
                mail: Some("anna.berger@contoso.com".into()),
                user_principal_name: Some("anna.berger@contoso.com".into()),
            },
            DirectoryUser {
                id: "cccccccc-0000-0000-0000-000000000000".into(),
                display_name: "Carl Diaz".into(),
                given_name: None,
                surname: None,
                mail: None,
                user_principal_name: Some("carl@contoso.com".into()),
            },
        ];
        let people = vec![Person {
            id: "aaaaaaaa-0000-0000-0000-000000000000".into(),
            display_name: "Anna B.".into(),
            given_name: None,
            surname: None,
            job_title: Some("Engineer".into()),
            department: None,
            office_location: Some("KA 2.14".into()),
            user_principal_name: None,
            sip_address: Some("anna.berger@contoso.com".into()),
            emails: vec!["old@contoso.com".into()],
            phones: vec![Phone {
                kind: "business".into(),
                number: "+49 721 555 0101".into(),
            }],
            relevance: Some(20.0),
        }];
        let merged = merge_colleagues(&users, &people);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].id, "aaaaaaaa-0000-0000-0000-000000000000");
        assert_eq!(merged[0].display_name, "Anna Berger");
        assert_eq!(merged[0].mail.as_deref(), Some("anna.berger@contoso.com"));
        assert_eq!(merged[0].office_location.as_deref(), Some("KA 2.14"));
        assert_eq!(merged[0].phones.len(), 1);
        assert_eq!(merged[1].display_name, "Carl Diaz");
        assert_eq!(search_term(" a\"b\\c "), "abc");
    }
}
