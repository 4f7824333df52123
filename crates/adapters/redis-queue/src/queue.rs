//! [`RedisJobQueue`]: both job ports on one stream and consumer group.
//!
//! Every step writes the [`JobStore`] first and Redis second. The two that
//! every job makes — a claim starting it, a success completing it — are
//! batched with the other claimers of the process (see [`crate::batch`]). A failure in
//! between then leaves the entry in the group's pending list, where
//! `XAUTOCLAIM` finds it after the visibility timeout and the claim reads
//! the stored status to decide what is left to do (a job already completed
//! or dead is acknowledged and skipped). The other order could lose a job
//! whose entry was acknowledged before its status was recorded.

use crate::acks::AckBatcher;
use crate::batch::StatusBatcher;
use crate::config::RedisQueueConfig;
use crate::connection::{Connector, Target};
use crate::keys::{GROUP, QueueKeys};
use crate::scripts;
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::jobs::{
    Completion, Delivery, Enqueued, Job, JobError, JobFailure, JobId, JobQueue, JobRecord, JobSource, JobStatus,
    JobStore, NewJob, QueueDepth, StatusChange,
};
use redis::AsyncCommands;
use redis::streams::{StreamId, StreamPendingReply, StreamRangeReply, StreamReadOptions, StreamReadReply};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Pool = bb8::Pool<Connector>;
type Conn<'a> = bb8::PooledConnection<'a, Connector>;

/// Due delayed jobs moved to the stream per claim (the rest follow on the next claims).
const PROMOTE_LIMIT: u32 = 100;

/// How long after its due time an `enqueued` marker outlives a job that
/// never reached an end (a leak guard; normally the end deletes it).
const MARKER_SLACK: Duration = Duration::from_secs(7 * 24 * 3600);

/// Jobs read from the store per reconciliation query.
const RECONCILE_PAGE: u64 = 500;

/// How long one worker may hold the reconciliation lock (a pass that runs
/// longer is presumed dead and another may start).
const RECONCILE_LOCK: Duration = Duration::from_secs(120);

/// What went wrong below the ports; always reported as [`JobError::Unavailable`].
#[derive(Debug, thiserror::Error)]
enum QueueError {
    #[error("redis command failed: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("no redis connection: {0}")]
    Pool(#[from] bb8::RunError<redis::RedisError>),
    #[error("job JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the claim task ended without an answer")]
    TaskLost,
}

impl QueueError {
    /// The stream or its group is gone (a flushed or restarted Redis): recreate and retry.
    fn is_missing_group(&self) -> bool {
        match self {
            Self::Redis(err) => err.code() == Some("NOGROUP") || err.to_string().contains("NOGROUP"),
            _ => false,
        }
    }
}

impl From<QueueError> for JobError {
    fn from(err: QueueError) -> Self {
        Self::unavailable(err)
    }
}

/// Logs connection failures the pool retries on its own, which it would otherwise swallow.
#[derive(Clone, Copy, Debug)]
struct LogErrors;

impl bb8::ErrorSink<redis::RedisError> for LogErrors {
    fn sink(&self, error: redis::RedisError) {
        tracing::warn!(error = %error, "redis queue connection failed");
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<redis::RedisError>> {
        Box::new(*self)
    }
}

/// A stream entry as claimed: its id (the receipt), the job id and JSON it carries.
#[derive(Debug)]
struct Entry {
    entry_id: String,
    job_id: String,
    job_json: String,
}

impl Entry {
    fn from_stream_id(sid: &StreamId) -> Self {
        Self {
            entry_id: sid.id.clone(),
            job_id: sid.get::<String>("id").unwrap_or_default(),
            job_json: sid.get::<String>("job").unwrap_or_default(),
        }
    }
}

/// The outcome of the non-blocking claim script.
enum Step {
    /// At least one.
    Entries(Vec<Entry>),
    /// Nothing to claim; when the next delayed job is due (ms since the epoch), if any.
    Empty(Option<i64>),
}

/// What one non-blocking claim step, plus a blocking read if it found nothing, got.
enum Taken {
    /// At least one.
    Entries(Vec<Entry>),
    /// Nothing yet; time is left.
    Nothing,
    /// Nothing, and the claim's wait is over.
    TimeUp,
}

/// What [`scripts::SETTLE`] does after acknowledging an entry (jobs as JSON).
enum Settle<'a> {
    /// Nothing: the job is over (or the entry was unusable).
    Ack,
    /// Schedules the job in `delayed` at `due_ms`.
    Retry { json: &'a str, due_ms: i64 },
    /// Appends the job to the dead stream with `error`.
    Dead { json: &'a str, error: &'a str },
    /// Appends the job to the stream again, due now.
    Requeue { json: &'a str },
}

/// The job queue on Redis Streams. Cheap to clone (the pool and store are shared).
#[derive(Clone)]
pub struct RedisJobQueue {
    pool: Pool,
    store: Arc<dyn JobStore>,
    batcher: Arc<StatusBatcher>,
    acks: Arc<AckBatcher>,
    keys: Arc<QueueKeys>,
    config: Arc<RedisQueueConfig>,
}

impl std::fmt::Debug for RedisJobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's manager holds the URL (and its password): show the keys only.
        f.debug_struct("RedisJobQueue").field("keys", &self.keys.base()).finish_non_exhaustive()
    }
}

impl RedisJobQueue {
    /// Builds the connection pool, checks that Redis answers and creates the
    /// stream and its consumer group if they do not exist yet.
    ///
    /// # Errors
    /// [`JobError::Unavailable`] for an unusable URL or a Redis that does not answer
    /// within `block + command_timeout`.
    pub async fn connect(config: RedisQueueConfig, store: Arc<dyn JobStore>) -> Result<Self, JobError> {
        if config.url.starts_with("rediss:") || config.url.starts_with("rediss-cluster:") {
            // The binaries install the ring provider first; this covers tools and tests
            // that do not (an error only means a provider is installed already).
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let target = Target::parse(&config.url).map_err(JobError::unavailable)?;
        let manager = Connector { target, timeout: config.command_timeout };
        let pool = bb8::Pool::builder()
            .max_size(config.pool_size.max(1))
            // Waiting for a free connection may mean waiting for a blocked read to end.
            .connection_timeout(config.block + config.command_timeout)
            .error_sink(Box::new(LogErrors))
            // Lazy: a process must start while Redis is down (health reports it, enqueues
            // answer 503, claims retry); connections are made on first use.
            .build_unchecked(manager);
        let keys = Arc::new(QueueKeys::new(&config.key_prefix, &config.queue));
        let batcher = Arc::new(StatusBatcher::spawn(Arc::clone(&store)));
        let acks = Arc::new(AckBatcher::spawn(pool.clone(), Arc::clone(&keys), config.command_timeout));
        let queue = Self { pool, store, batcher, acks, keys, config: Arc::new(config) };
        if let Err(err) = queue.ensure_group().await {
            // Every claim recreates a missing group (NOGROUP), so this is not fatal.
            tracing::warn!(error = %err, "could not create the consumer group yet; will retry on first claim");
        }
        Ok(queue)
    }

    /// The queue's keys (for operators, tests and benchmarks).
    #[must_use]
    pub fn keys(&self) -> &QueueKeys {
        &self.keys
    }

    /// The configuration it was connected with.
    #[must_use]
    pub fn config(&self) -> &RedisQueueConfig {
        &self.config
    }

    /// A pooled connection with the normal command deadline.
    async fn conn(&self) -> Result<Conn<'_>, QueueError> {
        let mut conn = self.pool.get().await?;
        // A previous holder may have lengthened it for a blocking read.
        conn.set_response_timeout(self.config.command_timeout);
        Ok(conn)
    }

    /// `XGROUP CREATE … MKSTREAM`, tolerating an existing group. Starts at
    /// `0` so a stream that outlived its group is delivered in full.
    async fn ensure_group(&self) -> Result<(), QueueError> {
        let mut conn = self.conn().await?;
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.keys.stream)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut *conn)
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(err) if err.code() == Some("BUSYGROUP") => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Stores `new` (due at `run_at`) and hands it to Redis.
    async fn enqueue_job(&self, new: NewJob, run_at: DateTime<Utc>) -> Result<Enqueued, JobError> {
        let now = Utc::now();
        let job = new.into_job(now, run_at);
        match self.store.insert(&job).await? {
            Enqueued::New(id) => {
                self.hand_over(&job, now).await?;
                Ok(Enqueued::New(id))
            }
            Enqueued::Existing(id) => {
                // A first enqueue may have stored the job and then failed to reach Redis;
                // the producer's retry lands here. The marker makes this add it only if missing.
                let existing = self.store.find(id).await?;
                if existing.status == JobStatus::Queued
                    && existing.job.attempts == 0
                    && self.hand_over(&existing.job, now).await?
                {
                    tracing::warn!(job.id = %id, "re-added a stored job that its first enqueue never handed to redis");
                }
                Ok(Enqueued::Existing(id))
            }
        }
    }

    /// Adds `job` to the stream (due) or to `delayed` (not yet), once.
    async fn hand_over(&self, job: &Job, now: DateTime<Utc>) -> Result<bool, QueueError> {
        let json = serde_json::to_string(job)?;
        let due_ms = if job.run_at > now { job.run_at.timestamp_millis().max(1) } else { 0 };
        let until_due = (job.run_at - now).to_std().unwrap_or_default();
        let added: i64 = scripts::ENQUEUE
            .key(self.keys.enqueued(job.id))
            .key(&self.keys.stream)
            .key(&self.keys.delayed)
            .key(&self.keys.delayed_jobs)
            .arg(job.id.to_string())
            .arg(json)
            .arg(due_ms)
            .arg(millis(until_due + MARKER_SLACK))
            .invoke_async(&mut *self.conn().await?)
            .await?;
        Ok(added == 1)
    }

    /// Whether job `id`'s `enqueued` marker is set (Redis holds it: nothing to re-publish).
    async fn marked(&self, id: JobId) -> Result<bool, QueueError> {
        let exists: bool = self.conn().await?.exists(self.keys.enqueued(id)).await?;
        Ok(exists)
    }

    /// Promotes due retries, takes over up to `max` stalled entries and reads
    /// new ones for the rest, without blocking.
    async fn claim_step(&self, conn: &mut Conn<'_>, consumer: &str, max: usize) -> Result<Step, QueueError> {
        let reply: Vec<String> = scripts::CLAIM
            .key(&self.keys.stream)
            .key(&self.keys.delayed)
            .key(&self.keys.delayed_jobs)
            .key(&self.keys.reclaim_cursor)
            .arg(Utc::now().timestamp_millis())
            .arg(PROMOTE_LIMIT)
            .arg(GROUP)
            .arg(consumer)
            .arg(millis(self.config.visibility_timeout))
            .arg(max.max(1))
            .invoke_async(&mut **conn)
            .await?;
        Ok(match reply.split_first() {
            Some((tag, triples)) if tag == "entries" && !triples.is_empty() => Step::Entries(
                triples
                    .chunks_exact(3)
                    .map(|t| Entry { entry_id: t[0].clone(), job_id: t[1].clone(), job_json: t[2].clone() })
                    .collect(),
            ),
            Some((_, [next_due])) => Step::Empty(parse_score(next_due)),
            _ => Step::Empty(None),
        })
    }

    /// `XREADGROUP … BLOCK`: waits up to `block` for new entries (up to `max`).
    async fn read_blocking(
        &self,
        conn: &mut Conn<'_>,
        consumer: &str,
        max: usize,
        block: Duration,
    ) -> Result<Vec<Entry>, QueueError> {
        // BLOCK 0 would wait forever.
        let block_ms = usize::try_from(block.as_millis()).unwrap_or(usize::MAX).max(1);
        conn.set_response_timeout(block + self.config.command_timeout);
        let options = StreamReadOptions::default().group(GROUP, consumer).count(max.max(1)).block(block_ms);
        let reply: Option<StreamReadReply> = conn.xread_options(&[self.keys.stream.as_str()], &[">"], &options).await?;
        conn.set_response_timeout(self.config.command_timeout);
        Ok(reply
            .and_then(|r| r.keys.into_iter().next())
            .map(|key| key.ids.iter().map(Entry::from_stream_id).collect())
            .unwrap_or_default())
    }

    /// One claim round: the claim script, then (if it found nothing and time
    /// is left) a blocking read until the deadline, the next retry's due
    /// time or [`RedisQueueConfig::block`], whichever comes first.
    async fn take(&self, consumer: &str, max: usize, deadline: Instant) -> Result<Taken, QueueError> {
        let mut conn = self.conn().await?;
        let next_due_ms = match self.claim_step(&mut conn, consumer, max).await? {
            Step::Entries(entries) => return Ok(Taken::Entries(entries)),
            Step::Empty(next_due_ms) => next_due_ms,
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Ok(Taken::TimeUp);
        }
        let until_due = next_due_ms
            .map(|due| Duration::from_millis(u64::try_from(due - Utc::now().timestamp_millis()).unwrap_or(0)));
        let block = until_due.map_or(remaining, |due| due.min(remaining)).min(self.config.block);
        if block.is_zero() {
            // A retry is due already: the next claim step promotes it.
            return Ok(Taken::Nothing);
        }
        let entries = self.read_blocking(&mut conn, consumer, max, block).await?;
        Ok(if entries.is_empty() { Taken::Nothing } else { Taken::Entries(entries) })
    }

    /// [`Self::take`] in a task of its own, so that a caller that stops waiting
    /// (a worker shutting down drops its claim) neither strands an entry it
    /// read in the pending list until the visibility timeout nor returns a
    /// connection with a blocked read still on it to the pool: the task
    /// finishes the read and gives back whatever it got.
    async fn take_detached(&self, consumer: &str, max: usize, deadline: Instant) -> Result<Taken, QueueError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let (queue, consumer) = (self.clone(), consumer.to_owned());
        tokio::spawn(async move {
            let taken = queue.take(&consumer, max, deadline).await;
            if let Err(Ok(Taken::Entries(entries))) = answer.send(taken) {
                for entry in entries {
                    queue.give_back(entry).await;
                }
            }
        });
        answered.await.unwrap_or(Err(QueueError::TaskLost))
    }

    /// Puts back an entry read for a claim nobody waits for any more: a new
    /// entry, due at once; the job's stored status is untouched.
    async fn give_back(&self, entry: Entry) {
        let id = entry.job_id.parse::<JobId>().ok();
        match self.settle(&entry.entry_id, id, Settle::Requeue { json: &entry.job_json }).await {
            Ok(_) => tracing::debug!(job.id = %entry.job_id, "gave back a job read for a cancelled claim"),
            Err(err) => tracing::warn!(job.id = %entry.job_id, error = %err,
                "could not give back a job read for a cancelled claim; it is taken over after the visibility timeout"),
        }
    }

    /// Acknowledges and deletes entry `entry_id` (of job `id`, if it carries a
    /// usable one), then does `then` if it was still pending.
    async fn settle(&self, entry_id: &str, id: Option<JobId>, then: Settle<'_>) -> Result<bool, QueueError> {
        let (action, job_json, due_ms, error) = match then {
            Settle::Ack => ("ack", "", 0, ""),
            Settle::Retry { json, due_ms } => ("retry", json, due_ms, ""),
            Settle::Dead { json, error } => ("dead", json, 0, error),
            Settle::Requeue { json } => ("requeue", json, 0, ""),
        };
        let (job_id, marker) = match id {
            Some(id) => (id.to_string(), self.keys.enqueued(id)),
            // Deleting a marker nobody uses is harmless; the script wants a key either way.
            None => (String::new(), format!("{}enqueued:-", self.keys.base())),
        };
        let pending: i64 = scripts::SETTLE
            .key(&self.keys.stream)
            .key(&self.keys.delayed)
            .key(&self.keys.delayed_jobs)
            .key(&self.keys.dead)
            .key(marker)
            .arg(GROUP)
            .arg(entry_id)
            .arg(action)
            .arg(job_id)
            .arg(job_json)
            .arg(due_ms)
            .arg(error)
            .invoke_async(&mut *self.conn().await?)
            .await?;
        Ok(pending == 1)
    }

    /// Starts every entry of a claim at once (their starts share the
    /// batcher's next statement). One that fails stays pending, taken over
    /// after the visibility timeout; its error is returned only when no
    /// entry could be started.
    async fn start_all(&self, entries: Vec<Entry>) -> Result<Vec<Delivery>, JobError> {
        let results = futures_util::future::join_all(entries.into_iter().map(|entry| self.start(entry))).await;
        let mut started = Vec::with_capacity(results.len());
        let mut errors = Vec::new();
        for result in results {
            match result {
                Ok(Some(delivery)) => started.push(delivery),
                Ok(None) => {}
                Err(err) => errors.push(err),
            }
        }
        // With nothing started, the first error is the claim's; every other one is logged.
        let returned = if started.is_empty() && !errors.is_empty() { Some(errors.remove(0)) } else { None };
        for err in errors {
            tracing::warn!(error = %err, "could not start a claimed job; it is taken over later");
        }
        returned.map_or(Ok(started), Err)
    }

    /// Turns a claimed entry into a delivery: counts the attempt and marks the
    /// job running, or acknowledges and skips an entry with nothing left to run.
    async fn start(&self, entry: Entry) -> Result<Option<Delivery>, JobError> {
        let Ok(id) = entry.job_id.parse::<JobId>() else {
            tracing::error!(entry = %entry.entry_id, json = %entry.job_json, "dropping a stream entry without a job id");
            self.settle(&entry.entry_id, None, Settle::Ack).await?;
            return Ok(None);
        };
        let now = Utc::now();
        // The common case, batched with the process's other claims: a waiting
        // job starts its next attempt. Anything else is read and decided below
        // (a job that is waiting after all is started there).
        let record = match self.batcher.start(id).await? {
            Some(started) => return Ok(Some(Delivery { job: started.job, receipt: entry.entry_id })),
            None => self.store.find(id).await,
        };
        let record = match record {
            Ok(record) => record,
            Err(JobError::NotFound) => {
                tracing::warn!(job.id = %id, "dropping a queued job that is not in the job store");
                self.settle(&entry.entry_id, Some(id), Settle::Ack).await?;
                return Ok(None);
            }
            Err(err) => return Err(err),
        };
        if record.status.is_final() {
            tracing::debug!(job.id = %id, status = %record.status, "skipping a redelivered job that already ended");
            self.settle(&entry.entry_id, Some(id), Settle::Ack).await?;
            return Ok(None);
        }
        let job = record.job;
        if record.status == JobStatus::Running {
            // Taken over from a worker that vanished without acknowledging it.
            let interruptions = self.store.count_interruption(id).await?;
            let max = self.config.max_interruptions;
            let error = if interruptions > max {
                format!(
                    "poison job: its run was interrupted more than {max} times (its worker died or stopped \
                     answering while running it); dead-lettered instead of being run again"
                )
            } else {
                format!("attempt {} was abandoned: its worker stopped without acknowledging it", job.attempts)
            };
            tracing::warn!(job.id = %id, attempts = job.attempts, interruptions, "taking over a stalled job");
            if job.attempts >= job.max_attempts || interruptions > max {
                self.store.transition(id, change(JobStatus::Dead, job.attempts, now).error(&error)).await?;
                let json = serde_json::to_string(&job).map_err(QueueError::from)?;
                self.settle(&entry.entry_id, Some(id), Settle::Dead { json: &json, error: &error }).await?;
                return Ok(None);
            }
            // The life cycle has no running → running: it went back to the queue in between.
            self.store.transition(id, change(JobStatus::Queued, job.attempts, now).run_at(now).error(&error)).await?;
        }
        // Waiting now (a take-over), or it was waiting and changed since the first try.
        match self.store.start(id, now).await? {
            Some(started) => Ok(Some(Delivery { job: started.job, receipt: entry.entry_id })),
            None => {
                tracing::warn!(job.id = %id, "the job changed while being taken over; leaving it to its new holder");
                Ok(None)
            }
        }
    }

    /// One reconciliation pass (the caller holds the lock): re-publishes, at
    /// most once each (the `enqueued` marker decides), the jobs the store says
    /// are waiting, and the running ones silent for a visibility timeout.
    async fn republish_missing(&self) -> Result<u64, JobError> {
        let now = Utc::now();
        // Younger changes may be mid-flight (status written, Redis not yet).
        let waiting_before = now - TimeDelta::from_std(self.config.reconcile_grace).unwrap_or_default();
        let silent_before = now - TimeDelta::from_std(self.config.visibility_timeout).unwrap_or_default();
        let (mut after_id, mut republished) = (None, 0);
        loop {
            let page = self.store.unsettled(waiting_before, after_id, RECONCILE_PAGE).await?;
            let Some(last) = page.last() else { break };
            after_id = Some(last.job.id);
            for record in &page {
                if republishable(record, now, silent_before).is_none() || self.marked(record.job.id).await? {
                    continue;
                }
                // The page may be older than the job: another worker can have run it to
                // the end (its marker gone) since. Only what is still unsettled goes back.
                let fresh = match self.store.find(record.job.id).await {
                    Ok(fresh) => fresh,
                    Err(JobError::NotFound) => continue,
                    Err(err) => return Err(err),
                };
                let Some(job) = republishable(&fresh, now, silent_before) else { continue };
                if self.hand_over(&job, now).await? {
                    tracing::warn!(job.id = %job.id, status = %record.status,
                        "re-published a job the queue had lost (redis restarted empty?)");
                    republished += 1;
                }
            }
            if (page.len() as u64) < RECONCILE_PAGE {
                break;
            }
        }
        Ok(republished)
    }

    /// Logs a stale delivery — its job was taken over after the visibility
    /// timeout, ended or re-driven, so its late acknowledgement changed
    /// nothing — and returns the job as it stands.
    async fn stale(&self, delivery: &Delivery) -> Result<JobRecord, JobError> {
        let record = self.store.find(delivery.job.id).await?;
        tracing::warn!(job.id = %delivery.job.id, attempt = delivery.job.attempts, status = %record.status,
            attempts = record.job.attempts, "ignoring a stale delivery (its job was taken over or ended)");
        Ok(record)
    }
}

/// The job to hand to Redis again if `record` is unsettled: waiting (as
/// stored), or running but silent since `silent_before` (due `now`).
fn republishable(record: &JobRecord, now: DateTime<Utc>, silent_before: DateTime<Utc>) -> Option<Job> {
    match record.status {
        JobStatus::Queued | JobStatus::Failed => Some(record.job.clone()),
        JobStatus::Running if record.updated_at < silent_before => Some(Job { run_at: now, ..record.job.clone() }),
        _ => None,
    }
}

/// A status change to `status` with `attempts`, at `at`, nothing else.
fn change(status: JobStatus, attempts: u32, at: DateTime<Utc>) -> StatusChange {
    StatusChange { status, attempts, run_at: None, result: None, error: None, at }
}

/// Builder-style additions to a [`StatusChange`].
trait ChangeExt {
    fn run_at(self, run_at: DateTime<Utc>) -> Self;
    fn error(self, error: &str) -> Self;
}

impl ChangeExt for StatusChange {
    fn run_at(mut self, run_at: DateTime<Utc>) -> Self {
        self.run_at = Some(run_at);
        self
    }

    fn error(mut self, error: &str) -> Self {
        self.error = Some(error.to_owned());
        self
    }
}

/// A sorted-set score (a due time in ms), which Redis may write as a float.
#[allow(clippy::cast_possible_truncation, reason = "due times in ms are far inside i64")]
fn parse_score(score: &str) -> Option<i64> {
    score.parse::<f64>().ok().filter(|s| s.is_finite()).map(|s| s as i64)
}

/// Whole milliseconds, saturating.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A uniform value in `[0, 1)` for the backoff jitter: 48 random bits of a v4 UUID
/// (the top 48 bits, which hold no version or variant bits).
#[allow(clippy::cast_precision_loss, reason = "48 bits fit an f64 exactly")]
fn jitter() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() >> 80;
    bits as f64 / (1u64 << 48) as f64
}

/// `now + delay`, saturating.
fn after(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(delay).ok().and_then(|d| now.checked_add_signed(d)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `json` (a job) with its attempts set to `attempts`; unchanged if it does not parse.
fn with_attempts(json: &str, attempts: u32) -> String {
    match serde_json::from_str::<Job>(json) {
        Ok(mut job) => {
            job.attempts = attempts;
            serde_json::to_string(&job).unwrap_or_else(|_| json.to_owned())
        }
        Err(_) => json.to_owned(),
    }
}

#[async_trait]
impl JobQueue for RedisJobQueue {
    async fn enqueue(&self, job: NewJob) -> Result<Enqueued, JobError> {
        self.enqueue_job(job, Utc::now()).await
    }

    async fn enqueue_at(&self, job: NewJob, run_at: DateTime<Utc>) -> Result<Enqueued, JobError> {
        self.enqueue_job(job, run_at).await
    }

    async fn status(&self, tenant: TenantId, id: JobId) -> Result<JobRecord, JobError> {
        self.store.get(tenant, id).await
    }
}

#[async_trait]
impl JobSource for RedisJobQueue {
    async fn claim(&self, consumer: &str, wait: Duration) -> Result<Option<Delivery>, JobError> {
        Ok(self.claim_many(consumer, 1, wait).await?.pop())
    }

    async fn claim_many(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, JobError> {
        let deadline = Instant::now() + wait;
        let mut regrouped = false;
        loop {
            let taken = match self.take_detached(consumer, max, deadline).await {
                Ok(taken) => taken,
                Err(err) if err.is_missing_group() && !regrouped => {
                    tracing::warn!(stream = %self.keys.stream, "the job stream or its group vanished; recreating it");
                    self.ensure_group().await?;
                    regrouped = true;
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            match taken {
                Taken::TimeUp => return Ok(Vec::new()),
                Taken::Nothing => {}
                Taken::Entries(entries) => {
                    let started = self.start_all(entries).await?;
                    if !started.is_empty() {
                        return Ok(started);
                    }
                }
            }
            if Instant::now() >= deadline {
                return Ok(Vec::new());
            }
        }
    }

    async fn complete(&self, delivery: &Delivery, result: serde_json::Value) -> Result<bool, JobError> {
        let job = &delivery.job;
        let done = Completion { id: job.id, attempts: job.attempts, result };
        let completed = self.batcher.complete(done.clone()).await? || {
            let change =
                StatusChange { result: Some(done.result), ..change(JobStatus::Completed, job.attempts, Utc::now()) };
            self.store.transition_running(job.id, job.attempts, change).await?
        };
        if !completed {
            self.stale(delivery).await?;
            return Ok(false);
        }
        if !self.acks.ack(&delivery.receipt, job.id).await? {
            tracing::debug!(job.id = %job.id, "completed job was no longer pending");
        }
        Ok(true)
    }

    async fn fail(&self, delivery: &Delivery, failure: &JobFailure) -> Result<JobStatus, JobError> {
        let job = &delivery.job;
        let now = Utc::now();
        let status = JobStatus::after_failure(job.attempts, job.max_attempts, failure.retryable);
        let settled = if status == JobStatus::Failed {
            let due = after(now, self.config.backoff.delay(job.attempts, jitter()));
            let failed = change(status, job.attempts, now).run_at(due).error(&failure.message);
            if !self.store.transition_running(job.id, job.attempts, failed).await? {
                return Ok(self.stale(delivery).await?.status);
            }
            let json = serde_json::to_string(&Job { run_at: due, ..job.clone() }).map_err(QueueError::from)?;
            self.settle(&delivery.receipt, Some(job.id), Settle::Retry { json: &json, due_ms: due.timestamp_millis() })
                .await?
        } else {
            let dead = change(status, job.attempts, now).error(&failure.message);
            if !self.store.transition_running(job.id, job.attempts, dead).await? {
                return Ok(self.stale(delivery).await?.status);
            }
            let json = serde_json::to_string(job).map_err(QueueError::from)?;
            self.settle(&delivery.receipt, Some(job.id), Settle::Dead { json: &json, error: &failure.message }).await?
        };
        if !settled {
            tracing::warn!(job.id = %job.id, "failed job was no longer pending; nothing rescheduled");
        }
        Ok(status)
    }

    async fn extend(&self, consumer: &str, delivery: &Delivery) -> Result<bool, JobError> {
        let renewed: i64 = scripts::EXTEND
            .key(&self.keys.stream)
            .arg(GROUP)
            .arg(&delivery.receipt)
            .arg(consumer)
            .invoke_async(&mut *self.conn().await?)
            .await
            .map_err(QueueError::from)?;
        if renewed == 0 {
            tracing::warn!(job.id = %delivery.job.id, consumer, attempt = delivery.job.attempts,
                "lease lost: the entry is no longer pending for this worker");
        }
        Ok(renewed == 1)
    }

    async fn reconcile(&self) -> Result<u64, JobError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let locked: Option<String> = redis::cmd("SET")
            .arg(&self.keys.reconcile_lock)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(millis(RECONCILE_LOCK))
            .query_async(&mut *self.conn().await?)
            .await
            .map_err(QueueError::from)?;
        if locked.is_none() {
            tracing::debug!("another worker is reconciling the queue");
            return Ok(0);
        }
        let outcome = self.republish_missing().await;
        let unlocked: redis::RedisResult<i64> =
            scripts::UNLOCK.key(&self.keys.reconcile_lock).arg(&token).invoke_async(&mut *self.conn().await?).await;
        if let Err(err) = unlocked {
            tracing::warn!(error = %err, "could not release the reconciliation lock; it expires on its own");
        }
        outcome
    }

    async fn release(&self, delivery: &Delivery) -> Result<(), JobError> {
        let now = Utc::now();
        let job = Job { attempts: delivery.job.attempts.saturating_sub(1), run_at: now, ..delivery.job.clone() };
        let queued = change(JobStatus::Queued, job.attempts, now).run_at(now);
        if !self.store.transition_running(job.id, delivery.job.attempts, queued).await? {
            self.stale(delivery).await?;
            return Ok(());
        }
        let json = serde_json::to_string(&job).map_err(QueueError::from)?;
        self.settle(&delivery.receipt, Some(job.id), Settle::Requeue { json: &json }).await?;
        Ok(())
    }

    async fn redrive(&self, limit: u64) -> Result<u64, JobError> {
        if limit == 0 {
            return Ok(0);
        }
        let count = usize::try_from(limit).unwrap_or(usize::MAX);
        let dead: StreamRangeReply = {
            let mut conn = self.conn().await?;
            conn.xrange_count(&self.keys.dead, "-", "+", count).await.map_err(QueueError::from)?
        };
        let mut moved = 0;
        for sid in &dead.ids {
            let entry = Entry::from_stream_id(sid);
            let now = Utc::now();
            let transitioned = match entry.job_id.parse::<JobId>() {
                Ok(id) => self.store.transition(id, change(JobStatus::Queued, 0, now).run_at(now)).await.map(|()| id),
                Err(_) => Err(JobError::NotFound),
            };
            let id = match transitioned {
                Ok(id) => id,
                Err(JobError::NotFound) => {
                    tracing::warn!(entry = %entry.entry_id, job.id = %entry.job_id,
                        "dropping a dead-letter entry whose job is not in the job store");
                    let mut conn = self.conn().await?;
                    let _: u64 =
                        conn.xdel(&self.keys.dead, &[entry.entry_id.as_str()]).await.map_err(QueueError::from)?;
                    continue;
                }
                Err(err) => return Err(err),
            };
            let added: i64 = scripts::REDRIVE
                .key(&self.keys.dead)
                .key(&self.keys.stream)
                .key(self.keys.enqueued(id))
                .arg(&entry.entry_id)
                .arg(&entry.job_id)
                .arg(with_attempts(&entry.job_json, 0))
                .arg(millis(MARKER_SLACK))
                .invoke_async(&mut *self.conn().await?)
                .await
                .map_err(QueueError::from)?;
            moved += u64::try_from(added).unwrap_or(0);
        }
        Ok(moved)
    }

    async fn depth(&self) -> Result<QueueDepth, JobError> {
        let mut conn = self.conn().await?;
        // One MULTI, so `ready` (stream length minus pending) is computed on one snapshot.
        let (length, pending, delayed, dead): (u64, StreamPendingReply, u64, u64) = redis::pipe()
            .atomic()
            .xlen(&self.keys.stream)
            .xpending(&self.keys.stream, GROUP)
            .zcard(&self.keys.delayed)
            .xlen(&self.keys.dead)
            .query_async(&mut *conn)
            .await
            .map_err(QueueError::from)?;
        let running = u64::try_from(pending.count()).unwrap_or(u64::MAX);
        Ok(QueueDepth { ready: length.saturating_sub(running), delayed, running, dead })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_in_the_unit_interval() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn redriven_job_json_starts_with_no_attempts() {
        let now = Utc::now();
        let mut job = NewJob::new(TenantId::new(), "noop", serde_json::json!({"a": 1})).into_job(now, now);
        job.attempts = 3;
        let json = serde_json::to_string(&job).unwrap_or_default();
        let reset: Job = serde_json::from_str(&with_attempts(&json, 0)).unwrap_or(job.clone());
        assert_eq!(reset, Job { attempts: 0, ..job });
        assert_eq!(with_attempts("not json", 0), "not json");
    }

    #[test]
    fn far_delays_saturate() {
        let now = Utc::now();
        assert_eq!(after(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }
}
