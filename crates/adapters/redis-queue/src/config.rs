//! The queue's settings.

use frontdesk_kernel::jobs::Backoff;
use std::time::Duration;

/// How the queue connects and behaves. `Debug` omits the URL, which may hold a password.
#[derive(Clone)]
pub struct RedisQueueConfig {
    /// `redis://[:password@]host:port[/db]`, or `rediss://` for TLS (rustls with ring).
    pub url: String,
    /// Prepended to every key (`frontdesk:`), so deployments and test runs can share a Redis.
    pub key_prefix: String,
    /// The queue's name (`default`); each name is an independent stream and group.
    pub queue: String,
    /// A claimed job neither acknowledged nor renewed
    /// ([`extend`](frontdesk_kernel::jobs::JobSource::extend)) within this long
    /// is taken over by another worker (its runner is presumed dead). Renew
    /// well within it while a job runs (the worker loop does, every third).
    pub visibility_timeout: Duration,
    /// Longest single blocking `XREADGROUP`. A claim with a longer `wait`
    /// blocks in slices of this, re-checking retries and stalled jobs between them.
    pub block: Duration,
    /// Pooled connections. A claim holds one while it blocks, so keep this above
    /// the number of concurrent claimers, or completions queue behind them.
    pub pool_size: u32,
    /// Delay between a failed attempt and its retry.
    pub backoff: Backoff,
    /// Deadline of every non-blocking command (and of a blocking one beyond its block time).
    pub command_timeout: Duration,
    /// A job taken over from a vanished worker more than this many times is
    /// dead-lettered as a poison job instead of being run again.
    pub max_interruptions: u32,
    /// How old a waiting job's last status change must be before
    /// [`reconcile`](frontdesk_kernel::jobs::JobSource::reconcile) may
    /// re-publish it: younger ones may be between their SQL write and their
    /// Redis write (the marker makes a re-publication harmless anyway).
    pub reconcile_grace: Duration,
}

impl RedisQueueConfig {
    /// The defaults for `url`: prefix `frontdesk:`, queue `default`, visibility
    /// timeout 60 s, block 2 s, 8 connections, [`Backoff::default`], commands 2 s,
    /// 3 interruptions, reconciliation grace 5 s.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: "frontdesk:".into(),
            queue: "default".into(),
            visibility_timeout: Duration::from_secs(60),
            block: Duration::from_secs(2),
            pool_size: 8,
            backoff: Backoff::default(),
            command_timeout: Duration::from_secs(2),
            max_interruptions: 3,
            reconcile_grace: Duration::from_secs(5),
        }
    }
}

impl std::fmt::Debug for RedisQueueConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueueConfig")
            .field("key_prefix", &self.key_prefix)
            .field("queue", &self.queue)
            .field("visibility_timeout", &self.visibility_timeout)
            .field("block", &self.block)
            .field("pool_size", &self.pool_size)
            .field("backoff", &self.backoff)
            .field("command_timeout", &self.command_timeout)
            .field("max_interruptions", &self.max_interruptions)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_url() {
        let shown = format!("{:?}", RedisQueueConfig::new("redis://:hunter2@redis:6379"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("default"), "{shown}");
    }
}
