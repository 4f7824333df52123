//! In-memory adapters, a test cipher and port contract suites (feature `testing`).
//!
//! The in-memory repository follows the same rules as the SQL one and is
//! checked by the same suite in [`contract`]; [`contract::cipher`] checks
//! the crypto adapter and the [`TestCipher`] alike.

pub mod contract;
mod memory;
mod webhooks;

pub use memory::{
    InMemoryAppointmentLinks, InMemoryCursors, InMemoryEventLog, InMemoryIntegrations, InMemoryLinks,
    InMemoryTemplates, OneBooking, ScriptedChecks, TestCipher,
};
pub use webhooks::{InMemorySubscriptions, RecordedAlerts, ScriptedTransport, SentDelivery};
