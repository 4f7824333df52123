//! Create, list, read, change and delete sub-accounts; onboarding status.

use super::{SubAccountBody, tenant_id};
use crate::error::ApiError;
use crate::extract::auth::{Authenticated, client_info};
use crate::routes::auth::TokensBody;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use frontdesk_kernel::{Page, PageRequest};
use frontdesk_tenancy::{AuthService, NewTenant, SubAccountService, TenantPatch};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Create request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSubAccountBody {
    /// 1–120 characters.
    #[serde(default)]
    name: String,
    /// IANA time zone; `UTC` when absent.
    timezone: Option<String>,
    /// ISO 3166-1 alpha-2 country (`US`): lead phone numbers written without `+` are read in it.
    country: Option<String>,
    /// Weekly opening hours, `{"monday": [{"start": "08:00", "end": "12:00"}, …], …}` (days left
    /// out are closed); the schedule's other rules start at their defaults
    /// (`PUT /api/v1/subaccounts/{id}/schedule` changes them). Absent: Monday–Friday 09:00–17:00.
    #[schema(value_type = Option<crate::routes::bookings::WeeklyHoursRequest>)]
    business_hours: Option<serde_json::Value>,
}

/// Create response: the sub-account and, for a user who became its owner, a fresh session whose token carries it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSubAccountBody {
    sub_account: SubAccountBody,
    /// The new session's access token (a user who became the owner; absent for admins).
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    /// The new session's refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Seconds until the access token expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<i64>,
}

/// Change request; absent fields are left as they are.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubAccountBody {
    name: Option<String>,
    timezone: Option<String>,
    /// Blank clears it.
    country: Option<String>,
}

/// Paging query.
#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1-based page (default 1).
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Onboarding state.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingBody {
    onboarding: bool,
    sub_account_id: Option<String>,
}

/// Creates a sub-account; a user in onboarding becomes its owner.
#[utoipa::path(
    tag = "subaccounts",
    request_body = CreateSubAccountBody,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedSubAccountBody), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "already in a sub-account", body = crate::error::ErrorBody))
)]
#[post("/api/v1/subaccounts")]
pub(super) async fn create(
    service: web::Data<SubAccountService>,
    auth: web::Data<AuthService>,
    bookings: web::Data<frontdesk_bookings::service::Bookings>,
    caller: Authenticated,
    req: HttpRequest,
    body: web::Json<CreateSubAccountBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    // Read before anything is stored, so bad hours store nothing.
    let hours = match body.business_hours.as_ref().filter(|h| !h.is_null()) {
        Some(raw) => {
            Some(frontdesk_bookings::WeeklyHours::parse_business_hours(raw).map_err(|e| ApiError::validation(&e))?)
        }
        None => None,
    };
    let tenant = service
        .create(
            &caller.actor,
            NewTenant { name: body.name, timezone: body.timezone, country: body.country },
            &client_info(&req),
        )
        .await?;
    tracing::info!(tenant.id = %tenant.id, "sub-account created");
    if let Some(hours) = hours {
        bookings.set_weekly_hours(tenant.id, hours).await?;
    }
    let session = if caller.actor.is_admin() {
        None
    } else {
        let (user, _) = auth.current_user(caller.actor.user_id).await?;
        Some(TokensBody::from(auth.start_session(user, frontdesk_tenancy::TokenFamilyId::new()).await?))
    };
    let (access_token, refresh_token, expires_in) = match session {
        Some(tokens) => (Some(tokens.access_token), Some(tokens.refresh_token), Some(tokens.expires_in)),
        None => (None, None, None),
    };
    Ok(HttpResponse::Created().json(CreatedSubAccountBody {
        sub_account: SubAccountBody::from(&tenant),
        access_token,
        refresh_token,
        expires_in,
    }))
}

/// Every sub-account (admins only), oldest first.
#[utoipa::path(tag = "subaccounts", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of sub-accounts", body = crate::routes::paged::Paged<super::SubAccountBody>), (status = 403, body = crate::error::ErrorBody)))]
#[get("/api/v1/subaccounts")]
pub(super) async fn list(
    service: web::Data<SubAccountService>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let tenants = service.list(&caller.actor, page).await?;
    let body: Page<SubAccountBody> = tenants.map(|t| SubAccountBody::from(&t));
    Ok(HttpResponse::Ok().json(body))
}

/// The caller's onboarding state (read from the store, not the token).
#[utoipa::path(tag = "subaccounts", security(("bearer" = [])), responses((status = 200, body = OnboardingBody)))]
#[get("/api/v1/subaccounts/status")]
pub(super) async fn status(
    service: web::Data<SubAccountService>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let membership = service.status(&caller.actor).await?;
    Ok(HttpResponse::Ok().json(OnboardingBody {
        onboarding: membership.is_none() && !caller.actor.is_admin(),
        sub_account_id: membership.map(|m| m.tenant_id.to_string()),
    }))
}

/// A sub-account the caller belongs to (admins: any). Other tenants' ids answer 404.
#[utoipa::path(tag = "subaccounts", security(("bearer" = [])),
    responses((status = 200, body = SubAccountBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/subaccounts/{id}")]
pub(super) async fn get(
    service: web::Data<SubAccountService>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tenant = service.get(&caller.actor, tenant_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(SubAccountBody::from(&tenant)))
}

/// Renames the sub-account or changes its time zone (owner or admin).
#[utoipa::path(tag = "subaccounts", request_body = UpdateSubAccountBody, security(("bearer" = [])),
    responses((status = 200, body = SubAccountBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[patch("/api/v1/subaccounts/{id}")]
pub(super) async fn update(
    service: web::Data<SubAccountService>,
    caller: Authenticated,
    id: web::Path<String>,
    body: web::Json<UpdateSubAccountBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let patch = TenantPatch { name: body.name, timezone: body.timezone, country: body.country };
    let tenant = service.update(&caller.actor, tenant_id(&id)?, patch).await?;
    Ok(HttpResponse::Ok().json(SubAccountBody::from(&tenant)))
}

/// Deletes the sub-account (owner or admin); members return to onboarding.
#[utoipa::path(tag = "subaccounts", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/subaccounts/{id}")]
pub(super) async fn delete(
    service: web::Data<SubAccountService>,
    caller: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&id)?;
    service.delete(&caller.actor, id, &client_info(&req)).await?;
    tracing::info!(tenant.id = %id, "sub-account deleted");
    Ok(HttpResponse::NoContent().finish())
}
