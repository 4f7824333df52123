//! The bookings crate's error type: one variant per rule a request can
//! break, each with its typed code (the api maps codes to HTTP in one place).

use crate::booking::BookingStatus;
use chrono::{DateTime, Utc};
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
        /// What was looked for (`booking`, `hold`, `resource`, `appointment type`, `lead`).
        entity: &'static str,
    },
    /// The slot overlaps a confirmed booking or a live hold (with buffers) of the resource.
    #[error("that time is already taken{}", if *any { ": every resource that could serve it is booked or held" } else { " (booked or held)" })]
    SlotTaken {
        /// Whether several resources were tried.
        any: bool,
    },
    /// The time is outside the opening hours of the schedule that applies.
    #[error("{starts_at} is outside the opening hours{}", resource.as_ref().map(|r| format!(" of {r}")).unwrap_or_default())]
    OutsideHours {
        /// The requested start.
        starts_at: DateTime<Utc>,
        /// The resource's name, when it has its own hours.
        resource: Option<String>,
    },
    /// The time is inside the minimum notice.
    #[error("too soon: the earliest bookable start is {earliest}")]
    TooSoon {
        /// The earliest start allowed now.
        earliest: DateTime<Utc>,
    },
    /// The time is past the booking horizon.
    #[error("too far ahead: the latest bookable start is {latest}")]
    BeyondHorizon {
        /// The latest start allowed now.
        latest: DateTime<Utc>,
    },
    /// The hold is expired, released or was for another slot.
    #[error("{0}")]
    HoldExpired(String),
    /// The status rule forbids this move (see [`BookingStatus::can_transition_to`]).
    #[error("a booking cannot go from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: BookingStatus,
        /// The status asked for.
        to: BookingStatus,
    },
    /// The change conflicts with stored state (e.g. deleting a resource with upcoming bookings).
    #[error("{0}")]
    Conflict(String),
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
            Self::OutsideHours { .. } => Code::OutsideHours,
            Self::TooSoon { .. } => Code::TooSoon,
            Self::BeyondHorizon { .. } => Code::BeyondHorizon,
            Self::HoldExpired(_) => Code::HoldExpired,
            Self::InvalidTransition { .. } => Code::InvalidTransition,
            Self::Conflict(_) => Code::Conflict,
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
        let now = Utc::now();
        let errors = [
            BookingsError::Validation(ValidationErrors::single("startsAt", "must be in the future")),
            BookingsError::NotFound { entity: "booking" },
            BookingsError::SlotTaken { any: false },
            BookingsError::OutsideHours { starts_at: now, resource: None },
            BookingsError::TooSoon { earliest: now },
            BookingsError::BeyondHorizon { latest: now },
            BookingsError::HoldExpired("hold expired".into()),
            BookingsError::InvalidTransition { from: BookingStatus::Cancelled, to: BookingStatus::Confirmed },
            BookingsError::Conflict("busy".into()),
            BookingsError::storage(std::io::Error::other("disk")),
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            codes,
            [
                "validation_failed",
                "not_found",
                "slot_taken",
                "outside_hours",
                "too_soon",
                "beyond_horizon",
                "hold_expired",
                "invalid_transition",
                "conflict",
                "storage_failure"
            ]
        );
    }
}
