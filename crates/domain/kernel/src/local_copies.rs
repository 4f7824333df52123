//! [`LocalCopies`]: the bookkeeping every per-process cache that follows a
//! [`Broadcast`](crate::Broadcast) needs (the membership cache, the near
//! cache), kept in one place so its rules cannot drift apart:
//!
//! * a copy is answered only while the subscription is live and until its
//!   deadline;
//! * a lookup that misses notes the generation; every forget bumps it, so a
//!   value read under an older generation is returned by the caller but not
//!   kept (it may predate a change that raced it);
//! * [`set_live`](LocalCopies::set_live) drops every copy, up or down: a
//!   message may have been missed;
//! * at most `max_entries` copies are kept; past it they start over (a flood
//!   of distinct keys costs reads of the source, never unbounded memory).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

struct State<K, V> {
    copies: HashMap<K, (V, Instant)>,
    generation: u64,
}

/// Copies of `V` by `K`, each with a deadline, invalidated by generation.
pub struct LocalCopies<K, V> {
    state: Mutex<State<K, V>>,
    live: AtomicBool,
    ttl: Duration,
    max_entries: usize,
}

impl<K, V> std::fmt::Debug for LocalCopies<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCopies")
            .field("ttl", &self.ttl)
            .field("max_entries", &self.max_entries)
            .field("live", &self.live.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq, V: Clone> LocalCopies<K, V> {
    /// Empty and not live; copies kept for at most `ttl` (zero: none are
    /// kept, every lookup misses without a generation), at most `max_entries`.
    #[must_use]
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            state: Mutex::new(State { copies: HashMap::new(), generation: 0 }),
            live: AtomicBool::new(false),
            ttl,
            max_entries,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<K, V>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether copies are answered (the subscription is live).
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// The subscription went down or came back: drop every copy either way,
    /// and answer from copies again only once it is up.
    pub fn set_live(&self, live: bool) {
        if !live {
            self.live.store(false, Ordering::SeqCst);
        }
        self.clear();
        if live {
            self.live.store(true, Ordering::SeqCst);
        }
    }

    /// A live copy of `key`, or the generation a value read now must still be
    /// current at to be kept (`None`: keep nothing — off or not live).
    pub fn lookup<Q>(&self, key: &Q) -> Result<V, Option<u64>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.ttl.is_zero() || !self.is_live() {
            return Err(None);
        }
        let state = self.lock();
        match state.copies.get(key) {
            Some((value, until)) if *until > Instant::now() => Ok(value.clone()),
            _ => Err(Some(state.generation)),
        }
    }

    /// Keeps `value` for the TTL if nothing changed since `generation` was noted.
    pub fn keep(&self, key: K, value: V, generation: u64) {
        self.keep_until(key, value, Instant::now() + self.ttl, generation);
    }

    /// Keeps `value` until `until` if nothing changed since `generation` was noted.
    pub fn keep_until(&self, key: K, value: V, until: Instant, generation: u64) {
        let mut state = self.lock();
        if state.generation != generation || !self.is_live() {
            return;
        }
        if state.copies.len() >= self.max_entries {
            state.copies.clear();
        }
        state.copies.insert(key, (value, until));
    }

    /// `key`'s live copy, or what `read` returns, kept if nothing changed meanwhile.
    ///
    /// # Errors
    /// What `read` returns (nothing is kept then).
    pub async fn read_through<E, F>(&self, key: K, read: impl FnOnce() -> F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        let generation = match self.lookup(&key) {
            Ok(value) => return Ok(value),
            Err(generation) => generation,
        };
        let value = read().await?;
        if let Some(generation) = generation {
            self.keep(key, value.clone(), generation);
        }
        Ok(value)
    }

    /// Forgets `key`'s copy.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut state = self.lock();
        state.generation += 1;
        state.copies.remove(key);
    }

    /// Forgets every copy `doomed` picks.
    pub fn forget_where(&self, mut doomed: impl FnMut(&K, &V) -> bool) {
        let mut state = self.lock();
        state.generation += 1;
        state.copies.retain(|key, (value, _)| !doomed(key, value));
    }

    /// Forgets every copy.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.copies.clear();
    }

    /// Copies held now, expired or not (for tests and metrics).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().copies.len()
    }

    /// True when nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn live(ttl: Duration, max: usize) -> LocalCopies<&'static str, u32> {
        let copies = LocalCopies::new(ttl, max);
        copies.set_live(true);
        copies
    }

    #[test]
    fn nothing_is_answered_or_kept_while_not_live_or_with_a_zero_ttl() {
        let down = LocalCopies::<&str, u32>::new(HOUR, 10);
        assert_eq!(down.lookup("a"), Err(None));
        down.keep("a", 1, 0);
        assert!(down.is_empty());
        let off = live(Duration::ZERO, 10);
        assert_eq!(off.lookup("a"), Err(None));
    }

    #[test]
    fn a_value_read_under_an_older_generation_is_not_kept() {
        let copies = live(HOUR, 10);
        let Err(Some(generation)) = copies.lookup("a") else { panic!("a miss") };
        copies.forget("b"); // any change meanwhile
        copies.keep("a", 1, generation);
        assert!(copies.lookup("a").is_err());
        let Err(Some(generation)) = copies.lookup("a") else { panic!("a miss") };
        copies.keep("a", 2, generation);
        assert_eq!(copies.lookup("a"), Ok(2));
    }

    #[test]
    fn going_down_or_up_drops_every_copy_and_a_full_set_starts_over() {
        let copies = live(HOUR, 2);
        for (key, value) in [("a", 1), ("b", 2)] {
            let Err(Some(generation)) = copies.lookup(key) else { panic!("a miss") };
            copies.keep(key, value, generation);
        }
        assert_eq!(copies.len(), 2);
        let Err(Some(generation)) = copies.lookup("c") else { panic!("a miss") };
        copies.keep("c", 3, generation);
        assert_eq!((copies.len(), copies.lookup("c")), (1, Ok(3)), "full: started over");
        copies.set_live(false);
        assert!(copies.is_empty());
        copies.set_live(true);
        assert_eq!(copies.lookup("c"), Err(Some(copies.lock().generation)));
    }

    #[test]
    fn forget_where_drops_only_what_it_picks() {
        let copies = live(HOUR, 10);
        for (key, value) in [("a", 1), ("b", 2), ("c", 3)] {
            let Err(Some(generation)) = copies.lookup(key) else { panic!("a miss") };
            copies.keep(key, value, generation);
        }
        copies.forget_where(|_, value| *value % 2 == 1);
        assert_eq!((copies.lookup("a").is_ok(), copies.lookup("b"), copies.lookup("c").is_ok()), (false, Ok(2), false));
    }
}
