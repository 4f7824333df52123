//! Repositories: one file per port implementation.

mod login_attempts;
mod memberships;
mod refresh_tokens;
mod tenants;
mod users;

pub use login_attempts::SeaOrmLoginAttemptRepository;
pub use memberships::SeaOrmMembershipRepository;
pub use refresh_tokens::SeaOrmRefreshTokenRepository;
pub use tenants::SeaOrmTenantRepository;
pub use users::SeaOrmUserRepository;
