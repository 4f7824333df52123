//! The integrations crate's error type.

use crate::integration::IntegrationStatus;
use frontdesk_kernel::{ErrorCode, ValidationErrors};

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
    /// Sealing or opening credentials failed (wrong key, tampered data).
    /// The message is for the logs; it never contains secret material.
    #[error("credential encryption failure: {message}")]
    Crypto {
        /// What went wrong.
        message: String,
    },
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

impl ErrorCode for IntegrationsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::NotFound { .. } => "not_found",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::Crypto { .. } => "crypto_failure",
            Self::Storage(_) => "storage_failure",
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
            IntegrationsError::Crypto { message: "tag mismatch".into() },
            IntegrationsError::storage(std::io::Error::other("disk")),
        ];
        let codes: Vec<_> = errors.iter().map(ErrorCode::code).collect();
        assert_eq!(
            codes,
            ["validation_failed", "not_found", "invalid_transition", "crypto_failure", "storage_failure"]
        );
    }
}
