//! `/api/v1/{resources,appointment-types,availability,holds,bookings,schedule,booking-messages}`
//! and the public self-service `/b/{token}`: scheduling. Every tenant route
//! is scoped through [`TenantScope`](crate::extract::tenant::TenantScope)
//! (another tenant's id answers 404 like an unknown one); configuration —
//! resources, appointment types, schedules — is for owners and managers,
//! booking is for every member.

mod appointments;
mod availability;
mod body;
mod holds;
mod parse;
mod public;
mod resources;
mod schedule;
mod types;
mod wording;

pub use body::WeeklyHoursRequest;

use crate::error::ApiError;

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(resources::list)
        .service(resources::create)
        .service(resources::get)
        .service(resources::update)
        .service(resources::delete)
        .service(schedule::get_resource)
        .service(schedule::put_resource)
        .service(schedule::delete_resource)
        .service(schedule::get_subaccount)
        .service(schedule::put_subaccount)
        .service(schedule::status)
        .service(types::list)
        .service(types::create)
        .service(types::get)
        .service(types::update)
        .service(types::delete)
        .service(availability::get)
        .service(holds::create)
        .service(holds::get)
        .service(holds::delete)
        .service(appointments::list)
        .service(appointments::create)
        .service(appointments::get)
        .service(appointments::update)
        .service(appointments::cancel)
        .service(public::get)
        .service(public::cancel)
        .service(public::reschedule)
        .service(wording::list)
        .service(wording::put)
        .service(wording::reset);
}

/// Parses a path id (malformed → 404, like an unknown id).
fn id<T: std::str::FromStr>(raw: &str, entity: &str) -> Result<T, ApiError> {
    crate::routes::path_id(raw, entity)
}
