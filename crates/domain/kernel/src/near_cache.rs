//! [`NearCache`]: a process-local copy of chosen keys of a shared [`Cache`],
//! kept correct across processes by a [`Broadcast`].
//!
//! A cached lead read still cost a Redis round trip per request, and that
//! round trip (a hop to the connection task and back, the socket, Redis
//! itself on the same cores) was most of the request's time. Entities that
//! are read far more often than they change can be answered from memory
//! instead — but only if every process forgets its copy the moment any
//! process changes the entity. The rules (the same as the membership cache's):
//!
//! * only keys under the configured prefixes are kept here; every other key
//!   passes straight through, so locks, markers and short-lived entries keep
//!   the shared cache's exact expiry;
//! * every `set`, `delete` and `delete_prefix` touching those prefixes goes
//!   to the shared cache first, then forgets locally and announces the key or
//!   prefix on the `cache` topic; every process forgets it as the message
//!   arrives (milliseconds on Redis). Readers on the writing process see the
//!   change at once; others after the message's delivery;
//! * a read that raced a change cannot keep what it read: a lookup notes the
//!   cache's generation, every forget bumps it, and a value read under an
//!   older generation is returned but not kept;
//! * while the subscription is down the local copies are bypassed, and they
//!   start empty when it is back (a missed message cannot leave a stale copy);
//! * a copy lives at most `ttl` (the backstop for a subscription that dies
//!   unnoticed) and never past the shared entry's own expiry: a miss reads
//!   the value with its remaining time to live ([`Cache::get_with_ttl`], one
//!   round trip), and a value whose remaining time the shared cache cannot
//!   tell is not copied;
//! * at most `max_entries` copies are kept (past it the copies start over: a
//!   flood of distinct keys costs shared-cache reads, never unbounded memory).
//!
//! `set_if_absent` (a reader filling a miss) is not announced: it never
//! replaces a value, so no other process can hold a copy it contradicts.

use crate::broadcast::{Broadcast, BroadcastListener};
use crate::cache::{Cache, CacheError};
use crate::local_copies::LocalCopies;
use async_trait::async_trait;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// The broadcast topic of changed keys.
pub const TOPIC: &str = "cache";

/// What a [`NearCache`] keeps and for how long.
#[derive(Clone, Debug)]
pub struct NearCacheConfig {
    /// Keys starting with one of these are copied locally (`lead:`).
    pub prefixes: Vec<String>,
    /// The longest a copy is kept (zero: keep nothing, pass everything through).
    pub ttl: Duration,
    /// Copies kept at most.
    pub max_entries: usize,
}

/// What was changed, as announced to every process.
#[derive(Debug, PartialEq, Eq)]
enum Change<'a> {
    Key(&'a str),
    Prefix(&'a str),
    /// Anything not understood: forget everything.
    All,
}

impl<'a> Change<'a> {
    fn decode(message: &'a str) -> Self {
        if let Some(key) = message.strip_prefix("key:") {
            Self::Key(key)
        } else if let Some(prefix) = message.strip_prefix("prefix:") {
            Self::Prefix(prefix)
        } else {
            Self::All
        }
    }

    fn encode(&self) -> String {
        match self {
            Self::Key(key) => format!("key:{key}"),
            Self::Prefix(prefix) => format!("prefix:{prefix}"),
            Self::All => "*".to_owned(),
        }
    }
}

/// A [`Cache`] answering keys under chosen prefixes from process memory,
/// in front of a shared cache. Build it once per process with [`Self::start`].
pub struct NearCache {
    shared: Arc<dyn Cache>,
    broadcast: Arc<dyn Broadcast>,
    config: NearCacheConfig,
    copies: LocalCopies<String, Vec<u8>>,
}

impl std::fmt::Debug for NearCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NearCache")
            .field("config", &self.config)
            .field("live", &self.copies.is_live())
            .finish_non_exhaustive()
    }
}

/// Hears the topic for a cache (weakly: the broadcast outliving the cache keeps nothing alive).
struct Listener(Weak<NearCache>);

impl BroadcastListener for Listener {
    fn on_message(&self, message: &str) {
        if let Some(cache) = self.0.upgrade() {
            cache.forget(&Change::decode(message));
        }
    }

    fn on_live(&self, live: bool) {
        if let Some(cache) = self.0.upgrade() {
            cache.copies.set_live(live);
            tracing::info!(live, "near cache subscription {}", if live { "up" } else { "down" });
        }
    }
}

impl NearCache {
    /// A near cache in front of `shared`, subscribed to `broadcast`'s `cache` topic.
    #[must_use]
    pub fn start(shared: Arc<dyn Cache>, broadcast: Arc<dyn Broadcast>, config: NearCacheConfig) -> Arc<Self> {
        let copies = LocalCopies::new(config.ttl, config.max_entries);
        let cache = Arc::new(Self { shared, broadcast: Arc::clone(&broadcast), config, copies });
        broadcast.subscribe(TOPIC, Arc::new(Listener(Arc::downgrade(&cache))));
        cache
    }

    /// Copies held now, expired or not (for tests and metrics).
    #[must_use]
    pub fn copies(&self) -> usize {
        self.copies.len()
    }

    fn is_near(&self, key: &str) -> bool {
        !self.config.ttl.is_zero() && self.config.prefixes.iter().any(|p| key.starts_with(p.as_str()))
    }

    /// Whether deleting `prefix` may remove keys kept here.
    fn reaches_near(&self, prefix: &str) -> bool {
        !self.config.ttl.is_zero()
            && self.config.prefixes.iter().any(|p| p.starts_with(prefix) || prefix.starts_with(p.as_str()))
    }

    fn forget(&self, change: &Change<'_>) {
        match change {
            Change::Key(key) => self.copies.forget(*key),
            Change::Prefix(prefix) => self.copies.forget_where(|key, _| key.starts_with(prefix)),
            Change::All => self.copies.clear(),
        }
    }

    /// Forgets `change` here, then tells every other process. A failed
    /// publish is logged: the others are then disconnected too (and bypass
    /// their copies) or drop them within the TTL.
    async fn changed(&self, change: Change<'_>) {
        self.forget(&change);
        if let Err(err) = self.broadcast.publish(TOPIC, &change.encode()).await {
            tracing::warn!(error = %err, ?change, "cache change not broadcast; other processes keep their copy until its TTL");
        }
    }
}

#[async_trait]
impl Cache for NearCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        if !self.is_near(key) {
            return self.shared.get(key).await;
        }
        let generation = match self.copies.lookup(key) {
            Ok(value) => return Ok(Some(value)),
            Err(generation) => generation,
        };
        let Some(generation) = generation else { return self.shared.get(key).await };
        // Noted before asking, so the copy's deadline errs early by the round trip.
        let asked = Instant::now();
        let Some((value, left)) = self.shared.get_with_ttl(key).await? else { return Ok(None) };
        if let Some(left) = left {
            self.copies.keep_until(key.to_owned(), value.clone(), asked + left.min(self.config.ttl), generation);
        }
        Ok(Some(value))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let written = self.shared.set(key, value, ttl).await;
        if self.is_near(key) {
            self.changed(Change::Key(key)).await;
        }
        written
    }

    async fn get_with_ttl(&self, key: &str) -> Result<Option<(Vec<u8>, Option<Duration>)>, CacheError> {
        self.shared.get_with_ttl(key).await
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        self.shared.set_if_absent(key, value, ttl).await
    }

    async fn delete(&self, key: &str) -> Result<bool, CacheError> {
        let deleted = self.shared.delete(key).await;
        if self.is_near(key) {
            self.changed(Change::Key(key)).await;
        }
        deleted
    }

    async fn claim_then_get(
        &self,
        claim: &str,
        value: &[u8],
        ttl: Duration,
        read: &str,
    ) -> Result<Option<Option<Vec<u8>>>, CacheError> {
        // Claims are never kept near, and the shared read is the current value.
        self.shared.claim_then_get(claim, value, ttl, read).await
    }

    async fn put_then_delete(
        &self,
        key: &str,
        value: Option<(&[u8], Duration)>,
        release: &str,
    ) -> Result<(), CacheError> {
        let done = self.shared.put_then_delete(key, value, release).await;
        for changed in [key, release] {
            if self.is_near(changed) {
                self.changed(Change::Key(changed)).await;
            }
        }
        done
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, CacheError> {
        let deleted = self.shared.delete_prefix(prefix).await;
        if self.reaches_near(prefix) {
            self.changed(Change::Prefix(prefix)).await;
        }
        deleted
    }
}

#[cfg(test)]
#[path = "near_cache_tests.rs"]
mod tests;
