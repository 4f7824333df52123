//! Where a queue keeps its state in Redis.
//!
//! Every key starts with `{key_prefix}queue:{<queue>}:`. The braces are
//! literal: they make the queue name a Redis Cluster hash tag, so all keys
//! of one queue live in one slot and the Lua scripts may touch them together.

use frontdesk_kernel::jobs::JobId;

/// The consumer group every worker of a queue joins.
pub const GROUP: &str = "workers";

/// The keys of one queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueKeys {
    base: String,
    /// Ready and running jobs: entries `id` (job id) and `job` (job JSON), read by [`GROUP`].
    pub stream: String,
    /// Jobs waiting for their time (first run or retry): sorted set, member job id, score due time in ms.
    pub delayed: String,
    /// The JSON of each job in `delayed`: hash, field job id.
    pub delayed_jobs: String,
    /// Dead-lettered jobs: entries `id`, `job` and `error`, until re-driven.
    pub dead: String,
    /// Where the `XAUTOCLAIM` scan of the pending list resumes, so stalled
    /// entries deep in a long pending list are reached too.
    pub reclaim_cursor: String,
    /// Held (`SET NX PX`) by the one worker reconciling the queue with the job store.
    pub reconcile_lock: String,
}

impl QueueKeys {
    /// The keys of `queue` under `prefix`.
    #[must_use]
    pub fn new(prefix: &str, queue: &str) -> Self {
        let base = format!("{prefix}queue:{{{queue}}}:");
        Self {
            stream: format!("{base}stream"),
            delayed: format!("{base}delayed"),
            delayed_jobs: format!("{base}delayed:jobs"),
            dead: format!("{base}dead"),
            reclaim_cursor: format!("{base}reclaim-cursor"),
            reconcile_lock: format!("{base}reconcile-lock"),
            base,
        }
    }

    /// What every key of the queue starts with.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The short-lived marker saying job `id` was handed to Redis, which
    /// makes a repeated enqueue of an existing job add it at most once.
    #[must_use]
    pub fn enqueued(&self, id: JobId) -> String {
        format!("{}enqueued:{id}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_shares_the_queue_hash_tag() {
        let keys = QueueKeys::new("fd:", "default");
        assert_eq!(keys.base(), "fd:queue:{default}:");
        assert_eq!(keys.stream, "fd:queue:{default}:stream");
        assert_eq!(keys.delayed, "fd:queue:{default}:delayed");
        assert_eq!(keys.delayed_jobs, "fd:queue:{default}:delayed:jobs");
        assert_eq!(keys.dead, "fd:queue:{default}:dead");
        assert_eq!(keys.reclaim_cursor, "fd:queue:{default}:reclaim-cursor");
        assert_eq!(keys.reconcile_lock, "fd:queue:{default}:reconcile-lock");
        let id = JobId::new();
        assert_eq!(keys.enqueued(id), format!("fd:queue:{{default}}:enqueued:{id}"));
    }
}
