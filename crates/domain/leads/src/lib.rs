//! Leads: the CRM core of Frontdesk.
//!
//! This crate owns what a lead is (a named person reachable by phone or
//! email, unique per tenant), how its status may move, the append-only
//! timeline that records everything that happened to it, the ports the
//! adapters implement (the lead store, the tenant directory) and the use
//! cases over them ([`LeadService`]: CRUD with cache-aside reads, notes,
//! soft delete, restore and purge; [`LeadTransfers`]: import and export as
//! background jobs, and the download of an export).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod events;
pub mod filter;
pub mod lead;
pub mod ports;
pub mod service;
pub mod status;
pub mod timeline;
pub mod transfer;
pub mod values;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{LeadsError, Result};
pub use filter::{LeadFilter, LeadSort};
pub use lead::{Lead, LeadChanges, LeadId, NewLead};
pub use ports::{LeadRepository, TenantDirectory};
pub use service::LeadService;
pub use status::{LeadSource, LeadStatus};
pub use timeline::{Direction, EventKind, NewTimelineEvent, TimelineEvent, TimelineEventId};
pub use transfer::{ExportLeads, ImportLeads, LeadTransfers};
pub use values::{EmailAddress, JsonObject, LeadName, PhoneNumber};

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suite runs against the in-memory fake.
    use crate::testing::{InMemoryLeadStore, contract};
    use frontdesk_kernel::{TenantId, UserId};
    use std::sync::Arc;

    #[tokio::test]
    async fn in_memory_store_meets_the_contract() {
        let fixtures = contract::Fixtures {
            tenants: (0..18).map(|_| TenantId::new()).collect(),
            user: UserId::new(),
            job: frontdesk_kernel::jobs::JobId::new(),
        };
        contract::leads(Arc::new(InMemoryLeadStore::default()), &fixtures).await;
        contract::list_counts_and_cursors(&InMemoryLeadStore::with_count_cap(3), &fixtures).await;
    }
}
