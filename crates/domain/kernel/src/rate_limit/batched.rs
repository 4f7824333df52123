//! [`BatchedRateLimiter`]: a shared count without a shared round trip per request.
//!
//! A fixed-window limit shared by every api process needs a shared counter
//! (Redis). Asking it on every request costs a round trip per request,
//! which on a cached read is most of the request. This limiter counts
//! hits locally and adds them to the shared counter in batches:
//!
//! * far from the limit, a key's hits are counted in process and sent as
//!   one `add(n)` every `batch` hits; the shared total comes back with it;
//! * within `batch` of the limit (by the last known total plus what is
//!   pending here) every hit goes to the shared counter, so the decision
//!   near the limit is the shared one;
//! * the first hit of a window always asks the shared counter.
//!
//! Bound: the hits another process has counted but not yet sent are at
//! most `batch − 1` per key, so with `P` processes a key may get at most
//! `(P − 1) × (batch − 1)` requests past its limit in a window. Hits still
//! pending when a window ends are never sent (they were counted here, for
//! this window). Errors of the shared counter are returned (callers fail
//! open); the pending hits of that key are dropped with them.

use super::{RateDecision, RateLimitError, RateLimiter};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A shared fixed-window counter (Redis `INCRBY` + expiry).
#[async_trait]
pub trait WindowCounter: Send + Sync + 'static {
    /// Adds `n` hits to `key`'s current window (starting one of `window`
    /// when none is running) and returns the window's total and time left.
    ///
    /// # Errors
    /// [`RateLimitError`] when the backend is unreachable.
    async fn add(&self, key: &str, n: u32, window: Duration) -> Result<(u64, Duration), RateLimitError>;
}

/// Keys of ended windows are swept every this many hits.
const SWEEP_EVERY: u64 = 4096;

struct Local {
    ends: Instant,
    /// The shared total last reported.
    shared: u64,
    /// Hits counted here and not sent yet.
    pending: u32,
}

#[derive(Default)]
struct Windows {
    keys: HashMap<String, Local>,
    hits: u64,
}

/// A [`RateLimiter`] over a [`WindowCounter`], sending hits in batches.
pub struct BatchedRateLimiter {
    counter: Arc<dyn WindowCounter>,
    batch: u32,
    windows: Mutex<Windows>,
}

impl std::fmt::Debug for BatchedRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchedRateLimiter").field("batch", &self.batch).finish_non_exhaustive()
    }
}

impl BatchedRateLimiter {
    /// Counts through `counter`, `batch` hits per round trip at most (1: every hit).
    #[must_use]
    pub fn new(counter: Arc<dyn WindowCounter>, batch: u32) -> Self {
        Self { counter, batch: batch.max(1), windows: Mutex::new(Windows::default()) }
    }

    /// The most requests a key can get past its limit in one window with `processes` api processes.
    #[must_use]
    pub fn max_overshoot(&self, processes: u32) -> u64 {
        u64::from(processes.saturating_sub(1)) * u64::from(self.batch - 1)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Windows> {
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides locally when the key is far from its limit; otherwise takes
    /// the hits to send (this one included).
    fn local(&self, key: &str, limit: u32, now: Instant) -> Result<RateDecision, u32> {
        let mut windows = self.lock();
        windows.hits += 1;
        if windows.hits.is_multiple_of(SWEEP_EVERY) {
            windows.keys.retain(|_, w| w.ends > now);
        }
        let Some(window) = windows.keys.get_mut(key).filter(|w| w.ends > now) else {
            return Err(1);
        };
        let seen = window.shared + u64::from(window.pending) + 1;
        if window.pending + 1 < self.batch && seen + u64::from(self.batch) <= u64::from(limit) {
            window.pending += 1;
            return Ok(RateDecision::from_count(seen, limit, window.ends.saturating_duration_since(now)));
        }
        let send = window.pending + 1;
        window.pending = 0;
        Err(send)
    }

    /// Records what the shared counter answered.
    fn learn(&self, key: &str, total: u64, reset_after: Duration, now: Instant) {
        let mut windows = self.lock();
        let ends = now + reset_after;
        match windows.keys.get_mut(key) {
            // Concurrent sends may answer out of order: keep the highest total of the window.
            Some(window) if window.ends > now => {
                window.shared = window.shared.max(total);
                window.ends = ends;
            }
            _ => {
                windows.keys.insert(key.to_owned(), Local { ends, shared: total, pending: 0 });
            }
        }
    }
}

#[async_trait]
impl RateLimiter for BatchedRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, RateLimitError> {
        let now = Instant::now();
        let send = match self.local(key, limit, now) {
            Ok(decision) => return Ok(decision),
            Err(send) => send,
        };
        let (total, reset_after) = self.counter.add(key, send, window).await?;
        self.learn(key, total, reset_after, now);
        Ok(RateDecision::from_count(total, limit, reset_after))
    }
}

#[cfg(test)]
#[path = "batched_tests.rs"]
mod tests;
