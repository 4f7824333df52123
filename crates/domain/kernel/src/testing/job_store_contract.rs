//! The [`JobStore`] contract for what a transport that is not the store
//! relies on: a claim starts only a waiting job ([`JobStore::start`]) and an
//! acknowledgement lands only while its attempt is the one running
//! ([`JobStore::transition_running`]). Run against the in-memory store and
//! the SQL store on both databases.

use crate::TenantId;
use crate::jobs::{Completion, JobError, JobId, JobStatus, JobStore, NewJob, StatusChange};
use chrono::{DateTime, Utc};

/// Runs the whole contract with jobs of `tenant` (which the store must accept).
///
/// # Panics
/// When the store breaks the contract.
pub async fn run_all(store: &dyn JobStore, tenant: TenantId) {
    start_takes_only_a_waiting_job(store, tenant).await;
    acknowledgements_are_fenced_by_the_running_attempt(store, tenant).await;
    missing_jobs_are_not_found(store).await;
    batches_start_and_complete_only_what_qualifies(store, tenant).await;
}

fn change(status: JobStatus, attempts: u32, at: DateTime<Utc>) -> StatusChange {
    StatusChange { status, attempts, run_at: None, result: None, error: None, at }
}

async fn stored(store: &dyn JobStore, tenant: TenantId) -> JobId {
    let now = Utc::now();
    let job = NewJob::new(tenant, "contract", serde_json::json!({"n": 1})).into_job(now, now);
    store.insert(&job).await.expect("insert").id()
}

/// Queued and failed jobs start (attempt counted, status running, returned
/// as stored); a running, completed or dead one does not, and is left as it was.
pub async fn start_takes_only_a_waiting_job(store: &dyn JobStore, tenant: TenantId) {
    let id = stored(store, tenant).await;
    let at = Utc::now();
    let started = store.start(id, at).await.expect("start").expect("a queued job starts");
    assert_eq!((started.status, started.job.attempts, started.job.id), (JobStatus::Running, 1, id));
    assert_eq!(store.find(id).await.expect("find").status, JobStatus::Running);
    assert!(store.start(id, at).await.expect("start").is_none(), "a running job is not started twice");
    assert_eq!(store.find(id).await.expect("find").job.attempts, 1, "nor counted twice");

    store.transition(id, change(JobStatus::Failed, 1, at)).await.expect("fail");
    let again = store.start(id, at).await.expect("start").expect("a failed job is retried");
    assert_eq!(again.job.attempts, 2);

    store.transition(id, change(JobStatus::Completed, 2, at)).await.expect("complete");
    assert!(store.start(id, at).await.expect("start").is_none(), "a completed job stays completed");
    let record = store.find(id).await.expect("find");
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 2));

    let dead = stored(store, tenant).await;
    store.transition(dead, change(JobStatus::Dead, 3, at)).await.expect("dead");
    assert!(store.start(dead, at).await.expect("start").is_none(), "a dead job waits for a redrive");
}

/// Only the attempt that is running may settle the job; a stale one (an
/// earlier attempt, or a job no longer running) changes nothing.
pub async fn acknowledgements_are_fenced_by_the_running_attempt(store: &dyn JobStore, tenant: TenantId) {
    let id = stored(store, tenant).await;
    let at = Utc::now();
    store.start(id, at).await.expect("start").expect("started"); // attempt 1
    store.transition(id, change(JobStatus::Queued, 1, at)).await.expect("taken over");
    store.start(id, at).await.expect("start").expect("restarted"); // attempt 2

    let late = StatusChange { result: Some(serde_json::json!({"from": 1})), ..change(JobStatus::Completed, 1, at) };
    assert!(!store.transition_running(id, 1, late).await.expect("ack"), "attempt 1 is stale");
    let record = store.find(id).await.expect("find");
    assert_eq!((record.status, record.job.attempts, record.result), (JobStatus::Running, 2, None));

    let current = StatusChange { result: Some(serde_json::json!({"from": 2})), ..change(JobStatus::Completed, 2, at) };
    assert!(store.transition_running(id, 2, current.clone()).await.expect("ack"), "attempt 2 is current");
    let record = store.find(id).await.expect("find");
    assert_eq!((record.status, record.result), (JobStatus::Completed, Some(serde_json::json!({"from": 2}))));
    assert!(!store.transition_running(id, 2, current).await.expect("ack"), "a completed job is not running");
}

/// Both report a job that does not exist as `NotFound`.
pub async fn missing_jobs_are_not_found(store: &dyn JobStore) {
    let at = Utc::now();
    assert!(matches!(store.start(JobId::new(), at).await, Err(JobError::NotFound)));
    let acked = store.transition_running(JobId::new(), 1, change(JobStatus::Completed, 1, at)).await;
    assert!(matches!(acked, Err(JobError::NotFound)));
}

/// `start_many` starts the waiting jobs of a batch and leaves out the rest
/// (running, completed, unknown); `complete_many` completes each job whose
/// running attempt it names, with its own result, and leaves out stale ones.
pub async fn batches_start_and_complete_only_what_qualifies(store: &dyn JobStore, tenant: TenantId) {
    let at = Utc::now();
    let (a, b, running, done) = (
        stored(store, tenant).await,
        stored(store, tenant).await,
        stored(store, tenant).await,
        stored(store, tenant).await,
    );
    store.start(running, at).await.expect("start").expect("started");
    store.transition(done, change(JobStatus::Completed, 1, at)).await.expect("complete");
    let mut started: Vec<JobId> = store
        .start_many(&[a, b, running, done, JobId::new()], at)
        .await
        .expect("start_many")
        .into_iter()
        .map(|record| {
            assert_eq!((record.status, record.job.attempts), (JobStatus::Running, 1));
            record.job.id
        })
        .collect();
    started.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(started, expected, "only the waiting jobs start");
    assert_eq!(store.find(running).await.expect("find").job.attempts, 1, "the running one is not counted again");
    assert_eq!(store.find(done).await.expect("find").status, JobStatus::Completed);
    assert!(store.start_many(&[], at).await.expect("empty").is_empty());

    let item = |id, attempts, n| Completion { id, attempts, result: serde_json::json!({ "n": n }) };
    let mut completed = store
        .complete_many(&[item(a, 1, 1), item(b, 1, 2), item(running, 2, 3), item(done, 1, 4)], at)
        .await
        .expect("complete_many");
    completed.sort();
    assert_eq!(completed, expected, "a stale attempt and an ended job are left out");
    for (id, n) in [(a, 1), (b, 2)] {
        let record = store.find(id).await.expect("find");
        assert_eq!((record.status, record.result), (JobStatus::Completed, Some(serde_json::json!({ "n": n }))));
    }
    let untouched = store.find(running).await.expect("find");
    assert_eq!((untouched.status, untouched.result), (JobStatus::Running, None));
    assert!(store.complete_many(&[], at).await.expect("empty").is_empty());
}
