//! An in-memory [`JobQueue`] over [`InMemoryJobStore`], for tests of
//! producers (use cases that enqueue jobs and read their status) without a
//! queue backend or a worker: a test plays the worker by moving a job's
//! status with [`InMemoryJobQueue::finish`].

use crate::TenantId;
use crate::jobs::{Enqueued, JobError, JobId, JobQueue, JobRecord, JobStatus, JobStore, NewJob, StatusChange};
use crate::testing::InMemoryJobStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};

/// Jobs kept in an [`InMemoryJobStore`] (idempotent per tenant on the key, like every backend).
#[derive(Debug, Default)]
pub struct InMemoryJobQueue {
    store: InMemoryJobStore,
    down: AtomicBool,
}

impl InMemoryJobQueue {
    /// Every job enqueued so far, with its status.
    #[must_use]
    pub fn all(&self) -> Vec<JobRecord> {
        self.store.all()
    }

    /// Makes every later call fail with `Unavailable` (`true`) or work again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Plays the worker: job `id` ends with `status` (and `result`) at `at`.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn finish(
        &self,
        id: JobId,
        status: JobStatus,
        result: Option<serde_json::Value>,
        at: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let change = StatusChange { status, attempts: 1, run_at: None, result, error: None, at };
        self.store.transition(id, change).await
    }

    fn check(&self) -> Result<(), JobError> {
        if self.down.load(Ordering::SeqCst) {
            Err(JobError::unavailable(std::io::Error::other("job queue is down (test switch)")))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl JobQueue for InMemoryJobQueue {
    async fn enqueue(&self, job: NewJob) -> Result<Enqueued, JobError> {
        self.enqueue_at(job, Utc::now()).await
    }

    async fn enqueue_at(&self, job: NewJob, run_at: DateTime<Utc>) -> Result<Enqueued, JobError> {
        self.check()?;
        self.store.insert(&job.into_job(Utc::now(), run_at)).await
    }

    async fn status(&self, tenant: TenantId, id: JobId) -> Result<JobRecord, JobError> {
        self.check()?;
        self.store.get(tenant, id).await
    }
}
