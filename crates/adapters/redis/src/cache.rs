//! [`Cache`] on Redis: `SET … PX`, `GET`, `DEL`, and `SCAN`+`UNLINK` for prefixes;
//! a claim and the read it guards (or a write and the release) pipelined.
//!
//! Prefix deletion walks the keyspace with `SCAN` in pages of 500 instead of
//! `KEYS`, so it never blocks Redis on a large keyspace. On a Redis Cluster
//! it walks every primary (`SCAN` on each) and unlinks key by key: the keys
//! of one prefix live in many slots, and one `UNLINK` may only name one slot.

use crate::store::RedisStore;
use async_trait::async_trait;
use fred::prelude::{ClientLike, Expiration, KeysInterface, SetOptions};
use frontdesk_kernel::{Cache, CacheError};
use futures_util::TryStreamExt;
use std::time::Duration;

/// The Redis-backed cache.
#[derive(Clone, Debug)]
pub struct FredCache {
    store: RedisStore,
}

impl FredCache {
    /// A cache over `store`'s pool and prefix.
    #[must_use]
    pub const fn new(store: RedisStore) -> Self {
        Self { store }
    }
}

fn unavailable(err: &fred::error::Error) -> CacheError {
    CacheError { message: err.to_string() }
}

/// Escapes glob metacharacters so a prefix matches literally in `SCAN MATCH`.
fn glob_escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[async_trait]
impl Cache for FredCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        self.store.pool().get::<Option<Vec<u8>>, _>(self.store.key(key)).await.map_err(|e| unavailable(&e))
    }

    /// `GET` and `PTTL` in one pipeline (one round trip).
    async fn get_with_ttl(&self, key: &str) -> Result<Option<(Vec<u8>, Option<Duration>)>, CacheError> {
        let key = self.store.key(key);
        let pipeline = self.store.pool().next().pipeline();
        let () = pipeline.get(key.as_str()).await.map_err(|e| unavailable(&e))?;
        let () = pipeline.pttl(key.as_str()).await.map_err(|e| unavailable(&e))?;
        let (value, left): (Option<Vec<u8>>, i64) = pipeline.all().await.map_err(|e| unavailable(&e))?;
        // PTTL: -1 no expiry, -2 gone since the GET (either way: unknown).
        let left = u64::try_from(left).ok().map(Duration::from_millis);
        Ok(value.map(|value| (value, left)))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
        self.store
            .pool()
            .set::<(), _, _>(self.store.key(key), value.to_vec(), Some(Expiration::PX(millis)), None, false)
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
        // SET … NX answers OK when it stored and nil when the key was there.
        let stored: Option<String> = self
            .store
            .pool()
            .set(self.store.key(key), value.to_vec(), Some(Expiration::PX(millis)), Some(SetOptions::NX), false)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(stored.is_some())
    }

    /// `SET … NX PX` and `GET` in one pipeline: Redis runs a connection's
    /// commands in order, so the `GET` sees the key as it was once the
    /// claim was taken (its answer is dropped when it was not).
    async fn claim_then_get(
        &self,
        claim: &str,
        value: &[u8],
        ttl: Duration,
        read: &str,
    ) -> Result<Option<Option<Vec<u8>>>, CacheError> {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
        let pipeline = self.store.pool().next().pipeline();
        let () = pipeline
            .set(self.store.key(claim), value.to_vec(), Some(Expiration::PX(millis)), Some(SetOptions::NX), false)
            .await
            .map_err(|e| unavailable(&e))?;
        let () = pipeline.get(self.store.key(read)).await.map_err(|e| unavailable(&e))?;
        let (stored, read): (Option<String>, Option<Vec<u8>>) = pipeline.all().await.map_err(|e| unavailable(&e))?;
        Ok(stored.map(|_| read))
    }

    /// `SET … PX` (or `DEL`) and `DEL` in one pipeline.
    async fn put_then_delete(
        &self,
        key: &str,
        value: Option<(&[u8], Duration)>,
        release: &str,
    ) -> Result<(), CacheError> {
        let pipeline = self.store.pool().next().pipeline();
        match value {
            Some((value, ttl)) => {
                let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
                let () = pipeline
                    .set(self.store.key(key), value.to_vec(), Some(Expiration::PX(millis)), None, false)
                    .await
                    .map_err(|e| unavailable(&e))?;
            }
            None => {
                let () = pipeline.del(self.store.key(key)).await.map_err(|e| unavailable(&e))?;
            }
        }
        let () = pipeline.del(self.store.key(release)).await.map_err(|e| unavailable(&e))?;
        let _: Vec<fred::types::Value> = pipeline.all().await.map_err(|e| unavailable(&e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool, CacheError> {
        let removed: u64 = self.store.pool().del(self.store.key(key)).await.map_err(|e| unavailable(&e))?;
        Ok(removed > 0)
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, CacheError> {
        let pattern = format!("{}*", glob_escape(&self.store.key(prefix)));
        // One connection for the whole walk: a SCAN cursor is only valid on the server that issued it.
        let client = self.store.pool().next();
        if client.is_clustered() {
            let keys: Vec<fred::types::Key> = client
                .scan_cluster_buffered(pattern, Some(500), None)
                .try_collect()
                .await
                .map_err(|e| unavailable(&e))?;
            let mut removed = 0u64;
            for key in keys {
                removed += client.unlink::<u64, _>(key).await.map_err(|e| unavailable(&e))?;
            }
            return Ok(removed);
        }
        let mut cursor = "0".to_owned();
        let mut removed = 0u64;
        loop {
            let (next, keys): (String, Vec<String>) =
                client.scan_page(cursor, pattern.clone(), Some(500), None).await.map_err(|e| unavailable(&e))?;
            if !keys.is_empty() {
                removed += client.unlink::<u64, _>(keys).await.map_err(|e| unavailable(&e))?;
            }
            if next == "0" {
                return Ok(removed);
            }
            cursor = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_escape;

    #[test]
    fn glob_metacharacters_are_escaped() {
        assert_eq!(glob_escape("lead:*:[a]?\\"), "lead:\\*:\\[a\\]\\?\\\\");
    }
}
