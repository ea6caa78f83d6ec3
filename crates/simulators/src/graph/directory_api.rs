//! Graph directory endpoints: `/me`, `/users` (list and `$search`), `/me/people`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::bearer::authenticate;
use super::errors::bad_request;
use super::org::SimUser;
use super::Shared;

const READ_USERS: &[&str] = &["User.ReadBasic.All", "User.Read.All", "Directory.Read.All"];
const READ_FULL_USERS: &[&str] = &["User.Read.All", "Directory.Read.All"];
const READ_PEOPLE: &[&str] = &["People.Read", "People.Read.All"];

/// Properties `User.ReadBasic.All` may see.
const BASIC_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
];
const ALL_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
    "jobTitle",
    "department",
    "officeLocation",
    "businessPhones",
    "mobilePhone",
    "preferredLanguage",
    "imAddresses",
];
/// Returned without `$select`.
const DEFAULT_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
    "jobTitle",
    "officeLocation",
    "businessPhones",
    "mobilePhone",
    "preferredLanguage",
];
const SEARCHABLE: &[&str] = &[
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
    "jobTitle",
    "department",
];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1.0/me", get(me))
        .route("/v1.0/users", get(users))
        .route("/v1.0/me/people", get(people))
}

fn property(user: &SimUser, name: &str) -> Value {
    match name {
        "id" => json!(user.id.to_string()),
        "displayName" => json!(user.display_name),
        "givenName" => json!(user.given_name),
        "surname" => json!(user.surname),
        "mail" => json!(user.mail),
        "userPrincipalName" => json!(user.user_principal_name),
        "jobTitle" => json!(user.job_title),
        "department" => json!(user.department),
        "officeLocation" => json!(user.office_location),
        "businessPhones" => json!(user.business_phones),
        "mobilePhone" => json!(user.mobile_phone),
        "preferredLanguage" => json!("de-DE"),
        "imAddresses" => json!([user.user_principal_name]),
        _ => Value::Null,
    }
}

fn user_json(user: &SimUser, properties: &[&str], full_profile: bool) -> Value {
    let mut object = Map::new();
    for name in properties {
        // Basic-profile tokens do not see the other properties at all.
        if full_profile || BASIC_PROPERTIES.contains(name) {
            object.insert((*name).to_owned(), property(user, name));
        }
    }
    Value::Object(object)
}

fn parse_select(select: Option<&String>) -> Result<Vec<&'static str>, Response> {
    let Some(select) = select else {
        return Ok(DEFAULT_PROPERTIES.to_vec());
    };
    let mut properties = Vec::new();
    for name in select.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(known) = ALL_PROPERTIES.iter().find(|p| p.eq_ignore_ascii_case(name)) else {
            return Err(bad_request(
                "Request_BadRequest",
                &format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.user'."
                ),
            ));
        };
        properties.push(*known);
    }
    Ok(properties)
}

async fn me(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    let grant = match authenticate(&world, now, &headers, &["User.Read", "User.Read.All"]) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let properties = match parse_select(params.get("$select")) {
        Ok(properties) => properties,
        Err(response) => return response,
    };
    let Some(user) = world.user(grant.user) else {
        return bad_request("BadRequest", "The signed-in user no longer exists.");
    };
    let mut body = user_json(user, &properties, true);
    body["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity");
    Json(body).into_response()
}

/// Graph's `$search` grammar for directory objects: quoted `"property:term"` clauses joined by
/// `AND` / `OR`. Returns the clauses and whether they are OR-ed.
fn parse_search(raw: &str) -> Result<(Vec<(String, String)>, bool), String> {
    let mut clauses = Vec::new();
    let mut any = false;
    let mut rest = raw.trim();
    loop {
        let Some(after_quote) = rest.strip_prefix('"') else {
            return Err(
                "Syntax error: the $search value must be a quoted \"property:value\" clause."
                    .into(),
            );
        };
        let Some(end) = after_quote.find('"') else {
            return Err("Syntax error: unterminated quote in $search.".into());
        };
        let clause = &after_quote[..end];
        let Some((property, term)) = clause.split_once(':') else {
            return Err(format!(
                "Syntax error: '{clause}' is not a \"property:value\" clause."
            ));
        };
        let Some(property) = SEARCHABLE
            .iter()
            .find(|p| p.eq_ignore_ascii_case(property.trim()))
        else {
            return Err(format!("Invalid $search property '{property}'."));
        };
        clauses.push(((*property).to_owned(), term.trim().to_lowercase()));
        rest = after_quote[end + 1..].trim_start();
        if rest.is_empty() {
            return Ok((clauses, any));
        }
        if let Some(next) = rest.strip_prefix("OR ") {
            any = true;
            rest = next.trim_start();
        } else if let Some(next) = rest.strip_prefix("AND ") {
            rest = next.trim_start();
        } else {
            return Err("Syntax error: expected OR or AND between $search clauses.".into());
        }
    }
}

/// Graph's tokenized search: every word of the term prefixes some word of the property.
fn matches_term(value: &str, term: &str) -> bool {
    let value = value.to_lowercase();
    let words: Vec<&str> = value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    value.starts_with(term)
        || term
            .split_whitespace()
            .all(|t| words.iter().any(|w| w.starts_with(t)))
}

async fn users(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    let grant = match authenticate(&world, now, &headers, READ_USERS) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let full_profile = READ_FULL_USERS.iter().any(|s| grant.scopes.contains(*s));
    let eventual = headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    let counting = params.get("$count").is_some_and(|c| c == "true");
    if (params.contains_key("$search") || counting) && !eventual {
        return bad_request(
            "Request_UnsupportedQuery",
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        );
    }
    if params.contains_key("$filter") {
        return bad_request(
            "Request_UnsupportedQuery",
            "The simulator does not implement $filter on users; use $search.",
        );
    }
    let top = match params.get("$top").map(|t| t.parse::<usize>()) {
        None => 100,
        Some(Ok(top)) if (1..=999).contains(&top) => top,
        Some(_) => {
            return bad_request(
                "Request_UnsupportedQuery",
                &format!(
                    "Invalid page size specified: '{}'. Must be between 1 and 999 inclusive.",
                    params["$top"]
                ),
            )
        }
    };
    let skip = match params.get("$skiptoken").map(|t| t.parse::<usize>()) {
        None => 0,
        Some(Ok(skip)) => skip,
        Some(Err(_)) => return bad_request("Request_BadRequest", "Invalid $skiptoken."),
    };
    if let Some(order) = params.get("$orderby") {
        if !order.trim().eq_ignore_ascii_case("displayName") {
            return bad_request(
                "Request_UnsupportedQuery",
                &format!("Sorting by '{order}' is not supported."),
            );
        }
    }
    let properties = match parse_select(params.get("$select")) {
        Ok(properties) => properties,
        Err(response) => return response,
    };
    let mut found: Vec<&SimUser> = match params.get("$search") {
        None => world.users.iter().collect(),
        Some(search) => {
            let (clauses, any) = match parse_search(search) {
                Ok(parsed) => parsed,
                Err(message) => return bad_request("Request_UnsupportedQuery", &message),
            };
            world
                .users
                .iter()
                .filter(|user| {
                    let hit = |(property, term): &(String, String)| {
                        property_text(user, property).is_some_and(|v| matches_term(&v, term))
                    };
                    if any {
                        clauses.iter().any(hit)
                    } else {
                        clauses.iter().all(hit)
                    }
                })
                .collect()
        }
    };
    if params.contains_key("$orderby") {
        found.sort_by_key(|u| u.display_name.to_lowercase());
    }
    let total = found.len();
    let page: Vec<Value> = found
        .iter()
        .skip(skip)
        .take(top)
        .map(|u| user_json(u, &properties, full_profile))
        .collect();
    let mut body = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
        "value": page,
    });
    if counting {
        body["@odata.count"] = json!(total);
    }
    if skip + top < total {
        let mut next: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        next.push(("$skiptoken".into(), (skip + top).to_string()));
        // Graph keeps the `$` of system query options literal in nextLink.
        let query = next
            .iter()
            .map(|(k, v)| {
                let value: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
                format!("{k}={value}")
            })
            .collect::<Vec<_>>()
            .join("&");
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        body["@odata.nextLink"] = json!(format!("http://{host}/v1.0/users?{query}"));
    }
    Json(body).into_response()
}

fn property_text(user: &SimUser, property: &str) -> Option<String> {
    Some(match property {
        "displayName" => user.display_name.clone(),
        "givenName" => user.given_name.clone(),
        "surname" => user.surname.clone(),
        "mail" => user.mail.clone(),
        "userPrincipalName" => user.user_principal_name.clone(),
        "jobTitle" => user.job_title.clone(),
        "department" => user.department.clone(),
        _ => return None,
    })
}

fn person_json(user: &SimUser) -> Value {
    let mut phones = vec![];
    for number in &user.business_phones {
        phones.push(json!({"type": "business", "number": number}));
    }
    if let Some(mobile) = &user.mobile_phone {
        phones.push(json!({"type": "mobile", "number": mobile}));
    }
    json!({
        "id": user.id.to_string(),
        "displayName": user.display_name,
        "givenName": user.given_name,
        "surname": user.surname,
        "birthday": "",
        "personNotes": "",
        "isFavorite": false,
        "jobTitle": user.job_title,
        "companyName": "Contoso",
        "yomiCompany": "",
        "department": user.department,
        "officeLocation": user.office_location,
        "profession": "",
        "userPrincipalName": user.user_principal_name,
        "imAddress": format!("sip:{}", user.user_principal_name),
        "scoredEmailAddresses": [{
            "address": user.mail,
            "relevanceScore": user.relevance,
            "selectionLikelihood": "notSpecified",
        }],
        "phones": phones,
        "personType": {"class": "Person", "subclass": "OrganizationUser"},
    })
}

async fn people(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = shared.clock.now();
    let world = shared.world();
    let grant = match authenticate(&world, now, &headers, READ_PEOPLE) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let search = params
        .get("$search")
        .map(|s| s.trim().trim_matches('"').to_lowercase());
    if search.is_some() && params.contains_key("$skip") {
        return bad_request(
            "BadRequest",
            "$skip is not supported together with $search.",
        );
    }
    let top = match params.get("$top").map(|t| t.parse::<usize>()) {
        None => 10,
        Some(Ok(top)) if (1..=1000).contains(&top) => top,
        Some(_) => return bad_request("BadRequest", "Invalid value for $top."),
    };
    let skip = match params.get("$skip").map(|t| t.parse::<usize>()) {
        None => 0,
        Some(Ok(skip)) => skip,
        Some(Err(_)) => return bad_request("BadRequest", "Invalid value for $skip."),
    };
    let mut ranked: Vec<&SimUser> = world
        .users
        .iter()
        .filter(|u| u.id != grant.user)
        .filter(|u| {
            search.as_deref().is_none_or(|term| {
                // People search is fuzzy: substring of name or address.
                u.display_name.to_lowercase().contains(term) || u.mail.contains(term)
            })
        })
        .collect();
    ranked.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
    let value: Vec<Value> = ranked
        .into_iter()
        .skip(skip)
        .take(top)
        .map(person_json)
        .collect();
    Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/people",
        "value": value,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_grammar() {
        let (clauses, any) = parse_search("\"displayName:wa\" OR \"mail:wa\"").unwrap();
        assert!(any);
        assert_eq!(clauses[1], ("mail".to_owned(), "wa".to_owned()));
        assert!(parse_search("displayName:wa").is_err());
        assert!(parse_search("\"displayName:wa").is_err());
        assert!(parse_search("\"favouriteColour:wa\"").is_err());
        assert!(parse_search("\"displayName:wa\" \"mail:x\"").is_err());
    }

    #[test]
    fn tokenized_prefix_matching() {
        assert!(matches_term("Anna Müller", "mü"));
        assert!(matches_term("Anna Müller", "anna m"));
        assert!(matches_term("anna.mueller@contoso.com", "mueller"));
        assert!(!matches_term("Anna Müller", "nna"));
    }
}
