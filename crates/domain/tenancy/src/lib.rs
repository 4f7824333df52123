//! Tenancy and identity: sub-accounts (tenants), users, memberships and sessions.
//!
//! This crate owns the rules (who may belong where, what a valid email or
//! password is, when a refresh token is usable) and the ports the adapters
//! implement (repositories, password hashing, token signing). The identity
//! issue adds the use cases (register, login, refresh rotation, lockout)
//! on top of these types.

pub mod access;
pub mod audit;
pub mod auth;
pub mod error;
pub mod invitation;
pub mod lockout;
pub mod membership;
pub mod ports;
pub mod session;
pub mod subaccounts;
pub mod tenant;
pub mod user;
pub mod values;

#[cfg(feature = "testing")]
pub mod testing;

pub use access::{AccessChange, MembershipCache};
pub use audit::{AuditAction, AuditEntry, AuditLog};
pub use auth::{AuthPorts, AuthService, ClientInfo, Session};
pub use error::{Result, TenancyError};
pub use invitation::{Invitation, InvitationId};
pub use lockout::LockoutPolicy;
pub use membership::Membership;
pub use ports::{
    AccessClaims, InvitationRepository, IssuedRefreshToken, LoginAttempt, LoginAttemptId, LoginAttemptRepository,
    MembershipRepository, PasswordHasher, RefreshTokenGenerator, RefreshTokenRepository, TenantEraser,
    TenantRepository, TenantSettingsChanged, TokenSigner, UserRepository,
};
pub use session::{RefreshToken, RefreshTokenId, SessionPolicy, TokenFamilyId, TokenHash};
pub use subaccounts::{SubAccountPorts, SubAccountService, TenantPatch};
pub use tenant::{NewTenant, Tenant};
pub use user::{NewUser, PasswordHash, User};
pub use values::{EmailAddress, Password, PersonName, TenantName, TimeZone};

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suites run against the in-memory fakes.
    use crate::testing::{InMemoryMemberships, InMemoryRefreshTokens, InMemoryTenants, InMemoryUsers, contract};

    #[tokio::test]
    async fn in_memory_tenants_meet_the_contract() {
        contract::tenants(&InMemoryTenants::default()).await;
    }

    #[tokio::test]
    async fn in_memory_users_meet_the_contract() {
        contract::users(&InMemoryUsers::default()).await;
    }

    #[tokio::test]
    async fn in_memory_memberships_meet_the_contract() {
        contract::memberships(&InMemoryTenants::default(), &InMemoryUsers::default(), &InMemoryMemberships::default())
            .await;
    }

    #[tokio::test]
    async fn in_memory_tenant_lifecycle_meets_the_contract() {
        let memberships = std::sync::Arc::new(InMemoryMemberships::default());
        let tenants = InMemoryTenants::sharing(memberships.clone());
        contract::tenant_lifecycle(&tenants, &InMemoryUsers::default(), memberships.as_ref()).await;
    }

    #[tokio::test]
    async fn in_memory_invitations_meet_the_contract() {
        let memberships = std::sync::Arc::new(InMemoryMemberships::default());
        let tenants = InMemoryTenants::sharing(memberships.clone());
        let invitations = crate::testing::InMemoryInvitations::sharing(memberships.clone());
        contract::invitations(&tenants, &InMemoryUsers::default(), memberships.as_ref(), &invitations).await;
    }

    #[tokio::test]
    async fn in_memory_audit_log_meets_the_contract() {
        contract::audit_log(&crate::testing::InMemoryAuditLog::default()).await;
    }

    #[tokio::test]
    async fn in_memory_login_attempts_meet_the_contract() {
        contract::login_attempts(&crate::testing::InMemoryLoginAttempts::default()).await;
    }

    #[tokio::test]
    async fn in_memory_refresh_tokens_meet_the_contract() {
        contract::refresh_tokens(&InMemoryUsers::default(), &InMemoryRefreshTokens::default()).await;
    }

    #[tokio::test]
    async fn in_memory_refresh_tokens_survive_the_reuse_race() {
        contract::refresh_token_races(&InMemoryUsers::default(), &InMemoryRefreshTokens::default(), 24, 5).await;
    }
}
