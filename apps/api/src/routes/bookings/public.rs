//! The customer's self-service link, `/b/{token}`: see, cancel or move a
//! booking without an account, under the same rules as staff (and not once
//! it has started). The token is 256 random bits, stored only as its hash;
//! an unknown token — another booking's, another tenant's, a guess —
//! answers 404. Rate-limited like every public route.

use super::body::{PublicBookingBody, RescheduleBody};
use super::parse;
use crate::error::ApiError;
use actix_web::{HttpResponse, get, post, web};
use frontdesk_bookings::service::{BookingChange, Bookings, Party};
use frontdesk_kernel::ValidationErrors;

async fn shown(service: &Bookings, booking: &frontdesk_bookings::Booking) -> Result<HttpResponse, ApiError> {
    let zone = service.schedule(booking.tenant_id).await?.time_zone;
    Ok(HttpResponse::Ok().json(PublicBookingBody::new(booking, zone)))
}

/// The booking behind a self-service link.
#[utoipa::path(tag = "self-service",
    responses((status = 200, body = PublicBookingBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/b/{token}")]
pub(super) async fn get(service: web::Data<Bookings>, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let booking = service.by_token(&token).await?;
    shown(&service, &booking).await
}

/// Cancels the booking behind a self-service link (before it starts).
#[utoipa::path(tag = "self-service",
    responses((status = 200, body = PublicBookingBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "already started", body = crate::error::ErrorBody),
        (status = 422, description = "invalid_transition (already cancelled or closed)", body = crate::error::ErrorBody)))]
#[post("/b/{token}/cancel")]
pub(super) async fn cancel(service: web::Data<Bookings>, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let booking = service.by_token(&token).await?;
    let booking = service
        .cancel(booking.tenant_id, booking.id, Some("cancelled by the customer".into()), Party::Customer)
        .await?;
    shown(&service, &booking).await
}

/// Moves the booking behind a self-service link (same rules as staff: hours, notice, horizon, free slot).
#[utoipa::path(tag = "self-service", request_body = RescheduleBody,
    responses((status = 200, body = PublicBookingBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, description = "slot_taken or already started", body = crate::error::ErrorBody),
        (status = 422, description = "outside_hours, too_soon, beyond_horizon or invalid_transition", body = crate::error::ErrorBody)))]
#[post("/b/{token}/reschedule")]
pub(super) async fn reschedule(
    service: web::Data<Bookings>,
    token: web::Path<String>,
    body: web::Json<RescheduleBody>,
) -> Result<HttpResponse, ApiError> {
    let booking = service.by_token(&token).await?;
    let mut errors = ValidationErrors::new();
    let starts_at = parse::instant(&mut errors, "startsAt", body.starts_at.as_deref());
    let Some(starts_at) = starts_at else { return Err(ApiError::validation(&errors)) };
    let change = BookingChange { starts_at: Some(starts_at), status: None };
    let booking = service.change(booking.tenant_id, booking.id, change, Party::Customer).await?;
    shown(&service, &booking).await
}
