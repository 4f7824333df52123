//! Bookings (the appointments themselves): list, book, read, move or close, cancel.

use super::body::{BookingBody, CancelBody, CreateBookingBody, UpdateBookingBody};
use super::{id, parse};
use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use frontdesk_bookings::service::{BookingChange, BookingRequest, Bookings, Party};
use frontdesk_bookings::{BookingFilter, BookingId, BookingStatus};
use frontdesk_kernel::{LeadId, ValidationErrors};
use serde::Deserialize;
use utoipa::IntoParams;

/// List filters and paging.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct BookingListParams {
    /// Starting at or after (a date or an RFC 3339 instant).
    from: Option<String>,
    /// Starting before (a date, included, or an instant).
    to: Option<String>,
    lead_id: Option<String>,
    resource_id: Option<String>,
    /// `confirmed|cancelled|completed|no_show`.
    status: Option<String>,
    /// 1-based page (default 1).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

fn status(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<BookingStatus> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    errors
        .check("status", raw.parse::<BookingStatus>().map_err(|_| "must be confirmed, cancelled, completed or no_show"))
}

/// The sub-account's bookings by start time, filtered and paged.
#[utoipa::path(tag = "bookings", params(BookingListParams), security(("bearer" = [])),
    responses((status = 200, description = "one page of bookings", body = crate::routes::paged::Paged<BookingBody>),
        (status = 400, description = "every bad parameter", body = crate::error::ErrorBody)))]
#[get("/api/v1/bookings")]
pub(super) async fn list(
    service: web::Data<Bookings>,
    scope: TenantScope,
    params: web::Query<BookingListParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let zone = service.schedule(scope.tenant).await?.time_zone;
    let from = parse::bound(&mut errors, "from", params.from.as_deref()).map(|b| b.start(zone));
    let to = parse::bound(&mut errors, "to", params.to.as_deref()).map(|b| b.end(zone));
    let filter = BookingFilter {
        from,
        to,
        lead_id: parse::id::<LeadId>(&mut errors, "leadId", params.lead_id.as_deref()),
        resource_id: parse::id(&mut errors, "resourceId", params.resource_id.as_deref()),
        status: status(&mut errors, params.status.as_deref()),
    };
    let page = crate::routes::paged::page_or_report(&mut errors, params.page, params.limit);
    let (Some(page), true) = (page, errors.is_empty()) else { return Err(ApiError::validation(&errors)) };
    let bookings = service.list(scope.tenant, &filter, page).await?;
    Ok(HttpResponse::Ok().json(bookings.map(|b| BookingBody::new(&b, None))))
}

/// Books a lead. Overlapping a confirmed booking or a live hold → 409 `slot_taken`; outside the
/// hours, inside the minimum notice or past the horizon → 422 naming the rule. With no
/// `resourceId`, the first free resource that serves the type is assigned in the same guarded write.
/// The lead's status becomes `booked` and the booking is on its timeline.
#[utoipa::path(tag = "bookings", request_body = CreateBookingBody, security(("bearer" = [])),
    responses((status = 201, body = BookingBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 404, description = "the lead", body = crate::error::ErrorBody),
        (status = 409, description = "slot_taken or hold_expired", body = crate::error::ErrorBody),
        (status = 422, description = "outside_hours, too_soon or beyond_horizon", body = crate::error::ErrorBody)))]
#[post("/api/v1/bookings")]
pub(super) async fn create(
    service: web::Data<Bookings>,
    scope: TenantScope,
    body: web::Json<CreateBookingBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let lead_id = match body.lead_id.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => {
            errors.add("leadId", "is required");
            None
        }
        some => parse::id::<LeadId>(&mut errors, "leadId", some),
    };
    let starts_at = parse::instant(&mut errors, "startsAt", body.starts_at.as_deref());
    let appointment_type_id = parse::id(&mut errors, "appointmentTypeId", body.appointment_type_id.as_deref());
    let resource_id = parse::id(&mut errors, "resourceId", body.resource_id.as_deref());
    let hold_id = parse::id(&mut errors, "holdId", body.hold_id.as_deref());
    let (Some(lead_id), Some(starts_at), true) = (lead_id, starts_at, errors.is_empty()) else {
        return Err(ApiError::validation(&errors));
    };
    let request = BookingRequest { lead_id, starts_at, appointment_type_id, resource_id, hold_id, notes: body.notes };
    let booked = service.book(scope.tenant, request).await?;
    let booking = &booked.booking;
    tracing::info!(booking.id = %booking.id, lead.id = %booking.lead_id, resource.id = %booking.resource_id, "booked");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/bookings/{}", booking.id)))
        .json(BookingBody::new(booking, Some(booked.manage_token))))
}

/// One booking.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = BookingBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/bookings/{id}")]
pub(super) async fn get(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let booking = service.booking(scope.tenant, id::<BookingId>(&path, "booking")?).await?;
    Ok(HttpResponse::Ok().json(BookingBody::new(&booking, None)))
}

/// Reschedules (new `startsAt`: same id, same duration and resource, the same guard; old and new
/// times on the timeline) and/or records the outcome (`status`).
#[utoipa::path(tag = "bookings", request_body = UpdateBookingBody, security(("bearer" = [])),
    responses((status = 200, body = BookingBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, description = "slot_taken", body = crate::error::ErrorBody),
        (status = 422, description = "invalid_transition, outside_hours, too_soon or beyond_horizon", body = crate::error::ErrorBody)))]
#[patch("/api/v1/bookings/{id}")]
pub(super) async fn update(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
    body: web::Json<UpdateBookingBody>,
) -> Result<HttpResponse, ApiError> {
    let booking_id = id::<BookingId>(&path, "booking")?;
    let mut errors = ValidationErrors::new();
    let starts_at = match body.starts_at.as_deref() {
        None => None,
        raw => parse::instant(&mut errors, "startsAt", raw),
    };
    let change = BookingChange { starts_at, status: status(&mut errors, body.status.as_deref()) };
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let booking = service.change(scope.tenant, booking_id, change, Party::Staff).await?;
    Ok(HttpResponse::Ok().json(BookingBody::new(&booking, None)))
}

/// Cancels a booking; its slot is free at once.
#[utoipa::path(tag = "bookings", request_body(content = CancelBody), security(("bearer" = [])),
    responses((status = 200, body = BookingBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, description = "invalid_transition", body = crate::error::ErrorBody)))]
#[post("/api/v1/bookings/{id}/cancel")]
pub(super) async fn cancel(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
    body: crate::extract::optional_json::OptionalJson<CancelBody>,
) -> Result<HttpResponse, ApiError> {
    let booking_id = id::<BookingId>(&path, "booking")?;
    let reason = body.0.and_then(|b| b.reason);
    let booking = service.cancel(scope.tenant, booking_id, reason, Party::Staff).await?;
    tracing::info!(booking.id = %booking.id, "booking cancelled");
    Ok(HttpResponse::Ok().json(BookingBody::new(&booking, None)))
}
