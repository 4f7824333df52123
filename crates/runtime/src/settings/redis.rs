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
        }
    }

    /// The Redis URL, if configured (never log it).
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.url.as_ref().map(ExposeSecret::expose_secret)
    }
}
