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
//! A sub-account without a schedule of its own is not cached (its default
//! follows the sub-account's time zone, which the tenancy crate changes).
//! Two writes racing can leave the older one cached: the entry expires
//! after [`TTL`]. A cache that cannot be reached is a miss, never an error.

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

    async fn remember(&self, tenant: TenantId, schedule: &Schedule, replace: bool) {
        let Ok(bytes) = serde_json::to_vec(schedule) else { return };
        let key = key(tenant);
        let stored = if replace {
            self.cache.set(&key, &bytes, TTL).await
        } else {
            self.cache.set_if_absent(&key, &bytes, TTL).await.map(drop)
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
        match self.cache.get(&key(tenant)).await {
            Ok(Some(bytes)) => match serde_json::from_slice(&bytes) {
                Ok(schedule) => return Ok(Some(schedule)),
                Err(error) => {
                    tracing::warn!(tenant.id = %tenant, %error, "unreadable cached schedule; reading the store")
                }
            },
            Ok(None) => {}
            Err(error) => tracing::debug!(tenant.id = %tenant, %error, "cache unavailable; reading the schedule"),
        }
        let found = self.store.get(tenant).await?;
        if let Some(schedule) = &found {
            self.remember(tenant, schedule, false).await;
        }
        Ok(found)
    }

    async fn put(&self, tenant: TenantId, schedule: &Schedule) -> Result<()> {
        self.store.put(tenant, schedule).await?;
        self.remember(tenant, schedule, true).await;
        Ok(())
    }

    async fn tenant_zone(&self, tenant: TenantId) -> Result<Tz> {
        self.store.tenant_zone(tenant).await
    }
}
