//! The cache port: a byte cache with per-key TTL and prefix deletion.
//!
//! Callers own serialization and key naming (`lead:{tenant}:{id}`); the
//! port only promises that an expired or deleted key is never returned.
//! A cache failure is never a reason to fail a request: callers treat
//! [`CacheError`] as a miss and log it.

use async_trait::async_trait;
use std::time::Duration;

/// Why a cache operation failed (the backing store is unreachable or answered nonsense).
#[derive(Debug, thiserror::Error)]
#[error("cache unavailable: {message}")]
pub struct CacheError {
    /// What the backend said.
    pub message: String,
}

impl crate::DomainError for CacheError {}

impl crate::ErrorCode for CacheError {
    fn code(&self) -> crate::Code {
        crate::Code::DependencyUnavailable
    }
}

/// A key/value cache with time-to-live.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// The value under `key`, or `None` if absent or expired.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError>;

    /// The value under `key` with the time it has left to live, when the
    /// backend can tell (`None` for a value without expiry or a backend that
    /// cannot say). One round trip: a near cache asks this on a miss so its
    /// copy never outlives the shared entry.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn get_with_ttl(&self, key: &str) -> Result<Option<(Vec<u8>, Option<Duration>)>, CacheError> {
        Ok(self.get(key).await?.map(|value| (value, None)))
    }

    /// Stores `value` under `key` for `ttl`.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError>;

    /// Stores `value` under `key` for `ttl` only if no live value is there;
    /// returns whether it stored. Cache-aside readers fill with this so a
    /// value loaded before a concurrent write can never replace the
    /// writer's fresher one.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError>;

    /// Removes `key`; returns whether it existed.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn delete(&self, key: &str) -> Result<bool, CacheError>;

    /// `set_if_absent(claim, value, ttl)` and, when it stored, the value
    /// under `read` as it was just after: `None` when `claim` was taken,
    /// `Some(read's value)` when it was not. One round trip where the
    /// backend can (a turn takes its lease and reads the state that lease
    /// guards in one go); on a clustered backend both keys must hash to one
    /// slot (give them one `{tag}`).
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn claim_then_get(
        &self,
        claim: &str,
        value: &[u8],
        ttl: Duration,
        read: &str,
    ) -> Result<Option<Option<Vec<u8>>>, CacheError> {
        if !self.set_if_absent(claim, value, ttl).await? {
            return Ok(None);
        }
        Ok(Some(self.get(read).await?))
    }

    /// Stores `value` under `key` for its TTL (removes `key` when `value` is
    /// `None`), then removes `release`. One round trip where the backend can
    /// (a turn stores the state its lease guards and gives the lease back);
    /// on a clustered backend both keys must hash to one slot.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached (either step may then not have happened).
    async fn put_then_delete(
        &self,
        key: &str,
        value: Option<(&[u8], Duration)>,
        release: &str,
    ) -> Result<(), CacheError> {
        match value {
            Some((value, ttl)) => self.set(key, value, ttl).await?,
            None => {
                self.delete(key).await?;
            }
        }
        self.delete(release).await?;
        Ok(())
    }

    /// Removes every key starting with `prefix`; returns how many were removed.
    ///
    /// # Errors
    /// [`CacheError`] when the backend cannot be reached.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, CacheError>;
}
