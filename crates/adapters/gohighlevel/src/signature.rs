//! [`GhlSignatures`]: `x-ghl-signature` verified with GoHighLevel's Ed25519 key.

use base64::Engine as _;
use frontdesk_integrations::webhooks::WebhookSignatures;
use ring::signature::{ED25519, UnparsedPublicKey};

/// GoHighLevel's published webhook key (SPKI, base64), as quoted by its
/// marketplace docs; `GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY` overrides it.
pub const OFFICIAL_PUBLIC_KEY: &str = "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=";

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): 12 bytes, then the 32-byte key.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// Verifies GoHighLevel webhook signatures.
#[derive(Clone, Debug)]
pub struct GhlSignatures {
    key: [u8; 32],
}

impl GhlSignatures {
    /// A verifier for `public_key`: a PEM `PUBLIC KEY`, its base64 SPKI
    /// body, or the raw 32-byte key in base64.
    ///
    /// # Errors
    /// What is wrong with the key (never a secret: it is public).
    pub fn new(public_key: &str) -> Result<Self, String> {
        let body: String =
            public_key.lines().map(str::trim).filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().concat();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| "the GoHighLevel webhook key is not PEM or base64".to_owned())?;
        let raw = match bytes.len() {
            32 => bytes.as_slice(),
            44 if bytes[..12] == SPKI_PREFIX => &bytes[12..],
            _ => return Err("the GoHighLevel webhook key is not an Ed25519 public key".to_owned()),
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(raw);
        Ok(Self { key })
    }

    /// GoHighLevel's published key.
    ///
    /// # Panics
    /// Never: the constant is a valid key (tested).
    #[must_use]
    pub fn official() -> Self {
        #[allow(clippy::expect_used, reason = "a constant checked by a unit test")]
        Self::new(OFFICIAL_PUBLIC_KEY).expect("the official key parses")
    }
}

impl WebhookSignatures for GhlSignatures {
    fn verify(&self, body: &[u8], signature: Option<&str>) -> bool {
        let Some(signature) = signature.map(str::trim).filter(|s| !s.is_empty()) else { return false };
        let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else { return false };
        signature.len() == 64 && UnparsedPublicKey::new(&ED25519, self.key).verify(body, &signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_key_parses_and_a_bad_key_is_named() {
        let _ = GhlSignatures::official();
        assert!(GhlSignatures::new("not base64!").unwrap_err().contains("not PEM or base64"));
        assert!(GhlSignatures::new("AAAA").unwrap_err().contains("not an Ed25519"));
    }
}
