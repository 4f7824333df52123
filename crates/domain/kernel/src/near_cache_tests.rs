#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::broadcast::BroadcastError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::oneshot;

/// The shared cache: a map with deadlines that counts reads, and can hold
/// one read between loading its value and returning it.
#[derive(Default)]
struct Shared {
    map: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
    reads: AtomicUsize,
    /// (told once the value is loaded, released to return it)
    hold: Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
}

impl Shared {
    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Cache for Shared {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        Ok(self.get_with_ttl(key).await?.map(|(value, _)| value))
    }

    async fn get_with_ttl(&self, key: &str) -> Result<Option<(Vec<u8>, Option<Duration>)>, CacheError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let now = Instant::now();
        let value = self
            .map
            .lock()
            .unwrap()
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, until)| (v.clone(), Some(*until - now)));
        let hold = self.hold.lock().unwrap().take();
        if let Some((loaded, release)) = hold {
            loaded.send(()).unwrap();
            release.await.unwrap();
        }
        Ok(value)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        self.map.lock().unwrap().insert(key.to_owned(), (value.to_vec(), Instant::now() + ttl));
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap();
        if map.get(key).is_some_and(|(_, until)| *until > now) {
            return Ok(false);
        }
        map.insert(key.to_owned(), (value.to_vec(), now + ttl));
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<bool, CacheError> {
        let now = Instant::now();
        Ok(self.map.lock().unwrap().remove(key).is_some_and(|(_, until)| until > now))
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, CacheError> {
        let mut map = self.map.lock().unwrap();
        let before = map.len();
        map.retain(|key, _| !key.starts_with(prefix));
        Ok((before - map.len()) as u64)
    }
}

/// A broadcast delivering every message to every listener at once, which
/// can be taken down and brought up like a lost Redis connection.
#[derive(Default)]
struct Bus {
    listeners: Mutex<Vec<Arc<dyn BroadcastListener>>>,
}

impl Bus {
    fn set_live(&self, live: bool) {
        for listener in self.listeners.lock().unwrap().iter() {
            listener.on_live(live);
        }
    }
}

#[async_trait]
impl Broadcast for Bus {
    async fn publish(&self, _topic: &str, message: &str) -> Result<(), BroadcastError> {
        for listener in self.listeners.lock().unwrap().iter() {
            listener.on_message(message);
        }
        Ok(())
    }

    fn subscribe(&self, _topic: &str, listener: Arc<dyn BroadcastListener>) {
        listener.on_live(true);
        self.listeners.lock().unwrap().push(listener);
    }
}

const HOUR: Duration = Duration::from_secs(3600);

fn config(ttl: Duration) -> NearCacheConfig {
    NearCacheConfig { prefixes: vec!["lead:".into()], ttl, max_entries: 100 }
}

/// Two processes' near caches over one shared cache and one bus.
fn two_processes() -> (Arc<Shared>, Arc<Bus>, Arc<NearCache>, Arc<NearCache>) {
    let (shared, bus) = (Arc::new(Shared::default()), Arc::new(Bus::default()));
    let a = NearCache::start(shared.clone(), bus.clone(), config(HOUR));
    let b = NearCache::start(shared.clone(), bus.clone(), config(HOUR));
    (shared, bus, a, b)
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn the_near_cache_meets_the_cache_contract() {
    let (_, _, a, _) = two_processes();
    crate::testing::cache_contract::run_all(a.as_ref(), "").await;
    crate::testing::cache_contract::run_all(a.as_ref(), "lead:").await;
}

#[tokio::test]
async fn keys_under_a_prefix_are_answered_from_memory_after_one_read_and_others_always_pass_through() {
    let (shared, _, a, _) = two_processes();
    a.set("lead:t:1", b"v1", HOUR).await.unwrap();
    a.set("lock:x", b"held", HOUR).await.unwrap();
    for _ in 0..5 {
        assert_eq!(a.get("lead:t:1").await.unwrap().as_deref(), Some(&b"v1"[..]));
        assert_eq!(a.get("lock:x").await.unwrap().as_deref(), Some(&b"held"[..]));
    }
    assert_eq!(shared.reads(), 1 + 5, "one read of the lead, every read of the lock");
    assert_eq!(a.copies(), 1);
    assert_eq!(a.get("lead:t:missing").await.unwrap(), None);
    assert_eq!(a.copies(), 1, "absence is not kept");
}

#[tokio::test]
async fn a_change_made_by_one_process_is_seen_by_the_other_at_once() {
    let (_, _, a, b) = two_processes();
    a.set("lead:t:1", b"v1", HOUR).await.unwrap();
    assert_eq!(b.get("lead:t:1").await.unwrap().as_deref(), Some(&b"v1"[..]));
    a.set("lead:t:1", b"v2", HOUR).await.unwrap();
    assert_eq!(b.get("lead:t:1").await.unwrap().as_deref(), Some(&b"v2"[..]), "b forgot its copy");

    b.get("lead:t:1").await.unwrap();
    a.delete("lead:t:1").await.unwrap();
    assert_eq!(b.get("lead:t:1").await.unwrap(), None, "a delete reaches b");

    for n in 0..3 {
        a.set(&format!("lead:t:{n}"), b"x", HOUR).await.unwrap();
        b.get(&format!("lead:t:{n}")).await.unwrap();
    }
    b.set("lead:u:1", b"other tenant", HOUR).await.unwrap();
    b.get("lead:u:1").await.unwrap();
    assert_eq!(b.copies(), 4);
    assert_eq!(a.delete_prefix("lead:t:").await.unwrap(), 3);
    assert_eq!(b.copies(), 1, "only the other tenant's copy is left");
    assert_eq!(b.get("lead:t:0").await.unwrap(), None);
    a.delete_prefix("").await.unwrap();
    assert_eq!((a.copies(), b.copies()), (0, 0), "an empty prefix reaches every copy");
}

#[tokio::test]
async fn a_read_that_loaded_before_a_change_is_returned_but_not_kept() {
    let (shared, _, a, b) = two_processes();
    a.set("lead:t:1", b"old", HOUR).await.unwrap();
    let (loaded_tx, loaded_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel();
    *shared.hold.lock().unwrap() = Some((loaded_tx, release_rx));
    let reader = {
        let b = b.clone();
        tokio::spawn(async move { b.get("lead:t:1").await.unwrap() })
    };
    loaded_rx.await.unwrap(); // b's read holds "old", not yet kept
    a.set("lead:t:1", b"new", HOUR).await.unwrap();
    release_tx.send(()).unwrap();
    assert_eq!(reader.await.unwrap().as_deref(), Some(&b"old"[..]), "what it read is returned");
    assert_eq!(b.copies(), 0, "but not kept");
    assert_eq!(b.get("lead:t:1").await.unwrap().as_deref(), Some(&b"new"[..]));
}

#[tokio::test]
async fn while_the_subscription_is_down_copies_are_bypassed_and_start_empty_when_it_is_back() {
    let (shared, bus, a, _) = two_processes();
    a.set("lead:t:1", b"v1", HOUR).await.unwrap();
    a.get("lead:t:1").await.unwrap();
    assert_eq!(a.copies(), 1);
    bus.set_live(false);
    assert_eq!(a.copies(), 0, "dropped when the subscription drops");
    let reads = shared.reads();
    for _ in 0..3 {
        assert_eq!(a.get("lead:t:1").await.unwrap().as_deref(), Some(&b"v1"[..]));
    }
    assert_eq!(shared.reads(), reads + 3, "every read goes to the shared cache");
    assert_eq!(a.copies(), 0, "nothing kept while down");
    bus.set_live(true);
    a.get("lead:t:1").await.unwrap();
    a.get("lead:t:1").await.unwrap();
    assert_eq!(shared.reads(), reads + 4, "kept again once live");
}

#[tokio::test]
async fn a_copy_never_outlives_the_shared_entry() {
    let (shared, _, a, _) = two_processes();
    a.set("lead:t:short", b"v", Duration::from_millis(20)).await.unwrap();
    assert!(a.get("lead:t:short").await.unwrap().is_some());
    assert_eq!(a.copies(), 1);
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(a.get("lead:t:short").await.unwrap(), None, "expired with the shared entry");

    /// A shared cache that cannot tell how long a value has left.
    struct NoTtl(Arc<Shared>);
    #[async_trait]
    impl Cache for NoTtl {
        async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
            self.0.get(key).await
        }
        async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
            self.0.set(key, value, ttl).await
        }
        async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, CacheError> {
            self.0.set_if_absent(key, value, ttl).await
        }
        async fn delete(&self, key: &str) -> Result<bool, CacheError> {
            self.0.delete(key).await
        }
        async fn delete_prefix(&self, prefix: &str) -> Result<u64, CacheError> {
            self.0.delete_prefix(prefix).await
        }
    }
    let blind = NearCache::start(Arc::new(NoTtl(shared)), Arc::new(Bus::default()), config(HOUR));
    blind.set("lead:t:1", b"v", HOUR).await.unwrap();
    assert!(blind.get("lead:t:1").await.unwrap().is_some());
    assert_eq!(blind.copies(), 0, "no copy without a known remaining time");
}

#[tokio::test]
async fn copies_expire_after_the_ttl_and_are_bounded_in_number() {
    let (shared, bus) = (Arc::new(Shared::default()), Arc::new(Bus::default()));
    let short = NearCache::start(shared.clone(), bus.clone(), config(Duration::from_millis(1)));
    short.set("lead:t:1", b"v", HOUR).await.unwrap();
    short.get("lead:t:1").await.unwrap();
    std::thread::sleep(Duration::from_millis(5));
    let reads = shared.reads();
    short.get("lead:t:1").await.unwrap();
    assert_eq!(shared.reads(), reads + 1, "an expired copy is read again");

    let bounded = NearCache::start(
        shared.clone(),
        bus.clone(),
        NearCacheConfig { prefixes: vec!["lead:".into()], ttl: HOUR, max_entries: 10 },
    );
    for n in 0..25 {
        bounded.set(&format!("lead:t:{n}"), b"v", HOUR).await.unwrap();
        bounded.get(&format!("lead:t:{n}")).await.unwrap();
        assert!(bounded.copies() <= 10);
    }

    let off = NearCache::start(shared.clone(), bus, config(Duration::ZERO));
    let reads = shared.reads();
    off.get("lead:t:1").await.unwrap();
    off.get("lead:t:1").await.unwrap();
    assert_eq!((shared.reads(), off.copies()), (reads + 2, 0), "a zero TTL keeps nothing");
}

#[test]
fn changes_round_trip_and_anything_else_means_everything() {
    for change in [Change::Key("lead:t:1"), Change::Prefix("lead:t:"), Change::Prefix("")] {
        assert_eq!(Change::decode(&change.encode()), change);
    }
    assert_eq!(Change::decode("garbage"), Change::All);
    assert_eq!(Change::decode("*"), Change::All);
}
