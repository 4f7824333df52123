//! The job ports: producers, the worker loop, status storage, handlers.

use super::model::{Job, JobId, JobRecord, JobStatus, NewJob, Progress};
use crate::{Code, ErrorCode, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Why a job operation failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// No such job for this tenant (or none at all).
    #[error("job not found")]
    NotFound,
    /// The queue or the job store failed; the cause is kept for the logs.
    #[error("job queue unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl JobError {
    /// Wraps a backend error.
    pub fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(err))
    }
}

impl crate::DomainError for JobError {}

impl ErrorCode for JobError {
    fn code(&self) -> Code {
        match self {
            Self::NotFound => Code::NotFound,
            Self::Unavailable(_) => Code::DependencyUnavailable,
        }
    }
}

/// The outcome of an enqueue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job was stored.
    New(JobId),
    /// The idempotency key was already used (same tenant): that job.
    Existing(JobId),
}

impl Enqueued {
    /// The job's id either way.
    #[must_use]
    pub const fn id(self) -> JobId {
        match self {
            Self::New(id) | Self::Existing(id) => id,
        }
    }
}

/// What producers (use cases, HTTP handlers) see.
#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Enqueues `job` to run now.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn enqueue(&self, job: NewJob) -> Result<Enqueued, JobError>;

    /// Enqueues `job` to run at `run_at`.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn enqueue_at(&self, job: NewJob, run_at: DateTime<Utc>) -> Result<Enqueued, JobError>;

    /// The job `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` (also for another tenant's job); `Unavailable`.
    async fn status(&self, tenant: TenantId, id: JobId) -> Result<JobRecord, JobError>;
}

/// A claimed job, with the backend's handle for acknowledging it.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// The job, `attempts` already counting this run.
    pub job: Job,
    /// Backend handle (stream entry id, lease token).
    pub receipt: String,
}

/// How many jobs are where (for metrics and `worker status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Due and waiting.
    pub ready: u64,
    /// Waiting for their retry time.
    pub delayed: u64,
    /// Claimed and not yet acknowledged.
    pub running: u64,
    /// Dead-lettered.
    pub dead: u64,
}

/// What the worker loop sees.
#[async_trait]
pub trait JobSource: Send + Sync + 'static {
    /// Claims the next due job for `consumer`, waiting up to `wait` for one.
    /// Also takes over jobs whose runner vanished (no acknowledgement within
    /// the visibility timeout). Marks it `running` and counts the attempt.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn claim(&self, consumer: &str, wait: Duration) -> Result<Option<Delivery>, JobError>;

    /// Claims up to `max` due jobs at once, as [`Self::claim`] claims one:
    /// waits up to `wait` for the first, then takes only what is ready. A
    /// backend that can read several entries in one step (the Redis queue)
    /// saves a round trip per job; the default claims one.
    ///
    /// A job of the batch whose start failed is left to be taken over later
    /// (as a failed single claim leaves it) and the others are returned; the
    /// error is returned only when none could be started.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn claim_many(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, JobError> {
        let _ = max;
        Ok(self.claim(consumer, wait).await?.into_iter().collect())
    }

    /// Records success with `result` and acknowledges the delivery. Returns
    /// whether this delivery's completion is what was recorded: false when it
    /// was stale (its job taken over, ended or re-driven meanwhile) and
    /// nothing changed — so the caller knows without reading the job back.
    ///
    /// # Errors
    /// `Unavailable` (the job will then be redelivered: handlers are idempotent).
    async fn complete(&self, delivery: &Delivery, result: serde_json::Value) -> Result<bool, JobError>;

    /// Records a failed attempt: schedules the retry (status `failed`) or,
    /// when attempts are spent or `failure.retryable` is false, dead-letters
    /// it (status `dead`). Returns the new status.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn fail(&self, delivery: &Delivery, failure: &JobFailure) -> Result<JobStatus, JobError>;

    /// Renews the lease of `delivery`, held by `consumer`, for another
    /// visibility timeout (a heartbeat while its handler runs, so a job longer
    /// than the timeout is neither taken over nor run twice at once). Returns
    /// false when the delivery no longer holds the job (taken over, re-driven,
    /// or its transport lost it): the caller should stop working on it.
    ///
    /// # Errors
    /// `Unavailable` (the lease may still hold: try again at the next beat).
    async fn extend(&self, consumer: &str, delivery: &Delivery) -> Result<bool, JobError>;

    /// Makes the transport agree with the job store, the source of truth:
    /// re-publishes jobs the store says are waiting (or running, but silent
    /// for longer than the visibility timeout) that the transport no longer
    /// holds (a Redis restarted empty), at most once per job. Safe to call
    /// from every worker at once (the backend lets one do the work). Returns
    /// how many jobs were re-published. Does nothing where the store is the
    /// transport.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn reconcile(&self) -> Result<u64, JobError> {
        Ok(0)
    }

    /// Gives the job back untouched (a worker shutting down), due at once.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn release(&self, delivery: &Delivery) -> Result<(), JobError>;

    /// Puts up to `limit` dead jobs back in the queue with a fresh attempt budget; returns how many.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn redrive(&self, limit: u64) -> Result<u64, JobError>;

    /// Counts by state.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn depth(&self) -> Result<QueueDepth, JobError>;
}

/// Where job status lives: the SQL `jobs` table, whatever carries the jobs.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// Stores a new `queued` job, or returns the job that already has its
    /// idempotency key in its tenant.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn insert(&self, job: &Job) -> Result<Enqueued, JobError>;

    /// The job `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound`; `Unavailable`.
    async fn get(&self, tenant: TenantId, id: JobId) -> Result<JobRecord, JobError>;

    /// Any job by id (the worker side, which is not tenant-scoped).
    ///
    /// # Errors
    /// `NotFound`; `Unavailable`.
    async fn find(&self, id: JobId) -> Result<JobRecord, JobError>;

    /// Moves the job to `status`, recording the attempt count, next due
    /// time, result or error that go with it.
    ///
    /// # Errors
    /// `NotFound`; `Unavailable`.
    async fn transition(&self, id: JobId, change: StatusChange) -> Result<(), JobError>;

    /// Starts a run of job `id` if it is waiting (`queued` or `failed`): marks
    /// it `running` at `at`, counts the attempt and returns the record as now
    /// stored. `None`, changing nothing, when it is not waiting (running,
    /// completed or dead): the caller reads it and decides. One statement
    /// where the store can (the hot path of a transport that is not the store).
    ///
    /// # Errors
    /// `NotFound`; `Unavailable`.
    async fn start(&self, id: JobId, at: DateTime<Utc>) -> Result<Option<JobRecord>, JobError> {
        let mut record = self.find(id).await?;
        if !matches!(record.status, JobStatus::Queued | JobStatus::Failed) {
            return Ok(None);
        }
        record.job.attempts += 1;
        let change = StatusChange {
            status: JobStatus::Running,
            attempts: record.job.attempts,
            run_at: None,
            result: None,
            error: None,
            at,
        };
        self.transition(id, change).await?;
        record.status = JobStatus::Running;
        record.updated_at = at;
        Ok(Some(record))
    }

    /// [`Self::transition`] only while job `id` is `running` its attempt
    /// `attempts` — a fenced acknowledgement: a runner whose job was taken
    /// over (or ended, or re-driven) gets false and changes nothing. One
    /// statement where the store can.
    ///
    /// # Errors
    /// `NotFound`; `Unavailable`.
    async fn transition_running(&self, id: JobId, attempts: u32, change: StatusChange) -> Result<bool, JobError> {
        let record = self.find(id).await?;
        if record.status != JobStatus::Running || record.job.attempts != attempts {
            return Ok(false);
        }
        self.transition(id, change).await?;
        Ok(true)
    }

    /// [`Self::start`] for many jobs at once (one statement and one commit
    /// where the store can): the records of the jobs that started. A job left
    /// out was not waiting or does not exist; ask [`Self::start`] about it.
    ///
    /// # Errors
    /// `Unavailable` (then none started).
    async fn start_many(&self, ids: &[JobId], at: DateTime<Utc>) -> Result<Vec<JobRecord>, JobError> {
        let mut started = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.start(id, at).await {
                Ok(Some(record)) => started.push(record),
                Ok(None) | Err(JobError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(started)
    }

    /// Completes many running jobs at once, each fenced by its attempt as in
    /// [`Self::transition_running`] (one statement and one commit where the
    /// store can): the ids of the jobs completed. A job left out was not
    /// running that attempt or does not exist; ask [`Self::transition_running`].
    ///
    /// # Errors
    /// `Unavailable` (then none completed).
    async fn complete_many(&self, done: &[Completion], at: DateTime<Utc>) -> Result<Vec<JobId>, JobError> {
        let mut completed = Vec::with_capacity(done.len());
        for item in done {
            let change = StatusChange {
                status: JobStatus::Completed,
                attempts: item.attempts,
                run_at: None,
                result: Some(item.result.clone()),
                error: None,
                at,
            };
            match self.transition_running(item.id, item.attempts, change).await {
                Ok(true) => completed.push(item.id),
                Ok(false) | Err(JobError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(completed)
    }

    /// Records progress.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn set_progress(&self, id: JobId, progress: Progress) -> Result<(), JobError>;

    /// Counts one interrupted run of job `id` (its runner's lease ran out
    /// without a verdict) and returns how many it has had in all.
    ///
    /// # Errors
    /// `NotFound`; `Unavailable`.
    async fn count_interruption(&self, id: JobId) -> Result<u32, JobError>;

    /// Up to `limit` jobs of this store's queue that are not over — `queued`,
    /// `failed` or `running` — and whose status last changed before
    /// `changed_before`, ordered by id and starting after `after` (paging).
    ///
    /// # Errors
    /// `Unavailable`.
    async fn unsettled(
        &self,
        changed_before: DateTime<Utc>,
        after: Option<JobId>,
        limit: u64,
    ) -> Result<Vec<JobRecord>, JobError>;

    /// Deletes jobs completed before `before` (with their recorded effects);
    /// returns how many. Dead jobs stay until an operator re-drives or
    /// removes them; queued, running and failed ones are never touched.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn purge_completed(&self, before: DateTime<Utc>) -> Result<u64, JobError>;
}

/// A successful run to record: job `id`'s attempt `attempts` returned `result`.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// The job.
    pub id: JobId,
    /// The attempt that ran (the fence).
    pub attempts: u32,
    /// What its handler returned.
    pub result: serde_json::Value,
}

/// A status change with what goes with it.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusChange {
    /// The new status.
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: u32,
    /// When it is next due (queued/failed).
    pub run_at: Option<DateTime<Utc>>,
    /// The result (completed).
    pub result: Option<serde_json::Value>,
    /// The last error (failed/dead).
    pub error: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a handler's attempt failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobFailure {
    /// What went wrong (stored as the job's `error`; no secrets).
    pub message: String,
    /// False when retrying cannot help (bad payload): dead at once.
    pub retryable: bool,
}

impl JobFailure {
    /// A failure worth retrying (timeouts, provider errors).
    pub fn retry(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: true }
    }

    /// A failure retrying cannot fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: false }
    }
}

/// Lets a long handler report progress.
#[async_trait]
pub trait ProgressSink: Send + Sync {
    /// `processed` of `total` units done (best effort: failures are logged, not raised).
    async fn report(&self, processed: u64, total: u64);
}

/// Runs jobs of one kind. Implemented by domain crates, registered by the worker.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// The `kind` it runs.
    fn kind(&self) -> &'static str;

    /// Runs `job` (which may be a redelivery: make the effect idempotent) and
    /// returns its result.
    ///
    /// # Errors
    /// [`JobFailure`].
    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure>;

    /// Called by the worker once `job` has ended for good — its completion or
    /// its dead-lettering (`status`) recorded — to release what only its runs
    /// needed (an import's upload). Best effort: failures are logged, not
    /// raised. Not called for a job that dies without a verdict (its runner
    /// killed every time); maintenance purges cover those. Does nothing by default.
    async fn ended(&self, _job: &Job, _status: JobStatus) {}
}
