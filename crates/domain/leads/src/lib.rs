//! Leads: the CRM core of Frontdesk.
//!
//! This crate owns what a lead is (a named person reachable by phone or
//! email, unique per tenant), how its status may move, the append-only
//! timeline that records everything that happened to it, and the ports the
//! adapters implement (lead and timeline repositories). Use cases (create,
//! dedupe on inbound contact, change status, import) build on these types.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod filter;
pub mod lead;
pub mod ports;
pub mod status;
pub mod timeline;
pub mod values;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{LeadsError, Result};
pub use filter::{LeadFilter, LeadSort};
pub use lead::{Lead, LeadChanges, LeadId, NewLead};
pub use ports::{LeadRepository, TimelineRepository};
pub use status::{LeadSource, LeadStatus};
pub use timeline::{Direction, EventKind, NewTimelineEvent, TimelineEvent, TimelineEventId};
pub use values::{EmailAddress, JsonObject, LeadName, PhoneNumber};

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suites run against the in-memory fakes.
    use crate::testing::{InMemoryLeads, InMemoryTimeline, contract};

    #[tokio::test]
    async fn in_memory_leads_meet_the_contract() {
        contract::leads(&InMemoryLeads::default()).await;
    }

    #[tokio::test]
    async fn in_memory_timeline_meets_the_contract() {
        contract::timeline(&InMemoryTimeline::default()).await;
    }
}
