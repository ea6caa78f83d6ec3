//! Links are built from the directory's data, encoded, and checked against the allowlist.

use super::*;

#[test]
fn teams_links_encode_the_upn() {
    assert_eq!(
        teams_chat("anna.berg@contoso.de").unwrap(),
        "https://teams.microsoft.com/l/chat/0/0?users=anna.berg@contoso.de"
    );
    assert_eq!(
        teams_chat("anna+sales@contoso.de").unwrap(),
        "https://teams.microsoft.com/l/chat/0/0?users=anna%2Bsales@contoso.de"
    );
    assert_eq!(
        teams_call("a&b=c@contoso.de").unwrap(),
        "https://teams.microsoft.com/l/call/0/0?users=a%26b%3Dc@contoso.de"
    );
    assert_eq!(
        teams_chat("jürgen.öz@contoso.de").unwrap(),
        "https://teams.microsoft.com/l/chat/0/0?users=j%C3%BCrgen.%C3%B6z@contoso.de"
    );
    assert!(teams_chat("  ").is_err());
    for url in [
        teams_chat("anna+sales@contoso.de").unwrap(),
        teams_call("a&b@contoso.de").unwrap(),
    ] {
        check_allowed(&url).unwrap();
    }
}

#[test]
fn pstn_call_encodes_the_plus() {
    assert_eq!(
        teams_call_phone("+49 40 123456-111").unwrap(),
        "https://teams.microsoft.com/l/call/0/0?users=4%3A%2B4940123456111"
    );
}

#[test]
fn phone_numbers_become_e164() {
    assert_eq!(to_e164("+49 40 123456-111").unwrap(), "+4940123456111");
    assert_eq!(to_e164("0401234").unwrap(), "+49401234");
    assert_eq!(to_e164("0049 (40) 1234/56").unwrap(), "+4940123456");
    assert_eq!(to_e164("111").unwrap(), "111");
    assert_eq!(tel("040 1234").unwrap(), "tel:+49401234");
    assert!(to_e164("+49 40 12; drop").is_err());
    assert!(to_e164("").is_err());
    assert!(to_e164("+49+40").is_err());
}

#[test]
fn mailto_and_sip() {
    assert_eq!(mailto("a+b@x.de").unwrap(), "mailto:a%2Bb@x.de");
    assert_eq!(sip("sip:anna@contoso.de").unwrap(), "sip:anna@contoso.de");
    assert_eq!(sip("anna@contoso.de").unwrap(), "sip:anna@contoso.de");
}

#[test]
fn allowlist() {
    for ok in [
        "https://teams.microsoft.com/l/chat/0/0?users=a@b.de",
        "msteams:/l/chat/0/0?users=a@b.de",
        "mailto:a@b.de",
        "tel:+49401234",
        "sip:a@b.de",
        "im:a@b.de",
    ] {
        check_allowed(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "file:///etc/passwd",
        "http://teams.microsoft.com/l/chat/0/0",
        "https://evil.example/l/chat",
        "https://teams.microsoft.com.evil.example/l/chat",
        "https://user@teams.microsoft.com/l/chat",
        "https://teams.microsoft.com/settings",
        "https://teams.microsoft.com:8443/l/chat",
        "data:text/html,hi",
        "tel:+49 40",
        "",
    ] {
        assert!(check_allowed(bad).is_err(), "{bad} must be refused");
    }
}

fn anna() -> Person {
    use presence_core::{Phone, PhoneKind, StarfaceAccount};
    Person {
        mail: Some("anna.berg@contoso.de".into()),
        user_principal_name: Some("anna@contoso.onmicrosoft.com".into()),
        sip_address: Some("anna.sip@contoso.de".into()),
        phones: vec![
            Phone::new(PhoneKind::Mobile, "0171 5550101"),
            Phone::new(PhoneKind::Business, "040 5550101"),
        ],
        starface: Some(StarfaceAccount {
            user_id: 7,
            login: "0007".into(),
            account_id: None,
            internal_number: Some("107".into()),
        }),
        ..Person::new("a", "Anna Berg")
    }
}

#[test]
fn actions_use_what_the_directory_says() {
    let anna = anna();
    let url = |kind, phone| url_for(&anna, kind, phone).unwrap();
    assert_eq!(
        url(LinkKind::TeamsChat, None),
        "https://teams.microsoft.com/l/chat/0/0?users=anna@contoso.onmicrosoft.com"
    );
    assert_eq!(url(LinkKind::Email, None), "mailto:anna.berg@contoso.de");
    assert_eq!(url(LinkKind::Sip, None), "sip:anna.sip@contoso.de");
    assert_eq!(url(LinkKind::Phone, None), "tel:107");
    assert_eq!(url(LinkKind::Phone, Some(0)), "tel:+491715550101");
    assert_eq!(
        url_for(&anna, LinkKind::Phone, Some(5)),
        Err(LinkError::Missing("phone number"))
    );
}

#[test]
fn nothing_missing_is_made_up() {
    let mut ben = Person::new("b", "Ben Cho");
    ben.mail = Some("ben@contoso.de".into());
    // Teams accepts the e-mail address where the sign-in name is unknown.
    assert_eq!(
        url_for(&ben, LinkKind::TeamsCall, None).unwrap(),
        "https://teams.microsoft.com/l/call/0/0?users=ben@contoso.de"
    );
    // No SIP address is made of the e-mail address.
    assert_eq!(sip_of(&ben), Err(LinkError::Missing("SIP address")));
    assert_eq!(
        url_for(&ben, LinkKind::Phone, None),
        Err(LinkError::Missing("phone number"))
    );
    let nobody = Person::new("c", "Carl");
    assert_eq!(
        url_for(&nobody, LinkKind::TeamsChat, None),
        Err(LinkError::Missing("Teams address"))
    );
    assert_eq!(
        url_for(&nobody, LinkKind::Email, None),
        Err(LinkError::Missing("e-mail address"))
    );
}
