//! Bookings: appointments, the no-double-booking rule, and availability.
//!
//! This crate owns what a booking is, how its status may move, the
//! half-open [`TimeSlot`] overlap rule, per-weekday [`BusinessHours`] and
//! the pure [`available_slots`] calculation (DST-correct, in the tenant's
//! zone), plus the [`BookingRepository`] port whose `insert_if_free` makes
//! "check the slot, then book it" one atomic step in every adapter.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod availability;
pub mod booking;
pub mod error;
pub mod ids;
pub mod ports;
pub mod schedule;
pub mod slot;
pub mod status;

#[cfg(feature = "testing")]
pub mod testing;

pub use booking::{Booking, BookingId, BookingStatus, NewBooking};
pub use error::{BookingsError, Result};
pub use ids::{AppointmentTypeId, HoldId, ResourceId};
pub use ports::BookingRepository;
pub use schedule::{DateException, Schedule, TimeRange, WeeklyHours};
pub use slot::TimeSlot;

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suite runs against the in-memory fake.
    use crate::testing::{InMemoryBookings, contract};
    use crate::{Booking, BookingRepository, BookingsError, NewBooking};
    use chrono::{Duration, Utc};
    use frontdesk_kernel::TenantId;
    use std::sync::Arc;

    #[tokio::test]
    async fn in_memory_bookings_meet_the_contract() {
        contract::bookings(&InMemoryBookings::default()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn in_memory_bookings_let_one_of_many_parallel_inserts_win() {
        let repo = Arc::new(InMemoryBookings::default());
        let tenant = TenantId::new();
        let start = Utc::now() + Duration::days(1);
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let repo = Arc::clone(&repo);
                let input = NewBooking {
                    lead_id: frontdesk_kernel::LeadId::new(),
                    starts_at: start + Duration::minutes(i),
                    duration_minutes: 30,
                    notes: None,
                };
                let booking = Booking::create(tenant, input, Utc::now()).unwrap();
                tokio::spawn(async move { repo.insert_if_free(tenant, &booking).await })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(err) => assert!(matches!(err, BookingsError::SlotTaken { .. }), "{err:?}"),
            }
        }
        assert_eq!(won, 1);
    }
}
