//! The webhook signature: `X-Presence-Bridge-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
//!
//! The body itself carries `sent_at` and a `delivery` id, so the signature covers them: a receiver
//! that checks the signature, refuses a `sent_at` more than a few minutes off and remembers
//! recent delivery ids cannot be fooled by a replayed request (docs/HOOKS.md has the recipe).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Presence-Bridge-Signature";
/// The header that repeats the body's `delivery` id (the same for every retry of one delivery).
pub const DELIVERY_HEADER: &str = "X-Presence-Bridge-Delivery";
/// The header that repeats the body's `event` (`status` or `test`).
pub const EVENT_HEADER: &str = "X-Presence-Bridge-Event";

const PREFIX: &str = "sha256=";

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// The header value for `body`: `sha256=` and 64 lower-case hex digits.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is the signature of `body` under `secret` (compared in constant time).
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(digest) = header
        .trim()
        .strip_prefix(PREFIX)
        .and_then(|hex_digits| hex::decode(hex_digits).ok())
    else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_from_rfc_4231_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_accepts_only_the_right_secret_and_body() {
        let header = sign(b"s3cret", b"{\"a\":1}");
        assert!(verify(b"s3cret", b"{\"a\":1}", &header));
        assert!(!verify(b"other", b"{\"a\":1}", &header));
        assert!(!verify(b"s3cret", b"{\"a\":2}", &header));
        assert!(!verify(
            b"s3cret",
            b"{\"a\":1}",
            header.trim_start_matches("sha256=")
        ));
        assert!(!verify(b"s3cret", b"{\"a\":1}", "sha256=zz"));
    }
}
