//! The job envelope and its status.

use crate::{TenantId, define_id, string_enum};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

define_id!(
    /// A background job.
    JobId,
    "job id"
);

string_enum!(
    /// Where a job is in its life: `queued → running → completed`, or
    /// `running → failed → (retry) queued → …`, or `running → dead` once
    /// its attempts are spent (or the failure is not retryable).
    JobStatus, "status" {
        /// Waiting to run (new, due for a retry, or released by a stopping worker).
        Queued => "queued",
        /// Claimed by a worker.
        Running => "running",
        /// Ran to the end; `result` holds what it produced.
        Completed => "completed",
        /// The last attempt failed; a retry is scheduled at `run_at`.
        Failed => "failed",
        /// Gave up: in the dead-letter queue until re-driven.
        Dead => "dead",
    }
);

impl JobStatus {
    /// Whether the life cycle allows `self → to`.
    #[must_use]
    pub const fn can_become(self, to: Self) -> bool {
        matches!(
            (self, to),
            (Self::Queued, Self::Running)
                | (Self::Running, Self::Completed | Self::Failed | Self::Dead | Self::Queued)
                | (Self::Failed, Self::Queued | Self::Running)
                | (Self::Dead, Self::Queued)
        )
    }

    /// The status after an attempt (the `attempts`-th) failed.
    #[must_use]
    pub const fn after_failure(attempts: u32, max_attempts: u32, retryable: bool) -> Self {
        if retryable && attempts < max_attempts { Self::Failed } else { Self::Dead }
    }

    /// True once nothing more will happen without an operator.
    #[must_use]
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Dead)
    }
}

/// A job to enqueue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// The tenant it acts for (its status is visible to that tenant only).
    pub tenant_id: TenantId,
    /// Which handler runs it (`leads.import`, `noop`…).
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Attempts before it is dead-lettered.
    pub max_attempts: u32,
    /// Enqueuing the same key again (same tenant) returns the existing job.
    pub idempotency_key: Option<String>,
}

impl NewJob {
    /// Attempts when not said.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

    /// A job of `kind` for `tenant` with `payload`, [`Self::DEFAULT_MAX_ATTEMPTS`] attempts, no key.
    #[must_use]
    pub fn new(tenant_id: TenantId, kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { tenant_id, kind: kind.into(), payload, max_attempts: Self::DEFAULT_MAX_ATTEMPTS, idempotency_key: None }
    }

    /// Sets the idempotency key.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the attempt budget (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The job as first stored: no attempt yet, due at `run_at`.
    #[must_use]
    pub fn into_job(self, now: DateTime<Utc>, run_at: DateTime<Utc>) -> Job {
        Job {
            id: JobId::new(),
            tenant_id: self.tenant_id,
            kind: self.kind,
            payload: self.payload,
            attempts: 0,
            max_attempts: self.max_attempts.max(1),
            idempotency_key: self.idempotency_key,
            created_at: now,
            run_at,
        }
    }
}

/// A stored job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Attempts started so far (the running one included).
    pub attempts: u32,
    /// Attempts before it is dead-lettered.
    pub max_attempts: u32,
    /// The producer's deduplication key.
    pub idempotency_key: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it is (next) due.
    pub run_at: DateTime<Utc>,
}

/// How far a long job has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Units done.
    pub processed: u64,
    /// Units in all (0 while unknown).
    pub total: u64,
}

/// A job with its status, as `GET /api/v1/jobs/{id}` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    /// The job.
    pub job: Job,
    /// Where it is.
    pub status: JobStatus,
    /// What it produced (when completed).
    pub result: Option<serde_json::Value>,
    /// The last failure (when failed or dead).
    pub error: Option<String>,
    /// Progress of a long job.
    pub progress: Option<Progress>,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_cycle_allows_only_its_moves() {
        use JobStatus::{Completed, Dead, Failed, Queued, Running};
        let allowed = [
            (Queued, Running),
            (Running, Completed),
            (Running, Failed),
            (Running, Dead),
            (Running, Queued),
            (Failed, Queued),
            (Failed, Running),
            (Dead, Queued),
        ];
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                assert_eq!(from.can_become(*to), allowed.contains(&(*from, *to)), "{from} -> {to}");
            }
        }
        assert!(Completed.is_final() && Dead.is_final() && !Failed.is_final());
    }

    #[test]
    fn failures_retry_until_the_budget_is_spent_or_the_error_is_permanent() {
        assert_eq!(JobStatus::after_failure(1, 5, true), JobStatus::Failed);
        assert_eq!(JobStatus::after_failure(4, 5, true), JobStatus::Failed);
        assert_eq!(JobStatus::after_failure(5, 5, true), JobStatus::Dead);
        assert_eq!(JobStatus::after_failure(1, 5, false), JobStatus::Dead, "not retryable");
    }

    #[test]
    fn new_jobs_default_to_five_attempts_and_start_with_none() {
        let now = Utc::now();
        let job =
            NewJob::new(TenantId::new(), "noop", serde_json::json!({})).with_idempotency_key("k").into_job(now, now);
        assert_eq!((job.attempts, job.max_attempts, job.idempotency_key.as_deref()), (0, 5, Some("k")));
        assert_eq!(NewJob::new(TenantId::new(), "noop", serde_json::json!({})).with_max_attempts(0).max_attempts, 1);
    }
}
