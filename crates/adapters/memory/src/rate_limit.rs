//! [`RateLimiter`] in process memory: fixed windows in a hash map.
//!
//! Expired windows are dropped by a sweep every [`SWEEP_EVERY`] hits, so a
//! flood of distinct keys (IPs) cannot grow the map without bound beyond
//! the keys of the live windows.

use async_trait::async_trait;
use frontdesk_kernel::{RateDecision, RateLimitError, RateLimiter};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

const SWEEP_EVERY: u64 = 4096;

#[derive(Debug, Default)]
struct Windows {
    counters: HashMap<String, (u64, Instant)>,
    hits: u64,
}

/// A process-local rate limiter (embedded profile).
#[derive(Debug, Default)]
pub struct InProcessRateLimiter {
    windows: Mutex<Windows>,
}

impl InProcessRateLimiter {
    /// An empty limiter.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RateLimiter for InProcessRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, RateLimitError> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        windows.hits += 1;
        if windows.hits.is_multiple_of(SWEEP_EVERY) {
            windows.counters.retain(|_, (_, ends)| *ends > now);
        }
        let entry = windows.counters.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        Ok(RateDecision::from_count(entry.0, limit, entry.1.saturating_duration_since(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_kernel::testing::rate_limit_contract;

    #[tokio::test]
    async fn in_process_limiter_meets_the_rate_limit_contract() {
        rate_limit_contract::run_all(&InProcessRateLimiter::new(), "test:").await;
    }
}
