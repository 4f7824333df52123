//! The bookings crate's error type.

use crate::booking::{BookingId, BookingStatus};
use frontdesk_kernel::{Code, ErrorCode, ValidationErrors, storage_code};

/// Errors of booking rules and ports.
#[derive(Debug, thiserror::Error)]
pub enum BookingsError {
    /// Input broke a rule; lists every bad field.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The entity does not exist (or belongs to another tenant).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`booking`).
        entity: &'static str,
    },
    /// The slot overlaps a confirmed booking of the same tenant.
    #[error("slot already taken by booking {conflicting}")]
    SlotTaken {
        /// The confirmed booking in the way.
        conflicting: BookingId,
    },
    /// The status rule forbids this move (see [`BookingStatus::can_transition_to`]).
    #[error("a booking cannot go from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: BookingStatus,
        /// The status asked for.
        to: BookingStatus,
    },
    /// The storage backend failed; the cause is kept for the logs.
    #[error("storage failure")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl BookingsError {
    /// Wraps a backend error.
    pub fn storage(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(err))
    }
}

impl frontdesk_kernel::DomainError for BookingsError {
    fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl ErrorCode for BookingsError {
    fn code(&self) -> Code {
        match self {
            Self::Validation(_) => Code::ValidationFailed,
            Self::NotFound { .. } => Code::NotFound,
            Self::SlotTaken { .. } => Code::SlotTaken,
            Self::InvalidTransition { .. } => Code::InvalidTransition,
            Self::Storage(e) => storage_code(e.as_ref()),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = BookingsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_stable_code() {
        let errors = [
            BookingsError::Validation(ValidationErrors::single("startsAt", "must be in the future")),
            BookingsError::NotFound { entity: "booking" },
            BookingsError::SlotTaken { conflicting: BookingId::new() },
            BookingsError::InvalidTransition { from: BookingStatus::Cancelled, to: BookingStatus::Confirmed },
            BookingsError::storage(std::io::Error::other("disk")),
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(codes, ["validation_failed", "not_found", "slot_taken", "invalid_transition", "storage_failure"]);
    }
}
