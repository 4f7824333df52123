//! The kernel's error type and the [`ErrorCode`] trait every crate's error implements.
//!
//! Each domain error carries a stable, machine-readable `code()` (`not_found`,
//! `validation_failed`, …). The api chooses the HTTP status from that code in
//! exactly one place, so no domain crate ever knows about HTTP.

use crate::validation::ValidationErrors;

/// A stable machine-readable code for an error, shown to API clients as `code`.
pub trait ErrorCode {
    /// The stable code (snake_case). Changing one is a breaking API change.
    fn code(&self) -> &'static str;
}

/// Errors of the shared vocabulary.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    /// A string that should have been an id was not a UUID.
    #[error("{value} is not a valid {kind}")]
    InvalidId {
        /// What kind of id was expected ("lead id").
        kind: &'static str,
        /// The offending input (truncated).
        value: String,
    },
    /// One or more fields failed validation.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
}

impl ErrorCode for KernelError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidId { .. } => "invalid_id",
            Self::Validation(_) => "validation_failed",
        }
    }
}
