//! The [`Cache`] contract: every adapter must pass all of these.
//!
//! Each function takes a cache and a key prefix unique to the test, so the
//! suite can run concurrently against one shared Redis.

use crate::cache::Cache;
use std::time::Duration;

/// Runs the whole contract.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn run_all(cache: &dyn Cache, prefix: &str) {
    set_then_get_returns_the_value(cache, prefix).await;
    get_with_ttl_reads_the_value_and_at_most_its_ttl(cache, prefix).await;
    missing_key_is_none(cache, prefix).await;
    set_overwrites(cache, prefix).await;
    set_if_absent_never_replaces_a_live_value(cache, prefix).await;
    delete_removes_and_reports_existence(cache, prefix).await;
    delete_prefix_removes_only_matching_keys(cache, prefix).await;
    a_claim_reads_what_it_guards_and_a_release_writes_it(cache, prefix).await;
    expired_values_are_not_returned(cache, prefix).await;
}

/// A stored value is read back byte for byte.
pub async fn set_then_get_returns_the_value(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}set-get");
    cache.set(&key, b"\x00hello\xff", Duration::from_secs(60)).await.expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"\x00hello\xff".to_vec()));
}

/// `get_with_ttl` reads what `get` reads, and the time left (when told) is at most the TTL set.
pub async fn get_with_ttl_reads_the_value_and_at_most_its_ttl(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}with-ttl");
    cache.set(&key, b"v", Duration::from_secs(60)).await.expect("set");
    let (value, left) = cache.get_with_ttl(&key).await.expect("get_with_ttl").expect("present");
    assert_eq!(value, b"v".to_vec());
    assert!(left.is_none_or(|left| left <= Duration::from_secs(60) && left > Duration::from_secs(50)), "{left:?}");
    assert_eq!(cache.get_with_ttl(&format!("{prefix}with-ttl-never-set")).await.expect("get_with_ttl"), None);
}

/// An absent key reads as `None`, not an error.
pub async fn missing_key_is_none(cache: &dyn Cache, prefix: &str) {
    assert_eq!(cache.get(&format!("{prefix}never-set")).await.expect("get"), None);
}

/// A second set replaces the first.
pub async fn set_overwrites(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}overwrite");
    cache.set(&key, b"one", Duration::from_secs(60)).await.expect("set");
    cache.set(&key, b"two", Duration::from_secs(60)).await.expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"two".to_vec()));
}

/// `set_if_absent` fills an empty key, never a live one, and fills an expired one.
pub async fn set_if_absent_never_replaces_a_live_value(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}set-if-absent");
    assert!(cache.set_if_absent(&key, b"first", Duration::from_secs(60)).await.expect("fill"));
    assert!(!cache.set_if_absent(&key, b"second", Duration::from_secs(60)).await.expect("second fill"));
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"first".to_vec()));
    let short = format!("{prefix}set-if-absent-expired");
    cache.set(&short, b"old", Duration::from_millis(50)).await.expect("set");
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert!(cache.set_if_absent(&short, b"new", Duration::from_secs(60)).await.expect("refill"));
    assert_eq!(cache.get(&short).await.expect("get"), Some(b"new".to_vec()));
}

/// Delete removes the key and says whether it was there.
pub async fn delete_removes_and_reports_existence(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}delete");
    cache.set(&key, b"v", Duration::from_secs(60)).await.expect("set");
    assert!(cache.delete(&key).await.expect("delete"));
    assert_eq!(cache.get(&key).await.expect("get"), None);
    assert!(!cache.delete(&key).await.expect("delete again"));
}

/// Prefix deletion removes exactly the keys under the prefix.
pub async fn delete_prefix_removes_only_matching_keys(cache: &dyn Cache, prefix: &str) {
    let ttl = Duration::from_secs(60);
    for i in 0..25 {
        cache.set(&format!("{prefix}lead:t1:{i}"), b"x", ttl).await.expect("set");
    }
    cache.set(&format!("{prefix}lead:t2:1"), b"keep", ttl).await.expect("set");
    let removed = cache.delete_prefix(&format!("{prefix}lead:t1:")).await.expect("delete_prefix");
    assert_eq!(removed, 25);
    assert_eq!(cache.get(&format!("{prefix}lead:t1:3")).await.expect("get"), None);
    assert_eq!(cache.get(&format!("{prefix}lead:t2:1")).await.expect("get"), Some(b"keep".to_vec()));
}

/// `claim_then_get` reads only when it takes the claim; `put_then_delete`
/// stores (or removes) the guarded value and frees the claim. The keys
/// share a `{tag}`, as a clustered backend needs.
pub async fn a_claim_reads_what_it_guards_and_a_release_writes_it(cache: &dyn Cache, prefix: &str) {
    let ttl = Duration::from_secs(60);
    let (claim, state) = (format!("{prefix}{{pair}}:lease"), format!("{prefix}{{pair}}:state"));
    cache.set(&state, b"before", ttl).await.expect("set");
    assert_eq!(cache.claim_then_get(&claim, b"1", ttl, &state).await.expect("claim"), Some(Some(b"before".to_vec())));
    assert_eq!(cache.claim_then_get(&claim, b"1", ttl, &state).await.expect("claim again"), None, "a held claim");
    cache.put_then_delete(&state, Some((b"after", ttl)), &claim).await.expect("put and release");
    assert_eq!(cache.get(&claim).await.expect("get"), None, "released");
    assert_eq!(cache.claim_then_get(&claim, b"1", ttl, &state).await.expect("claim"), Some(Some(b"after".to_vec())));
    cache.put_then_delete(&state, None, &claim).await.expect("forget and release");
    assert_eq!((cache.get(&claim).await.expect("get"), cache.get(&state).await.expect("get")), (None, None));
    let never = format!("{prefix}{{pair}}:never-set");
    assert_eq!(cache.claim_then_get(&claim, b"1", ttl, &never).await.expect("claim"), Some(None));
    cache.put_then_delete(&never, None, &claim).await.expect("release");
}

/// A value past its TTL is gone.
pub async fn expired_values_are_not_returned(cache: &dyn Cache, prefix: &str) {
    let key = format!("{prefix}ttl");
    cache.set(&key, b"short", Duration::from_millis(1100)).await.expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"short".to_vec()));
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(cache.get(&key).await.expect("get"), None);
}
