//! `GET /api/v1/availability`: free slots.

use super::body::{AvailabilityBody, SlotBody};
use super::parse;
use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use actix_web::{HttpResponse, get, web};
use frontdesk_bookings::service::{AvailabilityQuery, Bookings};
use frontdesk_kernel::ValidationErrors;
use serde::Deserialize;
use utoipa::IntoParams;

/// The window and what to book.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AvailabilityParams {
    /// A date (the sub-account's local day) or an RFC 3339 instant; default now.
    from: Option<String>,
    /// A date (included) or an instant; default seven days after `from`; at most 93 days after it.
    to: Option<String>,
    /// Default: the first active appointment type.
    appointment_type_id: Option<String>,
    /// Default: any resource that serves the type.
    resource_id: Option<String>,
}

/// Free slots: UTC instants with the local wall time and zone, and the resources free for each.
/// Honours opening hours, date exceptions, buffers, minimum notice, horizon, confirmed
/// bookings, live holds and busy blocks of connected calendars.
#[utoipa::path(tag = "bookings", params(AvailabilityParams), security(("bearer" = [])),
    responses((status = 200, body = AvailabilityBody), (status = 400, description = "every bad parameter", body = crate::error::ErrorBody)))]
#[get("/api/v1/availability")]
pub(super) async fn get(
    service: web::Data<Bookings>,
    scope: TenantScope,
    params: web::Query<AvailabilityParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let query = AvailabilityQuery {
        from: parse::bound(&mut errors, "from", params.from.as_deref()),
        to: parse::bound(&mut errors, "to", params.to.as_deref()),
        appointment_type_id: parse::id(&mut errors, "appointmentTypeId", params.appointment_type_id.as_deref()),
        resource_id: parse::id(&mut errors, "resourceId", params.resource_id.as_deref()),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let found = service.availability(scope.tenant, query).await?;
    Ok(HttpResponse::Ok().json(AvailabilityBody {
        from: found.from,
        to: found.to,
        time_zone: found.time_zone.name().to_owned(),
        appointment_type_id: found.appointment_type.id.to_string(),
        duration_minutes: found.appointment_type.duration_minutes,
        slots: found.slots.iter().map(|s| SlotBody::new(s, found.time_zone)).collect(),
    }))
}
