//! The sub-accounts' schedules through the cache.
//!
//! Every call and every receptionist turn reads its sub-account's schedule
//! (the open/closed status goes into the greeting and the instructions),
//! and schedules change a few times a year: a read of PostgreSQL each time
//! was a third of a call's SQL. [`CachedSchedules`] wraps the store:
//!
//! * a read takes the cached copy, or reads the store and fills the cache
//!   with `set_if_absent` (a copy read before a concurrent write can never
//!   replace the writer's);
//! * a write goes to the store, then writes its schedule to the cache
//!   (removing the entry if that fails), so the next read anywhere sees it;
//! * under [`CACHE_PREFIX`] the runtime's near cache keeps a copy in each
//!   process and drops it when any process writes (a broadcast), so most
//!   reads make no round trip at all.
//!
//! A sub-account without a schedule of its own (most of them) caches its
//! time zone instead, `{"defaultZone":"…"}`: the default schedule follows
//! that zone, so a turn or a call reads neither `schedules` nor `tenants`.
//! The tenancy crate changes the zone; whoever wires the two calls
//! [`forget`] when it does (the runtime, from the sub-account use cases'
//! change hook), and the near cache's broadcast drops every process's copy.
//!
//! Two writes racing can leave the older one cached, and so can a read of
//! the old zone racing a zone change: the entry expires after [`TTL`]. A
//! cache that cannot be reached is a miss, never an error.

use crate::error::Result;
use crate::ports::ScheduleRepository;
use crate::schedule::Schedule;
use async_trait::async_trait;
use chrono_tz::Tz;
use frontdesk_kernel::{Cache, TenantId};
use std::sync::Arc;
use std::time::Duration;

/// What every schedule's cache key starts with (the near cache keeps copies of these).
pub const CACHE_PREFIX: &str = "schedule:";

/// How long a cached schedule lives without a write.
pub const TTL: Duration = Duration::from_secs(10 * 60);

fn key(tenant: TenantId) -> String {
    format!("{CACHE_PREFIX}{tenant}")
}

/// What an entry for a sub-account without a schedule of its own starts with.
const DEFAULT_MARK: &[u8] = b"{\"defaultZone\":";

/// What a cache entry says: the sub-account's own schedule, or none and the
/// zone its default follows.
enum Entry {
    Own(Box<Schedule>),
    Default(Tz),
}

fn decode(bytes: &[u8]) -> Option<Entry> {
    if bytes.starts_with(DEFAULT_MARK) {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        return value["defaultZone"].as_str()?.parse().ok().map(Entry::Default);
    }
    serde_json::from_slice(bytes).ok().map(|s| Entry::Own(Box::new(s)))
}

/// Drops `tenant`'s cached schedule or default zone from `cache` (and, through
/// the near cache, from every process): call it when the sub-account's time
/// zone changes or the sub-account is deleted.
///
/// # Errors
/// The cache's, when it cannot be reached (the entry then expires after [`TTL`]).
pub async fn forget(cache: &dyn Cache, tenant: TenantId) -> std::result::Result<(), frontdesk_kernel::CacheError> {
    cache.delete(&key(tenant)).await.map(drop)
}

/// A [`ScheduleRepository`] that reads through `cache`.
pub struct CachedSchedules {
    store: Arc<dyn ScheduleRepository>,
    cache: Arc<dyn Cache>,
}

impl CachedSchedules {
    /// `store`'s schedules, cached in `cache`.
    #[must_use]
    pub fn new(store: Arc<dyn ScheduleRepository>, cache: Arc<dyn Cache>) -> Self {
        Self { store, cache }
    }

    async fn cached(&self, tenant: TenantId) -> Option<Entry> {
        match self.cache.get(&key(tenant)).await {
            Ok(Some(bytes)) => {
                let entry = decode(&bytes);
                if entry.is_none() {
                    tracing::warn!(tenant.id = %tenant, "unreadable cached schedule; reading the store");
                }
                entry
            }
            Ok(None) => None,
            Err(error) => {
                tracing::debug!(tenant.id = %tenant, %error, "cache unavailable; reading the schedule");
                None
            }
        }
    }

    async fn remember(&self, tenant: TenantId, schedule: &Schedule, replace: bool) {
        let Ok(bytes) = serde_json::to_vec(schedule) else { return };
        self.store_entry(tenant, &bytes, replace).await;
    }

    async fn remember_default(&self, tenant: TenantId, zone: Tz) {
        let Ok(bytes) = serde_json::to_vec(&serde_json::json!({ "defaultZone": zone.name() })) else { return };
        self.store_entry(tenant, &bytes, false).await;
    }

    async fn store_entry(&self, tenant: TenantId, bytes: &[u8], replace: bool) {
        let key = key(tenant);
        let stored = if replace {
            self.cache.set(&key, bytes, TTL).await
        } else {
            self.cache.set_if_absent(&key, bytes, TTL).await.map(drop)
        };
        if let Err(error) = stored {
            tracing::warn!(tenant.id = %tenant, %error, "schedule not cached");
            if replace && let Err(error) = self.cache.delete(&key).await {
                tracing::warn!(tenant.id = %tenant, %error, "a replaced schedule may be served from the cache until it expires");
            }
        }
    }
}

#[async_trait]
impl ScheduleRepository for CachedSchedules {
    async fn get(&self, tenant: TenantId) -> Result<Option<Schedule>> {
        match self.cached(tenant).await {
            Some(Entry::Own(schedule)) => return Ok(Some(*schedule)),
            Some(Entry::Default(_)) => return Ok(None),
            None => {}
        }
        let found = self.store.get(tenant).await?;
        match &found {
            Some(schedule) => self.remember(tenant, schedule, false).await,
            // The caller wants the default next, which follows the zone: read
            // it now (a deleted sub-account is `NotFound` there, and not cached).
            None => {
                if let Ok(zone) = self.store.tenant_zone(tenant).await {
                    self.remember_default(tenant, zone).await;
                }
            }
        }
        Ok(found)
    }

    async fn put(&self, tenant: TenantId, schedule: &Schedule) -> Result<()> {
        self.store.put(tenant, schedule).await?;
        self.remember(tenant, schedule, true).await;
        Ok(())
    }

    async fn tenant_zone(&self, tenant: TenantId) -> Result<Tz> {
        if let Some(Entry::Default(zone)) = self.cached(tenant).await {
            return Ok(zone);
        }
        self.store.tenant_zone(tenant).await
    }
}
