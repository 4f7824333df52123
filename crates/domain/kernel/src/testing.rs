//! Test doubles and contract suites for the kernel's ports (feature `testing`).
//!
//! A contract suite is a set of async functions written once against a
//! port and run against the in-process fake *and* every real adapter, so
//! the embedded and production profiles cannot drift apart.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "contract suites are test code: a failed expectation is the test failing"
)]

use crate::clock::Clock;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub mod broadcast_contract;
pub mod cache_contract;
mod event_outbox;
pub mod event_outbox_contract;
mod file_records;
pub mod file_records_contract;
mod file_storage;
pub mod file_storage_contract;
mod job_queue;
mod job_store;
pub mod job_store_contract;
mod outbox;
pub mod outbox_contract;
pub mod rate_limit_contract;

pub use event_outbox::InMemoryEventOutbox;
pub use file_records::{InMemoryFileRecords, SignedTestLinks};
pub use file_storage::InMemoryFileStorage;
pub use job_queue::InMemoryJobQueue;
pub use job_store::InMemoryJobStore;
pub use outbox::InMemoryOutbox;

/// Locks a fake's mutex; a poisoned lock (a test panicked while holding it)
/// still yields the data, so one failing test cannot cascade into others.
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The page `page` of `items`, with their total: how every in-memory repository pages.
#[must_use]
pub fn page_of<T: Clone>(items: &[T], page: crate::page::PageRequest) -> crate::page::Page<T> {
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX).min(items.len());
    let end = start.saturating_add(page.limit() as usize).min(items.len());
    crate::page::Page::new(items[start..end].to_vec(), page, items.len() as u64)
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock frozen at `at`.
    #[must_use]
    pub fn at(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A [`Cache`](crate::Cache) fake for domain tests: a map without expiry,
/// which can be switched to fail every call (a Redis outage).
#[derive(Debug, Default)]
pub struct MapCache {
    entries: Mutex<std::collections::HashMap<String, Vec<u8>>>,
    down: std::sync::atomic::AtomicBool,
}

impl MapCache {
    /// Makes every later call fail (`true`) or work again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// The raw value under `key`, bypassing the outage switch.
    #[must_use]
    pub fn peek(&self, key: &str) -> Option<Vec<u8>> {
        lock(&self.entries).get(key).cloned()
    }

    fn check(&self) -> Result<(), crate::CacheError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            Err(crate::CacheError { message: "cache is down (test switch)".into() })
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl crate::Cache for MapCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, crate::CacheError> {
        self.check()?;
        Ok(lock(&self.entries).get(key).cloned())
    }

    async fn set(&self, key: &str, value: &[u8], _ttl: std::time::Duration) -> Result<(), crate::CacheError> {
        self.check()?;
        lock(&self.entries).insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        _ttl: std::time::Duration,
    ) -> Result<bool, crate::CacheError> {
        self.check()?;
        let mut entries = lock(&self.entries);
        if entries.contains_key(key) {
            return Ok(false);
        }
        entries.insert(key.to_owned(), value.to_vec());
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<bool, crate::CacheError> {
        self.check()?;
        Ok(lock(&self.entries).remove(key).is_some())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, crate::CacheError> {
        self.check()?;
        let mut entries = lock(&self.entries);
        let before = entries.len();
        entries.retain(|k, _| !k.starts_with(prefix));
        Ok((before - entries.len()) as u64)
    }
}
