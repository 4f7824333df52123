//! [`RateLimiter`] and [`WindowCounter`] on Redis: a fixed-window counter
//! updated atomically by a Lua script (the api wraps the counter in a
//! [`frontdesk_kernel::BatchedRateLimiter`] so most requests need no round trip).
//!
//! `INCR` and the first `PEXPIRE` run in one script, so a crash between
//! them cannot leave a counter without expiry (which would lock a client
//! out forever), and concurrent api replicas share one count per key.

use crate::store::RedisStore;
use async_trait::async_trait;
use fred::prelude::LuaInterface;
use frontdesk_kernel::{RateDecision, RateLimitError, RateLimiter, WindowCounter};
use std::time::Duration;

const SCRIPT: &str = r"
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
";

/// The Redis-backed limiter (keys under `{prefix}rl:`).
#[derive(Clone, Debug)]
pub struct FredRateLimiter {
    store: RedisStore,
}

impl FredRateLimiter {
    /// A limiter over `store`.
    #[must_use]
    pub const fn new(store: RedisStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl WindowCounter for FredRateLimiter {
    async fn add(&self, key: &str, n: u32, window: Duration) -> Result<(u64, Duration), RateLimitError> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
        let (count, ttl_ms): (i64, i64) = self
            .store
            .pool()
            .eval(SCRIPT, vec![self.store.key(&format!("rl:{key}"))], vec![window_ms, i64::from(n.max(1))])
            .await
            .map_err(|e| RateLimitError { message: e.to_string() })?;
        let reset_after = Duration::from_millis(u64::try_from(ttl_ms.max(0)).unwrap_or(0));
        Ok((u64::try_from(count.max(0)).unwrap_or(0), reset_after))
    }
}

#[async_trait]
impl RateLimiter for FredRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, RateLimitError> {
        let (count, reset_after) = self.add(key, 1, window).await?;
        Ok(RateDecision::from_count(count, limit, reset_after))
    }
}
