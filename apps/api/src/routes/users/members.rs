//! Members of the caller's sub-account: list, change role, remove.

use crate::error::ApiError;
use crate::extract::auth::client_info;
use crate::extract::tenant::TenantScope;
use crate::routes::auth::UserBody;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, web};
use frontdesk_kernel::{PageRequest, UserId};
use frontdesk_tenancy::SubAccountService;
use serde::Deserialize;
use utoipa::ToSchema;

/// Role change.
#[derive(Deserialize, ToSchema)]
pub struct RoleBody {
    /// `manager` or `agent` (ownership is not transferred this way).
    #[serde(default)]
    role: String,
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    crate::routes::path_id(raw, "user")
}

/// Members of the sub-account (owner/manager; admins pass `?subAccountId=`). Onboarding users get 403.
#[utoipa::path(tag = "users", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of members", body = crate::routes::paged::Paged<crate::routes::auth::UserBody>),
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

/// Changes a member's role. Users of other sub-accounts answer 404.
#[utoipa::path(tag = "users", request_body = RoleBody, security(("bearer" = [])),
    responses((status = 200, description = "the membership"), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
#[patch("/api/v1/users/{id}")]
pub(super) async fn change_role(
    service: web::Data<SubAccountService>,
    scope: TenantScope,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let target = user_id(&id)?;
    let membership = service.change_role(&scope.actor, scope.tenant, target, &body.role, &client_info(&req)).await?;
    tracing::info!(target.id = %target, role = %membership.role, "role changed");
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "id": target.to_string(), "role": membership.role, "subAccountId": membership.tenant_id.to_string()
    })))
}

/// Removes a member from the sub-account (they return to onboarding).
#[utoipa::path(tag = "users", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/users/{id}")]
pub(super) async fn remove(
    service: web::Data<SubAccountService>,
    scope: TenantScope,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let target = user_id(&id)?;
    service.remove_member(&scope.actor, scope.tenant, target, &client_info(&req)).await?;
    tracing::info!(target.id = %target, "user removed from sub-account");
    Ok(HttpResponse::NoContent().finish())
}
