//! The rate-limiter port: fixed-window counters per key.
//!
//! A hit increments the key's counter for the current window and says
//! whether the request is within the limit. Callers decide what a limiter
//! *failure* means; for Frontdesk it is fail-open (allow and log), so a
//! Redis outage degrades protection, never availability.

use async_trait::async_trait;
use std::time::Duration;

mod batched;

pub use batched::{BatchedRateLimiter, WindowCounter};

/// The outcome of one hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether this request is within the limit.
    pub allowed: bool,
    /// The limit of the window.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// Time until the window resets.
    pub reset_after: Duration,
}

/// Why the limiter could not decide.
#[derive(Debug, thiserror::Error)]
#[error("rate limiter unavailable: {message}")]
pub struct RateLimitError {
    /// What the backend said.
    pub message: String,
}

/// Counts requests per key in fixed windows.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Records a request under `key` and decides it against `limit` per `window`.
    ///
    /// # Errors
    /// [`RateLimitError`] when the backend is unreachable.
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, RateLimitError>;
}

impl RateDecision {
    /// The decision for the `count`-th request of a window with `reset_after` left.
    #[must_use]
    pub fn from_count(count: u64, limit: u32, reset_after: Duration) -> Self {
        let limit64 = u64::from(limit);
        Self {
            allowed: count <= limit64,
            limit,
            remaining: u32::try_from(limit64.saturating_sub(count)).unwrap_or(0),
            reset_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_th_request_is_allowed_and_the_next_is_not() {
        let reset = Duration::from_secs(10);
        assert_eq!(
            RateDecision::from_count(5, 5, reset),
            RateDecision { allowed: true, limit: 5, remaining: 0, reset_after: reset }
        );
        assert!(!RateDecision::from_count(6, 5, reset).allowed);
        assert_eq!(RateDecision::from_count(1, 5, reset).remaining, 4);
    }
}
