//! A plausible organisation for tests and the demo: names, titles, departments, offices, phones.
//! Deterministic per seed, so tests and screenshots are reproducible.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// A directory user with the profile fields Graph exposes.
#[derive(Debug, Clone, PartialEq)]
pub struct SimUser {
    pub id: Uuid,
    pub display_name: String,
    pub given_name: String,
    pub surname: String,
    pub mail: String,
    pub user_principal_name: String,
    pub job_title: String,
    pub department: String,
    pub office_location: String,
    pub business_phones: Vec<String>,
    pub mobile_phone: Option<String>,
    /// How relevant the person is to the signed-in user (`/me/people` ranking).
    pub relevance: f64,
}

const GIVEN_NAMES: &[&str] = &[
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lea", "Paul", "Emma", "Leon", "Hannah",
    "Finn", "Mia", "Elias", "Laura", "Noah", "Clara", "Ben", "Lena", "David", "Sara", "Tim",
    "Julia", "Max", "Nina", "Jan", "Eva", "Tom", "Aylin", "Mehmet", "Olga", "Piotr", "Chiara",
    "Luca", "Ines", "Mateo", "Priya", "Arjun", "Mei", "Kenji", "Fatima", "Omar", "Grace", "Liam",
];
const SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Yilmaz",
    "Kowalski",
    "Rossi",
    "García",
    "Nguyen",
    "Patel",
    "Tanaka",
    "Haddad",
    "O'Brien",
    "Jansen",
    "Dubois",
    "Novak",
    "Berger",
    "Vogel",
];
const DEPARTMENTS: &[(&str, &[&str])] = &[
    (
        "Sales",
        &[
            "Account Manager",
            "Sales Engineer",
            "Head of Sales",
            "Inside Sales Representative",
        ],
    ),
    (
        "Support",
        &[
            "Support Engineer",
            "Team Lead Support",
            "Service Desk Agent",
        ],
    ),
    (
        "Engineering",
        &[
            "Software Engineer",
            "Senior Software Engineer",
            "QA Engineer",
            "Engineering Manager",
        ],
    ),
    ("Finance", &["Accountant", "Controller", "Head of Finance"]),
    ("Human Resources", &["HR Business Partner", "Recruiter"]),
    (
        "Marketing",
        &["Marketing Manager", "Content Manager", "Designer"],
    ),
    (
        "IT",
        &["System Administrator", "IT Manager", "Network Engineer"],
    ),
    (
        "Operations",
        &[
            "Office Manager",
            "Logistics Coordinator",
            "Facility Manager",
        ],
    ),
];
/// Office name, phone prefix (E.164 with area code) for business lines.
const OFFICES: &[(&str, &str)] = &[
    ("Karlsruhe HQ", "+49 721 9876"),
    ("Berlin", "+49 30 5557"),
    ("Hamburg", "+49 40 5558"),
    ("München", "+49 89 5559"),
    ("Wien", "+43 1 5550"),
    ("Zürich", "+41 44 555"),
];

/// Email-safe ASCII for a name part (umlauts transliterated the German way).
fn ascii_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'é' | 'è' => out.push('e'),
            'í' => out.push('i'),
            'á' => out.push('a'),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

/// `count` users in `domain`; the first is meant to be the signed-in user.
pub fn generate_organisation(count: usize, seed: u64, domain: &str) -> Vec<SimUser> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut taken = HashSet::new();
    let mut users = Vec::with_capacity(count);
    for n in 0..count {
        let given = GIVEN_NAMES[rng.gen_range(0..GIVEN_NAMES.len())];
        let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let base = format!("{}.{}", ascii_part(given), ascii_part(surname));
        let mut local = base.clone();
        let mut suffix = 2;
        while !taken.insert(local.clone()) {
            local = format!("{base}{suffix}");
            suffix += 1;
        }
        let (department, titles) = DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())];
        let (office, prefix) = OFFICES[rng.gen_range(0..OFFICES.len())];
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes);
        let upn = format!("{local}@{domain}");
        users.push(SimUser {
            id: uuid::Builder::from_random_bytes(bytes).into_uuid(),
            display_name: format!("{given} {surname}"),
            given_name: given.to_owned(),
            surname: surname.to_owned(),
            mail: upn.clone(),
            user_principal_name: upn,
            job_title: titles[rng.gen_range(0..titles.len())].to_owned(),
            department: department.to_owned(),
            office_location: format!(
                "{office}, {}.{:02}",
                rng.gen_range(0..5),
                rng.gen_range(1..40)
            ),
            business_phones: vec![format!("{prefix} {}", 100 + n % 9000)],
            mobile_phone: rng
                .gen_bool(0.6)
                .then(|| format!("+49 151 {:08}", rng.gen_range(0..100_000_000u32))),
            relevance: if n == 0 {
                0.0
            } else {
                (rng.gen_range(1.0..30.0f64) * 10.0).round() / 10.0
            },
        });
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_unique_and_plausible() {
        let a = generate_organisation(5_000, 42, "contoso.com");
        let b = generate_organisation(5_000, 42, "contoso.com");
        assert_eq!(a, b);
        let ids: HashSet<_> = a.iter().map(|u| u.id).collect();
        let upns: HashSet<_> = a.iter().map(|u| u.user_principal_name.clone()).collect();
        assert_eq!(ids.len(), 5_000);
        assert_eq!(upns.len(), 5_000);
        assert!(a.iter().all(|u| u.user_principal_name.is_ascii()));
        assert!(a.iter().all(|u| u.id.get_version_num() == 4));
        assert_eq!(ascii_part("Müller-Schröder"), "muellerschroeder");
    }
}
