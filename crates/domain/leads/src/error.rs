//! The leads crate's error type.

use crate::lead::LeadId;
use crate::status::LeadStatus;
use frontdesk_kernel::files::FileError;
use frontdesk_kernel::jobs::JobError;
use frontdesk_kernel::{Code, ErrorCode, ValidationErrors, storage_code};

/// Errors of lead rules and ports.
#[derive(Debug, thiserror::Error)]
pub enum LeadsError {
    /// Input broke a rule; lists every bad field.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The entity does not exist, was soft-deleted, or belongs to another tenant.
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`lead`).
        entity: &'static str,
    },
    /// Another live lead of the same tenant already has this phone or email.
    #[error("{field} already used by lead {existing}")]
    Duplicate {
        /// `phone` or `email`.
        field: &'static str,
        /// The lead that already has it, so the caller can merge or redirect.
        existing: LeadId,
    },
    /// Another request changed the lead between our read and our write;
    /// retrying re-reads it (the service does so a few times first).
    #[error("{entity} was changed by another request at the same time; retry")]
    Conflict {
        /// What was written (`lead`).
        entity: &'static str,
    },
    /// The status rule forbids this move (see [`LeadStatus::can_transition_to`]).
    #[error("a lead cannot go from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: LeadStatus,
        /// The status asked for.
        to: LeadStatus,
    },
    /// The job asked for has no file to download: not a finished export.
    #[error("this job has no file to download (not a finished export)")]
    NothingToDownload,
    /// The export's file was deleted after its retention period.
    #[error("this export expired (exports are kept {hours} hours); start a new export")]
    ExportExpired {
        /// How long exports are kept (`EXPORT_TTL_HOURS`).
        hours: u64,
    },
    /// The job queue failed (or has no such job for the tenant).
    #[error(transparent)]
    Jobs(#[from] JobError),
    /// File storage failed (or refused the key).
    #[error(transparent)]
    Files(#[from] FileError),
    /// The storage backend failed; the cause is kept for the logs.
    #[error("storage failure")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl LeadsError {
    /// Wraps a backend error.
    pub fn storage(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(err))
    }
}

impl frontdesk_kernel::DomainError for LeadsError {
    fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl ErrorCode for LeadsError {
    fn code(&self) -> Code {
        match self {
            Self::Validation(_) => Code::ValidationFailed,
            Self::NotFound { .. } => Code::NotFound,
            Self::Duplicate { .. } => Code::DuplicateLead,
            Self::Conflict { .. } => Code::Conflict,
            Self::InvalidTransition { .. } => Code::InvalidTransition,
            Self::NothingToDownload => Code::NotFound,
            Self::ExportExpired { .. } => Code::Gone,
            Self::Jobs(e) => e.code(),
            Self::Files(e) => e.code(),
            Self::Storage(e) => storage_code(e.as_ref()),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = LeadsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_stable_code() {
        let errors = [
            LeadsError::Validation(ValidationErrors::single("name", "is required")),
            LeadsError::NotFound { entity: "lead" },
            LeadsError::Duplicate { field: "phone", existing: LeadId::new() },
            LeadsError::Conflict { entity: "lead" },
            LeadsError::InvalidTransition { from: LeadStatus::Won, to: LeadStatus::New },
            LeadsError::NothingToDownload,
            LeadsError::ExportExpired { hours: 24 },
            LeadsError::Jobs(JobError::NotFound),
            LeadsError::Files(FileError::unavailable(std::io::Error::other("disk"))),
            LeadsError::storage(std::io::Error::other("disk")),
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            codes,
            [
                "validation_failed",
                "not_found",
                "duplicate_lead",
                "conflict",
                "invalid_transition",
                "not_found",
                "gone",
                "not_found",
                "dependency_unavailable",
                "storage_failure"
            ]
        );
    }

    #[test]
    fn invalid_transition_names_both_statuses() {
        let err = LeadsError::InvalidTransition { from: LeadStatus::Won, to: LeadStatus::New };
        assert_eq!(err.to_string(), "a lead cannot go from won to new");
    }
}
