//! SeaORM entities, one folder per domain. Private: repositories convert them to domain types.

pub(crate) mod leads;
pub(crate) mod receptionist;
pub(crate) mod tenancy;
