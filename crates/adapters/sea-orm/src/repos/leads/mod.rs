//! The leads ports: the lead store (with its timeline and import batches) and the tenant directory.

mod store;

pub use store::{SeaOrmLeadRepository, SeaOrmTenantDirectory};
pub(crate) use store::{one_lead_events_insert, read_in};
