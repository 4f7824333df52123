//! The crypto adapters' one error type.
//!
//! Configuration mistakes (a weak `JWT_SECRET`, a bcrypt cost out of range,
//! an unusable key) are reported at start-up with the variable to fix;
//! a rejected token carries a [`TokenRejection`] for logs and tests, but its
//! [`ErrorCode`] is always `invalid_token`, so clients learn nothing about
//! *why* a token failed.

use frontdesk_kernel::{Code, ErrorCode};
use std::fmt;

/// Why a JSON Web Token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not three base64url segments, or a header/payload that is not a JSON object.
    Malformed,
    /// The header's `alg` is not on the verifier's allow-list (`none`, `HS512`, `RS256`, …).
    AlgorithmNotAllowed,
    /// The header lists `crit` extensions, none of which this verifier understands (RFC 7515 §4.1.11).
    UnsupportedCriticalHeader,
    /// The signature does not match the key.
    BadSignature,
    /// A required claim is absent or `null`.
    MissingClaim(String),
    /// A registered claim has the wrong type (`exp` not a number, `sub` not a string, …).
    InvalidClaim(&'static str),
    /// `exp` is at or before now.
    Expired,
    /// `nbf` is after now.
    NotYetValid,
    /// `iat` is after now.
    IssuedInTheFuture,
    /// `aud` does not name this verifier's audience (or names one it does not expect).
    WrongAudience,
    /// `iss` is not the expected issuer.
    WrongIssuer,
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("malformed token"),
            Self::AlgorithmNotAllowed => f.write_str("algorithm not allowed"),
            Self::UnsupportedCriticalHeader => f.write_str("unsupported critical header extension"),
            Self::BadSignature => f.write_str("signature verification failed"),
            Self::MissingClaim(claim) => write!(f, "missing required claim {claim:?}"),
            Self::InvalidClaim(claim) => write!(f, "claim {claim:?} has the wrong type"),
            Self::Expired => f.write_str("token has expired"),
            Self::NotYetValid => f.write_str("token is not valid yet (nbf)"),
            Self::IssuedInTheFuture => f.write_str("token is issued in the future (iat)"),
            Self::WrongAudience => f.write_str("audience does not match"),
            Self::WrongIssuer => f.write_str("issuer does not match"),
        }
    }
}

/// Errors of the crypto adapters.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The bcrypt cost is outside what bcrypt accepts.
    #[error("bcrypt cost {cost} is outside the allowed range 4..=31")]
    InvalidCost {
        /// The rejected cost.
        cost: u32,
    },
    /// The HS256 secret is too short to resist brute force.
    #[error("JWT_SECRET must be at least {min} bytes (got {actual})")]
    WeakJwtSecret {
        /// The minimum length in bytes.
        min: usize,
        /// The length that was given (never the secret itself).
        actual: usize,
    },
    /// A verification key could not be used.
    #[error("unusable verification key: {reason}")]
    InvalidKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `ENCRYPTION_KEYS` is unusable; the reason names the entry, never a key.
    #[error("ENCRYPTION_KEYS: {0}")]
    InvalidEncryptionKeys(String),
    /// A vendor's public key setting is unusable; the message names the variable.
    #[error("{0}")]
    InvalidPublicKey(String),
    /// An algorithm name that this crate does not verify (including `none`).
    #[error("unsupported JWT algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// An empty algorithm allow-list, or one mixing key families (HMAC with RSA).
    #[error("the JWT algorithm allow-list must be non-empty and use a single key family")]
    MixedAlgorithms,
    /// bcrypt failed (random salt unavailable, corrupt stored hash).
    #[error("bcrypt failed")]
    Bcrypt(#[source] bcrypt::BcryptError),
    /// The hashing thread running bcrypt panicked, or the pool is gone.
    #[error("hashing did not complete: {0}")]
    Worker(String),
    /// The operating system's random generator failed.
    #[error("the system random generator failed")]
    Random,
    /// Encoding or signing a token failed.
    #[error("signing the token failed")]
    Signing(#[source] jsonwebtoken::errors::Error),
    /// A token was rejected.
    #[error("invalid token: {0}")]
    InvalidToken(TokenRejection),
}

impl CryptoError {
    /// The rejection reason, when this is a rejected token.
    #[must_use]
    pub const fn rejection(&self) -> Option<&TokenRejection> {
        match self {
            Self::InvalidToken(reason) => Some(reason),
            _ => None,
        }
    }
}

impl frontdesk_kernel::DomainError for CryptoError {}

impl ErrorCode for CryptoError {
    fn code(&self) -> Code {
        match self {
            Self::InvalidCost { .. }
            | Self::WeakJwtSecret { .. }
            | Self::InvalidKey { .. }
            | Self::InvalidEncryptionKeys(_)
            | Self::InvalidPublicKey(_)
            | Self::UnsupportedAlgorithm(_)
            | Self::MixedAlgorithms => Code::CryptoMisconfigured,
            Self::Bcrypt(_) | Self::Worker(_) | Self::Random | Self::Signing(_) => Code::CryptoFailure,
            Self::InvalidToken(_) => Code::InvalidToken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_secret_names_the_variable_not_the_value() {
        let err = CryptoError::WeakJwtSecret { min: 32, actual: 5 };
        assert_eq!(err.to_string(), "JWT_SECRET must be at least 32 bytes (got 5)");
        assert_eq!(err.code().as_str(), "crypto_misconfigured");
    }

    #[test]
    fn every_token_rejection_has_the_same_public_code() {
        for reason in [TokenRejection::Expired, TokenRejection::BadSignature, TokenRejection::Malformed] {
            let err = CryptoError::InvalidToken(reason.clone());
            assert_eq!(err.code().as_str(), "invalid_token");
            assert_eq!(err.rejection(), Some(&reason));
        }
        assert_eq!(CryptoError::Random.code().as_str(), "crypto_failure");
        assert_eq!(CryptoError::Random.rejection(), None);
    }
}
