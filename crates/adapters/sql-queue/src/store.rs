//! [`SqlJobStore`]: job status in the `jobs` table, whatever carries the jobs.
//!
//! The Redis queue keeps its entries in Redis but records status here, so
//! this store assumes nothing about leases: it never reads them, and only
//! clears them when a job leaves `running` (a stale lease must not outlive
//! the run it belonged to). The SQL queue builds on the same insert and the
//! same row mapping.

use crate::entity::{ActiveModel, Column, Entity, Model};
use crate::time::micros;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::jobs::{
    Completion, Enqueued, Job, JobError, JobId, JobRecord, JobStatus, JobStore, Progress, StatusChange,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, Statement,
};

/// A row that cannot be turned back into a job (corrupt or hand-edited data).
#[derive(Debug, thiserror::Error)]
#[error("corrupt jobs row {id}: {detail}")]
pub(crate) struct CorruptRow {
    id: uuid::Uuid,
    detail: String,
}

/// The enqueue kept meeting a holder of its idempotency key that then vanished.
#[derive(Debug, thiserror::Error)]
#[error("job {0}: its idempotency key stayed taken by a job that could not be read")]
struct KeyRace(JobId);

fn corrupt(id: uuid::Uuid, detail: impl std::fmt::Display) -> JobError {
    JobError::unavailable(CorruptRow { id, detail: detail.to_string() })
}

/// A count as stored (`integer`), saturating.
pub(crate) fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A progress figure as stored (`bigint`), saturating.
fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The `UPDATE` that applies `change` (the caller adds the filters).
fn changing(change: StatusChange) -> sea_orm::UpdateMany<Entity> {
    let mut update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(change.status.as_str()))
        .col_expr(Column::Attempts, Expr::value(to_i32(change.attempts)))
        .col_expr(Column::UpdatedAt, Expr::value(micros(change.at)));
    if let Some(run_at) = change.run_at {
        update = update.col_expr(Column::RunAt, Expr::value(micros(run_at)));
    }
    if let Some(result) = change.result {
        update = update.col_expr(Column::Result, Expr::value(result));
    }
    // A new error replaces the last one; success clears it; otherwise it stays.
    if change.error.is_some() || change.status == JobStatus::Completed {
        update = update.col_expr(Column::Error, Expr::value(change.error));
    }
    if change.status != JobStatus::Running {
        update = update
            .col_expr(Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::LeaseToken, Expr::value(Option::<String>::None));
    }
    update
}

/// The job in `row` (attempts as stored).
pub(crate) fn to_job(row: &Model) -> Result<Job, JobError> {
    let count = |n: i32, what: &str| u32::try_from(n).map_err(|_| corrupt(row.id, format!("negative {what} {n}")));
    Ok(Job {
        id: JobId::from_uuid(row.id),
        tenant_id: TenantId::from_uuid(row.tenant_id),
        kind: row.kind.clone(),
        payload: row.payload.clone(),
        attempts: count(row.attempts, "attempts")?,
        max_attempts: count(row.max_attempts, "max_attempts")?,
        idempotency_key: row.idempotency_key.clone(),
        created_at: row.created_at,
        run_at: row.run_at,
    })
}

/// The record in `row`.
pub(crate) fn to_record(row: Model) -> Result<JobRecord, JobError> {
    let job = to_job(&row)?;
    let status = row.status.parse::<JobStatus>().map_err(|e| corrupt(row.id, e))?;
    let progress = match (row.progress_processed, row.progress_total) {
        (Some(processed), Some(total)) => Some(Progress {
            processed: u64::try_from(processed).map_err(|_| corrupt(row.id, "negative progress"))?,
            total: u64::try_from(total).map_err(|_| corrupt(row.id, "negative progress total"))?,
        }),
        _ => None,
    };
    Ok(JobRecord { job, status, result: row.result, error: row.error, progress, updated_at: row.updated_at })
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Job status in the `jobs` table.
///
/// Cloning is cheap (the connection is a pool handle). [`JobStore::insert`]
/// files new jobs under [`Self::queue`]; the SQL queue gives each of its
/// queues its own store, any other backend can keep the default.
#[derive(Clone, Debug)]
pub struct SqlJobStore {
    db: DatabaseConnection,
    queue: String,
}

impl SqlJobStore {
    /// The queue name new jobs are filed under unless said otherwise.
    pub const DEFAULT_QUEUE: &'static str = "default";

    /// A store over `db` (a migrated PostgreSQL or SQLite database), filing
    /// new jobs under [`Self::DEFAULT_QUEUE`].
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, queue: Self::DEFAULT_QUEUE.to_owned() }
    }

    /// Files new jobs under `queue` (at most 64 characters, the column's width).
    ///
    /// Only a [`crate::SqlJobQueue`] of that name claims rows from the table:
    /// jobs carried by another backend should not share a name with a SQL queue.
    #[must_use]
    pub fn with_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = queue.into();
        self
    }

    /// The queue name new jobs are filed under.
    #[must_use]
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The connection.
    pub(crate) const fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The job of `job`'s tenant that already holds its idempotency key (or,
    /// without a key, its id: the same job inserted twice).
    async fn holder(&self, job: &Job) -> Result<Option<JobId>, JobError> {
        let select = Entity::find().filter(Column::TenantId.eq(job.tenant_id.as_uuid()));
        let select = match &job.idempotency_key {
            Some(key) => select.filter(Column::IdempotencyKey.eq(key.as_str())),
            None => select.filter(Column::Id.eq(job.id.as_uuid())),
        };
        let row = select.one(&self.db).await.map_err(JobError::unavailable)?;
        Ok(row.map(|row| JobId::from_uuid(row.id)))
    }

    /// Stores `job` as `queued` in `queue`, or finds the job of its tenant
    /// that already has its idempotency key.
    ///
    /// The partial unique index decides (so two racing enqueues yield one
    /// job); the lookup runs only after a violation.
    pub(crate) async fn insert_into(&self, queue: &str, job: &Job) -> Result<Enqueued, JobError> {
        let created_at = micros(job.created_at);
        let row = ActiveModel {
            id: Set(job.id.as_uuid()),
            tenant_id: Set(job.tenant_id.as_uuid()),
            queue: Set(queue.to_owned()),
            kind: Set(job.kind.clone()),
            payload: Set(job.payload.clone()),
            status: Set(JobStatus::Queued.as_str().to_owned()),
            attempts: Set(to_i32(job.attempts)),
            max_attempts: Set(to_i32(job.max_attempts)),
            idempotency_key: Set(job.idempotency_key.clone()),
            result: Set(None),
            error: Set(None),
            progress_processed: Set(None),
            progress_total: Set(None),
            run_at: Set(micros(job.run_at)),
            lease_until: Set(None),
            lease_token: Set(None),
            created_at: Set(created_at),
            updated_at: Set(created_at),
            interruptions: Set(0),
        };
        // A holder can vanish between the violation and the lookup (its
        // tenant deleted): then the insert is tried again, a few times.
        for _ in 0..3 {
            match Entity::insert(row.clone()).exec_without_returning(&self.db).await {
                Ok(_) => return Ok(Enqueued::New(job.id)),
                Err(err) if is_unique_violation(&err) => {
                    if let Some(existing) = self.holder(job).await? {
                        tracing::debug!(job.id = %existing, tenant_id = %job.tenant_id, "idempotent enqueue: job exists");
                        return Ok(Enqueued::Existing(existing));
                    }
                }
                Err(err) => return Err(JobError::unavailable(err)),
            }
        }
        Err(JobError::unavailable(KeyRace(job.id)))
    }
}

#[async_trait]
impl JobStore for SqlJobStore {
    async fn insert(&self, job: &Job) -> Result<Enqueued, JobError> {
        self.insert_into(&self.queue, job).await
    }

    async fn get(&self, tenant: TenantId, id: JobId) -> Result<JobRecord, JobError> {
        let row = Entity::find()
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(JobError::unavailable)?;
        row.map(to_record).transpose()?.ok_or(JobError::NotFound)
    }

    async fn find(&self, id: JobId) -> Result<JobRecord, JobError> {
        let row = Entity::find_by_id(id.as_uuid()).one(&self.db).await.map_err(JobError::unavailable)?;
        row.map(to_record).transpose()?.ok_or(JobError::NotFound)
    }

    async fn transition(&self, id: JobId, change: StatusChange) -> Result<(), JobError> {
        let result =
            changing(change).filter(Column::Id.eq(id.as_uuid())).exec(&self.db).await.map_err(JobError::unavailable)?;
        if result.rows_affected == 0 { Err(JobError::NotFound) } else { Ok(()) }
    }

    async fn start(&self, id: JobId, at: DateTime<Utc>) -> Result<Option<JobRecord>, JobError> {
        match self.start_many(&[id], at).await?.pop() {
            Some(record) => Ok(Some(record)),
            // Not waiting; `find` tells a missing job (NotFound) from one that is.
            None => self.find(id).await.map(|_| None),
        }
    }

    async fn start_many(&self, ids: &[JobId], at: DateTime<Utc>) -> Result<Vec<JobRecord>, JobError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let started = Entity::update_many()
            .col_expr(Column::Status, Expr::value(JobStatus::Running.as_str()))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::UpdatedAt, Expr::value(micros(at)))
            .filter(Column::Id.is_in(ids.iter().map(|id| id.as_uuid())))
            .filter(Column::Status.is_in([JobStatus::Queued.as_str(), JobStatus::Failed.as_str()]))
            .exec_with_returning(&self.db)
            .await
            .map_err(JobError::unavailable)?;
        started.into_iter().map(to_record).collect()
    }

    async fn complete_many(&self, done: &[Completion], at: DateTime<Utc>) -> Result<Vec<JobId>, JobError> {
        let Some(first) = done.first() else { return Ok(Vec::new()) };
        // One UPDATE: each row's result by a CASE on its id, each fenced by its attempt.
        let mut results = Expr::case(Column::Id.eq(first.id.as_uuid()), Expr::value(first.result.clone()));
        let mut fences = Condition::any();
        for item in done {
            if item.id != first.id {
                results = results.case(Column::Id.eq(item.id.as_uuid()), Expr::value(item.result.clone()));
            }
            fences = fences.add(Column::Id.eq(item.id.as_uuid()).and(Column::Attempts.eq(to_i32(item.attempts))));
        }
        let completed = Entity::update_many()
            .col_expr(Column::Status, Expr::value(JobStatus::Completed.as_str()))
            .col_expr(Column::Result, results.into())
            .col_expr(Column::Error, Expr::value(Option::<String>::None))
            .col_expr(Column::UpdatedAt, Expr::value(micros(at)))
            .col_expr(Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::LeaseToken, Expr::value(Option::<String>::None))
            .filter(Column::Status.eq(JobStatus::Running.as_str()))
            .filter(fences)
            .exec_with_returning(&self.db)
            .await
            .map_err(JobError::unavailable)?;
        Ok(completed.into_iter().map(|row| JobId::from_uuid(row.id)).collect())
    }

    async fn transition_running(&self, id: JobId, attempts: u32, change: StatusChange) -> Result<bool, JobError> {
        let result = changing(change)
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::Status.eq(JobStatus::Running.as_str()))
            .filter(Column::Attempts.eq(to_i32(attempts)))
            .exec(&self.db)
            .await
            .map_err(JobError::unavailable)?;
        if result.rows_affected == 1 {
            return Ok(true);
        }
        self.find(id).await.map(|_| false)
    }

    async fn purge_completed(&self, before: DateTime<Utc>) -> Result<u64, JobError> {
        // `job_effects` rows go with their job (ON DELETE CASCADE).
        let result = Entity::delete_many()
            .filter(Column::Status.eq(JobStatus::Completed.as_str()))
            .filter(Column::UpdatedAt.lt(micros(before)))
            .exec(&self.db)
            .await
            .map_err(JobError::unavailable)?;
        Ok(result.rows_affected)
    }

    async fn count_interruption(&self, id: JobId) -> Result<u32, JobError> {
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            "UPDATE jobs SET interruptions = interruptions + 1 WHERE id = $1 RETURNING interruptions",
            [id.as_uuid().into()],
        );
        let row = self.db.query_one_raw(statement).await.map_err(JobError::unavailable)?.ok_or(JobError::NotFound)?;
        let count = row.try_get::<i32>("", "interruptions").map_err(JobError::unavailable)?;
        Ok(u32::try_from(count).unwrap_or_default())
    }

    async fn unsettled(
        &self,
        changed_before: DateTime<Utc>,
        after: Option<JobId>,
        limit: u64,
    ) -> Result<Vec<JobRecord>, JobError> {
        let mut select = Entity::find()
            .filter(Column::Queue.eq(self.queue.as_str()))
            .filter(Column::Status.is_in([
                JobStatus::Queued.as_str(),
                JobStatus::Failed.as_str(),
                JobStatus::Running.as_str(),
            ]))
            .filter(Column::UpdatedAt.lt(micros(changed_before)));
        if let Some(after) = after {
            select = select.filter(Column::Id.gt(after.as_uuid()));
        }
        let rows = select.order_by_asc(Column::Id).limit(limit).all(&self.db).await.map_err(JobError::unavailable)?;
        rows.into_iter().map(to_record).collect()
    }

    async fn set_progress(&self, id: JobId, progress: Progress) -> Result<(), JobError> {
        let result = Entity::update_many()
            .col_expr(Column::ProgressProcessed, Expr::value(to_i64(progress.processed)))
            .col_expr(Column::ProgressTotal, Expr::value(to_i64(progress.total)))
            .filter(Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(JobError::unavailable)?;
        if result.rows_affected == 0 { Err(JobError::NotFound) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Model {
        let now = Utc::now();
        Model {
            id: uuid::Uuid::now_v7(),
            tenant_id: uuid::Uuid::now_v7(),
            queue: "default".into(),
            kind: "noop".into(),
            payload: serde_json::json!({"a": 1}),
            status: "failed".into(),
            attempts: 2,
            max_attempts: 5,
            idempotency_key: Some("k".into()),
            result: None,
            error: Some("boom".into()),
            progress_processed: Some(3),
            progress_total: Some(10),
            run_at: now,
            lease_until: None,
            lease_token: None,
            created_at: now,
            updated_at: now,
            interruptions: 0,
        }
    }

    #[test]
    fn rows_map_to_records() {
        let row = row();
        let record = to_record(row.clone()).unwrap();
        assert_eq!(record.job.id.as_uuid(), row.id);
        assert_eq!((record.job.attempts, record.job.max_attempts), (2, 5));
        assert_eq!(record.status, JobStatus::Failed);
        assert_eq!(record.error.as_deref(), Some("boom"));
        assert_eq!(record.progress, Some(Progress { processed: 3, total: 10 }));
    }

    #[test]
    fn progress_needs_both_figures() {
        let record = to_record(Model { progress_total: None, ..row() }).unwrap();
        assert_eq!(record.progress, None);
    }

    #[test]
    fn corrupt_rows_are_unavailable_not_panics() {
        for bad in [
            Model { status: "paused".into(), ..row() },
            Model { attempts: -1, ..row() },
            Model { progress_processed: Some(-5), ..row() },
        ] {
            let err = to_record(bad).unwrap_err();
            assert!(matches!(err, JobError::Unavailable(_)), "{err:?}");
        }
    }

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        assert_eq!(to_i32(u32::MAX), i32::MAX);
        assert_eq!(to_i64(u64::MAX), i64::MAX);
        assert_eq!(to_i32(7), 7);
    }
}
