//! Holds: claim a slot for a few minutes while the caller decides.

use super::body::{HoldBody, HoldRequestBody};
use super::{id, parse};
use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use frontdesk_bookings::HoldId;
use frontdesk_bookings::service::{Bookings, HoldRequest};
use frontdesk_kernel::ValidationErrors;

/// Holds a slot until `expiresAt` (default 5 minutes): nobody else can book or hold it meanwhile.
#[utoipa::path(tag = "bookings", request_body = HoldRequestBody, security(("bearer" = [])),
    responses((status = 201, body = HoldBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 409, description = "slot_taken", body = crate::error::ErrorBody),
        (status = 422, description = "outside_hours, too_soon or beyond_horizon", body = crate::error::ErrorBody)))]
#[post("/api/v1/holds")]
pub(super) async fn create(
    service: web::Data<Bookings>,
    scope: TenantScope,
    body: web::Json<HoldRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let starts_at = parse::instant(&mut errors, "startsAt", body.starts_at.as_deref());
    let request = HoldRequest {
        starts_at: starts_at.unwrap_or_default(),
        appointment_type_id: parse::id(&mut errors, "appointmentTypeId", body.appointment_type_id.as_deref()),
        resource_id: parse::id(&mut errors, "resourceId", body.resource_id.as_deref()),
        lead_id: parse::id(&mut errors, "leadId", body.lead_id.as_deref()),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let hold = service.hold(scope.tenant, request).await?;
    tracing::info!(hold.id = %hold.id, resource.id = %hold.resource_id, "slot held");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/holds/{}", hold.id)))
        .json(HoldBody::from(&hold)))
}

/// One hold (live or expired).
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = HoldBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/holds/{id}")]
pub(super) async fn get(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let hold = service.get_hold(scope.tenant, id::<HoldId>(&path, "hold")?).await?;
    Ok(HttpResponse::Ok().json(HoldBody::from(&hold)))
}

/// Releases a hold at once.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/holds/{id}")]
pub(super) async fn delete(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service.release_hold(scope.tenant, id::<HoldId>(&path, "hold")?).await?;
    Ok(HttpResponse::NoContent().finish())
}
