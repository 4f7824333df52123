//! SeaORM entities. Private: repositories convert them to domain types.

pub(crate) mod audit_log;
pub(crate) mod invitations;
pub(crate) mod job_effects;
pub(crate) mod lead_events;
pub(crate) mod leads;
pub(crate) mod login_attempts;
pub(crate) mod memberships;
pub(crate) mod prompt_templates;
pub(crate) mod refresh_token_families;
pub(crate) mod refresh_tokens;
pub(crate) mod strategies;
pub(crate) mod tenants;
pub(crate) mod users;
