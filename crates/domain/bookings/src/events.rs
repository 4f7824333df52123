//! The domain events a booking write announces (`booking.created`,
//! `booking.rescheduled`, `booking.cancelled`), built here so the
//! repository stores them in the same transaction as the write (the
//! transactional outbox). The payload is the booking as API clients see
//! it; the manage-link token hash is never part of it.

use crate::booking::{Booking, BookingStatus};
use chrono::{DateTime, Utc};
use frontdesk_kernel::events::DomainEvent;
use serde_json::{Value, json};

/// `booking.created`.
pub const BOOKING_CREATED: &str = "booking.created";
/// `booking.rescheduled`.
pub const BOOKING_RESCHEDULED: &str = "booking.rescheduled";
/// `booking.cancelled`.
pub const BOOKING_CANCELLED: &str = "booking.cancelled";

/// The booking as a webhook payload.
#[must_use]
pub fn booking_payload(booking: &Booking) -> Value {
    json!({
        "id": booking.id.to_string(),
        "leadId": booking.lead_id.to_string(),
        "resourceId": booking.resource_id.to_string(),
        "appointmentTypeId": booking.appointment_type_id.to_string(),
        "startsAt": booking.starts_at,
        "endsAt": booking.ends_at,
        "status": booking.status.as_str(),
        "notes": booking.notes,
        "cancelReason": booking.cancel_reason,
        "rescheduleCount": booking.reschedule_count,
        "createdAt": booking.created_at,
        "updatedAt": booking.updated_at,
    })
}

/// The events of storing the new `booking`.
#[must_use]
pub fn created(booking: &Booking, now: DateTime<Utc>) -> Vec<DomainEvent> {
    vec![DomainEvent::new(booking.tenant_id, BOOKING_CREATED, json!({ "booking": booking_payload(booking) }), now)]
}

/// The events of moving a booking from `previous` to `stored`.
#[must_use]
pub fn rescheduled(previous: &Booking, stored: &Booking, now: DateTime<Utc>) -> Vec<DomainEvent> {
    let data = json!({
        "booking": booking_payload(stored),
        "previous": { "startsAt": previous.starts_at, "endsAt": previous.ends_at },
    });
    vec![DomainEvent::new(stored.tenant_id, BOOKING_RESCHEDULED, data, now)]
}

/// The events of a status change to `stored.status` (only a cancellation has one).
#[must_use]
pub fn status_changed(stored: &Booking, now: DateTime<Utc>) -> Vec<DomainEvent> {
    if stored.status == BookingStatus::Cancelled {
        vec![DomainEvent::new(stored.tenant_id, BOOKING_CANCELLED, json!({ "booking": booking_payload(stored) }), now)]
    } else {
        Vec::new()
    }
}
