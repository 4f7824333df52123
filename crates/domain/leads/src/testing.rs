//! In-memory adapters and port contract suites (feature `testing`).
//!
//! The in-memory repositories follow the same rules as the SQL ones
//! (per-tenant uniqueness among live leads, filtering, ordering, paging)
//! and are checked by the same contract suites in [`contract`], which the
//! SeaORM adapter's tests run too.

pub mod contract;
mod memory;

pub use memory::{InMemoryDirectory, InMemoryLeadStore};
