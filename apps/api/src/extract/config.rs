//! Extractor configuration: JSON, path and query errors in the API error format.
//!
//! A body that is not JSON gets 415, one over the limit 413, malformed
//! JSON 400 `malformed_json` with the parser's line and column, and a
//! well-formed body of the wrong shape 400 `validation_failed`.

use crate::error::ApiError;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::web;
use frontdesk_kernel::Code;

/// JSON bodies: size limit and error mapping.
#[must_use]
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |err, _req| json_error(&err, limit).into())
}

fn json_error(err: &JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::ContentType => {
            ApiError::new(Code::UnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(Code::PayloadTooLarge, format!("request body exceeds the limit of {limit} bytes"))
        }
        JsonPayloadError::Deserialize(e) => deserialize_error(e),
        other => ApiError::new(Code::BadRequest, other.to_string()),
    }
}

/// A body that did not decode: 400 naming `body` for a wrong shape, `malformed_json` for bad syntax.
pub(crate) fn deserialize_error(e: &serde_json::Error) -> ApiError {
    if e.is_data() {
        ApiError::validation(&frontdesk_kernel::ValidationErrors::single("body", e.to_string()))
    } else {
        ApiError::new(Code::MalformedJson, format!("request body is not valid JSON: {e}"))
    }
}

/// Path parameters: 400 (e.g. an id that is not a UUID) instead of the framework's 404.
#[must_use]
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::new(Code::InvalidId, format!("invalid path parameter: {err}")).into()
    })
}

/// Query strings: 400 naming the problem.
#[must_use]
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        let mut errors = frontdesk_kernel::ValidationErrors::new();
        errors.add("query", err.to_string());
        ApiError::validation(&errors).into()
    })
}
