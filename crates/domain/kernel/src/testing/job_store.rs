//! An in-memory [`JobStore`], for adapter and worker tests that need job
//! status without a database.

use crate::TenantId;
use crate::jobs::{Enqueued, Job, JobError, JobId, JobRecord, JobStatus, JobStore, Progress, StatusChange};
use crate::testing::lock;
use async_trait::async_trait;
use std::sync::Mutex;

/// Job records in a `Vec`, idempotency keys unique per tenant; interrupted runs by job.
#[derive(Debug, Default)]
pub struct InMemoryJobStore(Mutex<Vec<JobRecord>>, Mutex<std::collections::HashMap<JobId, u32>>);

impl InMemoryJobStore {
    /// Every record (for assertions).
    #[must_use]
    pub fn all(&self) -> Vec<JobRecord> {
        lock(&self.0).clone()
    }
}

#[async_trait]
impl JobStore for InMemoryJobStore {
    async fn insert(&self, job: &Job) -> Result<Enqueued, JobError> {
        let mut records = lock(&self.0);
        if let Some(key) = &job.idempotency_key
            && let Some(existing) =
                records.iter().find(|r| r.job.tenant_id == job.tenant_id && r.job.idempotency_key.as_ref() == Some(key))
        {
            return Ok(Enqueued::Existing(existing.job.id));
        }
        records.push(JobRecord {
            job: job.clone(),
            status: JobStatus::Queued,
            result: None,
            error: None,
            progress: None,
            updated_at: job.created_at,
        });
        Ok(Enqueued::New(job.id))
    }

    async fn get(&self, tenant: TenantId, id: JobId) -> Result<JobRecord, JobError> {
        lock(&self.0).iter().find(|r| r.job.id == id && r.job.tenant_id == tenant).cloned().ok_or(JobError::NotFound)
    }

    async fn find(&self, id: JobId) -> Result<JobRecord, JobError> {
        lock(&self.0).iter().find(|r| r.job.id == id).cloned().ok_or(JobError::NotFound)
    }

    async fn transition(&self, id: JobId, change: StatusChange) -> Result<(), JobError> {
        let mut records = lock(&self.0);
        let record = records.iter_mut().find(|r| r.job.id == id).ok_or(JobError::NotFound)?;
        record.status = change.status;
        record.job.attempts = change.attempts;
        if let Some(run_at) = change.run_at {
            record.job.run_at = run_at;
        }
        if change.result.is_some() {
            record.result = change.result;
        }
        if change.error.is_some() || change.status == JobStatus::Completed {
            record.error = change.error;
        }
        record.updated_at = change.at;
        Ok(())
    }

    async fn purge_completed(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64, JobError> {
        let mut records = lock(&self.0);
        let count = records.len();
        records.retain(|r| !(r.status == JobStatus::Completed && r.updated_at < before));
        Ok((count - records.len()) as u64)
    }

    async fn count_interruption(&self, id: JobId) -> Result<u32, JobError> {
        self.find(id).await?;
        let mut counts = lock(&self.1);
        let count = counts.entry(id).or_default();
        *count += 1;
        Ok(*count)
    }

    async fn unsettled(
        &self,
        changed_before: chrono::DateTime<chrono::Utc>,
        after: Option<JobId>,
        limit: u64,
    ) -> Result<Vec<JobRecord>, JobError> {
        let mut found: Vec<JobRecord> = lock(&self.0)
            .iter()
            .filter(|r| !r.status.is_final() && r.updated_at < changed_before)
            .filter(|r| after.is_none_or(|after| r.job.id.as_uuid() > after.as_uuid()))
            .cloned()
            .collect();
        found.sort_by_key(|r| r.job.id.as_uuid());
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(found)
    }

    async fn set_progress(&self, id: JobId, progress: Progress) -> Result<(), JobError> {
        let mut records = lock(&self.0);
        let record = records.iter_mut().find(|r| r.job.id == id).ok_or(JobError::NotFound)?;
        record.progress = Some(progress);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_in_memory_store_keeps_the_contract() {
        crate::testing::job_store_contract::run_all(&super::InMemoryJobStore::default(), crate::TenantId::new()).await;
    }
}
