//! The tenancy crate's error type.

use frontdesk_kernel::{Code, ErrorCode, ValidationErrors, storage_code};

/// Errors of tenancy rules and ports.
#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    /// Input broke a rule; lists every bad field.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The entity does not exist (or belongs to another tenant).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`user`, `sub-account`).
        entity: &'static str,
    },
    /// A uniqueness rule was broken (e.g. an email already registered).
    #[error("{field} already in use")]
    Duplicate {
        /// The field that must be unique.
        field: &'static str,
    },
    /// Authenticated, but this actor may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The user has no sub-account yet; only onboarding routes answer.
    #[error("create or join a sub-account first")]
    OnboardingRequired,
    /// The state forbids the change (e.g. already a member of a sub-account).
    #[error("{0}")]
    Conflict(&'static str),
    /// The invitation code is unknown, used or expired.
    #[error("invitation is invalid, used or expired")]
    InvalidInvitation,
    /// Wrong email or password (deliberately the same error for both).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Too many failed logins: the email is locked until `until`.
    #[error("too many failed logins; try again after {until}")]
    Locked {
        /// When the lock ends.
        until: chrono::DateTime<chrono::Utc>,
    },
    /// Too many failed logins for this email from many addresses: slowed down
    /// (not locked) until `until`.
    #[error("too many failed logins for this account; try again after {until}")]
    Throttled {
        /// When the next attempt is accepted.
        until: chrono::DateTime<chrono::Utc>,
    },
    /// The session reached its absolute lifetime: refreshing cannot extend it.
    #[error("session has reached its maximum lifetime; log in again")]
    SessionExpired,
    /// A token was malformed, tampered with, expired or revoked.
    #[error("invalid or expired token")]
    InvalidToken,
    /// A supporting service (hashing, signing, randomness) failed; the cause is kept for the logs.
    #[error("internal failure")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The storage backend failed; the cause is kept for the logs.
    #[error("storage failure")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl TenancyError {
    /// Wraps a backend error.
    pub fn storage(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(err))
    }

    /// Wraps a failure of a supporting service (hasher, signer, random source).
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }
}

impl frontdesk_kernel::DomainError for TenancyError {
    fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }

    fn retry_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            Self::Locked { until } | Self::Throttled { until } => Some(*until),
            _ => None,
        }
    }
}

impl ErrorCode for TenancyError {
    fn code(&self) -> Code {
        match self {
            Self::Validation(_) => Code::ValidationFailed,
            Self::NotFound { .. } => Code::NotFound,
            Self::Duplicate { .. } => Code::Duplicate,
            Self::InvalidToken => Code::InvalidToken,
            Self::InvalidCredentials => Code::InvalidCredentials,
            Self::Forbidden(_) => Code::Forbidden,
            Self::OnboardingRequired => Code::OnboardingRequired,
            Self::Conflict(_) => Code::Conflict,
            Self::InvalidInvitation => Code::InvalidInvitation,
            Self::Locked { .. } => Code::AccountLocked,
            Self::Throttled { .. } => Code::LoginThrottled,
            Self::SessionExpired => Code::SessionExpired,
            Self::Storage(e) => storage_code(e.as_ref()),
            Self::Internal(_) => Code::InternalError,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = TenancyError> = std::result::Result<T, E>;
