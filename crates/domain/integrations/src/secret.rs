//! Sealed credentials: integration secrets as stored, encrypted.
//!
//! API keys and OAuth tokens are sealed by a [`crate::SecretCipher`]
//! (AES-256-GCM in the crypto adapter) before they reach a repository, so
//! the database only ever holds ciphertext, next to the id of the key that
//! sealed it (rotation re-seals whatever is not under the newest key).
//! [`SealedSecret`]'s `Debug` shows only the key id and the length, so it
//! can never leak into logs even when a whole `Integration` is printed.

use frontdesk_kernel::JsonObject;
use std::fmt;

/// Opened secret settings: readable by the code that calls a vendor, and
/// `Debug` shows only their names.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(JsonObject);

impl Secrets {
    /// Wraps opened secret settings.
    #[must_use]
    pub const fn new(values: JsonObject) -> Self {
        Self(values)
    }

    /// The secret `name` when it is a string.
    #[must_use]
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(serde_json::Value::as_str)
    }

    /// Every secret, for merging and sealing.
    #[must_use]
    pub const fn values(&self) -> &JsonObject {
        &self.0
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.as_map().keys()).finish()
    }
}

/// Encrypted credential bytes and the id of the key that sealed them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SealedSecret {
    key_id: String,
    bytes: Vec<u8>,
}

impl SealedSecret {
    /// Wraps sealed bytes (from the cipher, or read back from storage).
    #[must_use]
    pub fn new(key_id: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self { key_id: key_id.into(), bytes }
    }

    /// The id of the key that sealed the bytes (empty when nothing is sealed).
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The sealed bytes, for storage.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// True when nothing was sealed (credentials erased on disconnect).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSecret(key {:?}, <redacted {} bytes>)", self.key_id, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let sealed = SealedSecret::new("k1", b"ciphertext".to_vec());
        let shown = format!("{sealed:?}");
        assert_eq!(shown, r#"SealedSecret(key "k1", <redacted 10 bytes>)"#);
        assert!(!shown.contains("ciphertext"));
    }

    #[test]
    fn opened_secrets_debug_as_their_names_only() {
        let values = JsonObject::parse(serde_json::json!({"apiKey": "sk_live_x"})).unwrap();
        let secrets = Secrets::new(values);
        assert_eq!(format!("{secrets:?}"), r#"{"apiKey"}"#);
        assert_eq!(secrets.str("apiKey"), Some("sk_live_x"));
    }

    #[test]
    fn bytes_round_trip_for_storage() {
        let sealed = SealedSecret::new("k1", vec![0, 255, 7]);
        assert_eq!(SealedSecret::new(sealed.key_id(), sealed.as_bytes().to_vec()), sealed);
        assert!(SealedSecret::default().is_empty());
    }
}
