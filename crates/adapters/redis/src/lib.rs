//! Redis adapters built on `fred`: the cache, the rate limiter, the
//! broadcast (pub/sub) and the Redis health check.
//!
//! Every key is prefixed with the configured `REDIS_KEY_PREFIX`, so several
//! deployments (or test runs) can share one Redis without seeing each
//! other's keys. The client reconnects with exponential backoff forever and
//! every command has a deadline: a Redis outage turns into quick errors
//! (which callers treat as cache misses), never into hung requests.

mod broadcast;
mod cache;
mod health;
mod rate_limit;
mod store;

pub use broadcast::RedisBroadcast;
pub use cache::FredCache;
pub use health::RedisHealthCheck;
pub use rate_limit::FredRateLimiter;
pub use store::{RedisConfig, RedisStore, RedisStoreError};
