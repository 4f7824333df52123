//! Refresh-token records.
//!
//! The token itself is shown to the client once; only its SHA-256 hash is
//! stored, so a database leak yields no usable session. Tokens are grouped
//! in families: rotating a token keeps the family, and presenting an
//! already-revoked token revokes the whole family (theft detection).
//!
//! A family is one login. It is stored with its start, so a session ends
//! [`SessionPolicy::absolute_lifetime`] after the login however often it is
//! refreshed (each rotation alone would grant another seven days forever),
//! and with a revoked mark that rotation checks, so no token can be issued
//! into a family after its revocation.

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
    /// When its family (the login) started: the session ends a fixed time after it.
    pub family_started_at: DateTime<Utc>,
}

/// How long sessions last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// The longest a session may be kept alive by refreshing, counted from
    /// the login (`REFRESH_ABSOLUTE_TTL_DAYS`, default 30 days).
    pub absolute_lifetime: chrono::Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { absolute_lifetime: chrono::Duration::days(30) }
    }
}

impl RefreshToken {
    /// Refresh tokens live seven days.
    pub const LIFETIME_DAYS: i64 = 7;

    /// The first token of the family `family_id` (a login) for `user_id`, issued at `now`.
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
            family_started_at: now,
        }
    }

    /// The token that replaces this one at `now`: same family, and never
    /// valid past the family's absolute end under `policy`.
    #[must_use]
    pub fn successor(&self, token_hash: TokenHash, now: DateTime<Utc>, policy: SessionPolicy) -> Self {
        let next = Self::issue(self.user_id, self.family_id, token_hash, now);
        Self { family_started_at: self.family_started_at, ..next }.capped(policy)
    }

    /// This token with its expiry cut to the family's absolute end under `policy`.
    #[must_use]
    pub fn capped(mut self, policy: SessionPolicy) -> Self {
        self.expires_at = self.expires_at.min(self.session_ends_at(policy));
        self
    }

    /// When the session this token belongs to ends, however often it is refreshed.
    #[must_use]
    pub fn session_ends_at(&self, policy: SessionPolicy) -> DateTime<Utc> {
        self.family_started_at + policy.absolute_lifetime
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
    fn successors_keep_the_family_start_and_never_outlive_the_session() {
        let start = Utc::now();
        let first = RefreshToken::issue(UserId::new(), TokenFamilyId::new(), hash(), start);
        let policy = SessionPolicy::default();
        let early = first.successor(hash(), start + chrono::Duration::days(1), policy);
        assert_eq!((early.family_id, early.family_started_at), (first.family_id, start));
        assert_eq!(early.expires_at, start + chrono::Duration::days(8), "seven days from the rotation");
        let late = early.successor(hash(), start + chrono::Duration::days(28), policy);
        assert_eq!(late.expires_at, start + chrono::Duration::days(30), "capped at the session's end");
    }

    #[test]
    fn token_hash_must_be_a_sha256_hex_digest() {
        assert!(TokenHash::from_hex("abc").is_err());
        assert!(TokenHash::from_hex(&"AB".repeat(32)).is_err());
    }
}
