//! Repositories: one file per port implementation.

mod audit_log;
mod invitations;
mod leads;
mod login_attempts;
pub(crate) mod memberships;
mod receptionist_config;
mod refresh_tokens;
mod tenants;
mod users;

pub use audit_log::SeaOrmAuditLog;
pub use invitations::SeaOrmInvitationRepository;
pub use leads::{SeaOrmLeadRepository, SeaOrmTenantDirectory};
pub use login_attempts::SeaOrmLoginAttemptRepository;
pub use memberships::SeaOrmMembershipRepository;
pub use receptionist_config::{SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository};
pub use refresh_tokens::SeaOrmRefreshTokenRepository;
pub use tenants::SeaOrmTenantRepository;
pub use users::SeaOrmUserRepository;
