//! The self-service tokens of bookings (`/b/{token}`): 32 random bytes as
//! unpadded base64url, stored only as their SHA-256 — the same construction
//! as refresh tokens, for the same reasons (nothing to brute-force, a
//! deterministic lookup by hash).

use crate::refresh::{RefreshTokenIssuer, hash_refresh_token};
use frontdesk_bookings::{BookingsError, ManageTokens};
use secrecy::ExposeSecret as _;

/// Issues booking self-service tokens from the system CSPRNG.
#[derive(Clone, Debug, Default)]
pub struct BookingTokenIssuer {
    inner: RefreshTokenIssuer,
}

impl ManageTokens for BookingTokenIssuer {
    fn issue(&self) -> frontdesk_bookings::Result<(String, String)> {
        let issued = self.inner.issue().map_err(BookingsError::storage)?;
        Ok((issued.token.expose_secret().to_owned(), issued.hash.as_str().to_owned()))
    }

    fn hash(&self, token: &str) -> String {
        hash_refresh_token(token).as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_only_their_hash_matches() {
        let issuer = BookingTokenIssuer::default();
        let (a, hash_a) = issuer.issue().unwrap();
        let (b, _) = issuer.issue().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(issuer.hash(&a), hash_a);
        assert_ne!(issuer.hash(&b), hash_a);
    }
}
