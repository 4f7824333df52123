//! Rate limits on `/api/*`.
//!
//! * `POST /api/v1/auth/login`, `/register`, `/admin/register` and
//!   `/change-password`: `AUTH_RATE_LIMIT` per
//!   `AUTH_RATE_WINDOW_SECS` per client IP and route (default 5 per 15 min).
//! * Every other `/api/*` request: `API_RATE_LIMIT` per window per user
//!   (the verified token's subject), or per IP without a valid token.
//!
//! The client IP is the one [`crate::extract::client_ip`] resolves: behind a trusted
//! proxy each client has its own bucket, and a forged `X-Forwarded-For`
//! from anyone else buys no fresh one.
//!
//! Responses carry `X-RateLimit-Limit/Remaining/Reset`; a refused request
//! gets 429 with `Retry-After`. If the limiter itself fails (Redis down) the
//! request is allowed and a warning logged: fail-open, so an outage of the
//! cache never takes the api down with it.

use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use frontdesk_kernel::Code;
use frontdesk_kernel::{RateDecision, RateLimiter};
use frontdesk_tenancy::AuthService;
use std::sync::Arc;
use std::time::Duration;

/// The limiter and the two limits.
pub struct RateLimits {
    /// Redis or in-process.
    pub limiter: Arc<dyn RateLimiter>,
    /// Login/register attempts per IP and route.
    pub auth: (u32, Duration),
    /// Other API requests per user or IP.
    pub api: (u32, Duration),
}

/// Routes that check a password or create an account: strict per-IP limits against guessing.
/// (Refresh is not here: clients behind one NAT refresh often and legitimately.)
const LIMITED_AUTH_ROUTES: [&str; 4] =
    ["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/admin/register", "/api/v1/auth/change-password"];

fn client_key(req: &ServiceRequest) -> String {
    crate::extract::client_ip::client_ip(req.request()).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The caller's user id, from the bearer token verified here once: the
/// outcome is kept on the request ([`crate::extract::auth::VerifiedAccess`])
/// so the extractor does not verify the same token again.
fn subject(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    let auth = req.app_data::<web::Data<AuthService>>()?;
    let claims = auth.verify_access(token.trim()).ok();
    let sub = claims.as_ref().map(|c| c.sub.to_string());
    req.extensions_mut().insert(crate::extract::auth::VerifiedAccess(claims));
    sub
}

fn set_headers(headers: &mut HeaderMap, decision: &RateDecision) {
    let reset = decision.reset_after.as_secs().max(1);
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(decision.limit)),
        ("x-ratelimit-remaining", u64::from(decision.remaining)),
        ("x-ratelimit-reset", reset),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

/// The middleware function (wrap with `actix_web::middleware::from_fn`).
///
/// # Errors
/// Errors of inner services only; refusals are 429 responses.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req.app_data::<web::Data<RateLimits>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let path = super::routed_path(&req).to_owned();
    let public = path.starts_with("/b/") || path == "/files/download";
    if !path.starts_with("/api/") && !public {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    // The self-service booking links and signed file links are public: limited per client address.
    let ((limit, window), key) = if public {
        (limits.api, format!("public:{}", client_key(&req)))
    } else if req.method() == actix_web::http::Method::POST && LIMITED_AUTH_ROUTES.contains(&path.as_str()) {
        (limits.auth, format!("auth:{path}:{}", client_key(&req)))
    } else {
        let who = subject(&req).map_or_else(|| format!("ip:{}", client_key(&req)), |sub| format!("user:{sub}"));
        (limits.api, format!("api:{who}"))
    };
    let decision = match limits.limiter.hit(&key, limit, window).await {
        Ok(decision) => decision,
        Err(err) => {
            tracing::warn!(error = %err, "rate limiter unavailable; allowing the request (fail-open)");
            return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
        }
    };
    if !decision.allowed {
        let retry_after = decision.reset_after.as_secs().max(1);
        let mut response = ApiError::new(Code::RateLimited, format!("too many requests; retry in {retry_after} s"))
            .with_retry_after(retry_after)
            .error_response();
        set_headers(response.headers_mut(), &decision);
        return Ok(req.into_response(response));
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    set_headers(response.headers_mut(), &decision);
    Ok(response)
}
