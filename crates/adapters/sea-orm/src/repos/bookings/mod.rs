//! The bookings ports on SQL: schedules, resources, appointment types, and
//! bookings with holds behind the `slot_claims` guard (see the migration
//! `m20261205_000001_bookings` for why one table guards both).
//!
//! Written as plain SQL through SeaORM's connection: the guarded writes are
//! a handful of statements whose order *is* the algorithm (remove expired
//! holds, check or insert the claim under a savepoint, write the booking,
//! its timeline event and the lead's status), and reading them as SQL is
//! the clearest way to review them. Instants are epoch milliseconds.

mod rows;
mod schedules;
mod store;
mod wording;

pub use schedules::{SeaOrmAppointmentTypes, SeaOrmResources, SeaOrmSchedules};
pub use store::SeaOrmBookings;
pub use wording::SeaOrmWording;
