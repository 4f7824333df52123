//! In-process adapters for the embedded profile (no Redis configured): cache, rate limiter and broadcast.
//!
//! They implement the same ports as the Redis adapters and pass the same
//! contract suites, so the single-process default behaves like production
//! for one node. They are not shared between processes: run one api
//! process per SQLite file.

mod broadcast;
mod cache;
mod rate_limit;

pub use broadcast::LocalBroadcast;
pub use cache::InProcessCache;
pub use rate_limit::InProcessRateLimiter;
