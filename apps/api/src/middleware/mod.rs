//! Cross-cutting HTTP concerns, each in its own module.

pub mod api_key;
pub mod auth;
pub mod extractors;
pub mod rate_limit;
pub mod request_context;
pub mod security_headers;
pub mod tenant;

pub use request_context::{RequestId, request_context};
