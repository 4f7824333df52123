//! The membership cache: who belongs to which sub-account, with which
//! role, without a database round trip on every request.
//!
//! Every tenant-scoped request needs the caller's membership *as stored
//! now* (a removed or demoted member must lose access at once, not when
//! their token expires). Reading it from SQL each time cost one round trip
//! per request; this cache answers from memory and stays correct across
//! api processes through a [`Broadcast`]:
//!
//! * every change of a membership (join, role change, removal, sub-account
//!   creation or deletion) is announced on the `memberships` topic after it
//!   is committed; every process (this one included) forgets the entries it
//!   names as the message arrives, so a change reaches every process within
//!   the broadcast's latency (milliseconds on Redis);
//! * while the subscription is down (Redis unreachable, connection lost)
//!   the cache is bypassed entirely, and it starts empty when the
//!   subscription is back, so a message missed during an outage can never
//!   leave a stale entry behind;
//! * a read that raced a change cannot store what it read: each lookup
//!   notes the cache's generation, every invalidation bumps it, and a
//!   result read under an older generation is returned but not kept;
//! * entries also expire after a short TTL (`MEMBERSHIP_CACHE_TTL_SECS`),
//!   the backstop for a connection that dies without the stream noticing.
//!
//! "Not a member" is cached too (onboarding users), and forgotten the
//! same way when they create or join a sub-account.
//!
//! The caller's account (what `GET /auth/me` returns) is kept by the same
//! rules ([`MembershipCache::wrap_users`]): a name or password change is
//! announced as a change of that user, so every process forgets the account
//! with its membership.

use crate::error::Result;
use crate::membership::Membership;
use crate::ports::{MembershipRepository, UserRepository};
use crate::user::User;
use async_trait::async_trait;
use frontdesk_kernel::Page;
use frontdesk_kernel::local_copies::LocalCopies;
use frontdesk_kernel::{Broadcast, BroadcastListener, PageRequest, Role, TenantId, UserId};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The broadcast topic of membership changes.
pub const TOPIC: &str = "memberships";

/// Entries kept at most; past it the cache starts over (a flood of distinct
/// users costs database reads, never unbounded memory).
const MAX_ENTRIES: usize = 100_000;

/// What changed, as announced to every process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessChange {
    /// One user's membership (joined, role changed, removed, created a sub-account).
    User(UserId),
    /// Every membership of a sub-account (it was deleted).
    Tenant(TenantId),
}

impl AccessChange {
    fn encode(self) -> String {
        match self {
            Self::User(id) => format!("user:{id}"),
            Self::Tenant(id) => format!("tenant:{id}"),
        }
    }

    /// `None` for anything else, which listeners treat as "forget everything".
    fn decode(message: &str) -> Option<Self> {
        if let Some(id) = message.strip_prefix("user:") {
            return id.parse().ok().map(Self::User);
        }
        message.strip_prefix("tenant:").and_then(|id| id.parse().ok()).map(Self::Tenant)
    }
}

/// The per-process membership cache. Build it once per process with [`Self::start`].
pub struct MembershipCache {
    /// Each user's membership, "not a member" (`None`) included.
    memberships: LocalCopies<UserId, Option<Membership>>,
    /// Each user's account.
    users: LocalCopies<UserId, User>,
    ttl: Duration,
    broadcast: Arc<dyn Broadcast>,
}

impl std::fmt::Debug for MembershipCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MembershipCache")
            .field("ttl", &self.ttl)
            .field("live", &self.memberships.is_live())
            .finish_non_exhaustive()
    }
}

/// Hears the topic for a cache (weakly: the broadcast outliving the cache keeps nothing alive).
struct Listener(Weak<MembershipCache>);

impl BroadcastListener for Listener {
    fn on_message(&self, message: &str) {
        if let Some(cache) = self.0.upgrade() {
            cache.forget(AccessChange::decode(message));
        }
    }

    fn on_live(&self, live: bool) {
        if let Some(cache) = self.0.upgrade() {
            cache.memberships.set_live(live);
            cache.users.set_live(live);
            tracing::info!(live, "membership cache subscription {}", if live { "up" } else { "down" });
        }
    }
}

impl MembershipCache {
    /// A cache subscribed to `broadcast`'s membership topic, keeping entries
    /// for at most `ttl` (zero: never cache, always read the store).
    #[must_use]
    pub fn start(broadcast: Arc<dyn Broadcast>, ttl: Duration) -> Arc<Self> {
        let cache = Arc::new(Self {
            memberships: LocalCopies::new(ttl, MAX_ENTRIES),
            users: LocalCopies::new(ttl, MAX_ENTRIES),
            ttl,
            broadcast: Arc::clone(&broadcast),
        });
        broadcast.subscribe(TOPIC, Arc::new(Listener(Arc::downgrade(&cache))));
        cache
    }

    /// `memberships` read through this cache.
    #[must_use]
    pub fn wrap(self: &Arc<Self>, memberships: Arc<dyn MembershipRepository>) -> Arc<dyn MembershipRepository> {
        Arc::new(CachedMemberships { inner: memberships, cache: Arc::clone(self) })
    }

    /// `users` with `get` answered by this cache; name and password changes
    /// go to the store and are then announced like membership changes.
    #[must_use]
    pub fn wrap_users(self: &Arc<Self>, users: Arc<dyn UserRepository>) -> Arc<dyn UserRepository> {
        Arc::new(CachedUsers { inner: users, cache: Arc::clone(self) })
    }

    /// Forgets what `change` names here and tells every other process. Call
    /// it after the change is committed. A failed publish is logged: the
    /// other processes are then either disconnected too (and bypass their
    /// caches) or forget it within the TTL.
    pub async fn changed(&self, change: AccessChange) {
        self.forget(Some(change));
        if let Err(err) = self.broadcast.publish(TOPIC, &change.encode()).await {
            tracing::warn!(error = %err, change = ?change, "membership change not broadcast; other api processes keep it until the TTL");
        }
    }

    /// Forgets the entries `change` names (`None`: all of them).
    fn forget(&self, change: Option<AccessChange>) {
        match change {
            Some(AccessChange::User(user)) => {
                self.memberships.forget(&user);
                self.users.forget(&user);
            }
            Some(AccessChange::Tenant(tenant)) => {
                self.memberships.forget_where(|_, m| m.as_ref().is_some_and(|m| m.tenant_id == tenant));
            }
            None => {
                self.memberships.clear();
                self.users.clear();
            }
        }
    }
}

/// A [`UserRepository`] whose `get` is answered by a [`MembershipCache`].
struct CachedUsers {
    inner: Arc<dyn UserRepository>,
    cache: Arc<MembershipCache>,
}

#[async_trait]
impl UserRepository for CachedUsers {
    async fn insert(&self, user: &User) -> Result<()> {
        self.inner.insert(user).await
    }

    async fn get(&self, id: UserId) -> Result<User> {
        self.cache.users.read_through(id, || self.inner.get(id)).await
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>> {
        self.inner.get_many(ids).await
    }

    async fn update_name(
        &self,
        id: UserId,
        name: &crate::values::PersonName,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        self.inner.update_name(id, name, at).await?;
        self.cache.changed(AccessChange::User(id)).await;
        Ok(())
    }

    async fn update_password(
        &self,
        id: UserId,
        hash: &crate::user::PasswordHash,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        self.inner.update_password(id, hash, at).await?;
        self.cache.changed(AccessChange::User(id)).await;
        Ok(())
    }

    async fn find_by_email(&self, email: &frontdesk_kernel::EmailAddress) -> Result<Option<User>> {
        self.inner.find_by_email(email).await
    }
}

/// A [`MembershipRepository`] whose `find_for_user` is answered by a
/// [`MembershipCache`]; its writes go to the store and are then announced.
struct CachedMemberships {
    inner: Arc<dyn MembershipRepository>,
    cache: Arc<MembershipCache>,
}

#[async_trait]
impl MembershipRepository for CachedMemberships {
    async fn insert(&self, membership: &Membership) -> Result<()> {
        self.inner.insert(membership).await?;
        self.cache.changed(AccessChange::User(membership.user_id)).await;
        Ok(())
    }

    async fn find_for_user(&self, user_id: UserId) -> Result<Option<Membership>> {
        self.cache.memberships.read_through(user_id, || self.inner.find_for_user(user_id)).await
    }

    async fn update_role(&self, tenant_id: TenantId, user_id: UserId, role: Role) -> Result<()> {
        self.inner.update_role(tenant_id, user_id, role).await?;
        self.cache.changed(AccessChange::User(user_id)).await;
        Ok(())
    }

    async fn remove(&self, tenant_id: TenantId, user_id: UserId) -> Result<()> {
        self.inner.remove(tenant_id, user_id).await?;
        self.cache.changed(AccessChange::User(user_id)).await;
        Ok(())
    }

    async fn list_for_tenant(&self, tenant_id: TenantId, page: PageRequest) -> Result<Page<Membership>> {
        self.inner.list_for_tenant(tenant_id, page).await
    }
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
