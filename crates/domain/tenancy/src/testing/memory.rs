//! In-memory implementations of the tenancy ports.

use crate::error::{Result, TenancyError};
use crate::membership::Membership;
use crate::ports::{MembershipRepository, PasswordHasher, RefreshTokenRepository, TenantRepository, UserRepository};
use crate::session::{RefreshToken, TokenFamilyId, TokenHash};
use crate::tenant::Tenant;
use crate::user::{PasswordHash, User};
use crate::values::{EmailAddress, Password};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{Page, PageRequest, TenantId, UserId};
use std::sync::Mutex;

/// Tenants in a `Vec`, insertion-ordered. Shares a membership store so that
/// creating with an owner and deleting (cascade) behave like the SQL store.
#[derive(Debug, Default)]
pub struct InMemoryTenants {
    tenants: Mutex<Vec<Tenant>>,
    memberships: std::sync::Arc<InMemoryMemberships>,
}

impl InMemoryTenants {
    /// Tenants whose owners and cascades go to `memberships`.
    #[must_use]
    pub fn sharing(memberships: std::sync::Arc<InMemoryMemberships>) -> Self {
        Self { tenants: Mutex::default(), memberships }
    }
}

#[async_trait]
impl TenantRepository for InMemoryTenants {
    async fn insert(&self, tenant: &Tenant) -> Result<()> {
        lock(&self.tenants).push(tenant.clone());
        Ok(())
    }

    async fn create_with_owner(&self, tenant: &Tenant, owner: Option<&Membership>) -> Result<()> {
        let mut tenants = lock(&self.tenants);
        if let Some(owner) = owner {
            self.memberships.insert_now(owner)?;
        }
        tenants.push(tenant.clone());
        Ok(())
    }

    async fn update(&self, tenant: &Tenant) -> Result<()> {
        let mut tenants = lock(&self.tenants);
        let slot =
            tenants.iter_mut().find(|t| t.id == tenant.id).ok_or(TenancyError::NotFound { entity: "sub-account" })?;
        *slot = tenant.clone();
        Ok(())
    }

    async fn delete(&self, id: TenantId) -> Result<()> {
        let mut tenants = lock(&self.tenants);
        let before = tenants.len();
        tenants.retain(|t| t.id != id);
        if tenants.len() == before {
            return Err(TenancyError::NotFound { entity: "sub-account" });
        }
        lock(&self.memberships.0).retain(|m| m.tenant_id != id);
        Ok(())
    }

    async fn get(&self, id: TenantId) -> Result<Tenant> {
        lock(&self.tenants).iter().find(|t| t.id == id).cloned().ok_or(TenancyError::NotFound { entity: "sub-account" })
    }

    async fn list(&self, page: PageRequest) -> Result<Page<Tenant>> {
        let mut all = lock(&self.tenants).clone();
        all.sort_by_key(|t| (t.created_at, t.id));
        Ok(page_of(&all, page))
    }
}

/// Accounts in a `Vec`; email uniqueness checked under the lock.
#[derive(Debug, Default)]
pub struct InMemoryUsers(Mutex<Vec<User>>);

#[async_trait]
impl UserRepository for InMemoryUsers {
    async fn insert(&self, user: &User) -> Result<()> {
        let mut users = lock(&self.0);
        if users.iter().any(|u| u.email == user.email) {
            return Err(TenancyError::Duplicate { field: "email" });
        }
        users.push(user.clone());
        Ok(())
    }

    async fn get(&self, id: UserId) -> Result<User> {
        lock(&self.0).iter().find(|u| u.id == id).cloned().ok_or(TenancyError::NotFound { entity: "user" })
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>> {
        Ok(lock(&self.0).iter().find(|u| &u.email == email).cloned())
    }

    async fn update_name(&self, id: UserId, name: &crate::values::PersonName, at: DateTime<Utc>) -> Result<()> {
        let mut users = lock(&self.0);
        let user = users.iter_mut().find(|u| u.id == id).ok_or(TenancyError::NotFound { entity: "user" })?;
        user.name = name.clone();
        user.updated_at = at;
        Ok(())
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>> {
        Ok(lock(&self.0).iter().filter(|u| ids.contains(&u.id)).cloned().collect())
    }

    async fn update_password(&self, id: UserId, hash: &PasswordHash, at: DateTime<Utc>) -> Result<()> {
        let mut users = lock(&self.0);
        let user = users.iter_mut().find(|u| u.id == id).ok_or(TenancyError::NotFound { entity: "user" })?;
        user.password_hash = hash.clone();
        user.updated_at = at;
        Ok(())
    }
}

/// Memberships in a `Vec`; one tenant per user.
#[derive(Debug, Default)]
pub struct InMemoryMemberships(pub(crate) Mutex<Vec<Membership>>);

impl InMemoryMemberships {
    /// Insert without awaiting, so callers may hold their own lock (locks are taken tenant/invitation first).
    fn insert_now(&self, membership: &Membership) -> Result<()> {
        let mut all = lock(&self.0);
        if all.iter().any(|m| m.user_id == membership.user_id) {
            return Err(TenancyError::Duplicate { field: "user" });
        }
        all.push(membership.clone());
        Ok(())
    }
}

#[async_trait]
impl MembershipRepository for InMemoryMemberships {
    async fn insert(&self, membership: &Membership) -> Result<()> {
        self.insert_now(membership)
    }

    async fn find_for_user(&self, user_id: UserId) -> Result<Option<Membership>> {
        Ok(lock(&self.0).iter().find(|m| m.user_id == user_id).cloned())
    }

    async fn update_role(&self, tenant_id: TenantId, user_id: UserId, role: frontdesk_kernel::Role) -> Result<()> {
        let mut all = lock(&self.0);
        let member = all
            .iter_mut()
            .find(|m| m.tenant_id == tenant_id && m.user_id == user_id)
            .ok_or(TenancyError::NotFound { entity: "user" })?;
        member.role = role;
        Ok(())
    }

    async fn remove(&self, tenant_id: TenantId, user_id: UserId) -> Result<()> {
        let mut all = lock(&self.0);
        let before = all.len();
        all.retain(|m| !(m.tenant_id == tenant_id && m.user_id == user_id));
        if all.len() == before { Err(TenancyError::NotFound { entity: "user" }) } else { Ok(()) }
    }

    async fn list_for_tenant(&self, tenant_id: TenantId, page: PageRequest) -> Result<Page<Membership>> {
        let mut members: Vec<_> = lock(&self.0).iter().filter(|m| m.tenant_id == tenant_id).cloned().collect();
        members.sort_by_key(|m| (m.created_at, m.user_id));
        Ok(page_of(&members, page))
    }
}

/// Refresh-token records in a `Vec`, with their families (start, revoked mark).
/// One mutex over both makes every method atomic, as the SQL transactions are.
#[derive(Debug, Default)]
pub struct InMemoryRefreshTokens(Mutex<TokenState>);

#[derive(Debug, Default)]
struct TokenState {
    tokens: Vec<RefreshToken>,
    /// Family id → (started at, revoked at).
    families: std::collections::HashMap<TokenFamilyId, (DateTime<Utc>, Option<DateTime<Utc>>)>,
}

impl TokenState {
    fn with_family_start(&self, token: &RefreshToken) -> RefreshToken {
        let started = self.families.get(&token.family_id).map_or(token.family_started_at, |(start, _)| *start);
        RefreshToken { family_started_at: started, ..token.clone() }
    }

    fn revoke_families(&mut self, at: DateTime<Utc>, which: impl Fn(&RefreshToken) -> bool) -> u64 {
        let mut revoked = 0;
        let mut families = Vec::new();
        for token in self.tokens.iter_mut().filter(|t| which(t)) {
            families.push(token.family_id);
            if token.revoked_at.is_none() {
                token.revoked_at = Some(at);
                revoked += 1;
            }
        }
        for family in families {
            if let Some((_, revoked_at)) = self.families.get_mut(&family) {
                revoked_at.get_or_insert(at);
            }
        }
        revoked
    }
}

#[async_trait]
impl RefreshTokenRepository for InMemoryRefreshTokens {
    async fn start_family(&self, token: &RefreshToken) -> Result<()> {
        let mut state = lock(&self.0);
        if state.families.contains_key(&token.family_id)
            || state.tokens.iter().any(|t| t.token_hash == token.token_hash)
        {
            return Err(TenancyError::Duplicate { field: "token" });
        }
        state.families.insert(token.family_id, (token.family_started_at, None));
        state.tokens.push(token.clone());
        Ok(())
    }

    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshToken>> {
        let state = lock(&self.0);
        Ok(state.tokens.iter().find(|t| &t.token_hash == hash).map(|t| state.with_family_start(t)))
    }

    async fn rotate(
        &self,
        current: crate::session::RefreshTokenId,
        next: &RefreshToken,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut state = lock(&self.0);
        let family_live = matches!(state.families.get(&next.family_id), Some((_, None)));
        let live = state
            .tokens
            .iter()
            .position(|t| t.id == current && t.family_id == next.family_id && t.revoked_at.is_none());
        let (true, Some(index)) = (family_live, live) else { return Ok(false) };
        if state.tokens.iter().any(|t| t.token_hash == next.token_hash) {
            return Err(TenancyError::Duplicate { field: "token" });
        }
        state.tokens[index].revoked_at = Some(at);
        state.tokens.push(next.clone());
        Ok(true)
    }

    async fn revoke_other_families(
        &self,
        user_id: UserId,
        keep: Option<TokenFamilyId>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(lock(&self.0).revoke_families(at, |t| t.user_id == user_id && Some(t.family_id) != keep))
    }

    async fn revoke_family(&self, family_id: TokenFamilyId, at: DateTime<Utc>) -> Result<u64> {
        let mut state = lock(&self.0);
        if let Some((_, revoked_at)) = state.families.get_mut(&family_id) {
            revoked_at.get_or_insert(at);
        }
        Ok(state.revoke_families(at, |t| t.family_id == family_id))
    }

    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut state = lock(&self.0);
        let count = state.tokens.len();
        state.tokens.retain(|t| t.expires_at >= before);
        let purged = (count - state.tokens.len()) as u64;
        let TokenState { tokens, families } = &mut *state;
        families.retain(|family, _| tokens.iter().any(|t| t.family_id == *family));
        Ok(purged)
    }
}

/// A hasher for domain tests: reversible and instant. Never wire it into a binary.
#[derive(Debug, Default)]
pub struct PlainTextHasher;

#[async_trait]
impl PasswordHasher for PlainTextHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash> {
        Ok(PasswordHash::from_stored(format!("plain:{}", password.expose())))
    }

    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<bool> {
        Ok(hash.as_str().strip_prefix("plain:") == Some(candidate))
    }

    async fn dummy_verify(&self, _candidate: &str) -> Result<bool> {
        Ok(false)
    }
}

/// Login attempts in a `Vec`.
#[derive(Debug, Default)]
pub struct InMemoryLoginAttempts(Mutex<Vec<crate::ports::LoginAttempt>>);

#[async_trait]
impl crate::ports::LoginAttemptRepository for InMemoryLoginAttempts {
    async fn record(&self, attempt: &crate::ports::LoginAttempt) -> Result<()> {
        lock(&self.0).push(attempt.clone());
        Ok(())
    }

    async fn mark_succeeded(&self, id: crate::ports::LoginAttemptId) -> Result<()> {
        if let Some(attempt) = lock(&self.0).iter_mut().find(|a| a.id == id) {
            attempt.succeeded = true;
        }
        Ok(())
    }

    async fn recent_failures(
        &self,
        email: &EmailAddress,
        ip: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(crate::ports::LoginAttemptId, DateTime<Utc>)>> {
        let all = lock(&self.0);
        let key = |a: &&crate::ports::LoginAttempt| &a.email == email && a.ip.as_deref() == ip;
        let last_success = all.iter().filter(key).filter(|a| a.succeeded).map(|a| (a.at, a.id)).max();
        let mut failures: Vec<_> = all
            .iter()
            .filter(key)
            .filter(|a| !a.succeeded && last_success.is_none_or(|s| (a.at, a.id) > s))
            .map(|a| (a.id, a.at))
            .collect();
        failures.sort_by_key(|(id, at)| std::cmp::Reverse((*at, *id)));
        failures.truncate(limit);
        Ok(failures)
    }

    async fn failures_since(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DateTime<Utc>>> {
        let mut times: Vec<_> =
            lock(&self.0).iter().filter(|a| &a.email == email && !a.succeeded && a.at > since).map(|a| a.at).collect();
        times.sort_by_key(|at| std::cmp::Reverse(*at));
        times.truncate(limit);
        Ok(times)
    }

    async fn purge_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut all = lock(&self.0);
        let count = all.len();
        all.retain(|a| a.at >= before);
        Ok((count - all.len()) as u64)
    }
}

/// A signer for domain tests: the "token" is `fake.` + the claims as JSON. Never wire it into a binary.
#[derive(Debug, Default)]
pub struct FakeSigner;

impl crate::ports::TokenSigner for FakeSigner {
    fn sign(&self, claims: &crate::ports::AccessClaims) -> Result<String> {
        serde_json::to_string(claims).map(|json| format!("fake.{json}")).map_err(TenancyError::internal)
    }

    fn verify(&self, token: &str) -> Result<crate::ports::AccessClaims> {
        let json = token.strip_prefix("fake.").ok_or(TenancyError::InvalidToken)?;
        serde_json::from_str(json).map_err(|_| TenancyError::InvalidToken)
    }
}

/// Deterministic refresh tokens (`token-1`, `token-2`, …) for domain tests.
#[derive(Debug, Default)]
pub struct SequentialTokens(std::sync::atomic::AtomicU64);

impl SequentialTokens {
    /// The hash this generator stores for `token`: the token's bytes as hex, padded to 64 characters.
    #[must_use]
    pub fn hash_of(token: &str) -> TokenHash {
        let hex: String = token.bytes().map(|b| format!("{b:02x}")).collect();
        TokenHash::from_hex(&format!("{hex:0<64}")[..64]).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl crate::ports::RefreshTokenGenerator for SequentialTokens {
    fn generate(&self) -> Result<(crate::ports::IssuedRefreshToken, TokenHash)> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let token = format!("token-{n}");
        Ok((crate::ports::IssuedRefreshToken::new(token.clone()), Self::hash_of(&token)))
    }

    fn hash(&self, token: &str) -> TokenHash {
        Self::hash_of(token)
    }
}

/// Invitations in a `Vec`, accepting into a shared membership store.
#[derive(Debug, Default)]
pub struct InMemoryInvitations {
    invitations: Mutex<Vec<crate::invitation::Invitation>>,
    memberships: std::sync::Arc<InMemoryMemberships>,
}

impl InMemoryInvitations {
    /// Invitations whose acceptance adds members to `memberships`.
    #[must_use]
    pub fn sharing(memberships: std::sync::Arc<InMemoryMemberships>) -> Self {
        Self { invitations: Mutex::default(), memberships }
    }
}

#[async_trait]
impl crate::ports::InvitationRepository for InMemoryInvitations {
    async fn insert(&self, invitation: &crate::invitation::Invitation) -> Result<()> {
        lock(&self.invitations).push(invitation.clone());
        Ok(())
    }

    async fn find_by_code(&self, hash: &TokenHash) -> Result<Option<crate::invitation::Invitation>> {
        Ok(lock(&self.invitations).iter().find(|i| &i.code_hash == hash).cloned())
    }

    async fn accept(
        &self,
        id: crate::invitation::InvitationId,
        membership: &Membership,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut invitations = lock(&self.invitations);
        let Some(invitation) = invitations.iter_mut().find(|i| i.id == id && i.used_at.is_none()) else {
            return Ok(false);
        };
        self.memberships.insert_now(membership)?;
        invitation.used_at = Some(at);
        Ok(true)
    }
}

/// The audit trail in a `Vec`.
#[derive(Debug, Default)]
pub struct InMemoryAuditLog(Mutex<Vec<crate::audit::AuditEntry>>);

#[async_trait]
impl crate::audit::AuditLog for InMemoryAuditLog {
    async fn record(&self, entry: &crate::audit::AuditEntry) -> Result<()> {
        lock(&self.0).push(entry.clone());
        Ok(())
    }

    async fn recent(&self, tenant: Option<TenantId>, limit: usize) -> Result<Vec<crate::audit::AuditEntry>> {
        let mut entries: Vec<_> =
            lock(&self.0).iter().filter(|e| tenant.is_none() || e.tenant == tenant).cloned().collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        entries.truncate(limit);
        Ok(entries)
    }

    async fn purge_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut all = lock(&self.0);
        let count = all.len();
        all.retain(|e| e.at >= before);
        Ok((count - all.len()) as u64)
    }
}
