//! Connector data turned into the one [`Person`] the rest of the app carries: Graph's colleague
//! (the directory merged with `/me/people`), a directory search hit, and the STARFACE user matched
//! by e-mail address. Everything the connector gives is kept; nothing missing is filled in.

use std::collections::HashMap;

use graph_client::graph::{Colleague, DirectoryUser};
use presence_core::{Person, Phone, PhoneKind, StarfaceAccount};
use starface_client::rest::DirectoryEntry;

/// A colleague from Graph with everything `/me/people` and the directory said about them.
pub(crate) fn from_graph(colleague: Colleague) -> Person {
    let Colleague {
        id,
        display_name,
        mail,
        user_principal_name,
        job_title,
        department,
        office_location,
        phones,
        sip_address,
        // Only orders the list, which keeps that order.
        relevance: _,
    } = colleague;
    Person {
        mail,
        user_principal_name,
        sip_address,
        job_title,
        department,
        office_location,
        phones: phones
            .into_iter()
            .map(|phone| Phone::new(PhoneKind::parse(&phone.kind), phone.number))
            .collect(),
        ..Person::new(id, display_name)
    }
}

/// A directory search hit: the basic profile (`User.ReadBasic.All`) has names and addresses only,
/// so phones, office and SIP address stay unknown.
pub(crate) fn from_directory_user(user: DirectoryUser) -> Person {
    let DirectoryUser {
        id,
        display_name,
        // The display name already says it.
        given_name: _,
        surname: _,
        mail,
        user_principal_name,
    } = user;
    Person {
        mail,
        user_principal_name,
        ..Person::new(id, display_name)
    }
}

/// The PBX's users by lower-case e-mail address.
#[derive(Debug, Default)]
pub(crate) struct PbxDirectory(HashMap<String, DirectoryEntry>);

impl PbxDirectory {
    pub(crate) fn new(entries: Vec<DirectoryEntry>) -> Self {
        Self(
            entries
                .into_iter()
                .filter_map(|entry| Some((entry.email.clone()?.to_ascii_lowercase(), entry)))
                .collect(),
        )
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The STARFACE user with one of the person's addresses, if any.
    pub(crate) fn account_for(&self, person: &Person) -> Option<StarfaceAccount> {
        let entry = person
            .addresses()
            .find_map(|address| self.0.get(&address.to_ascii_lowercase()))?;
        Some(StarfaceAccount {
            user_id: entry.user_id,
            login: entry.login.clone(),
            account_id: entry.account_id,
            internal_number: entry.internal_number.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use graph_client::graph::Phone as GraphPhone;

    use super::*;

    #[test]
    fn a_graph_colleague_keeps_phone_kinds_department_upn_and_sip_address() {
        let person = from_graph(Colleague {
            id: "AAAA-1".into(),
            display_name: "Anna Berg".into(),
            mail: Some("anna.berg@contoso.de".into()),
            user_principal_name: Some("anna@contoso.onmicrosoft.com".into()),
            job_title: Some("Engineer".into()),
            department: Some("Support".into()),
            office_location: Some("Hamburg 3.14".into()),
            phones: vec![
                GraphPhone {
                    kind: "mobile".into(),
                    number: "+49 171 555 0101".into(),
                },
                GraphPhone {
                    kind: "businessFax".into(),
                    number: "+49 40 555 0199".into(),
                },
            ],
            sip_address: Some("anna.sip@contoso.de".into()),
            relevance: Some(3.0),
        });
        assert_eq!(person.id, "aaaa-1");
        assert_eq!(person.department.as_deref(), Some("Support"));
        assert_eq!(
            person.user_principal_name.as_deref(),
            Some("anna@contoso.onmicrosoft.com")
        );
        assert_eq!(person.sip_address.as_deref(), Some("anna.sip@contoso.de"));
        assert_eq!(
            person.phones,
            [
                Phone::new(PhoneKind::Mobile, "+49 171 555 0101"),
                Phone::new(PhoneKind::Other("businessFax".into()), "+49 40 555 0199"),
            ]
        );
    }

    #[test]
    fn a_search_hit_makes_up_nothing() {
        let person = from_directory_user(DirectoryUser {
            id: "b".into(),
            display_name: "Ben Cho".into(),
            given_name: Some("Ben".into()),
            surname: Some("Cho".into()),
            mail: Some("ben@contoso.de".into()),
            user_principal_name: None,
        });
        assert_eq!(person.sip_address, None);
        assert_eq!(person.user_principal_name, None);
        assert!(person.phones.is_empty());
    }

    #[test]
    fn the_pbx_user_is_found_by_either_address() {
        let directory = PbxDirectory::new(vec![DirectoryEntry {
            user_id: 7,
            login: "0007".into(),
            first_name: "Anna".into(),
            family_name: "Berg".into(),
            email: Some("anna@contoso.onmicrosoft.com".into()),
            internal_number: Some("107".into()),
            account_id: Some(70),
        }]);
        let mut anna = Person::new("a", "Anna Berg");
        anna.mail = Some("anna.berg@contoso.de".into());
        assert_eq!(directory.account_for(&anna), None);
        anna.user_principal_name = Some("Anna@Contoso.onmicrosoft.com".into());
        let account = directory.account_for(&anna).unwrap();
        assert_eq!(
            (account.user_id, account.login.as_str(), account.account_id),
            (7, "0007", Some(70))
        );
        assert_eq!(account.internal_number.as_deref(), Some("107"));
    }
}
