//! [`Seals`] as HMAC-SHA256 under a key derived from the deployment's secret
//! and a purpose, so a seal made for one purpose never opens for another
//! (nor as a file link's signature, which derives its own key the same way).

use base64::Engine as _;
use frontdesk_kernel::seals::Seals;
use ring::hmac;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// HMAC-SHA256 seals.
pub struct HmacSeals {
    key: hmac::Key,
}

impl std::fmt::Debug for HmacSeals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HmacSeals").finish_non_exhaustive()
    }
}

impl HmacSeals {
    /// Seals for `purpose` (e.g. `b"frontdesk/relay-pass/v1"`) under `secret` (the deployment's `JWT_SECRET`).
    #[must_use]
    pub fn new(secret: &[u8], purpose: &[u8]) -> Self {
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), purpose);
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()) }
    }
}

impl Seals for HmacSeals {
    fn seal(&self, message: &str) -> String {
        B64.encode(hmac::sign(&self.key, message.as_bytes()))
    }

    fn opens(&self, message: &str, seal: &str) -> bool {
        let Ok(tag) = B64.decode(seal) else { return false };
        hmac::verify(&self.key, message.as_bytes(), &tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_opens_only_for_its_message_secret_and_purpose() {
        let seals = HmacSeals::new(b"secret-one", b"purpose/a");
        let seal = seals.seal("relay\nCA1\n+1415\n+1650\n99");
        assert!(seals.opens("relay\nCA1\n+1415\n+1650\n99", &seal));
        assert!(!seals.opens("relay\nCA2\n+1415\n+1650\n99", &seal), "another call");
        assert!(!seals.opens("relay\nCA1\n+1415\n+1650\n99", ""), "empty");
        assert!(!seals.opens("relay\nCA1\n+1415\n+1650\n99", "not base64!"), "garbage");
        assert!(!seals.opens("relay\nCA1\n+1415\n+1650\n99", &seal[..seal.len() - 2]), "truncated");
        assert!(!HmacSeals::new(b"secret-two", b"purpose/a").opens("relay\nCA1\n+1415\n+1650\n99", &seal));
        assert!(!HmacSeals::new(b"secret-one", b"purpose/b").opens("relay\nCA1\n+1415\n+1650\n99", &seal));
    }
}
