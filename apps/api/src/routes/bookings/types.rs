//! Appointment types: list, create, read, change, delete.

use super::body::{AppointmentTypeBody, AppointmentTypeRequest};
use super::id;
use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use frontdesk_bookings::service::Bookings;
use frontdesk_bookings::{AppointmentTypeId, AppointmentTypeInput, ResourceId};
use frontdesk_kernel::ValidationErrors;

/// The request as domain input; a resource id that is not an id is reported under `resourceIds.{i}`.
fn input(body: AppointmentTypeRequest) -> Result<AppointmentTypeInput, ApiError> {
    let resource_ids = match body.resource_ids {
        None => None,
        Some(raw) => {
            let mut errors = ValidationErrors::new();
            let ids: Vec<ResourceId> = raw
                .iter()
                .enumerate()
                .filter_map(|(i, r)| errors.check(&format!("resourceIds.{i}"), r.trim().parse::<ResourceId>()))
                .collect();
            if !errors.is_empty() {
                return Err(ApiError::validation(&errors));
            }
            Some(ids)
        }
    };
    Ok(AppointmentTypeInput {
        name: body.name,
        duration_minutes: body.duration_minutes,
        buffer_before_minutes: body.buffer_before_minutes,
        buffer_after_minutes: body.buffer_after_minutes,
        resource_ids,
        active: body.active,
    })
}

/// The sub-account's appointment types (one default, 30 minutes with any resource, until it has any).
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = Vec<AppointmentTypeBody>)))]
#[get("/api/v1/appointment-types")]
pub(super) async fn list(service: web::Data<Bookings>, scope: TenantScope) -> Result<HttpResponse, ApiError> {
    let all = service.appointment_types(scope.tenant).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(AppointmentTypeBody::from).collect::<Vec<_>>()))
}

/// Creates an appointment type (owners and managers).
#[utoipa::path(tag = "bookings", request_body = AppointmentTypeRequest, security(("bearer" = [])),
    responses((status = 201, body = AppointmentTypeBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
#[post("/api/v1/appointment-types")]
pub(super) async fn create(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    body: web::Json<AppointmentTypeRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service.create_appointment_type(scope.tenant, input(body.into_inner())?).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/appointment-types/{}", created.id)))
        .json(AppointmentTypeBody::from(&created)))
}

/// One appointment type.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = AppointmentTypeBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/appointment-types/{id}")]
pub(super) async fn get(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = service.appointment_type(scope.tenant, id::<AppointmentTypeId>(&path, "appointment type")?).await?;
    Ok(HttpResponse::Ok().json(AppointmentTypeBody::from(&found)))
}

/// Changes an appointment type (owners and managers).
#[utoipa::path(tag = "bookings", request_body = AppointmentTypeRequest, security(("bearer" = [])),
    responses((status = 200, body = AppointmentTypeBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[patch("/api/v1/appointment-types/{id}")]
pub(super) async fn update(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
    body: web::Json<AppointmentTypeRequest>,
) -> Result<HttpResponse, ApiError> {
    let type_id = id::<AppointmentTypeId>(&path, "appointment type")?;
    let updated = service.update_appointment_type(scope.tenant, type_id, input(body.into_inner())?).await?;
    Ok(HttpResponse::Ok().json(AppointmentTypeBody::from(&updated)))
}

/// Deletes an appointment type (owners and managers); its bookings keep it.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/appointment-types/{id}")]
pub(super) async fn delete(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service.delete_appointment_type(scope.tenant, id::<AppointmentTypeId>(&path, "appointment type")?).await?;
    Ok(HttpResponse::NoContent().finish())
}
