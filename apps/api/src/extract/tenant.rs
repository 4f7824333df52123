//! The tenant-scope extractor for tenant-scoped routes.
//!
//! The tenant and role come from the *store*, not from the token: a user
//! removed from a sub-account, demoted, or whose sub-account was deleted
//! loses access at once, not when their 15-minute access token expires.
//! That costs one indexed lookup (`memberships.user_id` is unique) per
//! tenant-scoped request. A user with no membership gets 403
//! `onboarding_required`; an admin names the tenant with `?subAccountId=`
//! (400 when missing or malformed, 404 when no such sub-account exists).
//! [`ManagerScope`] is the same scope for routes that change the
//! receptionist or read leads in bulk: owners, managers and admins only.
//! The tenant id is recorded on the request span.

use crate::error::ApiError;
use crate::extract::auth::Authenticated;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use frontdesk_kernel::Code;
use frontdesk_kernel::{Actor, TenantId, ValidationErrors};
use frontdesk_tenancy::SubAccountService;
use std::future::Future;
use std::pin::Pin;

/// A caller and the tenant the request acts in.
#[derive(Clone, Debug)]
pub struct TenantScope {
    /// Who is acting, with the role they hold in the tenant now.
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

fn onboarding_required() -> ApiError {
    ApiError::new(
        Code::OnboardingRequired,
        "create a sub-account (POST /api/v1/subaccounts) or join one with an invitation first",
    )
}

impl FromRequest for TenantScope {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Authenticated::from_request(req, payload).into_inner();
        let req = req.clone();
        Box::pin(async move {
            let mut actor = caller?.actor;
            let service = req
                .app_data::<web::Data<SubAccountService>>()
                .ok_or_else(|| ApiError::internal(&std::io::Error::other("SubAccountService not registered")))?;
            let tenant = if actor.is_admin() {
                let tenant = admin_tenant(&req)?;
                service.get(&actor, tenant).await.map_err(|err| match err {
                    frontdesk_tenancy::TenancyError::NotFound { .. } => {
                        ApiError::not_found(format!("sub-account {tenant} not found (subAccountId)"))
                    }
                    other => other.into(),
                })?;
                tenant
            } else {
                let membership = service.status(&actor).await?.ok_or_else(onboarding_required)?;
                actor.role = Some(membership.role);
                actor.tenant = Some(membership.tenant_id);
                membership.tenant_id
            };
            tracing::Span::current().record("tenant_id", tracing::field::display(tenant));
            Ok(Self { actor, tenant })
        })
    }
}

/// A [`TenantScope`] whose caller may manage the tenant: an owner or manager
/// of it, or a platform admin (agents get 403 `forbidden`).
#[derive(Clone, Debug)]
pub struct ManagerScope(pub TenantScope);

impl std::ops::Deref for ManagerScope {
    type Target = TenantScope;

    fn deref(&self) -> &TenantScope {
        &self.0
    }
}

impl FromRequest for ManagerScope {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let scope = TenantScope::from_request(req, payload);
        Box::pin(async move {
            let scope = scope.await?;
            if !scope.actor.may_manage() {
                return Err(ApiError::new(
                    Code::Forbidden,
                    "this needs the owner or manager role in the sub-account; agents may only read it",
                ));
            }
            Ok(Self(scope))
        })
    }
}
