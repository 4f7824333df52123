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
async fn batched_counting_on_redis_meets_the_contract_and_two_processes_share_one_count() {
    use frontdesk_kernel::{BatchedRateLimiter, RateLimiter};
    use std::sync::Arc;
    let store = store().await;
    let counter = Arc::new(frontdesk_redis::FredRateLimiter::new(store.clone()));
    frontdesk_kernel::testing::rate_limit_contract::run_all(&BatchedRateLimiter::new(counter.clone(), 16), "b:").await;
    // Two "processes" (two limiters, one Redis) on one key: together they
    // allow the limit and at most (2 − 1) × (8 − 1) more.
    let (one, two) = (BatchedRateLimiter::new(counter.clone(), 8), BatchedRateLimiter::new(counter, 8));
    let mut allowed = 0;
    for n in 0..400 {
        let limiter = if n % 3 == 0 { &one } else { &two };
        if limiter.hit("shared", 200, Duration::from_secs(60)).await.unwrap().allowed {
            allowed += 1;
        }
    }
    assert!((200..=200 + one.max_overshoot(2)).contains(&allowed), "{allowed} allowed");
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

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test]
async fn redis_broadcast_meets_the_broadcast_contract() {
    use frontdesk_kernel::testing::broadcast_contract;
    let store = store().await;
    let bus = frontdesk_redis::RedisBroadcast::new(store.clone(), &redis_url()).unwrap();
    broadcast_contract::run_all(&bus, "contract:").await;
}

#[tokio::test]
async fn two_stores_under_one_prefix_hear_each_other_and_other_prefixes_do_not() {
    use frontdesk_kernel::Broadcast;
    use frontdesk_kernel::testing::broadcast_contract::Recorder;
    use std::sync::Arc;
    let stranger = store().await;
    let prefix = format!("fdtest:{}:", uuid::Uuid::now_v7().simple());
    let shared = RedisConfig { key_prefix: prefix, ..config(redis_url()) };
    let (one, twin) = (RedisStore::connect(&shared).unwrap(), RedisStore::connect(&shared).unwrap());
    one.wait_until_ready(Duration::from_secs(5)).await.unwrap();
    twin.wait_until_ready(Duration::from_secs(5)).await.unwrap();
    let (a, b, c) = (
        frontdesk_redis::RedisBroadcast::new(one, &redis_url()).unwrap(),
        frontdesk_redis::RedisBroadcast::new(twin, &redis_url()).unwrap(),
        frontdesk_redis::RedisBroadcast::new(stranger, &redis_url()).unwrap(),
    );
    let (heard_b, heard_c) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    b.subscribe("memberships", heard_b.clone());
    c.subscribe("memberships", heard_c.clone());
    heard_b.wait_until("live", |r| r.liveness().last() == Some(&true)).await;
    heard_c.wait_until("live", |r| r.liveness().last() == Some(&true)).await;
    a.publish("memberships", "user:42").await.unwrap();
    heard_b.wait_until("the message", |r| !r.messages().is_empty()).await;
    assert_eq!(heard_b.messages(), ["user:42"]);
    // Another prefix's listener was live all along and heard nothing.
    c.publish("memberships", "own").await.unwrap();
    heard_c.wait_until("its own message", |r| !r.messages().is_empty()).await;
    assert_eq!(heard_c.messages(), ["own"]);
}

#[tokio::test]
async fn a_dropped_subscription_reports_not_live_then_live_again() {
    use frontdesk_kernel::Broadcast;
    use frontdesk_kernel::testing::broadcast_contract::Recorder;
    use std::sync::Arc;
    let store = store().await;
    let bus = frontdesk_redis::RedisBroadcast::new(store.clone(), &redis_url()).unwrap();
    let heard = Arc::new(Recorder::default());
    bus.subscribe("drops", heard.clone());
    heard.wait_until("live", |r| r.liveness() == [false, true]).await;
    // Cut every pub/sub connection (other tests' subscriptions reconnect the same way).
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("pubsub").query_async(&mut conn).await.unwrap();
    heard.wait_until("down then up", |r| r.liveness().len() >= 4).await;
    assert_eq!(heard.liveness(), [false, true, false, true]);
    bus.publish("drops", "after").await.unwrap();
    heard.wait_until("a message after reconnecting", |r| !r.messages().is_empty()).await;
    assert_eq!(heard.messages(), ["after"]);
}

// The same adapters on the 3-node Redis Cluster `scripts/services.sh` starts
// (`TEST_REDIS_CLUSTER_URL`): fred routes each key to its slot's node.

fn cluster_url() -> String {
    std::env::var("TEST_REDIS_CLUSTER_URL")
        .unwrap_or_else(|_| "redis-cluster://127.0.0.1:30001?node=127.0.0.1:30002&node=127.0.0.1:30003".into())
}

/// A store on the cluster and its key prefix.
async fn cluster_store() -> (RedisStore, String) {
    let url = cluster_url();
    let config = config(url.clone());
    let store = RedisStore::connect(&config).unwrap();
    store
        .wait_until_ready(Duration::from_secs(5))
        .await
        .unwrap_or_else(|e| panic!("{e} at {url}; run ./scripts/test.sh (it starts the cluster)"));
    (store, config.key_prefix)
}

/// The primaries of the test cluster and how many keys under `prefix` each holds.
fn keys_per_node(prefix: &str) -> Vec<usize> {
    let url = cluster_url();
    let first = url.trim_start_matches("redis-cluster://").split('?').next().unwrap().to_owned();
    let mut conn = redis::Client::open(format!("redis://{first}")).unwrap().get_connection().unwrap();
    let nodes: String = redis::cmd("CLUSTER").arg("NODES").query(&mut conn).unwrap();
    nodes
        .lines()
        .filter(|line| line.contains("master"))
        .map(|line| {
            let addr = line.split(' ').nth(1).unwrap().split('@').next().unwrap();
            let mut node = redis::Client::open(format!("redis://{addr}")).unwrap().get_connection().unwrap();
            redis::Commands::scan_match::<_, String>(&mut node, format!("{prefix}*")).unwrap().count()
        })
        .collect()
}

#[tokio::test]
async fn on_a_cluster_the_cache_meets_its_contract_and_prefix_deletion_reaches_every_node() {
    let (store, prefix) = cluster_store().await;
    let cache = FredCache::new(store.clone());
    cache_contract::run_all(&cache, "").await;
    for n in 0..60 {
        cache.set(&format!("spread:{n}"), b"x", Duration::from_secs(60)).await.unwrap();
    }
    let spread = keys_per_node(&format!("{prefix}spread:"));
    assert_eq!(spread.len(), 3, "{spread:?}");
    assert!(spread.iter().all(|&n| n > 0), "keys on every node: {spread:?}");
    assert_eq!(cache.delete_prefix("spread:").await.unwrap(), 60);
    cache.delete_prefix("").await.unwrap();
    assert_eq!(keys_per_node(&prefix).iter().sum::<usize>(), 0, "nothing left on any node");
    store.close().await;
}

#[tokio::test]
async fn on_a_cluster_rate_limits_meet_their_contract() {
    let (store, _) = cluster_store().await;
    frontdesk_kernel::testing::rate_limit_contract::run_all(&frontdesk_redis::FredRateLimiter::new(store.clone()), "")
        .await;
    FredCache::new(store.clone()).delete_prefix("").await.unwrap();
    HealthCheck::check(&RedisHealthCheck::new(store)).await.unwrap();
}

#[tokio::test]
async fn on_a_cluster_the_broadcast_meets_its_contract() {
    use frontdesk_kernel::testing::broadcast_contract;
    let (store, _) = cluster_store().await;
    let bus = frontdesk_redis::RedisBroadcast::new(store, &cluster_url()).unwrap();
    broadcast_contract::run_all(&bus, "contract:").await;
}

/// The near cache on real Redis: two "processes" (two stores under one
/// prefix, each with its own subscription) keep copies of `lead:` keys; a
/// change through either reaches the other's copy over pub/sub, and a copy
/// never outlives the Redis entry.
#[tokio::test]
async fn near_copies_follow_changes_made_through_another_process() {
    use frontdesk_kernel::testing::broadcast_contract::Recorder;
    use frontdesk_kernel::{Broadcast, NearCache, NearCacheConfig};
    use std::sync::Arc;
    let shared = config(redis_url());
    let near = |store: RedisStore| {
        let bus: Arc<dyn Broadcast> =
            Arc::new(frontdesk_redis::RedisBroadcast::new(store.clone(), &redis_url()).unwrap());
        let config = NearCacheConfig { prefixes: vec!["lead:".into()], ttl: Duration::from_secs(60), max_entries: 100 };
        (NearCache::start(Arc::new(FredCache::new(store)), Arc::clone(&bus), config), bus)
    };
    let (one, twin) = (RedisStore::connect(&shared).unwrap(), RedisStore::connect(&shared).unwrap());
    one.wait_until_ready(Duration::from_secs(5)).await.unwrap();
    twin.wait_until_ready(Duration::from_secs(5)).await.unwrap();
    let ((a, bus_a), (b, _)) = (near(one.clone()), near(twin));
    // Both subscriptions are up once a probe published on the topic reaches a listener of each.
    let probe = Arc::new(Recorder::default());
    bus_a.subscribe(frontdesk_kernel::near_cache::TOPIC, probe.clone());
    probe.wait_until("live", |r| r.liveness().last() == Some(&true)).await;

    a.set("lead:t:1", b"v1", Duration::from_secs(60)).await.unwrap();
    let mut copied = false;
    for _ in 0..100 {
        assert_eq!(b.get("lead:t:1").await.unwrap().as_deref(), Some(&b"v1"[..]));
        if b.copies() == 1 {
            copied = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(copied, "b keeps a copy once its subscription is live");

    a.set("lead:t:1", b"v2", Duration::from_secs(60)).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..250 {
        let value = b.get("lead:t:1").await.unwrap().unwrap();
        seen.push(value.clone());
        if value == b"v2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.last().map(Vec::as_slice), Some(&b"v2"[..]), "the change reached b's copy");

    a.delete_prefix("").await.unwrap();
    let mut gone = false;
    for _ in 0..250 {
        if b.get("lead:t:1").await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "a prefix deletion reached b's copy");

    a.set("lead:t:short", b"x", Duration::from_millis(300)).await.unwrap();
    assert!(b.get("lead:t:short").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(b.get("lead:t:short").await.unwrap(), None, "the copy expired with the Redis entry");
    FredCache::new(one).delete_prefix("").await.unwrap();
}
