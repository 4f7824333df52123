//! The ports tenancy needs from the outside world.
//!
//! Repositories map storage errors to [`TenancyError`]: a unique violation
//! becomes `Duplicate`, anything else `Storage`. Tenant-scoped methods take
//! the [`TenantId`] first and filter by it, so isolation is enforced in the
//! repository layer, not left to callers.

use crate::error::Result;
use crate::membership::Membership;
use crate::session::{RefreshToken, RefreshTokenId, TokenFamilyId, TokenHash};
use crate::tenant::Tenant;
use crate::user::{PasswordHash, User};
use crate::values::{EmailAddress, Password};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{AccountType, Page, PageRequest, Role, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Sub-accounts.
#[async_trait]
pub trait TenantRepository: Send + Sync + 'static {
    /// Stores a new tenant.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    async fn insert(&self, tenant: &Tenant) -> Result<()>;

    /// The tenant, or `NotFound`.
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    async fn get(&self, id: TenantId) -> Result<Tenant>;

    /// Stores a new tenant and, when given, its owner's membership, atomically:
    /// if the membership cannot be stored, neither is the tenant.
    ///
    /// # Errors
    /// `Duplicate { field: "user" }` when the owner already belongs to a tenant, `Storage`.
    async fn create_with_owner(&self, tenant: &Tenant, owner: Option<&Membership>) -> Result<()>;

    /// Saves a changed name or time zone.
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    async fn update(&self, tenant: &Tenant) -> Result<()>;

    /// Deletes the tenant with its memberships and invitations (members return to onboarding).
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    async fn delete(&self, id: TenantId) -> Result<()>;

    /// All tenants, oldest first (admins only).
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, page: PageRequest) -> Result<Page<Tenant>>;
}

/// Accounts.
#[async_trait]
pub trait UserRepository: Send + Sync + 'static {
    /// Stores a new account.
    ///
    /// # Errors
    /// `Duplicate { field: "email" }` when the email is taken (even by a concurrent insert).
    async fn insert(&self, user: &User) -> Result<()>;

    /// The account, or `NotFound`.
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    async fn get(&self, id: UserId) -> Result<User>;

    /// The accounts with these ids (missing ids are skipped), in one query.
    ///
    /// # Errors
    /// `Storage`.
    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>>;

    /// Replaces the display name.
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    async fn update_name(&self, id: UserId, name: &crate::values::PersonName, at: DateTime<Utc>) -> Result<()>;

    /// Replaces the password hash.
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    async fn update_password(&self, id: UserId, hash: &PasswordHash, at: DateTime<Utc>) -> Result<()>;

    /// The account with this (normalized) email, if any.
    ///
    /// # Errors
    /// `Storage`.
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>>;
}

/// Invitations to join a tenant.
#[async_trait]
pub trait InvitationRepository: Send + Sync + 'static {
    /// Stores an invitation.
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, invitation: &crate::invitation::Invitation) -> Result<()>;

    /// The invitation with this code hash, used or not.
    ///
    /// # Errors
    /// `Storage`.
    async fn find_by_code(&self, hash: &TokenHash) -> Result<Option<crate::invitation::Invitation>>;

    /// Marks the invitation used and adds the membership, atomically. `false`
    /// when it was already used (a concurrent join won); nothing is changed then.
    ///
    /// # Errors
    /// `Duplicate { field: "user" }` when the user already belongs to a tenant, `Storage`.
    async fn accept(
        &self,
        id: crate::invitation::InvitationId,
        membership: &Membership,
        at: DateTime<Utc>,
    ) -> Result<bool>;
}

/// Who belongs to which tenant.
#[async_trait]
pub trait MembershipRepository: Send + Sync + 'static {
    /// Adds a member.
    ///
    /// # Errors
    /// `Duplicate { field: "user" }` when the user already belongs to a tenant.
    async fn insert(&self, membership: &Membership) -> Result<()>;

    /// The user's membership, if they have left onboarding.
    ///
    /// # Errors
    /// `Storage`.
    async fn find_for_user(&self, user_id: UserId) -> Result<Option<Membership>>;

    /// Changes a member's role within `tenant_id`.
    ///
    /// # Errors
    /// `NotFound` when the user is not a member of that tenant, `Storage`.
    async fn update_role(&self, tenant_id: TenantId, user_id: UserId, role: Role) -> Result<()>;

    /// Removes a member from `tenant_id` (they return to onboarding).
    ///
    /// # Errors
    /// `NotFound` when the user is not a member of that tenant, `Storage`.
    async fn remove(&self, tenant_id: TenantId, user_id: UserId) -> Result<()>;

    /// The members of one tenant, oldest first.
    ///
    /// # Errors
    /// `Storage`.
    async fn list_for_tenant(&self, tenant_id: TenantId, page: PageRequest) -> Result<Page<Membership>>;
}

/// Stored refresh tokens (hashes only), grouped in families (one per login).
///
/// The contract that makes theft detection sound: once a family is revoked,
/// no token of it is ever usable again, whatever runs concurrently. So
/// [`Self::rotate`] checks the family and consumes the old token in the same
/// transaction that stores the new one, serialised with
/// [`Self::revoke_family`] on the family's row.
#[async_trait]
pub trait RefreshTokenRepository: Send + Sync + 'static {
    /// Starts a family (a login) with its first token; the family's start is
    /// `token.family_started_at`.
    ///
    /// # Errors
    /// `Duplicate { field: "token" }` on a hash collision or when the family already exists, `Storage`.
    async fn start_family(&self, token: &RefreshToken) -> Result<()>;

    /// The record with this hash, revoked or not, with its family's start.
    ///
    /// # Errors
    /// `Storage`.
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshToken>>;

    /// Exchanges `current` for `next` (same family) atomically: revokes
    /// `current` at `at` and stores `next`, only if `current` is still live and
    /// its family has not been revoked. `false` (nothing changed) otherwise:
    /// the token was already used — by a concurrent rotation, or by a thief —
    /// and the caller treats that as reuse.
    ///
    /// # Errors
    /// `Duplicate { field: "token" }` on a hash collision, `Storage`.
    async fn rotate(&self, current: RefreshTokenId, next: &RefreshToken, at: DateTime<Utc>) -> Result<bool>;

    /// Revokes every live token of `user_id` and their families outside the family `keep`;
    /// returns how many tokens.
    ///
    /// # Errors
    /// `Storage`.
    async fn revoke_other_families(
        &self,
        user_id: UserId,
        keep: Option<TokenFamilyId>,
        at: DateTime<Utc>,
    ) -> Result<u64>;

    /// Revokes a family: marks it so that no token is issued into it again,
    /// and revokes its live tokens; returns how many tokens were revoked.
    ///
    /// # Errors
    /// `Storage`.
    async fn revoke_family(&self, family_id: TokenFamilyId, at: DateTime<Utc>) -> Result<u64>;

    /// Deletes tokens that expired before `before`, and the families left
    /// without tokens (the periodic purge); returns how many tokens.
    ///
    /// # Errors
    /// `Storage`.
    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64>;
}

/// Slow, salted password hashing (bcrypt in production).
#[async_trait]
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes a password that passed the policy.
    ///
    /// # Errors
    /// `Storage` if the hashing backend fails.
    async fn hash(&self, password: &Password) -> Result<PasswordHash>;

    /// Spends the time of a real verification and answers `false`: used when the
    /// email is unknown, so response time does not reveal registered emails.
    ///
    /// # Errors
    /// `Storage`/`Internal` if the backend fails.
    async fn dummy_verify(&self, candidate: &str) -> Result<bool>;

    /// Whether `candidate` matches `hash`. Runs in constant time with respect to the candidate.
    ///
    /// # Errors
    /// `Storage` if the hash is corrupt.
    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<bool>;
}

frontdesk_kernel::define_id!(
    /// One login attempt.
    LoginAttemptId,
    "login attempt id"
);

/// One login attempt, kept for lockout and audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginAttempt {
    /// Its id (time-ordered: ties on `at` are broken by it).
    pub id: LoginAttemptId,
    /// The normalized email tried (registered or not).
    pub email: EmailAddress,
    /// Whether the password matched.
    pub succeeded: bool,
    /// The client address.
    pub ip: Option<String>,
    /// The client's User-Agent (truncated).
    pub user_agent: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Login attempts per email and client address.
#[async_trait]
pub trait LoginAttemptRepository: Send + Sync + 'static {
    /// Records an attempt.
    ///
    /// # Errors
    /// `Storage`.
    async fn record(&self, attempt: &LoginAttempt) -> Result<()>;

    /// Marks a recorded attempt as successful (logins are recorded as failures
    /// *before* the password is checked, so concurrent guesses see each other).
    ///
    /// # Errors
    /// `Storage`.
    async fn mark_succeeded(&self, id: LoginAttemptId) -> Result<()>;

    /// The failures for `email` from the client address `ip` (`None` matches
    /// attempts recorded without one) since the last success from that
    /// address, newest first (by time, then id), at most `limit`.
    ///
    /// # Errors
    /// `Storage`.
    async fn recent_failures(
        &self,
        email: &EmailAddress,
        ip: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(LoginAttemptId, DateTime<Utc>)>>;

    /// The times of the failures for `email` from any address after `since`, newest first, at most `limit`.
    ///
    /// # Errors
    /// `Storage`.
    async fn failures_since(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DateTime<Utc>>>;

    /// Deletes attempts made before `before` (the retention purge); returns how many.
    ///
    /// # Errors
    /// `Storage`.
    async fn purge_before(&self, before: DateTime<Utc>) -> Result<u64>;
}

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessClaims {
    /// The account (`sub`).
    pub sub: UserId,
    /// User or admin.
    pub account_type: AccountType,
    /// Tenant or admin role; absent while the user is onboarding (no sub-account yet).
    pub role: Option<Role>,
    /// The tenant, absent while onboarding and for admins.
    pub sub_account_id: Option<TenantId>,
    /// Unique token id.
    pub jti: String,
    /// The session (refresh-token family) this token belongs to, so
    /// change-password can keep the caller's own session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<TokenFamilyId>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// A refresh token as handed to the client once. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedRefreshToken(String);

impl IssuedRefreshToken {
    /// Wraps a freshly generated token.
    #[must_use]
    pub const fn new(token: String) -> Self {
        Self(token)
    }

    /// The token, for the response body only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for IssuedRefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuedRefreshToken(<redacted>)")
    }
}

/// Generates opaque refresh tokens and the hash under which they are stored.
pub trait RefreshTokenGenerator: Send + Sync + 'static {
    /// A new unguessable token and its hash.
    ///
    /// # Errors
    /// `Internal` when the random source fails.
    fn generate(&self) -> Result<(IssuedRefreshToken, TokenHash)>;

    /// The hash under which a presented token would be stored.
    fn hash(&self, token: &str) -> TokenHash;
}

/// Signs and verifies access tokens.
pub trait TokenSigner: Send + Sync + 'static {
    /// Encodes and signs `claims`.
    ///
    /// # Errors
    /// `Storage` if signing fails.
    fn sign(&self, claims: &AccessClaims) -> Result<String>;

    /// Verifies signature, algorithm and expiry, and returns the claims.
    ///
    /// # Errors
    /// `InvalidToken` for anything not signed by us or expired.
    fn verify(&self, token: &str) -> Result<AccessClaims>;
}

/// Told when a sub-account's settings (name, time zone, country) changed, so
/// that what other crates derived from them — the default schedule follows
/// the time zone — is not served from a cache afterwards.
#[async_trait]
pub trait TenantSettingsChanged: Send + Sync + 'static {
    /// `tenant` was stored with new settings; `zone_changed` says whether its time zone moved.
    async fn changed(&self, tenant: &Tenant, zone_changed: bool);
}

/// What a sub-account leaves outside the SQL store — uploaded and exported
/// files (full lead PII), cache entries — removed when it is deleted (its
/// rows go by `ON DELETE CASCADE`).
#[async_trait]
pub trait TenantEraser: Send + Sync + 'static {
    /// Removes everything `tenant` keeps outside the SQL store (none is fine).
    ///
    /// # Errors
    /// `Storage` (what was removed before the failure stays removed).
    async fn erase(&self, tenant: TenantId) -> Result<()>;
}
