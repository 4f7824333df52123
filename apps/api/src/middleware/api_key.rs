//! `X-API-Key` on `/api/*` when `API_KEY` is configured.
//!
//! Status, health, metrics, the OpenAPI document and (later) vendor
//! webhooks live outside `/api/` and stay reachable: probes and vendors
//! cannot send our key. The comparison is constant-time, and a missing or
//! wrong key answers 401 in the error format before any handler runs.

use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use frontdesk_kernel::Code;
use secrecy::{ExposeSecret, SecretString};

/// The configured key, if any.
pub struct ApiKey(pub Option<SecretString>);

/// The middleware function (wrap with `actix_web::middleware::from_fn`).
///
/// # Errors
/// 401 `unauthorized` when the key is required and missing or wrong.
pub async fn require_api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let expected = req.app_data::<web::Data<ApiKey>>().and_then(|key| key.0.clone());
    if let Some(expected) = expected
        && super::routed_path(&req).starts_with("/api/")
    {
        let presented = req.headers().get("x-api-key").map(|v| v.as_bytes()).unwrap_or_default();
        if !frontdesk_runtime::services::secrets_match(presented, expected.expose_secret().as_bytes()) {
            let message = if presented.is_empty() { "missing X-API-Key header" } else { "invalid X-API-Key" };
            return Err(ApiError::new(Code::Unauthorized, message).into());
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}
