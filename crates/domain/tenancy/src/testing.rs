//! In-memory adapters and port contract suites (feature `testing`).
//!
//! The in-memory repositories follow the same rules as the SQL ones
//! (uniqueness, ordering, paging) and are checked by the same contract
//! suites in [`contract`], run by the SeaORM adapter's tests too.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "contract suites are test code: a failed expectation is the test failing"
)]

pub mod contract;
mod memory;

pub use memory::{
    FakeSigner, InMemoryAuditLog, InMemoryInvitations, InMemoryLoginAttempts, InMemoryMemberships,
    InMemoryRefreshTokens, InMemoryTenants, InMemoryUsers, PlainTextHasher, SequentialTokens,
};
