//! Constant-time equality for shared secrets (the `X-API-Key` header, the
//! admin sign-up code).
//!
//! `==` on byte slices stops at the first difference, so response times
//! leak how many leading bytes of a guess were right. ring's
//! `constant_time::verify_slices_are_equal` is deprecated ("no promises
//! regarding side channels"), so this uses ring's supported constant-time
//! primitive instead: both inputs are MACed with a per-process random
//! HMAC-SHA256 key and compared with `ring::hmac::verify`, which is
//! documented to compare in constant time. The random key also blinds the
//! comparison: even a leak in the final compare would say nothing about the
//! bytes of either input. Inputs of different lengths are simply unequal;
//! only the lengths (not the contents) can influence timing.

use ring::hmac;
use ring::rand::SystemRandom;
use std::sync::OnceLock;

fn blinding_key() -> &'static hmac::Key {
    static KEY: OnceLock<hmac::Key> = OnceLock::new();
    KEY.get_or_init(|| {
        // A fixed key would still be correct and constant-time; random only adds blinding.
        hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .unwrap_or_else(|_| hmac::Key::new(hmac::HMAC_SHA256, b"frontdesk-constant-time-eq-fallback"))
    })
}

/// Whether `a` and `b` are equal, in time independent of their contents.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let key = blinding_key();
    let tag = hmac::sign(key, a);
    hmac::verify(key, b, tag.as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_inputs_are_equal() {
        assert!(constant_time_eq(b"api-key-123", b"api-key-123"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn any_difference_is_detected() {
        assert!(!constant_time_eq(b"api-key-123", b"api-key-124"));
        assert!(!constant_time_eq(b"api-key-123", b"Api-key-123"));
        assert!(!constant_time_eq(b"api-key-123", b"api-key-12"));
        assert!(!constant_time_eq(b"api-key-123", b"api-key-1234"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
