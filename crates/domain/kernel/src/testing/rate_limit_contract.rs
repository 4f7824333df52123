//! The [`RateLimiter`] contract: every adapter must pass all of these.

use crate::rate_limit::RateLimiter;
use std::time::Duration;

/// Runs the whole contract under `prefix` (unique per test run).
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn run_all(limiter: &dyn RateLimiter, prefix: &str) {
    limit_is_enforced_within_a_window(limiter, prefix).await;
    keys_are_counted_separately(limiter, prefix).await;
    a_new_window_starts_after_expiry(limiter, prefix).await;
}

/// The first `limit` hits pass with decreasing `remaining`; the next is refused.
pub async fn limit_is_enforced_within_a_window(limiter: &dyn RateLimiter, prefix: &str) {
    let key = format!("{prefix}limit");
    let window = Duration::from_secs(60);
    for expected_remaining in (0..3).rev() {
        let decision = limiter.hit(&key, 3, window).await.expect("hit");
        assert!(decision.allowed);
        assert_eq!(decision.remaining, expected_remaining);
        assert!(decision.reset_after <= window && decision.reset_after > Duration::from_secs(50));
    }
    let refused = limiter.hit(&key, 3, window).await.expect("hit");
    assert!(!refused.allowed);
    assert_eq!((refused.limit, refused.remaining), (3, 0));
}

/// One key's exhaustion does not affect another.
pub async fn keys_are_counted_separately(limiter: &dyn RateLimiter, prefix: &str) {
    let window = Duration::from_secs(60);
    let (a, b) = (format!("{prefix}ip-a"), format!("{prefix}ip-b"));
    assert!(limiter.hit(&a, 1, window).await.expect("hit").allowed);
    assert!(!limiter.hit(&a, 1, window).await.expect("hit").allowed);
    assert!(limiter.hit(&b, 1, window).await.expect("hit").allowed);
}

/// After the window passes, the count starts again.
pub async fn a_new_window_starts_after_expiry(limiter: &dyn RateLimiter, prefix: &str) {
    let key = format!("{prefix}short");
    let window = Duration::from_millis(1000);
    assert!(limiter.hit(&key, 1, window).await.expect("hit").allowed);
    assert!(!limiter.hit(&key, 1, window).await.expect("hit").allowed);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(limiter.hit(&key, 1, window).await.expect("hit").allowed, "a new window");
}
