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
//!
//! A ConversationRelay call keeps its lease from one turn to the next
//! ([`Hold`]): the caller's next words must be answered within milliseconds,
//! and taking the lease is a round trip to Redis before the first word
//! (0.6 ms at the median, 3.7 ms at p99 under load on the benchmark host).
//! After each turn the call writes the state and extends its lease to
//! [`HOLD`] (one round trip, after the reply), and keeps the state in
//! memory; a turn that starts while the lease is surely still the call's
//! for longer than any turn holds a lease (two model budgets plus 10 s,
//! counted from before the command that set it) takes neither. Closer to
//! its end the turn extends the lease first (a round trip, no wait); after
//! it, a quiet caller's turn takes the lease again the usual way. The call
//! lets go when its WebSocket closes; a crashed process's hold lapses after
//! [`HOLD`]. Another call of the same caller on the same channel meanwhile
//! waits as it would for a long turn, then answers without the lease.

use crate::conversation::Channel;
use frontdesk_kernel::{Cache, LeadId, TenantId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

type Local = Arc<tokio::sync::Mutex<()>>;

/// How long a held lease lasts after a call's last turn (see [`Hold`]).
pub const HOLD: Duration = Duration::from_secs(60);

/// The turn lease of one caller on one channel, kept from one turn of a
/// call to the next (see the module's header). Its turns run one at a time.
#[derive(Debug)]
pub struct Hold {
    tenant: TenantId,
    lead: LeadId,
    channel: Channel,
    lease: String,
    holding: tokio::sync::Mutex<Holding>,
}

/// What a [`Hold`] knows between turns.
#[derive(Debug, Default)]
struct Holding {
    /// Until when the lease is surely this hold's (from before the command that set it).
    until: Option<Instant>,
    /// The guarded state as this hold last wrote it (`None`: no entry).
    state: Option<Vec<u8>>,
}

impl Hold {
    /// A hold for `lead`'s turns on `channel`, not yet holding anything.
    #[must_use]
    pub fn new(tenant: TenantId, lead: LeadId, channel: Channel) -> Self {
        Self { tenant, lead, channel, lease: lease_key(tenant, lead, channel), holding: tokio::sync::Mutex::default() }
    }

    /// Whose turns these are.
    #[must_use]
    pub const fn caller(&self) -> (TenantId, LeadId, Channel) {
        (self.tenant, self.lead, self.channel)
    }

    /// Whether the lease is held now (for tests and logs).
    pub async fn is_held(&self) -> bool {
        self.holding.lock().await.until.is_some_and(|until| until > Instant::now())
    }
}

/// Turn locks for one process (and, with a shared cache, across processes).
#[derive(Default)]
pub struct TurnLocks {
    local: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    shared: Option<Arc<dyn Cache>>,
}

/// A held lock; dropping it releases the in-process part, [`TurnLocks::release`] the shared lease.
pub struct TurnGuard<'h> {
    _local: Option<tokio::sync::OwnedMutexGuard<()>>,
    lease: Option<String>,
    /// The call's [`Hold`], when the turn is one of a call that keeps its lease.
    held: Option<tokio::sync::MutexGuard<'h, Holding>>,
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

/// The key of the turn lease of `lead` on `channel`.
fn lease_key(tenant: TenantId, lead: LeadId, channel: Channel) -> String {
    format!("receptionist:turn:{}", tag(tenant, lead, channel))
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
    ) -> (TurnGuard<'static>, Option<Vec<u8>>) {
        let key = lease_key(tenant, lead, channel);
        let local = self.local(&key).lock_owned().await;
        let (lease, read) = self.claim(tenant, lead, &key, budget, state).await;
        (TurnGuard { _local: Some(local), lease, held: None }, read)
    }

    /// As [`Self::acquire`], for a turn of `hold`'s call: while the call
    /// surely holds the lease, neither the lease nor the state is asked for
    /// (the state is the one the call's last turn wrote).
    pub async fn acquire_held<'h>(
        &self,
        hold: &'h Hold,
        budget: Duration,
        state: &str,
    ) -> (TurnGuard<'h>, Option<Vec<u8>>) {
        let mut holding = hold.holding.lock().await;
        let Some(cache) = self.shared.as_ref() else {
            let local = self.local(&hold.lease).lock_owned().await;
            return (TurnGuard { _local: Some(local), lease: None, held: None }, None);
        };
        // A turn needs the lease for as long as any turn holds it.
        let needed = Self::lease_ttl(budget);
        let now = Instant::now();
        let kept = match holding.until {
            Some(until) if until > now + needed => true,
            // Still the call's, not for long enough: extend it (a round trip, no wait).
            Some(until) if until > now => match cache.set(&hold.lease, b"1", HOLD).await {
                Ok(()) => {
                    holding.until = Some(now + HOLD);
                    true
                }
                Err(error) => {
                    tracing::warn!(tenant.id = %hold.tenant, %error, "could not extend a call's turn lease");
                    false
                }
            },
            _ => false,
        };
        if kept {
            let read = holding.state.clone();
            return (TurnGuard { _local: None, lease: Some(hold.lease.clone()), held: Some(holding) }, read);
        }
        *holding = Holding::default();
        let local = self.local(&hold.lease).lock_owned().await;
        let sent = Instant::now();
        let (lease, read) = self.claim(hold.tenant, hold.lead, &hold.lease, budget, state).await;
        if lease.is_some() {
            *holding = Holding { until: Some(sent + Self::lease_ttl(budget)), state: read.clone() };
        }
        (TurnGuard { _local: Some(local), lease, held: Some(holding) }, read)
    }

    /// Lets `hold`'s lease go (its call ended); the state stays as its last turn wrote it.
    pub async fn let_go(&self, hold: &Hold) {
        let mut holding = hold.holding.lock().await;
        let was_held = holding.until.take().is_some();
        holding.state = None;
        if was_held
            && let Some(cache) = &self.shared
            && let Err(error) = cache.delete(&hold.lease).await
        {
            tracing::warn!(tenant.id = %hold.tenant, %error, "could not let a call's turn lease go; it lapses on its own");
        }
    }

    fn lease_ttl(budget: Duration) -> Duration {
        budget * 2 + Duration::from_secs(10)
    }

    /// Takes the shared lease `key` and reads `state` (see [`Self::acquire`]):
    /// the lease when it was taken, and what was read.
    async fn claim(
        &self,
        tenant: TenantId,
        lead: LeadId,
        key: &str,
        budget: Duration,
        state: &str,
    ) -> (Option<String>, Option<Vec<u8>>) {
        let Some(cache) = &self.shared else { return (None, None) };
        let lease = Self::lease_ttl(budget);
        let deadline = Instant::now() + budget + Duration::from_secs(5);
        loop {
            match cache.claim_then_get(key, b"1", lease, state).await {
                Ok(Some(read)) => return (Some(key.to_owned()), read),
                Ok(None) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
                Ok(None) => {
                    tracing::warn!(tenant.id = %tenant, lead.id = %lead, "another process held this caller's turn too long; answering anyway");
                    return (None, cache.get(state).await.ok().flatten());
                }
                Err(error) => {
                    tracing::warn!(tenant.id = %tenant, %error, "turn lock unavailable; answering without it");
                    return (None, None);
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
    ///
    /// A turn of a [`Hold`] that stores or keeps the state keeps the lease
    /// instead: the state is written and the lease extended to [`HOLD`]
    /// side by side, and the hold remembers both.
    pub async fn release(&self, mut guard: TurnGuard<'_>, state: &str, after: After) {
        let Some(cache) = &self.shared else { return };
        let value = match &after {
            After::Store(bytes, ttl) => Some((bytes.as_slice(), *ttl)),
            After::Keep | After::Forget => None,
        };
        if let Some(mut holding) = guard.held.take() {
            if let (Some(lease), After::Store(..) | After::Keep) = (&guard.lease, &after) {
                *holding = self.extend(lease, state, value, &holding).await;
                return;
            }
            // A failed turn, or one that ran without the lease: let go as any turn does.
            *holding = Holding::default();
        }
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

    /// Writes a held turn's state and extends its lease to [`HOLD`]: what
    /// the hold knows afterwards (nothing when either write failed; both
    /// are then removed, best-effort, and the lease lapses on its own).
    async fn extend(&self, lease: &str, state: &str, value: Option<(&[u8], Duration)>, before: &Holding) -> Holding {
        let Some(cache) = &self.shared else { return Holding::default() };
        let sent = Instant::now();
        let written = match value {
            Some((bytes, ttl)) => {
                let (stored, extended) =
                    futures_util::future::join(cache.set(state, bytes, ttl), cache.set(lease, b"1", HOLD)).await;
                stored.and(extended).map(|()| Some(bytes.to_vec()))
            }
            None => cache.set(lease, b"1", HOLD).await.map(|()| before.state.clone()),
        };
        match written {
            Ok(state) => Holding { until: Some(sent + HOLD), state },
            Err(error) => {
                tracing::warn!(%error, "could not keep a call's turn lease; its next turn takes it again");
                let _ = cache.delete(state).await;
                let _ = cache.delete(lease).await;
                Holding::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_kernel::testing::MapCache;

    const TTL: Duration = Duration::from_secs(60);

    /// A call takes the caller's lease once, keeps it between turns (asking
    /// the cache for nothing before a turn), writes its state after each, and
    /// lets go when it ends; a failed write or turn drops the hold.
    #[tokio::test]
    async fn a_call_keeps_its_lease_between_turns_and_lets_go_when_it_ends() {
        let cache = Arc::new(MapCache::default());
        let locks = TurnLocks::shared(cache.clone());
        let (tenant, lead) = (TenantId::new(), LeadId::new());
        let hold = Hold::new(tenant, lead, Channel::Voice);
        let lease = lease_key(tenant, lead, Channel::Voice);
        let state = "receptionist:latest:test";
        let budget = Duration::from_secs(4);
        cache.set(state, b"before", TTL).await.unwrap();

        // The first turn takes the lease and reads the state; the call keeps both.
        let (guard, read) = locks.acquire_held(&hold, budget, state).await;
        assert_eq!(read.as_deref(), Some(&b"before"[..]));
        locks.release(guard, state, After::Store(b"one".to_vec(), TTL)).await;
        assert!(hold.is_held().await, "kept after the turn");
        assert!(cache.peek(&lease).is_some(), "the lease stays taken");
        assert_eq!(cache.peek(state).as_deref(), Some(&b"one"[..]), "the state is written for everyone");
        let other = cache.claim_then_get(&lease, b"1", TTL, state).await.unwrap();
        assert_eq!(other, None, "no other turn of this caller can take it");

        // The next turn asks the cache for nothing: it starts with the cache down.
        cache.set_down(true);
        let (guard, read) = locks.acquire_held(&hold, budget, state).await;
        assert_eq!(read.as_deref(), Some(&b"one"[..]), "the state the call wrote, from memory");
        // Its writes fail: the hold is dropped.
        locks.release(guard, state, After::Store(b"two".to_vec(), TTL)).await;
        assert!(!hold.is_held().await, "a failed write drops the hold");
        cache.set_down(false);

        // Once the lease lapsed (the map has no expiry: removed by hand), the
        // next turn takes it the usual way, with the stored state.
        cache.delete(&lease).await.unwrap();
        let (guard, read) = locks.acquire_held(&hold, budget, state).await;
        assert_eq!(read.as_deref(), Some(&b"one"[..]));
        locks.release(guard, state, After::Store(b"three".to_vec(), TTL)).await;
        assert!(hold.is_held().await);

        // A failed turn lets go, and its state is forgotten.
        let (guard, _) = locks.acquire_held(&hold, budget, state).await;
        locks.release(guard, state, After::Forget).await;
        assert!(!hold.is_held().await);
        assert_eq!((cache.peek(&lease), cache.peek(state)), (None, None));

        // The call ends: the lease goes back, the state stays for the next call.
        let (guard, read) = locks.acquire_held(&hold, budget, state).await;
        assert_eq!(read, None);
        locks.release(guard, state, After::Store(b"four".to_vec(), TTL)).await;
        locks.let_go(&hold).await;
        assert!(!hold.is_held().await);
        assert_eq!((cache.peek(&lease), cache.peek(state).as_deref()), (None, Some(&b"four"[..])));
    }

    /// Without a shared cache a held call's turns are the in-process lock's, one at a time.
    #[tokio::test]
    async fn without_a_shared_cache_a_call_holds_nothing() {
        let locks = TurnLocks::default();
        let hold = Hold::new(TenantId::new(), LeadId::new(), Channel::Voice);
        let (guard, read) = locks.acquire_held(&hold, Duration::from_secs(4), "state").await;
        assert_eq!(read, None);
        locks.release(guard, "state", After::Store(b"x".to_vec(), TTL)).await;
        assert!(!hold.is_held().await);
    }
}
