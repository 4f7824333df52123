//! [`Cache`] in a hash map with per-entry deadlines.
//!
//! Expired entries are invisible at once (checked on read) and reclaimed by
//! a sweep every [`SWEEP_EVERY`] writes, so memory stays bounded by the
//! live working set without a background task.

use async_trait::async_trait;
use frontdesk_kernel::{Cache, CacheError};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Writes between two sweeps of expired entries.
const SWEEP_EVERY: u64 = 1024;

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, (Vec<u8>, Instant)>,
    writes: u64,
}

/// A process-local cache.
#[derive(Debug, Default)]
pub struct InProcessCache {
    inner: Mutex<Inner>,
}

impl InProcessCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Entries currently held, expired or not (for tests of the sweep).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl Cache for InProcessCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let now = Instant::now();
        Ok(self.lock().entries.get(key).filter(|(_, deadline)| *deadline > now).map(|(value, _)| value.clone()))
    }

    async fn get_with_ttl(&self, key: &str) -> Result<Option<(Vec<u8>, Option<Duration>)>, CacheError> {
        let now = Instant::now();
        Ok(self
            .lock()
            .entries
            .get(key)
            .filter(|(_, deadline)| *deadline > now)
            .map(|(value, deadline)| (value.clone(), Some(*deadline - now))))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let now = Instant::now();
        let mut inner = self.lock();
        // A TTL too large to represent means "keep until deleted" (about a century).
        let deadline = now.checked_add(ttl).unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        inner.entries.insert(key.to_owned(), (value.to_vec(), deadline));
        inner.writes += 1;
        if inner.writes.is_multiple_of(SWEEP_EVERY) {
            inner.entries.retain(|_, (_, deadline)| *deadline > now);
        }
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        let now = Instant::now();
        // Check and insert under one lock, so two fillers cannot both win.
        let mut inner = self.lock();
        if inner.entries.get(key).is_some_and(|(_, deadline)| *deadline > now) {
            return Ok(false);
        }
        let deadline = now.checked_add(ttl).unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        inner.entries.insert(key.to_owned(), (value.to_vec(), deadline));
        inner.writes += 1;
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<bool, CacheError> {
        let now = Instant::now();
        Ok(self.lock().entries.remove(key).is_some_and(|(_, deadline)| deadline > now))
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, CacheError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let before = inner.entries.len();
        let mut live_removed = 0u64;
        inner.entries.retain(|key, (_, deadline)| {
            let matches = key.starts_with(prefix);
            if matches && *deadline > now {
                live_removed += 1;
            }
            !matches
        });
        debug_assert!(inner.entries.len() <= before);
        Ok(live_removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_kernel::testing::cache_contract;

    #[tokio::test]
    async fn in_process_cache_meets_the_cache_contract() {
        cache_contract::run_all(&InProcessCache::new(), "test:").await;
    }

    #[tokio::test]
    async fn expired_entries_are_swept_on_writes() {
        let cache = InProcessCache::new();
        cache.set("old", b"x", Duration::from_millis(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        for i in 0..SWEEP_EVERY {
            cache.set(&format!("k{i}"), b"v", Duration::from_secs(60)).await.unwrap();
        }
        assert_eq!(cache.len() as u64, SWEEP_EVERY, "the expired entry was reclaimed");
    }
}
