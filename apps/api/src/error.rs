//! The one place where errors become HTTP responses.
//!
//! Every error body has the shape of API.md:
//! `{"statusCode":400,"error":"Bad Request","message":…,"code":"validation_failed"}`.
//! Domain crates give each error a stable `code()`; [`status_for_code`]
//! maps codes to statuses here and nowhere else. 5xx answers carry no
//! internals: the cause chain is logged once, with the request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use frontdesk_kernel::{ErrorCode, ValidationErrors};
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
    /// What went wrong and what to fix.
    #[schema(value_type = Object)]
    pub message: ErrorMessage,
    /// Stable machine-readable code (`validation_failed`, `not_found`…).
    pub code: String,
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: ErrorMessage,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit status.
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: ErrorMessage::Text(message.into()), retry_after: None }
    }

    /// 400 listing every invalid field.
    #[must_use]
    pub fn validation(errors: &ValidationErrors) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "validation_failed",
            message: ErrorMessage::List(errors.messages()),
            retry_after: None,
        }
    }

    /// 404 with a message naming what was not found.
    #[must_use]
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// 500 with no internals; the cause is logged here, once.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(err) = source {
            chain.push_str(": ");
            chain.push_str(&err.to_string());
            source = err.source();
        }
        tracing::error!(error.chain = %chain, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; quote the X-Request-Id header if you contact support",
        )
    }

    /// A domain error, with its status chosen from its code.
    pub fn from_domain<E>(err: &E) -> Self
    where
        E: ErrorCode + std::error::Error + 'static,
    {
        let status = status_for_code(err.code());
        if status.is_server_error() {
            let mut api = Self::internal(err);
            api.status = status;
            return api;
        }
        Self::new(status, err.code(), err.to_string())
    }

    /// Adds `Retry-After` (seconds).
    #[must_use]
    pub const fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The body this error renders.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            status_code: self.status.as_u16(),
            error: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            message: self.message.clone(),
            code: self.code.to_owned(),
        }
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

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::validation(&errors)
    }
}

impl From<frontdesk_tenancy::TenancyError> for ApiError {
    fn from(err: frontdesk_tenancy::TenancyError) -> Self {
        match &err {
            frontdesk_tenancy::TenancyError::Validation(errors) => Self::validation(errors),
            frontdesk_tenancy::TenancyError::Locked { until }
            | frontdesk_tenancy::TenancyError::Throttled { until } => {
                let seconds = (*until - chrono::Utc::now()).num_seconds().max(1);
                Self::from_domain(&err).with_retry_after(seconds.unsigned_abs())
            }
            _ => Self::from_domain(&err),
        }
    }
}

impl From<frontdesk_leads::LeadsError> for ApiError {
    fn from(err: frontdesk_leads::LeadsError) -> Self {
        match &err {
            frontdesk_leads::LeadsError::Validation(errors) => Self::validation(errors),
            _ => Self::from_domain(&err),
        }
    }
}

impl From<frontdesk_receptionist::ReceptionistError> for ApiError {
    fn from(err: frontdesk_receptionist::ReceptionistError) -> Self {
        match &err {
            frontdesk_receptionist::ReceptionistError::Validation(errors) => Self::validation(errors),
            _ => Self::from_domain(&err),
        }
    }
}

impl From<frontdesk_kernel::jobs::JobError> for ApiError {
    fn from(err: frontdesk_kernel::jobs::JobError) -> Self {
        Self::from_domain(&err)
    }
}

/// The HTTP status of each stable error code. Unknown codes are server errors,
/// so a new domain error cannot silently leak as a 2xx or a misleading 4xx.
#[must_use]
pub fn status_for_code(code: &str) -> StatusCode {
    match code {
        "validation_failed" | "invalid_id" | "malformed_json" | "bad_request" | "invalid_invitation" => {
            StatusCode::BAD_REQUEST
        }
        "unauthorized" | "invalid_token" | "invalid_credentials" | "session_expired" => StatusCode::UNAUTHORIZED,
        "forbidden" | "onboarding_required" => StatusCode::FORBIDDEN,
        "not_found" => StatusCode::NOT_FOUND,
        "duplicate" | "duplicate_lead" | "slot_taken" | "conflict" => StatusCode::CONFLICT,
        "payload_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "unsupported_media_type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid_transition" | "default_required" | "unprocessable" => StatusCode::UNPROCESSABLE_ENTITY,
        "account_locked" => StatusCode::LOCKED,
        "rate_limited" | "login_throttled" => StatusCode::TOO_MANY_REQUESTS,
        "cache_unavailable" | "model_unavailable" | "service_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The stable code used for a bare status (errors produced by the framework).
#[must_use]
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        503 => "service_unavailable",
        _ if status.is_server_error() => "internal_error",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_its_documented_status() {
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
        ] {
            assert_eq!(status_for_code(code).as_u16(), status, "{code}");
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
