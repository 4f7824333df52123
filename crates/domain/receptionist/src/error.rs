//! The receptionist crate's error type.

use frontdesk_kernel::{Code, ErrorCode, ValidationErrors, storage_code};

/// Errors of receptionist rules and ports.
#[derive(Debug, thiserror::Error)]
pub enum ReceptionistError {
    /// Input broke a rule; lists every bad field.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The entity does not exist (or belongs to another tenant).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`conversation`, `strategy`, `prompt template`, `lead`).
        entity: &'static str,
    },
    /// The change would leave the tenant without a default (unsetting the
    /// current default); another one must be made the default instead.
    #[error("this {entity} is the default: make another {entity} the default instead")]
    DefaultRequired {
        /// What was being changed (`strategy`, `prompt template`).
        entity: &'static str,
    },
    /// Another record already holds this value (a phone number routed to
    /// some sub-account, an inbound address, a blocked number).
    #[error("{entity} already exists")]
    AlreadyExists {
        /// What was being added (`phone number`, `inbound address`, `blocked number`).
        entity: &'static str,
    },
    /// The chat model failed or timed out; callers answer with a
    /// [`crate::FallbackReply`] instead of failing the conversation.
    #[error("chat model unavailable: {message}")]
    ModelUnavailable {
        /// What the provider said (never shown to the lead).
        message: String,
    },
    /// The storage backend failed; the cause is kept for the logs.
    #[error("storage failure")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ReceptionistError {
    /// Wraps a backend error.
    pub fn storage(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(err))
    }
}

impl frontdesk_kernel::DomainError for ReceptionistError {
    fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl ErrorCode for ReceptionistError {
    fn code(&self) -> Code {
        match self {
            Self::Validation(_) => Code::ValidationFailed,
            Self::NotFound { .. } => Code::NotFound,
            Self::DefaultRequired { .. } => Code::DefaultRequired,
            Self::AlreadyExists { .. } => Code::Conflict,
            Self::ModelUnavailable { .. } => Code::ModelUnavailable,
            Self::Storage(e) => storage_code(e.as_ref()),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = ReceptionistError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_stable_code() {
        let errors = [
            ReceptionistError::Validation(ValidationErrors::single("content", "is required")),
            ReceptionistError::NotFound { entity: "conversation" },
            ReceptionistError::DefaultRequired { entity: "strategy" },
            ReceptionistError::AlreadyExists { entity: "phone number" },
            ReceptionistError::ModelUnavailable { message: "timeout".into() },
            ReceptionistError::storage(std::io::Error::other("disk")),
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            codes,
            ["validation_failed", "not_found", "default_required", "conflict", "model_unavailable", "storage_failure"]
        );
        assert_eq!(errors[2].to_string(), "this strategy is the default: make another strategy the default instead");
    }
}
