//! The tenancy ports: users, sessions, login attempts, tenants, memberships, invitations, audit.

mod audit_log;
mod invitations;
mod login_attempts;
pub(crate) mod memberships;
mod refresh_tokens;
mod tenants;
mod users;

pub use audit_log::SeaOrmAuditLog;
pub use invitations::SeaOrmInvitationRepository;
pub use login_attempts::SeaOrmLoginAttemptRepository;
pub use memberships::SeaOrmMembershipRepository;
pub use refresh_tokens::SeaOrmRefreshTokenRepository;
pub use tenants::SeaOrmTenantRepository;
pub use users::SeaOrmUserRepository;
