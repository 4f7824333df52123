//! [`AesGcmKeyring`]: integration credentials sealed with AES-256-GCM.
//!
//! The keys come from `ENCRYPTION_KEYS`, a comma-separated list of
//! `id:base64` entries (32 random bytes each, standard or URL-safe
//! base64); the **first** is the current key, every other one still opens
//! what it sealed, so a rotation is: put the new key first, keep the old
//! one, run `frontdesk-api rotate-encryption-key`, then drop the old one.
//!
//! Each value gets a fresh 96-bit nonce from the operating system. The
//! sealed bytes are `0x01 ‖ nonce ‖ ciphertext ‖ tag`; the key id is stored
//! beside them (not inside) and authenticated together with the caller's
//! context (the integration id), so bytes copied to another row, or
//! relabelled with another key id, do not open.

use crate::error::CryptoError;
use base64::Engine as _;
use frontdesk_integrations::{IntegrationsError, SealedSecret, SecretCipher};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;

const VERSION: u8 = 1;
const KEY_BYTES: usize = 32;
const MAX_KEY_ID: usize = 32;

/// The configured keys, newest first.
pub struct AesGcmKeyring {
    keys: Vec<(String, LessSafeKey)>,
    rng: SystemRandom,
}

impl fmt::Debug for AesGcmKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<_> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("AesGcmKeyring").field("key_ids", &ids).finish_non_exhaustive()
    }
}

fn decode_key(encoded: &str) -> Option<Vec<u8>> {
    let encoded = encoded.trim();
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
        .ok()
}

impl AesGcmKeyring {
    /// Parses `ENCRYPTION_KEYS` (`id:base64[,id:base64…]`, current first).
    ///
    /// # Errors
    /// `InvalidEncryptionKeys` naming the bad entry by position and id (never
    /// the key): empty list, missing `:`, a bad or duplicate id, a key that is
    /// not base64 of exactly 32 bytes.
    pub fn parse(spec: &str) -> Result<Self, CryptoError> {
        let mut keys: Vec<(String, LessSafeKey)> = Vec::new();
        for (position, entry) in spec.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
            let n = position + 1;
            let bad = |why: String| CryptoError::InvalidEncryptionKeys(format!("entry {n}: {why}"));
            let (id, encoded) =
                entry.split_once(':').ok_or_else(|| bad("must be id:base64-key (e.g. k2025:…)".into()))?;
            let id = id.trim();
            if id.is_empty()
                || id.len() > MAX_KEY_ID
                || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(bad(format!("the key id must be 1-{MAX_KEY_ID} of A-Z a-z 0-9 - _ .")));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(bad(format!("key id {id:?} appears twice")));
            }
            let bytes = decode_key(encoded).filter(|b| b.len() == KEY_BYTES).ok_or_else(|| {
                bad(format!("key {id:?} must be base64 of exactly {KEY_BYTES} bytes (openssl rand -base64 32)"))
            })?;
            let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| bad(format!("key {id:?} is unusable")))?;
            keys.push((id.to_owned(), LessSafeKey::new(key)));
        }
        if keys.is_empty() {
            return Err(CryptoError::InvalidEncryptionKeys("no key given (id:base64-key, current first)".into()));
        }
        Ok(Self { keys, rng: SystemRandom::new() })
    }

    /// A new random key, base64, for `ENCRYPTION_KEYS` (the embedded profile
    /// makes one on first start).
    ///
    /// # Errors
    /// `Random` when the system generator fails.
    pub fn generate_key() -> Result<String, CryptoError> {
        let mut bytes = [0u8; KEY_BYTES];
        SystemRandom::new().fill(&mut bytes).map_err(|_| CryptoError::Random)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// Every key id, current first.
    #[must_use]
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }
}

fn aad(key_id: &str, context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(key_id.len() + 1 + context.len());
    aad.extend_from_slice(key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context);
    aad
}

fn failure(message: &str) -> IntegrationsError {
    IntegrationsError::Crypto { message: message.to_owned() }
}

impl SecretCipher for AesGcmKeyring {
    fn current_key_id(&self) -> &str {
        self.keys.first().map_or("", |(id, _)| id.as_str())
    }

    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<SealedSecret, IntegrationsError> {
        let (id, key) = self.keys.first().ok_or_else(|| failure("no encryption key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| failure("the system random generator failed"))?;
        let mut in_out = plaintext.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(id, context)), &mut in_out)
            .map_err(|_| failure("sealing failed"))?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&in_out);
        Ok(SealedSecret::new(id.clone(), sealed))
    }

    fn open(&self, sealed: &SealedSecret, context: &[u8]) -> Result<Vec<u8>, IntegrationsError> {
        let id = sealed.key_id();
        let (_, key) = self
            .keys
            .iter()
            .find(|(known, _)| known == id)
            .ok_or_else(|| failure(&format!("key {id:?} is not in ENCRYPTION_KEYS")))?;
        let bytes = sealed.as_bytes();
        if bytes.len() < 1 + NONCE_LEN + AES_256_GCM.tag_len() || bytes[0] != VERSION {
            return Err(failure("not a sealed value"));
        }
        let nonce = Nonce::try_assume_unique_for_key(&bytes[1..=NONCE_LEN]).map_err(|_| failure("bad nonce"))?;
        let mut in_out = bytes[1 + NONCE_LEN..].to_vec();
        let plaintext = key
            .open_in_place(nonce, Aad::from(aad(id, context)), &mut in_out)
            .map_err(|_| failure("authentication failed: altered, or sealed for another integration"))?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; KEY_BYTES])
    }

    #[test]
    fn meets_the_cipher_contract() {
        let ring = AesGcmKeyring::parse(&format!("k2:{},k1:{}", key(2), key(1))).unwrap();
        let stranger = AesGcmKeyring::parse(&format!("k2:{}", key(9))).unwrap();
        frontdesk_integrations::testing::contract::cipher(&ring, &stranger);
        assert_eq!(ring.current_key_id(), "k2");
    }

    #[test]
    fn an_older_key_still_opens_what_it_sealed() {
        let old = AesGcmKeyring::parse(&format!("k1:{}", key(1))).unwrap();
        let sealed = old.seal(b"secret", b"ctx").unwrap();
        let rotated = AesGcmKeyring::parse(&format!("k2:{}, k1:{}", key(2), key(1))).unwrap();
        assert_eq!(rotated.open(&sealed, b"ctx").unwrap(), b"secret");
        assert_eq!(rotated.seal(b"secret", b"ctx").unwrap().key_id(), "k2");
        let relabelled = SealedSecret::new("k2", sealed.as_bytes().to_vec());
        assert!(rotated.open(&relabelled, b"ctx").is_err(), "the key id is authenticated");
    }

    #[test]
    fn a_bad_key_list_names_the_entry_and_never_the_key() {
        let cases = [
            ("", "no key given"),
            ("k1", "entry 1: must be id:base64-key"),
            (&format!("k1:{}", key(1))[..], ""),
            ("k1:c2hvcnQ=", "exactly 32 bytes"),
            (&format!("k1:{},k1:{}", key(1), key(2))[..], "entry 2: key id \"k1\" appears twice"),
            (&format!("bad id:{}", key(1))[..], "entry 1: the key id"),
        ];
        for (spec, expected) in cases {
            match AesGcmKeyring::parse(spec) {
                Ok(_) => assert!(expected.is_empty(), "{spec:?} accepted"),
                Err(err) => {
                    let shown = err.to_string();
                    assert!(!expected.is_empty() && shown.contains(expected), "{spec:?}: {shown}");
                    assert!(!shown.contains(&key(1)) && !shown.contains("c2hvcnQ"), "{shown}");
                }
            }
        }
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xFB; KEY_BYTES]);
        assert!(AesGcmKeyring::parse(&format!("k1:{url_safe}")).is_ok());
    }

    #[test]
    fn generated_keys_parse() {
        let generated = AesGcmKeyring::generate_key().unwrap();
        let ring = AesGcmKeyring::parse(&format!("local:{generated}")).unwrap();
        assert_eq!(ring.key_ids(), ["local"]);
        assert!(!format!("{ring:?}").contains(&generated));
    }
}
