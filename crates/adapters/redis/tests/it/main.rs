//! Redis adapter tests against the real Redis at `TEST_REDIS_URL`
//! (default `redis://127.0.0.1:6379`), each test under its own key prefix.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use frontdesk_kernel::testing::cache_contract;
use frontdesk_kernel::{Cache, HealthCheck};
use frontdesk_redis::{FredCache, RedisConfig, RedisHealthCheck, RedisStore};
use std::time::Duration;

fn config(url: String) -> RedisConfig {
    RedisConfig {
        url,
        pool_size: 2,
        key_prefix: format!("fdtest:{}:", uuid::Uuid::now_v7().simple()),
        command_timeout: Duration::from_secs(1),
    }
}

async fn store() -> RedisStore {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let store = RedisStore::connect(&config(url.clone())).unwrap();
    store
        .wait_until_ready(Duration::from_secs(5))
        .await
        .unwrap_or_else(|e| panic!("{e} at {url}; run ./scripts/test.sh"));
    store
}

#[tokio::test]
async fn fred_cache_meets_the_cache_contract() {
    let store = store().await;
    let cache = FredCache::new(store.clone());
    cache_contract::run_all(&cache, "").await;
    // Leave nothing behind.
    cache.delete_prefix("").await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn key_prefixes_isolate_two_stores_on_one_redis() {
    let (a, b) = (FredCache::new(store().await), FredCache::new(store().await));
    a.set("shared-name", b"from a", Duration::from_secs(30)).await.unwrap();
    assert_eq!(b.get("shared-name").await.unwrap(), None);
    assert_eq!(b.delete_prefix("").await.unwrap(), 0, "b's prefix deletion must not reach a's keys");
    assert_eq!(a.get("shared-name").await.unwrap(), Some(b"from a".to_vec()));
    a.delete_prefix("").await.unwrap();
}

#[tokio::test]
async fn fred_rate_limiter_meets_the_rate_limit_contract() {
    let store = store().await;
    frontdesk_kernel::testing::rate_limit_contract::run_all(&frontdesk_redis::FredRateLimiter::new(store.clone()), "")
        .await;
    FredCache::new(store).delete_prefix("").await.unwrap();
}

#[tokio::test]
async fn an_unreachable_redis_makes_the_limiter_error_so_callers_can_fail_open() {
    let store = RedisStore::connect(&config("redis://127.0.0.1:1".into())).unwrap();
    let limiter = frontdesk_redis::FredRateLimiter::new(store);
    use frontdesk_kernel::RateLimiter;
    assert!(limiter.hit("k", 5, Duration::from_secs(60)).await.is_err());
}

#[tokio::test]
async fn health_check_pings_a_live_redis() {
    RedisHealthCheck::new(store().await).check().await.unwrap();
}

#[tokio::test]
async fn unreachable_redis_fails_health_and_cache_quickly_instead_of_hanging() {
    let store = RedisStore::connect(&config("redis://127.0.0.1:1".into())).unwrap();
    assert!(store.wait_until_ready(Duration::from_millis(300)).await.is_err());
    let health = RedisHealthCheck::new(store.clone()).check().await.unwrap_err();
    assert_eq!(health.service, "redis");
    let cache = FredCache::new(store);
    assert!(cache.get("anything").await.is_err(), "a dead Redis is an error the caller can treat as a miss");
}
