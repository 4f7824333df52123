//! [`TtlMap`]: a per-process map whose entries expire — the memos of the
//! integrations wiring (a sub-account's own messaging provider and model,
//! its calendar link, a window's busy times), so a hot path reads the
//! database or a vendor at most once per entry lifetime.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Values kept for `ttl` after they were put.
#[derive(Debug)]
pub struct TtlMap<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    /// An empty map whose entries live `ttl`.
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::default() }
    }

    /// The value under `key` if it was put less than `ttl` ago.
    pub fn fresh(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, value)| value.clone())
    }

    /// Puts `value` under `key`, fresh from now.
    pub fn put(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, (Instant::now(), value));
        }
    }

    /// [`Self::put`], dropping expired entries first (for keys that are not
    /// reused, such as time windows, so the map does not grow without end).
    pub fn put_evicting(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
            entries.insert(key, (Instant::now(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TtlMap;
    use std::time::Duration;

    #[test]
    fn a_value_is_fresh_for_its_lifetime_only() {
        let map = TtlMap::new(Duration::from_millis(50));
        map.put("a", 1);
        assert_eq!(map.fresh(&"a"), Some(1));
        assert_eq!(map.fresh(&"b"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(map.fresh(&"a"), None, "expired");
        map.put_evicting("b", 2);
        assert_eq!(map.entries.lock().unwrap().len(), 1, "the expired entry went");
    }
}
