//! `jobs`: which queue carries background jobs and how workers run them.

use super::reader::Reader;
use std::time::Duration;

/// Which backend carries jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobBackendKind {
    /// Rows in the SQL `jobs` table (embedded default; small deployments without Redis).
    Sql,
    /// Redis Streams, status in the SQL `jobs` table.
    Redis,
}

/// Background jobs.
#[derive(Clone, Debug)]
pub struct JobSettings {
    /// `JOB_BACKEND`: where jobs are queued (`redis` by default when `REDIS_URL` is set, else `sql`).
    pub backend: JobBackendKind,
    /// `JOB_QUEUE`: the queue this process enqueues to and consumes (default `default`).
    pub queue: String,
    /// `JOB_VISIBILITY_TIMEOUT_SECS`: a claimed job whose lease is not renewed
    /// within this is taken over (default 60); running jobs renew it every third of it.
    pub visibility_timeout: Duration,
    /// `WORKER_CONCURRENCY`: jobs run at once per process (default 5).
    pub worker_concurrency: usize,
    /// `EMBEDDED_WORKER`: the api runs the worker loop in-process (default: true with the SQL queue).
    pub embedded_worker: bool,
    /// `JOB_MAX_INTERRUPTIONS`: a job whose run was interrupted (lease lost:
    /// its runner died or stalled) more than this many times is dead-lettered
    /// as a poison job (default 3).
    pub max_interruptions: u32,
    /// `JOB_RECONCILE_INTERVAL_SECS`: how often a worker re-publishes jobs the
    /// SQL store says are waiting but the Redis queue lost (default 60).
    pub reconcile_interval: Duration,
}

impl JobSettings {
    pub(super) fn read(r: &mut Reader<'_>, redis_configured: bool) -> Self {
        let backend = match r.raw("JOB_BACKEND").map(str::to_ascii_lowercase).as_deref() {
            None if redis_configured => JobBackendKind::Redis,
            None | Some("sql") => JobBackendKind::Sql,
            Some("redis") => {
                if !redis_configured {
                    r.error("JOB_BACKEND", "redis needs REDIS_URL");
                }
                JobBackendKind::Redis
            }
            Some(other) => {
                r.error("JOB_BACKEND", format!("expected sql or redis, got {other:?}"));
                JobBackendKind::Sql
            }
        };
        let queue = r.raw("JOB_QUEUE").unwrap_or("default").to_owned();
        if queue.is_empty()
            || queue.len() > 64
            || !queue.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            r.error("JOB_QUEUE", format!("1-64 letters, digits, - or _ (got {queue:?})"));
        }
        Self {
            backend,
            queue,
            visibility_timeout: r.seconds("JOB_VISIBILITY_TIMEOUT_SECS", 60).max(Duration::from_secs(1)),
            worker_concurrency: r.positive("WORKER_CONCURRENCY", 5usize, "a number of concurrent jobs"),
            embedded_worker: r.flag("EMBEDDED_WORKER", backend == JobBackendKind::Sql),
            max_interruptions: r.parsed("JOB_MAX_INTERRUPTIONS", 3u32, "a number of interrupted runs"),
            reconcile_interval: r.seconds("JOB_RECONCILE_INTERVAL_SECS", 60).max(Duration::from_secs(1)),
        }
    }
}
