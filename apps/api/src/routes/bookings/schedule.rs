//! Schedules: the sub-account's (`/api/v1/subaccounts/{id}/schedule`), a
//! resource's own (`/api/v1/resources/{id}/schedule`), and "open now"
//! (`/api/v1/schedule/status`).

use super::body::{ResourceScheduleBody, ScheduleBody, ScheduleRequest, ScheduleStatusBody};
use super::id;
use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use actix_web::{HttpResponse, delete, get, put, web};
use frontdesk_bookings::ResourceId;
use frontdesk_bookings::service::Bookings;
use frontdesk_kernel::{Code, TenantId};

/// The path's sub-account, which must be the caller's (another answers 404).
fn own_subaccount(raw: &str, tenant: TenantId) -> Result<(), ApiError> {
    match raw.parse::<TenantId>() {
        Ok(id) if id == tenant => Ok(()),
        _ => Err(ApiError::new(Code::NotFound, "sub-account not found")),
    }
}

/// The sub-account's hours and booking rules (Monday–Friday 09:00–17:00 in its zone until set).
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = ScheduleBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/subaccounts/{id}/schedule")]
pub(super) async fn get_subaccount(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    own_subaccount(&path, scope.tenant)?;
    Ok(HttpResponse::Ok().json(service.schedule(scope.tenant).await?))
}

/// Replaces the sub-account's hours and booking rules (owners and managers).
#[utoipa::path(tag = "bookings", request_body = ScheduleRequest, security(("bearer" = [])),
    responses((status = 200, body = ScheduleBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[put("/api/v1/subaccounts/{id}/schedule")]
pub(super) async fn put_subaccount(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    own_subaccount(&path, scope.tenant)?;
    let schedule = service.put_schedule(scope.tenant, &body).await?;
    tracing::info!("schedule replaced");
    Ok(HttpResponse::Ok().json(schedule))
}

/// A resource's own schedule (`own: null` when it follows the sub-account's) and the one that applies.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = ResourceScheduleBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/resources/{id}/schedule")]
pub(super) async fn get_resource(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (own, effective) = service.resource_schedule(scope.tenant, id::<ResourceId>(&path, "resource")?).await?;
    Ok(HttpResponse::Ok().json(ResourceScheduleBody { own, effective }))
}

/// Gives a resource its own hours and rules (owners and managers).
#[utoipa::path(tag = "bookings", request_body = ScheduleRequest, security(("bearer" = [])),
    responses((status = 200, body = ResourceScheduleBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[put("/api/v1/resources/{id}/schedule")]
pub(super) async fn put_resource(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let resource_id = id::<ResourceId>(&path, "resource")?;
    service.put_resource_schedule(scope.tenant, resource_id, Some(&body)).await?;
    let (own, effective) = service.resource_schedule(scope.tenant, resource_id).await?;
    Ok(HttpResponse::Ok().json(ResourceScheduleBody { own, effective }))
}

/// Back to the sub-account's schedule (owners and managers).
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/resources/{id}/schedule")]
pub(super) async fn delete_resource(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service.put_resource_schedule(scope.tenant, id::<ResourceId>(&path, "resource")?, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Open now? With the local time and the next opening and closing (for after-hours behaviour).
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = ScheduleStatusBody)))]
#[get("/api/v1/schedule/status")]
pub(super) async fn status(service: web::Data<Bookings>, scope: TenantScope) -> Result<HttpResponse, ApiError> {
    let status = service.status(scope.tenant).await?;
    Ok(HttpResponse::Ok().json(ScheduleStatusBody::from(&status)))
}
