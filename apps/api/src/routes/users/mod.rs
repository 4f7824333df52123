//! `/api/v1/users`: the members of the caller's sub-account.

use crate::error::ApiError;
use crate::middleware::tenant::TenantScope;
use crate::routes::auth::UserBody;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpResponse, get, web};
use frontdesk_kernel::PageRequest;
use frontdesk_tenancy::SubAccountService;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list);
}

/// Members of the sub-account (owner/manager; admins pass `?subAccountId=`). Onboarding users get 403.
#[utoipa::path(tag = "users", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "{data:[User],page,limit,total}"),
        (status = 403, description = "onboarding_required or not owner/manager", body = crate::error::ErrorBody)))]
#[get("/api/v1/users")]
pub(super) async fn list(
    service: web::Data<SubAccountService>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let members = service.members(&scope.actor, scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(members.map(|(user, membership)| UserBody::new(&user, Some(&membership)))))
}
