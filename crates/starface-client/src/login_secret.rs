//! The three login formulas STARFACE uses. They differ in separators and inner hashing, which is
//! the classic source of failed logins (see the reference's pitfalls 1 and 2).

use base64::Engine;
use keychain::Secret;
use sha2::{Digest, Sha512};

/// Lowercase, zero-padded hex of SHA-512 (128 characters).
pub fn sha512_hex(input: &str) -> String {
    hex::encode(Sha512::digest(input.as_bytes()))
}

/// REST `POST /rest/login` secret for loginType `Internal`:
/// `login + ":" + sha512hex(login + nonce + sha512hex(password))`.
pub fn rest_internal_secret(login: &str, nonce: &str, password: &Secret) -> Secret {
    let inner = sha512_hex(password.expose());
    Secret::new(format!(
        "{login}:{}",
        sha512_hex(&format!("{login}{nonce}{inner}"))
    ))
}

/// REST secret for loginType `ActiveDirectory`: `base64(login + nonce + password)`, no prefix.
pub fn rest_active_directory_secret(login: &str, nonce: &str, password: &Secret) -> Secret {
    Secret::new(
        base64::engine::general_purpose::STANDARD
            .encode(format!("{login}{nonce}{}", password.expose())),
    )
}

/// UCI `de.vertico.starface.auth` token (STARFACE 6.4.2.19 and later):
/// `login + ":" + sha512hex(login + "*" + sha512hex(password))`.
pub fn uci_auth_token(login: &str, password: &Secret) -> Secret {
    let inner = sha512_hex(password.expose());
    Secret::new(format!(
        "{login}:{}",
        sha512_hex(&format!("{login}*{inner}"))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_internal_secret_matches_reference_vector() {
        let secret =
            rest_internal_secret("123", "pds24hmip1ctbogn1l8ujvs5u4", &Secret::new("Pass123"));
        assert_eq!(
            secret.expose(),
            "123:ec2a24d7e17ecc4548582e593406c6e7e0be72a0877055c7b91e6872656cda2d\
             db99681837c3dc7775e50f5e8d0072fbc5103ed46bc686be09c6b864c518be27"
        );
    }

    #[test]
    fn uci_token_matches_reference_vector() {
        let token = uci_auth_token("123", &Secret::new("Pass123"));
        assert_eq!(
            token.expose(),
            "123:81d8af78c98b153485f7d48e3437eb735ba37f0f013c5e06ba74536776c59456\
             94e7cde71e2effbed7b5a1d1a4566fadcd847ef4098c234052fdfd288e8b6ced"
        );
    }

    #[test]
    fn active_directory_secret_is_plain_base64_without_prefix() {
        let secret = rest_active_directory_secret("123", "n0nce", &Secret::new("Pass123"));
        assert_eq!(secret.expose(), "MTIzbjBuY2VQYXNzMTIz");
    }

    #[test]
    fn hex_is_lowercase_and_full_length() {
        let hash = sha512_hex("");
        assert_eq!(hash.len(), 128);
        assert_eq!(hash, hash.to_lowercase());
    }
}
