//! What a certificate says about itself (subject, issuer, validity), for the user to judge
//! before trusting it. Read with `x509-parser`; never used to decide trust (that is the
//! fingerprint pin or a CA, in `tls`).

/// Subject, issuer and validity of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDetails {
    /// The subject's distinguished name, e.g. `CN=pbx.example.com, O=Example`.
    pub subject: String,
    /// The issuer's distinguished name (the subject again when it is self-signed).
    pub issuer: String,
    /// Valid from (Unix seconds).
    pub not_before: i64,
    /// Valid until (Unix seconds).
    pub not_after: i64,
}

impl CertificateDetails {
    /// The details of a DER certificate; `None` when it cannot be parsed.
    pub fn of_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let validity = cert.validity();
        Some(Self {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }

    /// `valid 2025-01-02 to 2027-03-04` (UTC dates), for `doctor` and logs.
    pub fn validity_text(&self) -> String {
        format!(
            "valid {} to {}",
            utc_date(self.not_before),
            utc_date(self.not_after)
        )
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC), by the days-to-civil algorithm of H. Hinnant.
fn utc_date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_issuer_and_validity_come_from_the_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["pbx.example.com".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "STARFACE test PBX");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example GmbH");
        params.not_before = rcgen::date_time_ymd(2025, 1, 2);
        params.not_after = rcgen::date_time_ymd(2027, 3, 4);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let details = CertificateDetails::of_der(cert.der()).unwrap();
        assert!(
            details.subject.contains("CN=STARFACE test PBX"),
            "{details:?}"
        );
        assert!(details.subject.contains("O=Example GmbH"), "{details:?}");
        assert_eq!(details.issuer, details.subject, "self-signed");
        assert_eq!(details.not_before, 1_735_776_000); // 2025-01-02T00:00:00Z
        assert_eq!(details.not_after, 1_804_118_400); // 2027-03-04T00:00:00Z
        assert_eq!(details.validity_text(), "valid 2025-01-02 to 2027-03-04");
        assert_eq!(CertificateDetails::of_der(b"not a certificate"), None);
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(-86_400), "1969-12-31");
    }
}
