//! List, create, read, change, delete and restore leads.

use super::body::{CreateLeadBody, LeadBody, UpdateLeadBody};
use super::lead_id;
use super::query::ListQuery;
use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use frontdesk_kernel::Code;
use frontdesk_leads::LeadService;

/// The tenant's leads, filtered, sorted and paged, with the total.
#[utoipa::path(tag = "leads", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of leads", body = crate::routes::paged::Paged<LeadBody>),
        (status = 400, description = "every bad parameter", body = crate::error::ErrorBody)))]
#[get("/api/v1/leads")]
pub(super) async fn list(
    service: web::Data<LeadService>,
    scope: TenantScope,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().parse()?;
    if filter.deleted && !scope.actor.may_manage() {
        return Err(ApiError::new(Code::Forbidden, "the trash (deleted=true) is for owners and managers"));
    }
    let leads = service.list(scope.tenant, &filter, page).await?;
    Ok(HttpResponse::Ok().json(leads.map(|lead| LeadBody::from(&lead))))
}

/// Creates a lead; phone normalized to E.164, email lower-cased.
#[utoipa::path(tag = "leads", request_body = CreateLeadBody, security(("bearer" = [])),
    responses((status = 201, body = LeadBody),
        (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 409, description = "duplicate_lead: the message names the lead that has this phone or email",
            body = crate::error::ErrorBody)))]
#[post("/api/v1/leads")]
pub(super) async fn create(
    service: web::Data<LeadService>,
    scope: TenantScope,
    body: web::Json<CreateLeadBody>,
) -> Result<HttpResponse, ApiError> {
    let lead = service.create(scope.tenant, body.into_inner().into()).await?;
    tracing::info!(lead.id = %lead.id, "lead created");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/leads/{}", lead.id)))
        .json(LeadBody::from(&lead)))
}

/// One lead (served from the cache when warm).
#[utoipa::path(tag = "leads", security(("bearer" = [])),
    responses((status = 200, body = LeadBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/leads/{id}")]
pub(super) async fn get(
    service: web::Data<LeadService>,
    scope: TenantScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lead = service.get(scope.tenant, lead_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(LeadBody::from(&lead)))
}

/// Changes a lead; a status move is recorded on its timeline in the same transaction.
#[utoipa::path(tag = "leads", request_body = UpdateLeadBody, security(("bearer" = [])),
    responses((status = 200, body = LeadBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, description = "invalid_transition", body = crate::error::ErrorBody)))]
#[patch("/api/v1/leads/{id}")]
pub(super) async fn update(
    service: web::Data<LeadService>,
    scope: TenantScope,
    id: web::Path<String>,
    body: web::Json<UpdateLeadBody>,
) -> Result<HttpResponse, ApiError> {
    let lead = service.update(scope.tenant, lead_id(&id)?, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(LeadBody::from(&lead)))
}

/// Moves a lead to the trash: hidden everywhere, restorable for 30 days, then purged.
#[utoipa::path(tag = "leads", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/leads/{id}")]
pub(super) async fn delete(
    service: web::Data<LeadService>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = lead_id(&id)?;
    service.delete(scope.tenant, id).await?;
    tracing::info!(lead.id = %id, "lead deleted (restorable for 30 days)");
    Ok(HttpResponse::NoContent().finish())
}

/// Brings a deleted lead back (within 30 days).
#[utoipa::path(tag = "leads", security(("bearer" = [])),
    responses((status = 200, body = LeadBody),
        (status = 404, description = "not deleted, purged, or another tenant's", body = crate::error::ErrorBody),
        (status = 409, description = "a live lead took its phone or email meanwhile", body = crate::error::ErrorBody)))]
#[post("/api/v1/leads/{id}/restore")]
pub(super) async fn restore(
    service: web::Data<LeadService>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lead = service.restore(scope.tenant, lead_id(&id)?).await?;
    tracing::info!(lead.id = %lead.id, "lead restored");
    Ok(HttpResponse::Ok().json(LeadBody::from(&lead)))
}
