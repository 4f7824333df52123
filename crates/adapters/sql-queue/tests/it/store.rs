//! The job store: idempotent enqueue, tenant scoping, and the status
//! changes another backend (the Redis queue) records through it.

use crate::support::{Fixture, on_both_backends};
use chrono::{TimeDelta, Utc};
use frontdesk_kernel::jobs::{
    Enqueued, JobError, JobId, JobQueue, JobStatus, JobStore, NewJob, Progress, StatusChange,
};
use frontdesk_sql_queue::{SqlJobStore, SqlQueueConfig};
use sea_orm::ConnectionTrait;
use serde_json::json;

on_both_backends!(
    enqueuing_a_key_twice_yields_one_job_per_tenant,
    racing_enqueues_of_one_key_yield_one_job,
    status_is_tenant_scoped,
    another_backend_records_status_through_the_store,
    only_jobs_completed_before_the_cutoff_are_purged,
    unsettled_pages_through_the_queues_waiting_and_running_jobs,
    interruptions_are_counted_per_job,
    the_store_keeps_the_job_store_contract,
);

/// Claims start only waiting jobs and acknowledgements are fenced, each in one statement.
async fn the_store_keeps_the_job_store_contract(f: Fixture) {
    frontdesk_kernel::testing::job_store_contract::run_all(&SqlJobStore::new(f.db.clone()), f.tenant().await).await;
}

/// What the Redis reconciler reads: jobs of this store's queue that are not
/// over and have not changed since the cutoff, in id order, page by page.
async fn unsettled_pages_through_the_queues_waiting_and_running_jobs(f: Fixture) {
    let tenant = f.tenant().await;
    let (store, other_queue) = (SqlJobStore::new(f.db.clone()), SqlJobStore::new(f.db.clone()).with_queue("other"));
    let t0 = Utc::now();
    let old = t0 - TimeDelta::minutes(5);
    let at = |status, when| StatusChange { status, attempts: 1, run_at: None, result: None, error: None, at: when };
    let jobs: Vec<_> = (0..7).map(|i| NewJob::new(tenant, format!("k{i}"), json!({})).into_job(old, old)).collect();
    for job in &jobs[..6] {
        store.insert(job).await.unwrap();
    }
    other_queue.insert(&jobs[6]).await.unwrap();
    // 0 queued (as inserted), 1 failed, 2 running: unsettled. 3 completed, 4 dead: over. 5 queued but just changed.
    store.transition(jobs[1].id, at(JobStatus::Failed, old)).await.unwrap();
    store.transition(jobs[2].id, at(JobStatus::Running, old)).await.unwrap();
    store.transition(jobs[3].id, at(JobStatus::Completed, old)).await.unwrap();
    store.transition(jobs[4].id, at(JobStatus::Dead, old)).await.unwrap();
    store.transition(jobs[5].id, at(JobStatus::Queued, t0)).await.unwrap();

    let cutoff = t0 - TimeDelta::minutes(1);
    let mut expected: Vec<JobId> = jobs[..3].iter().map(|j| j.id).collect();
    expected.sort_by_key(|id| id.as_uuid());
    let first = store.unsettled(cutoff, None, 2).await.unwrap();
    let rest = store.unsettled(cutoff, first.last().map(|r| r.job.id), 2).await.unwrap();
    let seen: Vec<JobId> = first.iter().chain(&rest).map(|r| r.job.id).collect();
    assert_eq!(seen, expected, "queued, failed and running; ordered by id; two pages");
    assert_eq!(rest.len(), 1);
    assert_eq!(other_queue.unsettled(cutoff, None, 10).await.unwrap().len(), 1, "each queue its own");
}

async fn interruptions_are_counted_per_job(f: Fixture) {
    let tenant = f.tenant().await;
    let store = SqlJobStore::new(f.db.clone());
    let (a, b) = (
        NewJob::new(tenant, "a", json!({})).into_job(Utc::now(), Utc::now()),
        NewJob::new(tenant, "b", json!({})).into_job(Utc::now(), Utc::now()),
    );
    store.insert(&a).await.unwrap();
    store.insert(&b).await.unwrap();
    assert_eq!(store.count_interruption(a.id).await.unwrap(), 1);
    assert_eq!(store.count_interruption(a.id).await.unwrap(), 2);
    assert_eq!(store.count_interruption(b.id).await.unwrap(), 1);
    assert!(matches!(store.count_interruption(JobId::new()).await, Err(JobError::NotFound)));
}

async fn only_jobs_completed_before_the_cutoff_are_purged(f: Fixture) {
    let tenant = f.tenant().await;
    let store = SqlJobStore::new(f.db.clone());
    let t0 = Utc::now();
    let at = |status, when| StatusChange { status, attempts: 1, run_at: None, result: None, error: None, at: when };
    let jobs: Vec<_> = (0..4).map(|i| NewJob::new(tenant, format!("k{i}"), json!({})).into_job(t0, t0)).collect();
    for job in &jobs {
        store.insert(job).await.unwrap();
    }
    let old = t0 - TimeDelta::days(8);
    store.transition(jobs[0].id, at(JobStatus::Completed, old)).await.unwrap();
    store.transition(jobs[1].id, at(JobStatus::Completed, t0)).await.unwrap();
    store.transition(jobs[2].id, at(JobStatus::Dead, old)).await.unwrap();
    store.transition(jobs[3].id, at(JobStatus::Failed, old)).await.unwrap();

    assert_eq!(store.purge_completed(t0 - TimeDelta::days(7)).await.unwrap(), 1);
    assert!(matches!(store.find(jobs[0].id).await, Err(JobError::NotFound)), "old completed job purged");
    for kept in &jobs[1..] {
        store.find(kept.id).await.expect("recent, dead and failed jobs are kept");
    }
    assert_eq!(store.purge_completed(t0 - TimeDelta::days(7)).await.unwrap(), 0, "idempotent");
}

async fn enqueuing_a_key_twice_yields_one_job_per_tenant(f: Fixture) {
    let (tenant, other) = (f.tenant().await, f.tenant().await);
    let queue = f.queue(SqlQueueConfig::new("f"));
    let job = || NewJob::new(tenant, "leads.import", json!({"file": "a.csv"})).with_idempotency_key("import-1");

    let first = queue.enqueue(job()).await.unwrap();
    let Enqueued::New(id) = first else { panic!("first enqueue stores a job: {first:?}") };
    assert_eq!(queue.enqueue(job()).await.unwrap(), Enqueued::Existing(id));
    let later = Utc::now() + TimeDelta::minutes(5);
    assert_eq!(queue.enqueue_at(job(), later).await.unwrap(), Enqueued::Existing(id));
    // Through the store, with another job id: the key decides.
    let store = queue.store();
    let again = job().into_job(Utc::now(), Utc::now());
    assert_eq!(store.insert(&again).await.unwrap(), Enqueued::Existing(id));
    // The same job inserted twice (a retried insert) is that job.
    let record = store.find(id).await.unwrap();
    assert_eq!(store.insert(&record.job).await.unwrap(), Enqueued::Existing(id));
    let keyless = NewJob::new(tenant, "noop", json!({})).into_job(Utc::now(), Utc::now());
    assert_eq!(store.insert(&keyless).await.unwrap(), Enqueued::New(keyless.id));
    assert_eq!(store.insert(&keyless).await.unwrap(), Enqueued::Existing(keyless.id));

    let rows = f
        .count(
            "SELECT COUNT(*) AS n FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2",
            [tenant.as_uuid().into(), "import-1".into()],
        )
        .await;
    assert_eq!(rows, 1);

    let elsewhere = queue.enqueue(job_for(other)).await.unwrap();
    assert!(matches!(elsewhere, Enqueued::New(other_id) if other_id != id), "{elsewhere:?}");
    assert_eq!(f.count("SELECT COUNT(*) AS n FROM jobs", []).await, 3);
}

fn job_for(tenant: frontdesk_kernel::TenantId) -> NewJob {
    NewJob::new(tenant, "leads.import", json!({"file": "a.csv"})).with_idempotency_key("import-1")
}

async fn racing_enqueues_of_one_key_yield_one_job(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(SqlQueueConfig::new("f"));
    let other_pool = frontdesk_sql_queue::SqlJobQueue::new(f.second_connection().await, SqlQueueConfig::new("f"));
    for round in 0..5 {
        let key = format!("race-{round}");
        let job = || NewJob::new(tenant, "noop", json!({})).with_idempotency_key(key.clone());
        let (a, b) = tokio::join!(queue.enqueue(job()), other_pool.enqueue(job()));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.id(), b.id(), "{a:?} {b:?}");
        assert_eq!(
            [a, b].iter().filter(|e| matches!(e, Enqueued::New(_))).count(),
            1,
            "exactly one enqueue stores the job: {a:?} {b:?}"
        );
    }
}

async fn status_is_tenant_scoped(f: Fixture) {
    let (tenant, other) = (f.tenant().await, f.tenant().await);
    let queue = f.queue(SqlQueueConfig::new("g"));
    let id = queue.enqueue(NewJob::new(tenant, "noop", json!({}))).await.unwrap().id();
    assert_eq!(queue.status(tenant, id).await.unwrap().job.tenant_id, tenant);
    assert!(matches!(queue.status(other, id).await, Err(JobError::NotFound)));
    assert!(matches!(queue.store().get(other, id).await, Err(JobError::NotFound)));
    assert!(matches!(queue.status(tenant, JobId::new()).await, Err(JobError::NotFound)));
    // The worker side is not tenant-scoped.
    assert_eq!(queue.store().find(id).await.unwrap().job.id, id);
    assert!(matches!(queue.store().find(JobId::new()).await, Err(JobError::NotFound)));
}

async fn another_backend_records_status_through_the_store(f: Fixture) {
    let tenant = f.tenant().await;
    let store = SqlJobStore::new(f.db.clone());
    assert_eq!(store.queue(), SqlJobStore::DEFAULT_QUEUE);
    let job = NewJob::new(tenant, "leads.import", json!({"rows": 3})).into_job(Utc::now(), Utc::now());
    assert_eq!(store.insert(&job).await.unwrap(), Enqueued::New(job.id));
    let record = store.get(tenant, job.id).await.unwrap();
    assert_eq!((record.status, record.job.attempts, record.progress), (JobStatus::Queued, 0, None));
    assert_eq!(record.job.created_at.timestamp_micros(), job.created_at.timestamp_micros());

    let change =
        |status, attempts| StatusChange { status, attempts, run_at: None, result: None, error: None, at: Utc::now() };
    store.transition(job.id, change(JobStatus::Running, 1)).await.unwrap();
    store.set_progress(job.id, Progress { processed: 2, total: 3 }).await.unwrap();
    let record = store.find(job.id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Running, 1));
    assert_eq!(record.progress, Some(Progress { processed: 2, total: 3 }));

    let retry_at = Utc::now() + TimeDelta::seconds(30);
    let failed =
        StatusChange { run_at: Some(retry_at), error: Some("provider timeout".into()), ..change(JobStatus::Failed, 1) };
    store.transition(job.id, failed).await.unwrap();
    let record = store.get(tenant, job.id).await.unwrap();
    assert_eq!((record.status, record.error.as_deref()), (JobStatus::Failed, Some("provider timeout")));
    assert_eq!(record.job.run_at.timestamp_micros(), retry_at.timestamp_micros());

    // Moving on without an error keeps the last one; completing clears it.
    store.transition(job.id, change(JobStatus::Running, 2)).await.unwrap();
    assert_eq!(store.find(job.id).await.unwrap().error.as_deref(), Some("provider timeout"));
    let done = StatusChange { result: Some(json!({"imported": 3})), ..change(JobStatus::Completed, 2) };
    store.transition(job.id, done).await.unwrap();
    let record = store.get(tenant, job.id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 2));
    assert_eq!((record.result, record.error), (Some(json!({"imported": 3})), None));
    assert_eq!(record.job.run_at.timestamp_micros(), retry_at.timestamp_micros(), "run_at kept when not given");

    assert!(matches!(store.transition(JobId::new(), change(JobStatus::Running, 1)).await, Err(JobError::NotFound)));
    let unknown = store.set_progress(JobId::new(), Progress { processed: 1, total: 1 }).await;
    assert!(matches!(unknown, Err(JobError::NotFound)));

    // Deleting the tenant deletes its jobs.
    f.db.execute_raw(f.statement("DELETE FROM tenants WHERE id = $1", [tenant.as_uuid().into()])).await.unwrap();
    assert!(matches!(store.find(job.id).await, Err(JobError::NotFound)));
}
