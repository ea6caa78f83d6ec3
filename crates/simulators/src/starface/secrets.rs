//! The hashes the PBX checks logins against (same formulas as the client, written
//! independently so a mistake on one side shows up as a failed login).

use sha2::{Digest, Sha512};

pub(crate) fn sha512_hex(input: &str) -> String {
    hex::encode(Sha512::digest(input.as_bytes()))
}

/// UCI `de.vertico.starface.auth` token: `login:sha512hex(login*sha512hex(password))`.
pub(crate) fn uci_token(login: &str, password: &str) -> String {
    format!(
        "{login}:{}",
        sha512_hex(&format!("{login}*{}", sha512_hex(password)))
    )
}
