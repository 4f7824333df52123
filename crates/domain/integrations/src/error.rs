//! The integrations crate's error type.

use crate::integration::IntegrationStatus;
use frontdesk_kernel::{Code, ErrorCode, ValidationErrors, storage_code};

/// Errors of integration rules and ports.
#[derive(Debug, thiserror::Error)]
pub enum IntegrationsError {
    /// Input broke a rule; lists every bad field.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The entity does not exist (or belongs to another tenant).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`integration`).
        entity: &'static str,
    },
    /// The lifecycle forbids this move (see [`IntegrationStatus::can_transition_to`]).
    #[error("an integration cannot go from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: IntegrationStatus,
        /// The status asked for.
        to: IntegrationStatus,
    },
    /// The stored row changed since it was read; retry.
    #[error("the integration changed meanwhile; retry")]
    Conflict,
    /// The integration is disconnected: it cannot change or be used.
    #[error("the integration is disconnected; create a new one")]
    Disconnected,
    /// A vendor webhook without a valid signature; nothing was looked up or stored.
    #[error("missing or invalid webhook signature")]
    BadSignature,
    /// Sealing or opening credentials failed (wrong key, tampered data).
    /// The message is for the logs; it never contains secret material.
    #[error("credential encryption failure: {message}")]
    Crypto {
        /// What went wrong.
        message: String,
    },
    /// Too many requests of a kind (replays, redeliveries); try again later.
    #[error("{0}")]
    RateLimited(String),
    /// The storage backend failed; the cause is kept for the logs.
    #[error("storage failure")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl IntegrationsError {
    /// Wraps a backend error.
    pub fn storage(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(err))
    }
}

impl frontdesk_kernel::DomainError for IntegrationsError {
    fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl ErrorCode for IntegrationsError {
    fn code(&self) -> Code {
        match self {
            Self::Validation(_) => Code::ValidationFailed,
            Self::NotFound { .. } => Code::NotFound,
            Self::InvalidTransition { .. } => Code::InvalidTransition,
            Self::Conflict => Code::Conflict,
            Self::Disconnected => Code::InvalidTransition,
            Self::BadSignature => Code::Forbidden,
            Self::Crypto { .. } => Code::CryptoFailure,
            Self::RateLimited(_) => Code::RateLimited,
            Self::Storage(e) => storage_code(e.as_ref()),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = IntegrationsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_stable_code() {
        let errors = [
            IntegrationsError::Validation(ValidationErrors::single("name", "is required")),
            IntegrationsError::NotFound { entity: "integration" },
            IntegrationsError::InvalidTransition {
                from: IntegrationStatus::Disconnected,
                to: IntegrationStatus::Active,
            },
            IntegrationsError::Conflict,
            IntegrationsError::Disconnected,
            IntegrationsError::BadSignature,
            IntegrationsError::Crypto { message: "tag mismatch".into() },
            IntegrationsError::storage(std::io::Error::other("disk")),
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            codes,
            [
                "validation_failed",
                "not_found",
                "invalid_transition",
                "conflict",
                "invalid_transition",
                "forbidden",
                "crypto_failure",
                "storage_failure"
            ]
        );
    }
}
