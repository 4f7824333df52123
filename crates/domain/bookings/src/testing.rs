//! In-memory adapters and port contract suites (feature `testing`).
//!
//! The in-memory repository follows the same rules as the SQL one
//! (tenant scoping, half-open overlap, atomic check-and-insert) and is
//! checked by the same contract suite in [`contract`], which the SeaORM
//! adapter's tests run too.

pub mod contract;
mod memory;

pub use memory::InMemoryBookings;
