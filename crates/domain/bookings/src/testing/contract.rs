//! The contract suite of the bookings ports.
