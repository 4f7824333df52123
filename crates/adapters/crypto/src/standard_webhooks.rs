//! Standard Webhooks signatures (<https://www.standardwebhooks.com>, v1):
//! `webhook-signature: v1,<base64(HMAC-SHA256(key, id.timestamp.body))>`
//! with `whsec_<base64 key>` secrets, several signatures space-separated
//! while a secret rotates. Signing is what our deliveries carry; verifying
//! is the receiver's side, here so tests (and customers reading our code)
//! check deliveries with the same algorithm the official libraries use —
//! stricter where they are lenient: timestamps are digits only, base64 is
//! decoded strictly, and anything malformed is simply not a match.

use base64::Engine as _;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why a secret cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is whsec_ followed by base64 of 24 to 64 bytes")]
pub struct InvalidWebhookSecret;

fn key(secret: &str) -> Result<hmac::Key, InvalidWebhookSecret> {
    let encoded = secret.strip_prefix("whsec_").ok_or(InvalidWebhookSecret)?;
    let bytes = B64.decode(encoded).map_err(|_| InvalidWebhookSecret)?;
    if !(24..=64).contains(&bytes.len()) {
        return Err(InvalidWebhookSecret);
    }
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

/// A fresh secret: `whsec_` and 32 random bytes, base64.
///
/// # Errors
/// When the system random generator fails.
pub fn generate_webhook_secret() -> Result<String, crate::CryptoError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| crate::CryptoError::Random)?;
    Ok(format!("whsec_{}", B64.encode(bytes)))
}

/// The `webhook-signature` value for one secret: `v1,<base64>`.
///
/// # Errors
/// `InvalidWebhookSecret`.
pub fn sign_webhook(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, InvalidWebhookSecret> {
    let key = key(secret)?;
    let mut context = hmac::Context::with_key(&key);
    context.update(id.as_bytes());
    context.update(format!(".{timestamp}.").as_bytes());
    context.update(body);
    Ok(format!("v1,{}", B64.encode(context.sign().as_ref())))
}

/// Whether a delivery is authentic: one of `secrets` signed `id`,
/// `timestamp` and `body` as one of the `v1` entries of `signatures`, and
/// `timestamp` is within `tolerance_secs` of `now` (either way).
#[must_use]
pub fn verify_webhook(
    secrets: &[&str],
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> bool {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(at) = timestamp.parse::<i64>() else { return false };
    if (now - at).abs() > tolerance_secs {
        return false;
    }
    let mut message = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    message.extend_from_slice(id.as_bytes());
    message.push(b'.');
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    let candidates: Vec<Vec<u8>> = signatures
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, encoded)| B64.decode(encoded).ok())
        .collect();
    secrets.iter().filter_map(|secret| key(secret).ok()).any(|key| {
        // ring's verify compares in constant time.
        candidates.iter().any(|tag| hmac::verify(&key, &message, tag).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_signs_and_verifies() {
        let secret = generate_webhook_secret().unwrap();
        let signature = sign_webhook(&secret, "msg_1", 1_700_000_000, b"{}").unwrap();
        assert!(verify_webhook(&[&secret], "msg_1", "1700000000", &signature, b"{}", 1_700_000_000, 300));
        assert!(sign_webhook("whsec_c2hvcnQ=", "m", 1, b"").is_err(), "a key under 24 bytes");
        assert!(sign_webhook("sk_nope", "m", 1, b"").is_err());
    }
}
