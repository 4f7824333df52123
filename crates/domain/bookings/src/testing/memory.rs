//! In-memory implementation of the bookings port.

use crate::booking::{Booking, BookingId, BookingStatus};
use crate::error::{BookingsError, Result};
use crate::ports::BookingRepository;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::testing::lock;
use frontdesk_kernel::{TenantId, ValidationErrors};
use std::sync::Mutex;

const NOT_FOUND: BookingsError = BookingsError::NotFound { entity: "booking" };

/// Bookings in a `Vec`; the overlap check and the insert happen under one
/// lock, so concurrent inserts cannot both take a slot.
#[derive(Debug, Default)]
pub struct InMemoryBookings(Mutex<Vec<Booking>>);

#[async_trait]
impl BookingRepository for InMemoryBookings {
    async fn insert_if_free(&self, tenant: TenantId, booking: &Booking) -> Result<()> {
        if booking.tenant_id != tenant {
            return Err(ValidationErrors::single("tenantId", "does not match the acting tenant").into());
        }
        let mut all = lock(&self.0);
        if booking.status.occupies_slot() {
            let slot = booking.slot();
            let conflict = all
                .iter()
                .filter(|b| b.tenant_id == tenant && b.status.occupies_slot())
                .find(|b| b.slot().overlaps(&slot));
            if let Some(conflicting) = conflict {
                return Err(BookingsError::SlotTaken { conflicting: conflicting.id });
            }
        }
        all.push(booking.clone());
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: BookingId) -> Result<Booking> {
        lock(&self.0).iter().find(|b| b.tenant_id == tenant && b.id == id).cloned().ok_or(NOT_FOUND)
    }

    async fn list(&self, tenant: TenantId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booking>> {
        let mut found: Vec<_> = lock(&self.0)
            .iter()
            .filter(|b| b.tenant_id == tenant && b.starts_at < to && from < b.ends_at())
            .cloned()
            .collect();
        found.sort_by_key(|b| (b.starts_at, b.id));
        Ok(found)
    }

    async fn update_status(&self, tenant: TenantId, id: BookingId, to: BookingStatus) -> Result<Booking> {
        let mut all = lock(&self.0);
        let booking = all.iter_mut().find(|b| b.tenant_id == tenant && b.id == id).ok_or(NOT_FOUND)?;
        booking.transition(to)?;
        Ok(booking.clone())
    }
}
