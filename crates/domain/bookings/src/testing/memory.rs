//! In-memory fakes of the bookings ports.
