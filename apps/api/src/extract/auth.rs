//! The authentication extractor: `Authorization: Bearer <access token>` → [`Authenticated`].
//!
//! The token's signature, algorithm and expiry are checked by the
//! `TokenSigner` (HS256 only, no leeway); anything else answers 401 in the
//! error format. The user and tenant ids are recorded on the request span,
//! so every later log line of the request carries them.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use frontdesk_kernel::Actor;
use frontdesk_kernel::Code;
use frontdesk_tenancy::{AccessClaims, AuthService};
use std::future::{Ready, ready};

/// A verified caller: the actor and the raw claims (for the session id).
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Who is acting.
    pub actor: Actor,
    /// The verified claims.
    pub claims: AccessClaims,
}

/// A bearer token already verified earlier in this request (by the rate
/// limiter): its claims, or `None` when it did not verify. Saves the
/// extractor a second HMAC check per request.
#[derive(Clone, Debug)]
pub struct VerifiedAccess(pub Option<AccessClaims>);

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(Code::Unauthorized, message)
}

fn authenticate(req: &HttpRequest) -> Result<Authenticated, ApiError> {
    let auth = req
        .app_data::<web::Data<AuthService>>()
        .ok_or_else(|| ApiError::internal(&std::io::Error::other("AuthService not registered")))?;
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <access token>"))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| unauthorized("Authorization must use the Bearer scheme"))?;
    let verified = req.extensions().get::<VerifiedAccess>().map(|v| v.0.clone());
    let claims = match verified {
        Some(claims) => claims.ok_or_else(|| unauthorized("invalid or expired access token"))?,
        None => auth.verify_access(token.trim()).map_err(|_| unauthorized("invalid or expired access token"))?,
    };
    let actor = Actor {
        user_id: claims.sub,
        account_type: claims.account_type,
        role: claims.role,
        tenant: claims.sub_account_id,
    };
    let span = tracing::Span::current();
    span.record("user_id", tracing::field::display(actor.user_id));
    if let Some(tenant) = actor.tenant {
        span.record("tenant_id", tracing::field::display(tenant));
    }
    Ok(Authenticated { actor, claims })
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// Who is calling, for the lockout and the audit trail: the client address
/// (the socket peer, or what a trusted proxy reported; see [`super::client_ip`])
/// and the User-Agent.
#[must_use]
pub fn client_info(req: &HttpRequest) -> frontdesk_tenancy::ClientInfo {
    frontdesk_tenancy::ClientInfo {
        ip: super::client_ip::client_ip(req).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect()),
    }
}
