//! A colleague as the directory and the PBX describe them.
//!
//! One [`Person`] travels from the Microsoft 365 directory through the bridge's watch list and
//! snapshot to the window and the tray. Each layer carries what the one before it knew and never
//! fills a gap with a guess: a person without a SIP address has none (it is not made from the
//! e-mail address), and a phone keeps the kind Graph gave it.

open_enum! {
    /// What kind of number a phone is (Graph's `phone.type`). Kinds without a variant here
    /// (`other`, `businessFax`, `pager`, ...) are kept as Graph spells them.
    pub enum PhoneKind {
        /// `business`: the desk phone.
        Business => "business", "Business";
        /// `mobile`.
        Mobile => "mobile", "Mobile";
        /// `home`.
        Home => "home", "Home";
    }
}

/// One phone number with its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    /// Business, mobile, home, ...
    pub kind: PhoneKind,
    /// As the directory has it (not normalised: the link builder does that).
    pub number: String,
}

impl Phone {
    /// A number of the given kind.
    pub fn new(kind: PhoneKind, number: impl Into<String>) -> Self {
        Self {
            kind,
            number: number.into(),
        }
    }
}

/// The STARFACE user that belongs to a person (matched by e-mail address).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StarfaceAccount {
    /// The PBX's user id (`/rest/users`).
    pub user_id: i64,
    /// The login id, also the local part of the user's XMPP address.
    pub login: String,
    /// The phone account (`/rest/accounts`); unknown when the user may not list accounts.
    pub account_id: Option<i64>,
    /// The internal number, for calls through the PBX.
    pub internal_number: Option<String>,
}

/// A colleague: who they are and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    /// The Entra object id, lower case: the key everywhere in the app.
    pub id: String,
    pub display_name: String,
    /// E-mail address, lower case.
    pub mail: Option<String>,
    /// Sign-in name, lower case. Teams deep links address people by it.
    pub user_principal_name: Option<String>,
    /// The SIP address Graph reports (`imAddress`), lower case, without `sip:`.
    pub sip_address: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    /// In the directory's order.
    pub phones: Vec<Phone>,
    /// The matching STARFACE user, once the PBX's directory has been read and has one.
    pub starface: Option<StarfaceAccount>,
}

impl Person {
    /// A person of whom only the id and the name are known.
    pub fn new(id: impl Into<String>, display_name: impl Into<String>) -> Self {
        Self {
            id: id.into().to_ascii_lowercase(),
            display_name: display_name.into(),
            mail: None,
            user_principal_name: None,
            sip_address: None,
            job_title: None,
            department: None,
            office_location: None,
            phones: Vec::new(),
            starface: None,
        }
    }

    /// The addresses the person is known by: the e-mail address, then the sign-in name.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.mail
            .as_deref()
            .into_iter()
            .chain(self.user_principal_name.as_deref())
    }

    /// Whether one of the person's addresses is in `addresses` (any case), e.g. the favourites
    /// in the settings.
    pub fn is_among(&self, addresses: &[String]) -> bool {
        self.addresses()
            .any(|own| addresses.iter().any(|a| a.trim().eq_ignore_ascii_case(own)))
    }

    /// The number a call goes to when the user does not pick one: the STARFACE extension, else
    /// the first business phone, else the first phone of any kind.
    pub fn default_phone(&self) -> Option<&str> {
        self.starface
            .as_ref()
            .and_then(|account| account.internal_number.as_deref())
            .or_else(|| {
                self.phones
                    .iter()
                    .find(|phone| phone.kind == PhoneKind::Business)
                    .or(self.phones.first())
                    .map(|phone| phone.number.as_str())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anna() -> Person {
        Person {
            mail: Some("anna.berg@contoso.de".into()),
            user_principal_name: Some("anna@contoso.onmicrosoft.com".into()),
            phones: vec![
                Phone::new(PhoneKind::Mobile, "+49 171 555 0101"),
                Phone::new(PhoneKind::Business, "+49 40 555 0101"),
            ],
            ..Person::new("AAAA-1", "Anna Berg")
        }
    }

    #[test]
    fn phone_kinds_keep_what_graph_says() {
        assert_eq!(PhoneKind::parse("mobile"), PhoneKind::Mobile);
        assert_eq!(PhoneKind::parse("Business"), PhoneKind::Business);
        assert_eq!(
            PhoneKind::parse("businessFax"),
            PhoneKind::Other("businessFax".into())
        );
        assert_eq!(PhoneKind::Other("pager".into()).as_str(), "pager");
    }

    #[test]
    fn favourites_match_either_address_in_any_case() {
        let anna = anna();
        assert_eq!(anna.id, "aaaa-1");
        assert!(anna.is_among(&["Anna.Berg@Contoso.de".into()]));
        assert!(anna.is_among(&["anna@contoso.onmicrosoft.com".into()]));
        assert!(!anna.is_among(&["ben@contoso.de".into()]));
        assert!(!Person::new("b", "Ben").is_among(&["".into()]));
    }

    #[test]
    fn the_default_phone_is_the_extension_then_business_then_any() {
        let mut anna = anna();
        assert_eq!(anna.default_phone(), Some("+49 40 555 0101"));
        anna.starface = Some(StarfaceAccount {
            user_id: 7,
            login: "0007".into(),
            account_id: Some(70),
            internal_number: Some("107".into()),
        });
        assert_eq!(anna.default_phone(), Some("107"));
        anna.starface = None;
        anna.phones.remove(1);
        assert_eq!(anna.default_phone(), Some("+49 171 555 0101"));
        assert_eq!(Person::new("b", "Ben").default_phone(), None);
    }
}
