//! Redis adapters built on `fred`: the cache and the Redis health check
//! (rate limits, locks and pub/sub join them in later issues).
//!
//! Every key is prefixed with the configured `REDIS_KEY_PREFIX`, so several
//! deployments (or test runs) can share one Redis without seeing each
//! other's keys. The client reconnects with exponential backoff forever and
//! every command has a deadline: a Redis outage turns into quick errors
//! (which callers treat as cache misses), never into hung requests.

mod cache;
mod health;
mod rate_limit;
mod store;

pub use cache::FredCache;
pub use health::RedisHealthCheck;
pub use rate_limit::FredRateLimiter;
pub use store::{RedisConfig, RedisStore, RedisStoreError};
