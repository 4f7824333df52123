//! `redis`: the cache, rate limiter and (optionally) job queue store.

use super::reader::Reader;
use secrecy::{ExposeSecret, SecretString};

/// Redis, when configured; without `REDIS_URL` the embedded in-process cache is used.
#[derive(Clone)]
pub struct RedisSettings {
    /// `REDIS_URL` (may hold a password: see [`Self::url`]).
    url: Option<SecretString>,
    /// `REDIS_KEY_PREFIX`: every key of this deployment starts with it.
    pub key_prefix: String,
    /// `REDIS_POOL_SIZE`.
    pub pool_size: usize,
}

impl RedisSettings {
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        let url = r.raw("REDIS_URL").map(str::to_owned);
        if let Some(url) = &url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            r.error("REDIS_URL", "must start with redis:// or rediss://");
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
