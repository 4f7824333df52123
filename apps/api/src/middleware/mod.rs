//! Cross-cutting HTTP concerns that wrap every request, each in its own module.
//! (Extractors a handler asks for by type are in `crate::extract`.)

pub mod api_key;
pub mod rate_limit;
pub mod request_context;
pub mod security_headers;
pub mod text_guard;

pub use request_context::{RequestId, request_context};

/// The path as the router sees it: percent-decoded (`/%61pi/…` is `/api/…`).
///
/// Every path-based decision in middleware must use this, never the raw
/// `req.path()`, or an encoded path would slip past a check that the
/// router then happily routes.
#[must_use]
pub fn routed_path(req: &actix_web::dev::ServiceRequest) -> &str {
    req.match_info().as_str()
}
