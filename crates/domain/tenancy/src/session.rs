//! Refresh-token records.
//!
//! The token itself is shown to the client once; only its SHA-256 hash is
//! stored, so a database leak yields no usable session. Tokens are grouped
//! in families: rotating a token keeps the family, and presenting an
//! already-revoked token revokes the whole family (theft detection).

use chrono::{DateTime, Utc};
use frontdesk_kernel::{UserId, define_id};

define_id!(
    /// One refresh token.
    RefreshTokenId,
    "refresh token id"
);
define_id!(
    /// The chain of tokens descending from one login.
    TokenFamilyId,
    "token family id"
);

/// The hex SHA-256 of a refresh token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hex digest (64 lowercase hex characters).
    ///
    /// # Errors
    /// When `hex` is not a 64-character lowercase hex string.
    pub fn from_hex(hex: &str) -> Result<Self, String> {
        if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            Ok(Self(hex.to_owned()))
        } else {
            Err("must be a 64-character lowercase hex SHA-256 digest".into())
        }
    }

    /// The hex digest.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshToken {
    /// Its id.
    pub id: RefreshTokenId,
    /// Whose session it is.
    pub user_id: UserId,
    /// The login it descends from.
    pub family_id: TokenFamilyId,
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked (rotation, logout, theft detection).
    pub revoked_at: Option<DateTime<Utc>>,
}

impl RefreshToken {
    /// Refresh tokens live seven days.
    pub const LIFETIME_DAYS: i64 = 7;

    /// A new token record for `user_id` in `family_id`, issued at `now`.
    #[must_use]
    pub fn issue(user_id: UserId, family_id: TokenFamilyId, token_hash: TokenHash, now: DateTime<Utc>) -> Self {
        Self {
            id: RefreshTokenId::new(),
            user_id,
            family_id,
            token_hash,
            created_at: now,
            expires_at: now + chrono::Duration::days(Self::LIFETIME_DAYS),
            revoked_at: None,
        }
    }

    /// Whether the token may still be exchanged at `now`.
    #[must_use]
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash() -> TokenHash {
        TokenHash::from_hex(&"ab".repeat(32)).expect("hex")
    }

    #[test]
    fn tokens_expire_after_seven_days() {
        let now = Utc::now();
        let token = RefreshToken::issue(UserId::new(), TokenFamilyId::new(), hash(), now);
        assert!(token.is_usable(now + chrono::Duration::days(7) - chrono::Duration::seconds(1)));
        assert!(!token.is_usable(now + chrono::Duration::days(7)));
    }

    #[test]
    fn revoked_tokens_are_unusable() {
        let now = Utc::now();
        let mut token = RefreshToken::issue(UserId::new(), TokenFamilyId::new(), hash(), now);
        token.revoked_at = Some(now);
        assert!(!token.is_usable(now));
    }

    #[test]
    fn token_hash_must_be_a_sha256_hex_digest() {
        assert!(TokenHash::from_hex("abc").is_err());
        assert!(TokenHash::from_hex(&"AB".repeat(32)).is_err());
    }
}
