//! The kernel's error type, the typed [`Code`] every error carries, and the
//! [`ErrorCode`] trait every crate's error implements.
//!
//! Each domain error carries a stable, machine-readable [`Code`] (`not_found`,
//! `validation_failed`, …). Codes are an enum, not strings, so a typo cannot
//! compile and the api's mapping from code to HTTP status is an exhaustive
//! `match` in exactly one place: adding a code without a status does not
//! compile. No domain crate knows about HTTP.
//!
//! Storage failures come in two kinds that a client must tell apart: a bug
//! or corrupt row (500, do not retry) and a dependency that is unreachable
//! right now (503 + `Retry-After`, retry). Adapters wrap connection-level
//! failures in [`Unavailable`]; [`storage_code`] finds it in a cause chain.

use crate::validation::ValidationErrors;
use std::error::Error;
use std::fmt;

/// Every stable error code the api can answer with. Changing a name is a breaking API change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// One or more fields are invalid (400; `message` lists each).
    ValidationFailed,
    /// A path or query id is not an id (400).
    InvalidId,
    /// The body is not valid JSON (400).
    MalformedJson,
    /// The request is unusable for another stated reason (400).
    BadRequest,
    /// An invitation code is unknown, used or expired (400).
    InvalidInvitation,
    /// No or unusable credentials (401).
    Unauthorized,
    /// The bearer or refresh token is invalid, expired or revoked (401).
    InvalidToken,
    /// Wrong email or password (401).
    InvalidCredentials,
    /// The session reached its absolute lifetime; log in again (401).
    SessionExpired,
    /// The caller's role may not do this (403).
    Forbidden,
    /// The user has no sub-account yet (403).
    OnboardingRequired,
    /// No such entity in the caller's scope (404).
    NotFound,
    /// The route exists but not for this method (405).
    MethodNotAllowed,
    /// The request took too long to arrive (408).
    RequestTimeout,
    /// A unique value is already used (409).
    Duplicate,
    /// Another lead of the sub-account has this phone or email (409).
    DuplicateLead,
    /// The slot is booked or held (409).
    SlotTaken,
    /// A concurrent change won; retry (409).
    Conflict,
    /// The thing existed but is gone for good (410).
    Gone,
    /// The body is over its limit (413).
    PayloadTooLarge,
    /// The body's content type is not accepted (415).
    UnsupportedMediaType,
    /// A state move the rules forbid (422).
    InvalidTransition,
    /// One item must stay the default (422).
    DefaultRequired,
    /// Well-formed but semantically unusable (422).
    Unprocessable,
    /// The time is outside the schedule's opening hours (422).
    OutsideHours,
    /// The time is inside the minimum-notice window (422).
    TooSoon,
    /// The time is past the booking horizon (422).
    BeyondHorizon,
    /// The hold expired or was released before it was used (409).
    HoldExpired,
    /// Too many failed logins (423).
    AccountLocked,
    /// Too many requests (429).
    RateLimited,
    /// Too many failed logins for one email from many addresses: slowed down, not locked (429).
    LoginThrottled,
    /// A bug or corrupt data in storage (500).
    StorageFailure,
    /// A cryptographic operation failed (500).
    CryptoFailure,
    /// A cryptographic setting is unusable (500).
    CryptoMisconfigured,
    /// Anything else that is our fault (500).
    InternalError,
    /// A store or vendor is unreachable right now; retry (503).
    DependencyUnavailable,
    /// The language model is unreachable right now (503).
    ModelUnavailable,
    /// The service cannot take this request right now (503).
    ServiceUnavailable,
}

impl Code {
    /// Every code, for documentation and exhaustiveness tests.
    pub const ALL: [Self; 38] = [
        Self::ValidationFailed,
        Self::InvalidId,
        Self::MalformedJson,
        Self::BadRequest,
        Self::InvalidInvitation,
        Self::Unauthorized,
        Self::InvalidToken,
        Self::InvalidCredentials,
        Self::SessionExpired,
        Self::Forbidden,
        Self::OnboardingRequired,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::RequestTimeout,
        Self::Duplicate,
        Self::DuplicateLead,
        Self::SlotTaken,
        Self::Conflict,
        Self::Gone,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::InvalidTransition,
        Self::DefaultRequired,
        Self::Unprocessable,
        Self::OutsideHours,
        Self::TooSoon,
        Self::BeyondHorizon,
        Self::HoldExpired,
        Self::AccountLocked,
        Self::RateLimited,
        Self::LoginThrottled,
        Self::StorageFailure,
        Self::CryptoFailure,
        Self::CryptoMisconfigured,
        Self::InternalError,
        Self::DependencyUnavailable,
        Self::ModelUnavailable,
        Self::ServiceUnavailable,
    ];

    /// The wire form (`snake_case`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation_failed",
            Self::InvalidId => "invalid_id",
            Self::MalformedJson => "malformed_json",
            Self::BadRequest => "bad_request",
            Self::InvalidInvitation => "invalid_invitation",
            Self::Unauthorized => "unauthorized",
            Self::InvalidToken => "invalid_token",
            Self::InvalidCredentials => "invalid_credentials",
            Self::SessionExpired => "session_expired",
            Self::Forbidden => "forbidden",
            Self::OnboardingRequired => "onboarding_required",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout => "request_timeout",
            Self::Duplicate => "duplicate",
            Self::DuplicateLead => "duplicate_lead",
            Self::SlotTaken => "slot_taken",
            Self::Conflict => "conflict",
            Self::Gone => "gone",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidTransition => "invalid_transition",
            Self::DefaultRequired => "default_required",
            Self::Unprocessable => "unprocessable",
            Self::OutsideHours => "outside_hours",
            Self::TooSoon => "too_soon",
            Self::BeyondHorizon => "beyond_horizon",
            Self::HoldExpired => "hold_expired",
            Self::AccountLocked => "account_locked",
            Self::RateLimited => "rate_limited",
            Self::LoginThrottled => "login_throttled",
            Self::StorageFailure => "storage_failure",
            Self::CryptoFailure => "crypto_failure",
            Self::CryptoMisconfigured => "crypto_misconfigured",
            Self::InternalError => "internal_error",
            Self::DependencyUnavailable => "dependency_unavailable",
            Self::ModelUnavailable => "model_unavailable",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable machine-readable code for an error, shown to API clients as `code`.
pub trait ErrorCode {
    /// The stable code.
    fn code(&self) -> Code;
}

/// What the api needs of any error it turns into a response: a code, and
/// the details some codes carry. One generic conversion in the api serves
/// every crate's error through this trait.
pub trait DomainError: ErrorCode + Error + Send + Sync + 'static {
    /// The invalid fields, when this is a validation failure (rendered as a list).
    fn validation(&self) -> Option<&ValidationErrors> {
        None
    }

    /// When a retry can succeed, if the error knows (`Retry-After`).
    fn retry_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }
}

impl ErrorCode for ValidationErrors {
    fn code(&self) -> Code {
        Code::ValidationFailed
    }
}

impl DomainError for ValidationErrors {
    fn validation(&self) -> Option<&ValidationErrors> {
        Some(self)
    }
}

impl DomainError for KernelError {
    fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            Self::InvalidId { .. } => None,
        }
    }
}

/// A dependency (database, Redis, a vendor) that could not be reached: the
/// connection was refused or reset, the pool timed out, the server is
/// shutting down. Adapters wrap such failures in this so the api answers
/// 503 `dependency_unavailable` with `Retry-After` instead of a 500.
#[derive(Debug, thiserror::Error)]
#[error("{dependency} unavailable")]
pub struct Unavailable {
    /// What could not be reached (`database`, `redis`).
    pub dependency: &'static str,
    /// The driver's error, for the logs.
    #[source]
    pub source: Box<dyn Error + Send + Sync>,
}

impl Unavailable {
    /// Wraps a connection-level failure of `dependency`.
    pub fn new(dependency: &'static str, source: impl Error + Send + Sync + 'static) -> Self {
        Self { dependency, source: Box::new(source) }
    }
}

/// [`Code::DependencyUnavailable`] when `err` or any of its causes is an
/// [`Unavailable`], [`Code::StorageFailure`] otherwise.
#[must_use]
pub fn storage_code(err: &(dyn Error + 'static)) -> Code {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.is::<Unavailable>() {
            return Code::DependencyUnavailable;
        }
        current = e.source();
    }
    Code::StorageFailure
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
    fn code(&self) -> Code {
        match self {
            Self::InvalidId { .. } => Code::InvalidId,
            Self::Validation(_) => Code::ValidationFailed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            assert!(seen.insert(name), "{name} twice");
        }
    }

    #[test]
    fn unavailability_is_found_anywhere_in_the_cause_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] Unavailable);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(storage_code(&Outer(Unavailable::new("database", refused))), Code::DependencyUnavailable);
        assert_eq!(storage_code(&std::io::Error::other("corrupt row")), Code::StorageFailure);
    }
}
