//! The worker loop against a real queue (the SQL queue on a SQLite file per
//! test): handler panics, and jobs longer than their lease.

use async_trait::async_trait;
use frontdesk_kernel::jobs::{
    Job, JobFailure, JobHandler, JobId, JobQueue, JobRecord, JobStatus, JobStore, NewJob, ProgressSink,
};
use frontdesk_runtime::jobs::{Handlers, NoopHandler, WorkerConfig, run_workers};
use frontdesk_sea_orm::{DbConfig, SqlStore};
use frontdesk_sql_queue::{SqlJobQueue, SqlQueueConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// A migrated SQLite file and a tenant row (jobs reference tenants).
async fn database() -> (SqlStore, frontdesk_kernel::TenantId, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("jobs.db").display());
    let store = SqlStore::connect(&DbConfig { url, max_connections: 5, acquire_timeout: Duration::from_secs(10) })
        .await
        .unwrap();
    store.migrate_up().await.unwrap();
    let tenant = frontdesk_tenancy::Tenant::create(
        frontdesk_tenancy::NewTenant { name: "Jobs".into(), timezone: None, country: None },
        chrono::Utc::now(),
    )
    .unwrap();
    frontdesk_tenancy::TenantRepository::insert(
        &frontdesk_sea_orm::SeaOrmTenantRepository::new(store.clone()),
        &tenant,
    )
    .await
    .unwrap();
    (store, tenant.id, dir)
}

fn worker(name: &str, heartbeat: Duration) -> WorkerConfig {
    WorkerConfig {
        concurrency: 1,
        claim_batch: 1,
        consumer: name.to_owned(),
        wait: Duration::from_millis(100),
        grace: Duration::from_secs(1),
        heartbeat,
        reconcile: Duration::from_secs(60),
    }
}

/// Polls until job `id` is completed or dead.
async fn until_final(store: &dyn JobStore, id: JobId) -> JobRecord {
    for _ in 0..600 {
        let record = store.find(id).await.unwrap();
        if record.status.is_final() {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never ended: {:?}", store.find(id).await.unwrap());
}

struct Panics;

#[async_trait]
impl JobHandler for Panics {
    fn kind(&self) -> &'static str {
        "panics"
    }

    async fn run(&self, _job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        panic!("kaboom at row 7");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_its_job_and_its_worker_runs_the_next_one() {
    let (db, tenant, _dir) = database().await;
    let queue = SqlJobQueue::new(db.connection(), SqlQueueConfig::new("panics"));
    let store: Arc<dyn JobStore> = Arc::new(queue.store().clone());
    let boom = queue.enqueue(NewJob::new(tenant, "panics", serde_json::json!({})).with_max_attempts(1)).await.unwrap();
    let fine = queue.enqueue(NewJob::new(tenant, "noop", serde_json::json!({}))).await.unwrap();
    let (stop, shutdown) = watch::channel(false);
    let handlers = Handlers::new().with(Arc::new(Panics)).with(Arc::new(NoopHandler));
    // One consumer: the job after the panic runs only if the panic did not kill it.
    let workers = tokio::spawn(run_workers(
        Arc::new(queue.clone()),
        Arc::clone(&store),
        handlers,
        worker("solo", Duration::from_secs(20)),
        shutdown,
    ));

    let record = until_final(&*store, boom.id()).await;
    assert_eq!(record.status, JobStatus::Dead, "{record:?}");
    assert_eq!(record.error.as_deref(), Some("handler panicked: kaboom at row 7"));
    assert_eq!(until_final(&*store, fine.id()).await.status, JobStatus::Completed, "the consumer lived on");
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), workers).await.unwrap().unwrap();
}

/// Runs about three leases long, counting its runs.
struct Slow {
    runs: AtomicUsize,
    length: Duration,
}

#[async_trait]
impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "slow"
    }

    async fn run(&self, _job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.length).await;
        Ok(serde_json::json!({"done": true}))
    }
}

/// Two worker processes share a queue whose visibility timeout is a third of
/// the job's length: the heartbeat keeps the job with its first runner, so it
/// runs once and is never dead-lettered for being long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_three_times_longer_than_its_lease_runs_once_on_two_workers() {
    let (db, tenant, _dir) = database().await;
    let config = SqlQueueConfig {
        visibility_timeout: Duration::from_millis(400),
        poll_interval: Duration::from_millis(20),
        max_interruptions: 0,
        ..SqlQueueConfig::new("slow")
    };
    let (first, second) =
        (SqlJobQueue::new(db.connection(), config.clone()), SqlJobQueue::new(db.connection(), config));
    let store: Arc<dyn JobStore> = Arc::new(first.store().clone());
    let slow = Arc::new(Slow { runs: AtomicUsize::new(0), length: Duration::from_millis(1200) });
    let id = first.enqueue(NewJob::new(tenant, "slow", serde_json::json!({})).with_max_attempts(1)).await.unwrap().id();

    let (stop, shutdown) = watch::channel(false);
    let mut workers = tokio::task::JoinSet::new();
    for (queue, name) in [(first, "one"), (second, "two")] {
        let handlers = Handlers::new().with(slow.clone() as Arc<dyn JobHandler>);
        let config = worker(name, Duration::from_millis(100));
        workers.spawn(run_workers(Arc::new(queue), Arc::clone(&store), handlers, config, shutdown.clone()));
    }
    let record = until_final(&*store, id).await;
    stop.send(true).unwrap();
    while workers.join_next().await.is_some() {}

    assert_eq!(record.status, JobStatus::Completed, "{record:?}");
    assert_eq!(record.job.attempts, 1, "one attempt");
    assert_eq!(slow.runs.load(Ordering::SeqCst), 1, "the handler ran once");
}

/// The SQL queue, claiming up to `max` jobs one after another and recording
/// who asked for how many.
struct Batching {
    queue: SqlJobQueue,
    asked: std::sync::Mutex<Vec<(String, usize)>>,
}

#[async_trait]
impl frontdesk_kernel::jobs::JobSource for Batching {
    async fn claim(
        &self,
        consumer: &str,
        wait: Duration,
    ) -> Result<Option<frontdesk_kernel::jobs::Delivery>, frontdesk_kernel::jobs::JobError> {
        self.queue.claim(consumer, wait).await
    }

    async fn claim_many(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<frontdesk_kernel::jobs::Delivery>, frontdesk_kernel::jobs::JobError> {
        self.asked.lock().unwrap().push((consumer.to_owned(), max));
        let mut claimed: Vec<_> = self.queue.claim(consumer, wait).await?.into_iter().collect();
        while !claimed.is_empty() && claimed.len() < max {
            match self.queue.claim(consumer, Duration::ZERO).await? {
                Some(delivery) => claimed.push(delivery),
                None => break,
            }
        }
        Ok(claimed)
    }

    async fn complete(
        &self,
        delivery: &frontdesk_kernel::jobs::Delivery,
        result: serde_json::Value,
    ) -> Result<bool, frontdesk_kernel::jobs::JobError> {
        self.queue.complete(delivery, result).await
    }

    async fn fail(
        &self,
        delivery: &frontdesk_kernel::jobs::Delivery,
        failure: &JobFailure,
    ) -> Result<JobStatus, frontdesk_kernel::jobs::JobError> {
        self.queue.fail(delivery, failure).await
    }

    async fn extend(
        &self,
        consumer: &str,
        delivery: &frontdesk_kernel::jobs::Delivery,
    ) -> Result<bool, frontdesk_kernel::jobs::JobError> {
        self.queue.extend(consumer, delivery).await
    }

    async fn release(
        &self,
        delivery: &frontdesk_kernel::jobs::Delivery,
    ) -> Result<(), frontdesk_kernel::jobs::JobError> {
        self.queue.release(delivery).await
    }

    async fn redrive(&self, limit: u64) -> Result<u64, frontdesk_kernel::jobs::JobError> {
        self.queue.redrive(limit).await
    }

    async fn depth(&self) -> Result<frontdesk_kernel::jobs::QueueDepth, frontdesk_kernel::jobs::JobError> {
        self.queue.depth().await
    }
}

/// Counts runs and how many run at once.
#[derive(Default)]
struct Gauge {
    runs: AtomicUsize,
    now: AtomicUsize,
    most: AtomicUsize,
}

#[async_trait]
impl JobHandler for Gauge {
    fn kind(&self) -> &'static str {
        "gauge"
    }

    async fn run(&self, _job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        Ok(serde_json::json!({}))
    }
}

/// Concurrency 8 in claims of at most 3: three claimers (3 + 3 + 2 slots),
/// each asking for no more jobs than it has free slots; every job runs once
/// and never more than 8 at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_claims_never_ask_for_more_than_the_free_slots() {
    let (db, tenant, _dir) = database().await;
    let config = SqlQueueConfig { poll_interval: Duration::from_millis(20), ..SqlQueueConfig::new("gauge") };
    let queue = SqlJobQueue::new(db.connection(), config);
    let store: Arc<dyn JobStore> = Arc::new(queue.store().clone());
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(queue.enqueue(NewJob::new(tenant, "gauge", serde_json::json!({}))).await.unwrap().id());
    }
    let source = Arc::new(Batching { queue, asked: std::sync::Mutex::default() });
    let gauge = Arc::new(Gauge::default());
    let (stop, shutdown) = watch::channel(false);
    let config = WorkerConfig { concurrency: 8, claim_batch: 3, ..worker("batched", Duration::from_secs(20)) };
    let handlers = Handlers::new().with(gauge.clone() as Arc<dyn JobHandler>);
    let workers = tokio::spawn(run_workers(source.clone(), Arc::clone(&store), handlers, config, shutdown));
    for id in &ids {
        assert_eq!(until_final(&*store, *id).await.status, JobStatus::Completed);
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), workers).await.unwrap().unwrap();

    assert_eq!(gauge.runs.load(Ordering::SeqCst), 40, "each job ran once");
    assert!(gauge.most.load(Ordering::SeqCst) <= 8, "at most 8 at once: {}", gauge.most.load(Ordering::SeqCst));
    let asked = source.asked.lock().unwrap().clone();
    let mut first: Vec<(String, usize)> = Vec::new();
    for (consumer, max) in &asked {
        assert!(*max >= 1 && *max <= 3, "{consumer} asked for {max}");
        if !first.iter().any(|(c, _)| c == consumer) {
            first.push((consumer.clone(), *max));
        }
    }
    first.sort();
    let expected: Vec<(String, usize)> =
        vec![("batched-0".into(), 3), ("batched-1".into(), 3), ("batched-2".into(), 2)];
    assert_eq!(first, expected, "three claimers, each first asking for all its slots");
}
