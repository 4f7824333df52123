//! One turn at a time per lead and channel.
//!
//! Two messages from one caller can arrive together (a double-tapped send,
//! an SMS and its vendor retry, two worker processes). Without order the
//! first turns would each start a conversation, and later turns would read
//! a history missing the other's reply. A turn therefore holds a lock on
//! `(tenant, lead, channel)` from finding its conversation to storing its
//! reply:
//!
//! * in-process, a keyed async mutex — waiters queue, nothing polls;
//! * across processes, when a shared cache is configured (Redis), a lease
//!   taken with `SET NX` under `receptionist:turn:{tenant}:{lead}:{channel}`,
//!   polled every 20 ms. The lease outlives the longest turn of the channel
//!   (twice its model budget plus 10 s), so a crashed holder frees it by
//!   expiry; it is released by deleting the key.
//!
//! Both fail open: a cache that cannot be reached, or a lease still held
//! after the wait, is logged and the turn goes ahead — answering a caller
//! twice at once is better than not answering.

use crate::conversation::Channel;
use frontdesk_kernel::{Cache, LeadId, TenantId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

type Local = Arc<tokio::sync::Mutex<()>>;

/// Turn locks for one process (and, with a shared cache, across processes).
#[derive(Default)]
pub struct TurnLocks {
    local: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    shared: Option<Arc<dyn Cache>>,
}

/// A held lock; dropping it releases the in-process part, [`TurnLocks::release`] the shared lease.
pub struct TurnGuard {
    _local: tokio::sync::OwnedMutexGuard<()>,
    lease: Option<String>,
}

impl TurnLocks {
    /// Locks shared through `cache` as well as in-process.
    #[must_use]
    pub fn shared(cache: Arc<dyn Cache>) -> Self {
        Self { local: Mutex::default(), shared: Some(cache) }
    }

    fn local(&self, key: &str) -> Local {
        let mut map = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(live) = map.get(key).and_then(Weak::upgrade) {
            return live;
        }
        // Forget the locks nobody holds before adding one, so the map stays as small as the traffic.
        map.retain(|_, weak| weak.strong_count() > 0);
        let fresh = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(key.to_owned(), Arc::downgrade(&fresh));
        fresh
    }

    /// Waits for the turn of `lead` on `channel`; `budget` is the channel's model budget.
    pub async fn acquire(&self, tenant: TenantId, lead: LeadId, channel: Channel, budget: Duration) -> TurnGuard {
        let key = format!("receptionist:turn:{tenant}:{lead}:{}", channel.as_str());
        let local = self.local(&key).lock_owned().await;
        let Some(cache) = &self.shared else { return TurnGuard { _local: local, lease: None } };
        let lease = budget * 2 + Duration::from_secs(10);
        let deadline = Instant::now() + budget + Duration::from_secs(5);
        loop {
            match cache.set_if_absent(&key, b"1", lease).await {
                Ok(true) => return TurnGuard { _local: local, lease: Some(key) },
                Ok(false) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
                Ok(false) => {
                    tracing::warn!(tenant.id = %tenant, lead.id = %lead, "another process held this caller's turn too long; answering anyway");
                    return TurnGuard { _local: local, lease: None };
                }
                Err(error) => {
                    tracing::warn!(tenant.id = %tenant, %error, "turn lock unavailable; answering without it");
                    return TurnGuard { _local: local, lease: None };
                }
            }
        }
    }

    /// Releases `guard`'s shared lease (the in-process lock goes with the guard).
    ///
    /// Awaited, not spawned: releasing on a task of its own saved no
    /// measurable time (docs/benchmarks.md, 2026-12-07), and a lease still
    /// held after the reply, or dropped with the runtime at shutdown, would
    /// make the caller's next turn wait for its expiry.
    pub async fn release(&self, guard: TurnGuard) {
        if let (Some(cache), Some(key)) = (&self.shared, &guard.lease)
            && let Err(error) = cache.delete(key).await
        {
            tracing::warn!(%error, "could not release a turn lease; it expires on its own");
        }
    }
}
