//! The one place where errors become HTTP responses.
//!
//! Every error body has the shape of API.md:
//! `{"statusCode":400,"error":"Bad Request","message":…,"code":"validation_failed"}`.
//! Every crate's error carries a typed [`Code`]; [`status_of`] maps codes to
//! statuses here and nowhere else (an exhaustive match: a new code without a
//! status does not compile). One generic `From<E: DomainError>` converts
//! every crate's error. 5xx answers carry no
//! internals: the cause chain is logged once, with the request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use frontdesk_kernel::{Code, DomainError, ValidationErrors};
use serde::Serialize;
use std::fmt;

/// `message` is a string, or a list (one line per invalid field).
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ErrorMessage {
    /// A single sentence.
    Text(String),
    /// One `field: problem` line per invalid field.
    List(Vec<String>),
}

/// The JSON body of every error response.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The HTTP status code.
    pub status_code: u16,
    /// The status's reason phrase ("Bad Request").
    pub error: String,
    /// What went wrong and what to fix: a sentence, or one `field: problem` line per invalid field.
    pub message: ErrorMessage,
    /// Stable machine-readable code (`validation_failed`, `not_found`…).
    pub code: String,
}

/// Seconds a client should wait before retrying a 503 (a store restarting, a pool exhausted).
pub const RETRY_UNAVAILABLE_SECS: u64 = 2;

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Code,
    message: ErrorMessage,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error whose status is the one its code maps to.
    #[must_use]
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        let retry_after = (status_of(code) == StatusCode::SERVICE_UNAVAILABLE).then_some(RETRY_UNAVAILABLE_SECS);
        Self { status: status_of(code), code, message: ErrorMessage::Text(message.into()), retry_after }
    }

    /// 400 listing every invalid field.
    #[must_use]
    pub fn validation(errors: &ValidationErrors) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: Code::ValidationFailed,
            message: ErrorMessage::List(errors.messages()),
            retry_after: None,
        }
    }

    /// 400 `validation_failed` for one field.
    #[must_use]
    pub fn field(field: &str, problem: &str) -> Self {
        Self::validation(&ValidationErrors::single(field, problem))
    }

    /// 404 with a message naming what was not found.
    #[must_use]
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(Code::NotFound, what)
    }

    /// 500 with no internals; the cause is logged here, once.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        log_chain(cause, "internal error");
        Self::new(
            Code::InternalError,
            "something went wrong on our side; quote the X-Request-Id header if you contact support",
        )
    }

    /// Any crate's error, with its status chosen from its code. Server-side
    /// failures show no internals; their cause chain is logged once.
    pub fn from_domain<E: DomainError>(err: &E) -> Self {
        if let Some(errors) = err.validation() {
            return Self::validation(errors);
        }
        let code = err.code();
        let status = status_of(code);
        let mut api = if status == StatusCode::SERVICE_UNAVAILABLE {
            log_chain(err, "dependency unavailable");
            Self::new(code, "a service we depend on is unavailable right now; retry after the Retry-After delay")
        } else if status.is_server_error() {
            let mut api = Self::internal(err);
            api.code = code;
            api.status = status;
            api
        } else {
            Self::new(code, err.to_string())
        };
        if let Some(at) = err.retry_at() {
            let seconds = (at - chrono::Utc::now()).num_seconds().max(1);
            api.retry_after = Some(seconds.unsigned_abs());
        }
        api
    }

    /// Adds `Retry-After` (seconds).
    #[must_use]
    pub const fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The stable code.
    #[must_use]
    pub const fn code(&self) -> Code {
        self.code
    }

    /// The body this error renders.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            status_code: self.status.as_u16(),
            error: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            message: self.message.clone(),
            code: self.code.as_str().to_owned(),
        }
    }
}

/// Logs an error with its whole cause chain.
fn log_chain(cause: &(dyn std::error::Error + 'static), what: &'static str) {
    let mut chain = cause.to_string();
    let mut source = cause.source();
    while let Some(err) = source {
        chain.push_str(": ");
        chain.push_str(&err.to_string());
        source = err.source();
    }
    if what == "internal error" {
        tracing::error!(error.chain = %chain, "{what}");
    } else {
        tracing::warn!(error.chain = %chain, "{what}");
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        response.json(self.body())
    }
}

impl<E: DomainError> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self::from_domain(&err)
    }
}

/// The HTTP status of each stable error code. The match is exhaustive: a new
/// [`Code`] does not compile until it has a status here.
#[must_use]
pub const fn status_of(code: Code) -> StatusCode {
    match code {
        Code::ValidationFailed | Code::InvalidId | Code::MalformedJson | Code::BadRequest | Code::InvalidInvitation => {
            StatusCode::BAD_REQUEST
        }
        Code::Unauthorized | Code::InvalidToken | Code::InvalidCredentials | Code::SessionExpired => {
            StatusCode::UNAUTHORIZED
        }
        Code::Forbidden | Code::OnboardingRequired => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Code::Duplicate | Code::DuplicateLead | Code::SlotTaken | Code::Conflict | Code::HoldExpired => {
            StatusCode::CONFLICT
        }
        Code::Gone => StatusCode::GONE,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::InvalidTransition
        | Code::DefaultRequired
        | Code::Unprocessable
        | Code::OutsideHours
        | Code::TooSoon
        | Code::BeyondHorizon => StatusCode::UNPROCESSABLE_ENTITY,
        Code::AccountLocked => StatusCode::LOCKED,
        Code::RateLimited | Code::LoginThrottled => StatusCode::TOO_MANY_REQUESTS,
        Code::StorageFailure | Code::CryptoFailure | Code::CryptoMisconfigured | Code::InternalError => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        Code::DependencyUnavailable | Code::ModelUnavailable | Code::ServiceUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The stable code used for a bare status (errors produced by the framework).
#[must_use]
pub fn code_for_status(status: StatusCode) -> Code {
    match status.as_u16() {
        400 => Code::BadRequest,
        401 => Code::Unauthorized,
        403 => Code::Forbidden,
        404 => Code::NotFound,
        405 => Code::MethodNotAllowed,
        408 => Code::RequestTimeout,
        409 => Code::Conflict,
        410 => Code::Gone,
        413 => Code::PayloadTooLarge,
        415 => Code::UnsupportedMediaType,
        422 => Code::Unprocessable,
        423 => Code::AccountLocked,
        429 => Code::RateLimited,
        503 => Code::ServiceUnavailable,
        _ => Code::InternalError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_its_documented_status() {
        let by_name = |name: &str| Code::ALL.into_iter().find(|c| c.as_str() == name).expect(name);
        for (code, status) in [
            ("validation_failed", 400),
            ("invalid_token", 401),
            ("onboarding_required", 403),
            ("not_found", 404),
            ("duplicate", 409),
            ("payload_too_large", 413),
            ("unsupported_media_type", 415),
            ("invalid_transition", 422),
            ("account_locked", 423),
            ("rate_limited", 429),
            ("login_throttled", 429),
            ("session_expired", 401),
            ("storage_failure", 500),
            ("service_unavailable", 503),
            ("dependency_unavailable", 503),
            ("gone", 410),
        ] {
            assert_eq!(status_of(by_name(code)).as_u16(), status, "{code}");
        }
    }

    #[test]
    fn validation_errors_render_as_a_list() {
        let mut errors = ValidationErrors::new();
        errors.add("email", "not a valid email");
        errors.add("name", "is required");
        let body = serde_json::to_value(ApiError::validation(&errors).body()).expect("json");
        assert_eq!(
            body,
            serde_json::json!({
                "statusCode": 400, "error": "Bad Request",
                "message": ["email: not a valid email", "name: is required"],
                "code": "validation_failed"
            })
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let cause = std::io::Error::other("password=hunter2 leaked in a driver message");
        let body = ApiError::internal(&cause).body();
        assert_eq!(body.status_code, 500);
        assert!(!format!("{:?}", body.message).contains("hunter2"));
    }
}
