//! The tenant-scope extractor for tenant-scoped routes.
//!
//! A user acts in the tenant of their token; a user still onboarding gets
//! 403 `onboarding_required`; an admin names the tenant with
//! `?subAccountId=` (400 when missing). The tenant id is recorded on the
//! request span.

use crate::error::ApiError;
use crate::middleware::auth::Authenticated;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use frontdesk_kernel::{Actor, TenantId, ValidationErrors};
use std::future::{Ready, ready};

/// A caller and the tenant the request acts in.
#[derive(Clone, Debug)]
pub struct TenantScope {
    /// Who is acting.
    pub actor: Actor,
    /// The tenant every query of the request is filtered by.
    pub tenant: TenantId,
}

fn admin_tenant(req: &HttpRequest) -> Result<TenantId, ApiError> {
    let raw = req.query_string().split('&').find_map(|pair| pair.strip_prefix("subAccountId=")).ok_or_else(|| {
        ApiError::validation(&ValidationErrors::single("subAccountId", "admins must name the sub-account"))
    })?;
    raw.parse().map_err(|_| ApiError::validation(&ValidationErrors::single("subAccountId", "not a valid id")))
}

impl FromRequest for TenantScope {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let scope = Authenticated::from_request(req, payload).into_inner().and_then(|caller| {
            let tenant = if caller.actor.is_admin() {
                admin_tenant(req)?
            } else {
                caller.actor.tenant.ok_or_else(|| {
                    ApiError::new(
                        StatusCode::FORBIDDEN,
                        "onboarding_required",
                        "create a sub-account (POST /api/v1/subaccounts) or join one with an invitation first",
                    )
                })?
            };
            tracing::Span::current().record("tenant_id", tracing::field::display(tenant));
            Ok(Self { actor: caller.actor, tenant })
        });
        ready(scope)
    }
}
