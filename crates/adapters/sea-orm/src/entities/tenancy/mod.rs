//! Identity and tenancy tables.

pub(crate) mod audit_log;
pub(crate) mod invitations;
pub(crate) mod login_attempts;
pub(crate) mod memberships;
pub(crate) mod refresh_token_families;
pub(crate) mod refresh_tokens;
pub(crate) mod tenants;
pub(crate) mod users;
