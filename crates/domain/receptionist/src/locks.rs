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
//!   taken with `SET NX` under `receptionist:turn:{<tenant>:<lead>:<channel>}`,
//!   polled every 20 ms. The lease outlives the longest turn of the channel
//!   (twice its model budget plus 10 s), so a crashed holder frees it by
//!   expiry; it is released by deleting the key.
//!
//! The lease guards one piece of state, the caller's latest conversation
//! and its context ([`crate::context::Latest`]), under a key with the same
//! `{tag}`: taking the lease reads it and giving the lease back writes it,
//! each in one round trip ([`Cache::claim_then_get`],
//! [`Cache::put_then_delete`]) — a turn's first and last trips to the
//! cache, not four.
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

/// What releasing a lock does to the state it guards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum After {
    /// Leaves it as it is.
    Keep,
    /// Stores these bytes for this long.
    Store(Vec<u8>, Duration),
    /// Removes it (the turn failed part-way: the state may no longer match the store).
    Forget,
}

/// The hash tag `{tenant:lead:channel}` the lease and the state it guards share,
/// so a clustered cache keeps them in one slot.
#[must_use]
pub fn tag(tenant: TenantId, lead: LeadId, channel: Channel) -> String {
    format!("{{{tenant}:{lead}:{}}}", channel.as_str())
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

    /// Waits for the turn of `lead` on `channel` (`budget` is the channel's
    /// model budget) and reads the state under `state` (a key with this
    /// caller's [`tag`]): `None` when there is none, no shared cache, or
    /// the cache cannot be read.
    pub async fn acquire(
        &self,
        tenant: TenantId,
        lead: LeadId,
        channel: Channel,
        budget: Duration,
        state: &str,
    ) -> (TurnGuard, Option<Vec<u8>>) {
        let key = format!("receptionist:turn:{}", tag(tenant, lead, channel));
        let local = self.local(&key).lock_owned().await;
        let Some(cache) = &self.shared else { return (TurnGuard { _local: local, lease: None }, None) };
        let lease = budget * 2 + Duration::from_secs(10);
        let deadline = Instant::now() + budget + Duration::from_secs(5);
        loop {
            match cache.claim_then_get(&key, b"1", lease, state).await {
                Ok(Some(read)) => return (TurnGuard { _local: local, lease: Some(key) }, read),
                Ok(None) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
                Ok(None) => {
                    tracing::warn!(tenant.id = %tenant, lead.id = %lead, "another process held this caller's turn too long; answering anyway");
                    return (TurnGuard { _local: local, lease: None }, cache.get(state).await.ok().flatten());
                }
                Err(error) => {
                    tracing::warn!(tenant.id = %tenant, %error, "turn lock unavailable; answering without it");
                    return (TurnGuard { _local: local, lease: None }, None);
                }
            }
        }
    }

    /// Does `after` to `state` and releases `guard`'s shared lease (the
    /// in-process lock goes with the guard), in one round trip.
    ///
    /// Awaited, not spawned: a lease still held after the reply, or dropped
    /// with the runtime at shutdown, would make the caller's next turn wait
    /// for its expiry. A state that cannot be stored is removed, so the
    /// next turn rebuilds it; if that fails too (the cache is down) it can
    /// lag one turn until it expires.
    pub async fn release(&self, guard: TurnGuard, state: &str, after: After) {
        let Some(cache) = &self.shared else { return };
        let value = match &after {
            After::Store(bytes, ttl) => Some((bytes.as_slice(), *ttl)),
            After::Keep | After::Forget => None,
        };
        let done = match (&guard.lease, &after) {
            (Some(lease), After::Keep) => cache.delete(lease).await.map(drop),
            (Some(lease), _) => cache.put_then_delete(state, value, lease).await,
            (None, After::Keep) => Ok(()),
            (None, After::Store(bytes, ttl)) => cache.set(state, bytes, *ttl).await,
            (None, After::Forget) => cache.delete(state).await.map(drop),
        };
        if let Err(error) = done {
            tracing::warn!(%error, "could not store a turn's state or release its lease; the lease expires on its own");
            if after != After::Keep {
                // Whatever half of the write landed, no stale state is left behind.
                let _ = cache.delete(state).await;
            }
            if let Some(lease) = &guard.lease {
                let _ = cache.delete(lease).await;
            }
        }
    }
}
