//! The leads ports: the lead store (with its timeline and import batches) and the tenant directory.

mod store;

pub use store::{SeaOrmLeadRepository, SeaOrmTenantDirectory};
