//! Opaque refresh tokens and their stored hashes.
//!
//! A refresh token is 32 bytes from the operating system's CSPRNG
//! (`ring::rand::SystemRandom`), shown to the client once as 43 characters
//! of unpadded base64url. Only its SHA-256 ([`TokenHash`], lowercase hex) is
//! stored. Plain SHA-256 is enough, with no salt or bcrypt: the input has 256
//! bits of entropy, so there is nothing to brute-force, and the lookup by
//! hash has to be deterministic.

use crate::error::CryptoError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontdesk_tenancy::TokenHash;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::SecretString;
use std::fmt::Write as _;

/// Random bytes per refresh token.
pub const REFRESH_TOKEN_BYTES: usize = 32;

/// A freshly issued refresh token: the secret for the client, the hash for storage.
#[derive(Debug)]
pub struct NewRefreshToken {
    /// The token to hand to the client (43 base64url characters). Never store or log it.
    pub token: SecretString,
    /// Its SHA-256, the only form that is stored.
    pub hash: TokenHash,
}

/// Issues refresh tokens from the system CSPRNG.
#[derive(Clone, Debug)]
pub struct RefreshTokenIssuer {
    rng: SystemRandom,
}

impl Default for RefreshTokenIssuer {
    fn default() -> Self {
        Self::new()
    }
}

impl RefreshTokenIssuer {
    /// An issuer over the operating system's random generator.
    #[must_use]
    pub fn new() -> Self {
        Self { rng: SystemRandom::new() }
    }

    /// A new random token and its hash.
    ///
    /// # Errors
    /// [`CryptoError::Random`] if the system random generator fails.
    pub fn issue(&self) -> Result<NewRefreshToken, CryptoError> {
        let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
        self.rng.fill(&mut bytes).map_err(|_| CryptoError::Random)?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        bytes.fill(0);
        let hash = hash_refresh_token(&token);
        Ok(NewRefreshToken { token: SecretString::from(token), hash })
    }
}

/// The stored form of a refresh token presented by a client: lowercase hex SHA-256.
#[must_use]
pub fn hash_refresh_token(token: &str) -> TokenHash {
    let digest = digest(&SHA256, token.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.as_ref() {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    match TokenHash::from_hex(&hex) {
        Ok(hash) => hash,
        // 32 bytes formatted as `{:02x}` are always 64 lowercase hex digits.
        Err(_) => unreachable!("a SHA-256 digest is 64 lowercase hex digits"),
    }
}

impl frontdesk_tenancy::RefreshTokenGenerator for RefreshTokenIssuer {
    fn generate(&self) -> frontdesk_tenancy::Result<(frontdesk_tenancy::IssuedRefreshToken, TokenHash)> {
        use secrecy::ExposeSecret as _;
        let issued = self.issue().map_err(frontdesk_tenancy::TenancyError::internal)?;
        Ok((frontdesk_tenancy::IssuedRefreshToken::new(issued.token.expose_secret().to_owned()), issued.hash))
    }

    fn hash(&self, token: &str) -> TokenHash {
        hash_refresh_token(token)
    }
}

/// A random secret of `bytes` bytes, base64url-encoded: for an ephemeral
/// development `JWT_SECRET` when none is configured.
///
/// # Errors
/// [`CryptoError::Random`] if the system random generator fails.
pub fn random_secret(bytes: usize) -> Result<SecretString, CryptoError> {
    let mut buffer = vec![0u8; bytes];
    SystemRandom::new().fill(&mut buffer).map_err(|_| CryptoError::Random)?;
    let secret = URL_SAFE_NO_PAD.encode(&buffer);
    buffer.fill(0);
    Ok(SecretString::from(secret))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let issuer = RefreshTokenIssuer::new();
        let a = issuer.issue().unwrap();
        let b = issuer.issue().unwrap();
        assert_ne!(a.token.expose_secret(), b.token.expose_secret());
        assert_ne!(a.hash, b.hash);
        for issued in [&a, &b] {
            let token = issued.token.expose_secret();
            assert_eq!(token.len(), 43);
            assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{token}");
            assert_eq!(URL_SAFE_NO_PAD.decode(token).unwrap().len(), REFRESH_TOKEN_BYTES);
        }
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_presented_token() {
        let issued = RefreshTokenIssuer::new().issue().unwrap();
        assert_eq!(hash_refresh_token(issued.token.expose_secret()), issued.hash);
    }

    #[test]
    fn hash_is_stable_lowercase_hex() {
        let hash = hash_refresh_token("abc");
        assert_eq!(hash.as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hash_refresh_token("abc"), hash);
        assert_eq!(hash.as_str().len(), 64);
        assert_ne!(hash_refresh_token("abd"), hash);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let issued = RefreshTokenIssuer::new().issue().unwrap();
        assert!(!format!("{issued:?}").contains(issued.token.expose_secret()));
    }
}
