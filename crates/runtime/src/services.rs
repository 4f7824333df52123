//! Use cases wired to the stores, for every binary that runs them (the api
//! serves them, the worker runs their maintenance), so both build them the
//! same way.

use crate::stores::Stores;
use frontdesk_kernel::SystemClock;
use frontdesk_leads::LeadService;
use frontdesk_receptionist::ReceptionistConfig;
use frontdesk_sea_orm::{
    SeaOrmLeadRepository, SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository, SeaOrmTenantDirectory,
};
use std::sync::Arc;

/// The leads use cases: SQL store, the configured cache (Redis or in-process), the tenant directory.
#[must_use]
pub fn lead_service(stores: &Stores) -> LeadService {
    LeadService::new(
        Arc::new(SeaOrmLeadRepository::new(stores.sql.clone())),
        Arc::clone(&stores.cache),
        Arc::new(SeaOrmTenantDirectory::new(stores.sql.clone())),
        Arc::new(SystemClock),
    )
}

/// The receptionist's configuration use cases (strategies, prompt templates).
#[must_use]
pub fn receptionist_config(stores: &Stores) -> ReceptionistConfig {
    ReceptionistConfig::new(
        Arc::new(SeaOrmStrategyRepository::new(stores.sql.clone())),
        Arc::new(SeaOrmPromptTemplateRepository::new(stores.sql.clone())),
        Arc::new(SystemClock),
    )
}
