//! The batching rules against an in-memory shared counter: far from the
//! limit hits travel in batches, near it every hit is shared, and several
//! processes together never exceed the documented overshoot.

use super::*;
use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The shared counter every "process" of a test talks to.
#[derive(Default)]
struct SharedCounter {
    totals: Mutex<HashMap<String, u64>>,
    calls: AtomicUsize,
    down: AtomicBool,
}

#[async_trait]
impl WindowCounter for SharedCounter {
    async fn add(&self, key: &str, n: u32, window: Duration) -> Result<(u64, Duration), RateLimitError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(RateLimitError { message: "connection refused".into() });
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut totals = self.totals.lock().unwrap();
        let total = totals.entry(key.to_owned()).or_default();
        *total += u64::from(n);
        Ok((*total, window))
    }
}

const MINUTE: Duration = Duration::from_secs(60);

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

#[tokio::test]
async fn far_from_the_limit_hits_travel_in_batches() {
    let counter = Arc::new(SharedCounter::default());
    let limiter = BatchedRateLimiter::new(counter.clone(), 16);
    for _ in 0..1000 {
        assert!(limiter.hit("user:1", 100_000, MINUTE).await.unwrap().allowed);
    }
    let calls = counter.calls.load(Ordering::SeqCst);
    assert!(calls <= 1 + 1000 / 16, "{calls} round trips for 1000 hits");
    // Everything but the last batch's pending hits reached the shared counter.
    let shared = counter.totals.lock().unwrap()["user:1"];
    assert!((1000 - 15..=1000).contains(&shared), "shared total {shared}");
}

#[tokio::test]
async fn near_the_limit_the_decision_is_exact_for_one_process() {
    let limiter = BatchedRateLimiter::new(Arc::new(SharedCounter::default()), 4);
    for n in 1..=10 {
        let decision = limiter.hit("k", 10, MINUTE).await.unwrap();
        assert!(decision.allowed, "hit {n}");
        assert_eq!(decision.remaining, 10 - n);
    }
    assert!(!limiter.hit("k", 10, MINUTE).await.unwrap().allowed);
}

#[tokio::test]
async fn a_batch_of_one_asks_the_shared_counter_every_time() {
    let counter = Arc::new(SharedCounter::default());
    let limiter = BatchedRateLimiter::new(counter.clone(), 1);
    for _ in 0..20 {
        limiter.hit("k", 1000, MINUTE).await.unwrap();
    }
    assert_eq!(counter.calls.load(Ordering::SeqCst), 20);
}

#[tokio::test]
async fn keys_are_batched_separately() {
    let limiter = BatchedRateLimiter::new(Arc::new(SharedCounter::default()), 8);
    for _ in 0..3 {
        assert!(limiter.hit("a", 3, MINUTE).await.unwrap().allowed);
    }
    assert!(!limiter.hit("a", 3, MINUTE).await.unwrap().allowed);
    assert!(limiter.hit("b", 3, MINUTE).await.unwrap().allowed);
}

#[tokio::test]
async fn a_failing_shared_counter_is_an_error_the_caller_can_fail_open_on() {
    let counter = Arc::new(SharedCounter::default());
    counter.down.store(true, Ordering::SeqCst);
    let limiter = BatchedRateLimiter::new(counter, 8);
    assert!(limiter.hit("k", 100, MINUTE).await.is_err());
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn it_meets_the_rate_limit_contract() {
    crate::testing::rate_limit_contract::run_all(
        &BatchedRateLimiter::new(Arc::new(ExpiringCounter::default()), 16),
        "batched:",
    )
    .await;
}

/// A shared counter whose windows really end (for the contract's expiry case).
#[cfg(feature = "testing")]
#[derive(Default)]
struct ExpiringCounter(Mutex<HashMap<String, (u64, std::time::Instant)>>);

#[cfg(feature = "testing")]
#[async_trait]
impl WindowCounter for ExpiringCounter {
    async fn add(&self, key: &str, n: u32, window: Duration) -> Result<(u64, Duration), RateLimitError> {
        let now = std::time::Instant::now();
        let mut all = self.0.lock().unwrap();
        let entry = all.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += u64::from(n);
        Ok((entry.0, entry.1.saturating_duration_since(now)))
    }
}

proptest! {
    /// However the hits of several processes interleave, a key gets at
    /// least its limit and at most the limit plus the documented overshoot.
    #[test]
    fn processes_together_stay_within_the_documented_overshoot(
        limit in 1u32..300,
        batch in 1u32..32,
        order in prop::collection::vec(0usize..3, 1200),
    ) {
        let counter = Arc::new(SharedCounter::default());
        let processes: Vec<_> = (0..3).map(|_| BatchedRateLimiter::new(counter.clone(), batch)).collect();
        let allowed = block_on(async {
            let mut allowed = 0u64;
            for who in order {
                if processes[who].hit("k", limit, MINUTE).await.unwrap().allowed {
                    allowed += 1;
                }
            }
            allowed
        });
        let overshoot = processes[0].max_overshoot(3);
        prop_assert!(allowed <= u64::from(limit) + overshoot, "allowed {allowed}, limit {limit}, batch {batch}");
        prop_assert!(allowed >= u64::from(limit).min(400), "allowed {allowed} of limit {limit}");
    }
}
