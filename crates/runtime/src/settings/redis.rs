//! `redis`: the cache, rate limiter and (optionally) job queue store.

use super::reader::Reader;
use secrecy::{ExposeSecret, SecretString};

/// Redis, when configured; without `REDIS_URL` the embedded in-process cache is used.
#[derive(Clone)]
pub struct RedisSettings {
    /// `REDIS_URL` (may hold a password: see [`Self::url`]): one server, or a
    /// Redis Cluster as `redis-cluster://[user:password@]host:port?node=host:port&…`.
    url: Option<SecretString>,
    /// `REDIS_KEY_PREFIX`: every key of this deployment starts with it.
    pub key_prefix: String,
    /// `REDIS_POOL_SIZE`.
    pub pool_size: usize,
    /// `CACHE_NEAR_TTL_SECS` (default 5; 0 turns it off): how long an api or
    /// worker process keeps its own copy of a cached lead. Changes reach
    /// every process's copies at once through Redis pub/sub; this is only the
    /// backstop for a subscription that dies unnoticed.
    pub near_cache_ttl: std::time::Duration,
    /// `CACHE_NEAR_MAX_ENTRIES` (default 10,000): copies kept per process.
    pub near_cache_max_entries: usize,
}

impl RedisSettings {
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        let url = r.raw("REDIS_URL").map(str::to_owned);
        const SCHEMES: [&str; 4] = ["redis://", "rediss://", "redis-cluster://", "rediss-cluster://"];
        if let Some(url) = &url
            && !SCHEMES.iter().any(|scheme| url.starts_with(scheme))
        {
            r.error(
                "REDIS_URL",
                "must start with redis:// or rediss:// (one server), or redis-cluster:// or rediss-cluster:// \
                 (a Redis Cluster: redis-cluster://host:port?node=host:port&node=host:port)",
            );
        }
        Self {
            url: url.map(SecretString::from),
            key_prefix: r.raw("REDIS_KEY_PREFIX").unwrap_or("frontdesk:").to_owned(),
            pool_size: r.positive("REDIS_POOL_SIZE", 4usize, "a pool size"),
            near_cache_ttl: r.seconds("CACHE_NEAR_TTL_SECS", 5),
            near_cache_max_entries: r.positive("CACHE_NEAR_MAX_ENTRIES", 10_000usize, "a number of entries"),
        }
    }

    /// The Redis URL, if configured (never log it).
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.url.as_ref().map(ExposeSecret::expose_secret)
    }
}
