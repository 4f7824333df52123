//! Bookings: resources, schedules, appointment types, availability, holds
//! and bookings that can never overlap.
//!
//! This crate owns the rules: what a schedule is (several ranges a day,
//! date exceptions, buffers, notice, horizon, in an IANA zone), the pure
//! DST-correct [`availability`] and [`status`] calculations, the booking
//! life cycle, and the [`service::Bookings`] use cases the api and the
//! receptionist call. "No double booking" is enforced by storage through
//! the guarded writes of [`BookingRepository`] (see [`ports`]).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod appointment_type;
pub mod availability;
pub mod booking;
pub mod error;
pub mod events;
pub mod hold;
pub mod ids;
pub mod messages;
pub mod ports;
pub mod resource;
pub mod schedule;
pub mod schedule_cache;
pub mod service;
pub mod slot;
pub mod status;
pub mod wording;

#[cfg(feature = "testing")]
pub mod testing;

pub use appointment_type::{AppointmentType, AppointmentTypeInput};
pub use booking::{Booking, BookingId, BookingStatus};
pub use error::{BookingsError, Result};
pub use hold::Hold;
pub use ids::{AppointmentTypeId, HoldId, ResourceId};
pub use messages::{
    BookingMessage, BookingNotices, LeadContact, MESSAGE_JOB, NoNotices, QueuedNotices, Recipients, SendBookingMessages,
};
pub use ports::{
    AppointmentTypeRepository, BookingFilter, BookingRepository, Busy, Candidate, ExternalCalendar, LeadChanged,
    ManageTokens, NoExternalCalendar, NoLeadCache, ResourceRepository, ScheduleRepository, TimelineEntry,
};
pub use resource::{Resource, ResourceInput, ResourceKind};
pub use schedule::{DateException, Schedule, TimeRange, WeeklyHours};
pub use slot::TimeSlot;
pub use wording::{MESSAGE_VARIABLES, MessageWording, MessageWordings, Wording, WordingInput, WordingRepository};
