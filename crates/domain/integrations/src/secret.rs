//! Sealed credentials: integration secrets as stored, encrypted.
//!
//! OAuth tokens and API keys are sealed by a [`crate::SecretCipher`]
//! (AES-GCM in the crypto adapter) before they reach a repository, so the
//! database only ever holds ciphertext. [`SealedSecret`] is opaque bytes
//! whose `Debug` shows only the length, so it can never leak into logs
//! even when a whole `Integration` is debug-printed.

use std::fmt;

/// Encrypted credential bytes, meaningful only to the cipher that sealed them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SealedSecret(Vec<u8>);

impl SealedSecret {
    /// Wraps sealed bytes (from the cipher, or read back from storage).
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The sealed bytes, for storage.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// True when nothing was sealed (an integration without credentials).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSecret(<redacted {} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let sealed = SealedSecret::from_bytes(b"ciphertext".to_vec());
        let shown = format!("{sealed:?}");
        assert_eq!(shown, "SealedSecret(<redacted 10 bytes>)");
        assert!(!shown.contains("ciphertext"));
    }

    #[test]
    fn bytes_round_trip_for_storage() {
        let sealed = SealedSecret::from_bytes(vec![0, 255, 7]);
        assert_eq!(SealedSecret::from_bytes(sealed.as_bytes().to_vec()), sealed);
        assert!(SealedSecret::default().is_empty());
    }
}
