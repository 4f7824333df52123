//! The leads ports: the lead store (with its timeline and import batches) and the tenant directory.

mod store;

pub(crate) use store::read_in;
pub use store::{SeaOrmLeadRepository, SeaOrmTenantDirectory};
