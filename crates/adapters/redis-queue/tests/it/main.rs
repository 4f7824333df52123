//! The Redis Streams job queue against the real Redis at `TEST_REDIS_URL`
//! (default `redis://127.0.0.1:6379`) and, every test again, against a
//! 3-node Redis Cluster at `TEST_REDIS_CLUSTER_URL` (default: the one
//! `scripts/services.sh` starts on ports 30001–30003). Each test runs under its
//! own key prefix and queue name (so on the cluster the tests' queues land on
//! different nodes), which a guard deletes at the end (also when the test
//! panics), so tests run in parallel and leave nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::Utc;
use frontdesk_kernel::TenantId;
use frontdesk_kernel::jobs::{
    Backoff, Delivery, Enqueued, JobError, JobFailure, JobId, JobQueue, JobSource, JobStatus, JobStore, NewJob,
    QueueDepth,
};
use frontdesk_kernel::testing::InMemoryJobStore;
use frontdesk_redis_queue::{RedisConnection, RedisJobQueue, RedisQueueConfig, node_urls};
use redis::AsyncCommands;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// Which Redis a test runs on.
#[derive(Clone, Copy, Debug)]
enum Target {
    Standalone,
    Cluster,
}

impl Target {
    fn url(self) -> String {
        match self {
            Self::Standalone => std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            Self::Cluster => std::env::var("TEST_REDIS_CLUSTER_URL")
                .unwrap_or_else(|_| "redis-cluster://127.0.0.1:30001?node=127.0.0.1:30002&node=127.0.0.1:30003".into()),
        }
    }
}

/// Runs the test function `$name(target)` once on a standalone Redis and once
/// on the cluster, as the tests `$name::standalone` and `$name::cluster`.
macro_rules! on_both {
    ($name:ident) => {
        on_both!(@ $name [tokio::test]);
    };
    ($name:ident, multi_thread) => {
        on_both!(@ $name [tokio::test(flavor = "multi_thread", worker_threads = 2)]);
    };
    (@ $name:ident [$($attr:tt)*]) => {
        mod $name {
            #[$($attr)*]
            async fn standalone() {
                super::$name(super::Target::Standalone).await;
            }

            #[$($attr)*]
            async fn cluster() {
                super::$name(super::Target::Cluster).await;
            }
        }
    };
}

/// Every key under `prefix` on every node of `url`, each with the node holding it.
fn keys_under(url: &str, prefix: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for node in node_urls(url).unwrap_or_default() {
        let Ok(mut conn) = redis::Client::open(node.as_str()).and_then(|c| c.get_connection()) else { continue };
        if let Ok(iter) = redis::Commands::scan_match::<_, String>(&mut conn, format!("{prefix}*")) {
            found.extend(iter.filter_map(Result::ok).map(|key| (node.clone(), key)));
        }
    }
    found
}

/// Deletes keys found by [`keys_under`], each on its own node (one `DEL` per
/// key: on a cluster the keys of one prefix live in several slots).
fn delete_keys(keys: &[(String, String)]) {
    for (node, key) in keys {
        if let Ok(mut conn) = redis::Client::open(node.as_str()).and_then(|c| c.get_connection()) {
            let _: redis::RedisResult<u64> = redis::Commands::del(&mut conn, key);
        }
    }
}

/// Deletes every key under `prefix` when dropped (synchronously: a panicking test cannot await).
struct Cleanup {
    url: String,
    prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        delete_keys(&keys_under(&self.url, &self.prefix));
    }
}

/// One test's queue, store, raw connection and key prefix.
struct Harness {
    queue: RedisJobQueue,
    store: Arc<InMemoryJobStore>,
    config: RedisQueueConfig,
    redis: RedisConnection,
    _cleanup: Cleanup,
}

impl Harness {
    async fn new(target: Target, tweak: impl FnOnce(&mut RedisQueueConfig)) -> Self {
        let url = target.url();
        let run = uuid::Uuid::now_v7().simple().to_string();
        let prefix = format!("fdtest:rq:{run}:");
        let cleanup = Cleanup { url: url.clone(), prefix: prefix.clone() };
        let mut config = RedisQueueConfig::new(url.clone());
        config.key_prefix = prefix;
        config.queue = format!("q-{run}");
        config.command_timeout = Duration::from_secs(2);
        config.block = Duration::from_millis(200);
        config.backoff = Backoff { base: Duration::from_millis(10), cap: Duration::from_millis(50) };
        tweak(&mut config);
        let store = Arc::new(InMemoryJobStore::default());
        let queue = RedisJobQueue::connect(config.clone(), store.clone())
            .await
            .unwrap_or_else(|e| panic!("{e:?} at {url}; is Redis running? (scripts/services.sh starts it)"));
        let redis = RedisConnection::open(&url, Duration::from_secs(5)).await.unwrap();
        Self { queue, store, config, redis, _cleanup: cleanup }
    }

    /// Another queue instance (another worker process) on the same keys and store.
    async fn other(&self) -> RedisJobQueue {
        RedisJobQueue::connect(self.config.clone(), self.store.clone()).await.unwrap()
    }

    async fn record(&self, id: JobId) -> frontdesk_kernel::jobs::JobRecord {
        self.store.find(id).await.unwrap()
    }

    async fn stream_len(&mut self) -> u64 {
        self.redis.xlen(&self.queue.keys().stream).await.unwrap()
    }

    async fn pending(&mut self) -> usize {
        let reply: redis::streams::StreamPendingReply =
            self.redis.xpending(&self.queue.keys().stream, "workers").await.unwrap();
        reply.count()
    }

    /// The handler's effect, idempotent by job id: `SET effect:{id} NX` and,
    /// only if that stored, `INCR counter`, atomically. Returns the counter after
    /// an application, 0 when the effect was already there.
    async fn apply_effect(&mut self, id: JobId) -> i64 {
        static EFFECT: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "if redis.call('SET', KEYS[1], '1', 'NX') then return redis.call('INCR', KEYS[2]) end return 0",
            )
        });
        EFFECT
            .key(format!("{}{{effects}}:effect:{id}", self.config.key_prefix))
            .key(format!("{}{{effects}}:counter", self.config.key_prefix))
            .invoke_async(&mut self.redis)
            .await
            .unwrap()
    }

    async fn counter(&mut self) -> i64 {
        let value: Option<i64> =
            self.redis.get(format!("{}{{effects}}:counter", self.config.key_prefix)).await.unwrap();
        value.unwrap_or(0)
    }
}

fn job(tenant: TenantId) -> NewJob {
    NewJob::new(tenant, "test.job", json!({ "lead": "x" }))
}

async fn claim_one(queue: &RedisJobQueue, consumer: &str) -> Delivery {
    queue.claim(consumer, Duration::from_secs(10)).await.unwrap().expect("a job to claim")
}

async fn a_job_is_enqueued_claimed_and_completed(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let tenant = TenantId::new();
    let Enqueued::New(id) = h.queue.enqueue(job(tenant)).await.unwrap() else { panic!("a new job") };
    assert_eq!(h.record(id).await.status, JobStatus::Queued);
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { ready: 1, ..QueueDepth::default() });

    let delivery = claim_one(&h.queue, "c1").await;
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 1));
    assert_eq!(delivery.job.payload, json!({ "lead": "x" }));
    assert_eq!(h.record(id).await.status, JobStatus::Running);
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { running: 1, ..QueueDepth::default() });

    h.queue.complete(&delivery, json!({ "imported": 3 })).await.unwrap();
    let record = h.queue.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 1));
    assert_eq!(record.result, Some(json!({ "imported": 3 })));
    assert_eq!(h.pending().await, 0, "XPENDING is empty");
    assert_eq!(h.stream_len().await, 0, "the entry was deleted");
    let marker: bool = h.redis.exists(h.queue.keys().enqueued(id)).await.unwrap();
    assert!(!marker, "the enqueued marker ends with the job");
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
    assert!(h.queue.claim("c1", Duration::ZERO).await.unwrap().is_none());
}
on_both!(a_job_is_enqueued_claimed_and_completed);

async fn failed_attempts_are_retried_with_backoff_until_one_succeeds(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    let mut attempts_seen = Vec::new();
    for _ in 0..10 {
        let delivery = claim_one(&h.queue, "worker").await;
        assert_eq!(delivery.job.id, id);
        attempts_seen.push(delivery.job.attempts);
        if delivery.job.attempts < 3 {
            let status = h.queue.fail(&delivery, &JobFailure::retry("provider timeout")).await.unwrap();
            assert_eq!(status, JobStatus::Failed);
            let record = h.record(id).await;
            assert_eq!((record.status, record.error.as_deref()), (JobStatus::Failed, Some("provider timeout")));
            assert!(record.job.run_at > delivery.job.created_at, "the retry is scheduled later");
        } else {
            h.queue.complete(&delivery, json!({})).await.unwrap();
            break;
        }
    }
    assert_eq!(attempts_seen, [1, 2, 3]);
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 3));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
    assert_eq!(h.pending().await, 0);
}
on_both!(failed_attempts_are_retried_with_backoff_until_one_succeeds);

async fn spent_jobs_are_dead_lettered_and_can_be_redriven(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let id = h.queue.enqueue(job(TenantId::new()).with_max_attempts(3)).await.unwrap().id();
    let mut statuses = Vec::new();
    loop {
        let delivery = claim_one(&h.queue, "worker").await;
        let status = h.queue.fail(&delivery, &JobFailure::retry("always broken")).await.unwrap();
        statuses.push((delivery.job.attempts, status));
        if status == JobStatus::Dead || statuses.len() > 5 {
            break;
        }
    }
    assert_eq!(statuses, [(1, JobStatus::Failed), (2, JobStatus::Failed), (3, JobStatus::Dead)]);
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Dead, 3));
    assert_eq!(record.error.as_deref(), Some("always broken"));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { dead: 1, ..QueueDepth::default() });
    let dead: redis::streams::StreamRangeReply = h.redis.xrange_all(&h.queue.keys().dead).await.unwrap();
    assert_eq!(dead.ids.len(), 1);
    assert_eq!(dead.ids[0].get::<String>("id"), Some(id.to_string()));
    assert_eq!(dead.ids[0].get::<String>("error").as_deref(), Some("always broken"));
    assert!(h.queue.claim("worker", Duration::from_millis(100)).await.unwrap().is_none(), "dead jobs do not run");

    assert_eq!(h.queue.redrive(10).await.unwrap(), 1);
    assert_eq!(h.queue.redrive(10).await.unwrap(), 0, "moved once");
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Queued, 0));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { ready: 1, ..QueueDepth::default() });
    let delivery = claim_one(&h.queue, "worker").await;
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 1), "a fresh attempt budget");
    h.queue.complete(&delivery, json!({ "fixed": true })).await.unwrap();
    assert_eq!(h.record(id).await.status, JobStatus::Completed);

    // A permanent failure is dead at once, whatever the budget.
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    let delivery = claim_one(&h.queue, "worker").await;
    assert_eq!(h.queue.fail(&delivery, &JobFailure::permanent("bad payload")).await.unwrap(), JobStatus::Dead);
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Dead, 1));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { dead: 1, ..QueueDepth::default() });
    assert_eq!(h.pending().await, 0);
}
on_both!(spent_jobs_are_dead_lettered_and_can_be_redriven);

async fn a_job_abandoned_by_a_dead_worker_is_taken_over_and_its_effect_applied_once(target: Target) {
    let mut h = Harness::new(target, |c| {
        c.visibility_timeout = Duration::from_millis(300);
        c.block = Duration::from_millis(50);
    })
    .await;
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();

    // A worker claims the job, applies the effect, and dies before acknowledging it.
    let doomed = h.other().await;
    let abandoned = claim_one(&doomed, "doomed").await;
    assert_eq!(abandoned.job.attempts, 1);
    assert_eq!(h.apply_effect(id).await, 1);
    drop(doomed);

    // Another worker takes it over once the visibility timeout has passed.
    let taken = claim_one(&h.queue, "survivor").await;
    assert_eq!((taken.job.id, taken.job.attempts), (id, 2));
    assert_eq!(h.apply_effect(id).await, 0, "the effect is keyed by job id");

    // The dead worker's late acknowledgements settle nothing.
    let late = h.other().await;
    assert_eq!(late.fail(&abandoned, &JobFailure::retry("late")).await.unwrap(), JobStatus::Running);
    late.complete(&abandoned, json!({ "by": "doomed" })).await.unwrap();
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Running, 2));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { running: 1, ..QueueDepth::default() });

    h.queue.complete(&taken, json!({ "by": "survivor" })).await.unwrap();
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 2));
    assert_eq!(record.result, Some(json!({ "by": "survivor" })));
    assert_eq!(h.counter().await, 1, "the effect was applied once");
    assert_eq!(h.pending().await, 0);
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
}
on_both!(a_job_abandoned_by_a_dead_worker_is_taken_over_and_its_effect_applied_once);

async fn a_job_abandoned_on_its_last_attempt_is_dead_lettered(target: Target) {
    let mut h = Harness::new(target, |c| {
        c.visibility_timeout = Duration::from_millis(200);
        c.block = Duration::from_millis(50);
    })
    .await;
    let id = h.queue.enqueue(job(TenantId::new()).with_max_attempts(1)).await.unwrap().id();
    let _abandoned = claim_one(&h.queue, "doomed").await;
    // The take-over finds the budget spent: dead-letter it instead of running it again.
    assert!(h.queue.claim("survivor", Duration::from_millis(800)).await.unwrap().is_none());
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Dead, 1));
    assert!(record.error.unwrap().contains("abandoned"));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { dead: 1, ..QueueDepth::default() });
    assert_eq!(h.pending().await, 0);
}
on_both!(a_job_abandoned_on_its_last_attempt_is_dead_lettered);

async fn two_workers_never_run_one_job_concurrently_and_complete_each_once(target: Target) {
    const JOBS: usize = 50;
    let h = Harness::new(target, |_| {}).await;
    let tenant = TenantId::new();
    let mut ids = HashSet::new();
    for n in 0..JOBS {
        ids.insert(h.queue.enqueue(NewJob::new(tenant, "test.job", json!({ "n": n }))).await.unwrap().id());
    }
    let running = Arc::new(Mutex::new(HashSet::new()));
    let completions = Arc::new(Mutex::new(HashMap::<JobId, usize>::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for (w, queue) in [h.queue.clone(), h.other().await].into_iter().enumerate() {
        for t in 0..4 {
            let (queue, running, completions, done) =
                (queue.clone(), running.clone(), completions.clone(), done.clone());
            tasks.spawn(async move {
                let consumer = format!("w{w}-t{t}");
                while done.load(Ordering::SeqCst) < JOBS {
                    let Some(delivery) = queue.claim(&consumer, Duration::from_millis(200)).await.unwrap() else {
                        continue;
                    };
                    let id = delivery.job.id;
                    assert!(running.lock().unwrap().insert(id), "job {id} is already running elsewhere");
                    tokio::task::yield_now().await;
                    queue.complete(&delivery, json!({ "by": consumer })).await.unwrap();
                    assert!(running.lock().unwrap().remove(&id));
                    *completions.lock().unwrap().entry(id).or_default() += 1;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    }
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap();
        }
    })
    .await
    .expect("the workers finish");
    let completions = completions.lock().unwrap().clone();
    assert_eq!(completions.keys().copied().collect::<HashSet<_>>(), ids);
    assert!(completions.values().all(|&n| n == 1), "{completions:?}");
    let mut redis = h.redis.clone();
    for id in &ids {
        let marker: bool = redis.exists(h.queue.keys().enqueued(*id)).await.unwrap();
        assert!(!marker, "job {id}'s marker was dropped by its (batched) acknowledgement");
    }
    for record in h.store.all() {
        assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 1), "{}", record.job.id);
    }
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
}
on_both!(two_workers_never_run_one_job_concurrently_and_complete_each_once, multi_thread);

async fn enqueue_is_idempotent_per_tenant_and_key(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let tenant = TenantId::new();
    let first = h.queue.enqueue(job(tenant).with_idempotency_key("import-42")).await.unwrap();
    let Enqueued::New(id) = first else { panic!("new") };
    assert_eq!(h.queue.enqueue(job(tenant).with_idempotency_key("import-42")).await.unwrap(), Enqueued::Existing(id));
    assert_eq!(h.stream_len().await, 1, "one stream entry");
    let other_tenant = h.queue.enqueue(job(TenantId::new()).with_idempotency_key("import-42")).await.unwrap();
    assert!(matches!(other_tenant, Enqueued::New(other) if other != id), "keys are per tenant");
    assert_eq!(h.stream_len().await, 2);
    assert_eq!(h.store.all().len(), 2);
}
on_both!(enqueue_is_idempotent_per_tenant_and_key);

async fn a_job_stored_but_never_handed_to_redis_is_added_by_the_producers_retry(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let tenant = TenantId::new();
    // As if the first enqueue stored the job and then lost Redis.
    let now = Utc::now();
    let stored = job(tenant).with_idempotency_key("k").into_job(now, now);
    assert_eq!(h.store.insert(&stored).await.unwrap(), Enqueued::New(stored.id));
    assert_eq!(h.stream_len().await, 0);

    assert_eq!(h.queue.enqueue(job(tenant).with_idempotency_key("k")).await.unwrap(), Enqueued::Existing(stored.id));
    assert_eq!(h.queue.enqueue(job(tenant).with_idempotency_key("k")).await.unwrap(), Enqueued::Existing(stored.id));
    assert_eq!(h.stream_len().await, 1, "added once");
    let delivery = claim_one(&h.queue, "c").await;
    assert_eq!(delivery.job.id, stored.id);
    h.queue.complete(&delivery, json!({})).await.unwrap();
}
on_both!(a_job_stored_but_never_handed_to_redis_is_added_by_the_producers_retry);

async fn a_job_enqueued_for_later_is_not_claimable_before_it_is_due(target: Target) {
    let h = Harness::new(target, |_| {}).await;
    let run_at = Utc::now() + chrono::TimeDelta::milliseconds(1500);
    let id = h.queue.enqueue_at(job(TenantId::new()), run_at).await.unwrap().id();
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { delayed: 1, ..QueueDepth::default() });
    assert!(h.queue.claim("c", Duration::from_millis(200)).await.unwrap().is_none(), "not due yet");

    let delivery = claim_one(&h.queue, "c").await;
    assert!(Utc::now() >= run_at, "claimed only once due");
    assert_eq!((delivery.job.id, delivery.job.attempts, delivery.job.run_at), (id, 1, run_at));
    h.queue.complete(&delivery, json!({})).await.unwrap();
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
}
on_both!(a_job_enqueued_for_later_is_not_claimable_before_it_is_due);

async fn claim_many_takes_up_to_max_jobs_in_one_claim(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let tenant = TenantId::new();
    let ids = enqueue_n(&h, tenant, 5).await;

    let first = h.queue.claim_many("c1", 3, Duration::from_secs(10)).await.unwrap();
    let rest = h.queue.claim_many("c1", 10, Duration::from_secs(10)).await.unwrap();
    assert_eq!((first.len(), rest.len()), (3, 2), "at most `max` per claim, and what is ready after that");
    assert!(h.queue.claim_many("c1", 10, Duration::ZERO).await.unwrap().is_empty());
    let mut claimed: Vec<JobId> = first.iter().chain(&rest).map(|d| d.job.id).collect();
    claimed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(claimed, expected, "each job claimed once");
    for delivery in first.iter().chain(&rest) {
        assert_eq!(delivery.job.attempts, 1);
        assert_eq!(h.record(delivery.job.id).await.status, JobStatus::Running);
    }
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { running: 5, ..QueueDepth::default() });
    for delivery in first.iter().chain(&rest) {
        assert!(h.queue.complete(delivery, json!({})).await.unwrap());
    }
    for id in ids {
        assert_eq!(h.record(id).await.status, JobStatus::Completed);
    }
    assert_eq!(h.pending().await, 0);
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());

    // One claim takes over stalled entries and reads new ones together.
    let mut h = Harness::new(target, |c| {
        c.visibility_timeout = Duration::from_millis(300);
        c.block = Duration::from_millis(50);
    })
    .await;
    let abandoned = enqueue_n(&h, tenant, 2).await;
    let doomed = h.other().await;
    assert_eq!(doomed.claim_many("doomed", 2, Duration::from_secs(10)).await.unwrap().len(), 2);
    drop(doomed);
    let fresh = enqueue_n(&h, tenant, 2).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let taken = h.queue.claim_many("survivor", 10, Duration::from_secs(10)).await.unwrap();
    let mut attempts: Vec<(JobId, u32)> = taken.iter().map(|d| (d.job.id, d.job.attempts)).collect();
    attempts.sort();
    let mut expected: Vec<(JobId, u32)> =
        abandoned.iter().map(|id| (*id, 2)).chain(fresh.iter().map(|id| (*id, 1))).collect();
    expected.sort();
    assert_eq!(attempts, expected, "two taken over (second attempt), two new (first attempt)");
    for delivery in &taken {
        assert!(h.queue.complete(delivery, json!({})).await.unwrap());
    }
    assert_eq!(h.pending().await, 0);
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
}
on_both!(claim_many_takes_up_to_max_jobs_in_one_claim);

async fn a_job_read_for_a_cancelled_claim_is_given_back_at_once(target: Target) {
    let mut h = Harness::new(target, |c| c.block = Duration::from_secs(1)).await;
    // A worker shutting down drops its claim while the claim blocks on XREADGROUP…
    let queue = h.queue.clone();
    let claiming = tokio::spawn(async move { queue.claim("stopping", Duration::from_secs(5)).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    claiming.abort();
    assert!(claiming.await.unwrap_err().is_cancelled());
    // …and a job arrives before that read ends.
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    // Not stranded in the pending list for the 60 s visibility timeout: due at once, no attempt spent.
    let delivery = claim_one(&h.queue, "other").await;
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 1));
    h.queue.complete(&delivery, json!({})).await.unwrap();
    assert_eq!(h.pending().await, 0);
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
}
on_both!(a_job_read_for_a_cancelled_claim_is_given_back_at_once);

async fn status_is_scoped_to_the_tenant(target: Target) {
    let h = Harness::new(target, |_| {}).await;
    let tenant = TenantId::new();
    let id = h.queue.enqueue(job(tenant)).await.unwrap().id();
    assert_eq!(h.queue.status(tenant, id).await.unwrap().status, JobStatus::Queued);
    assert!(matches!(h.queue.status(TenantId::new(), id).await, Err(JobError::NotFound)));
    assert!(matches!(h.queue.status(tenant, JobId::new()).await, Err(JobError::NotFound)));
}
on_both!(status_is_scoped_to_the_tenant);

async fn a_released_job_is_due_at_once_without_spending_an_attempt(target: Target) {
    let h = Harness::new(target, |_| {}).await;
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    let delivery = claim_one(&h.queue, "stopping").await;
    h.queue.release(&delivery).await.unwrap();
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Queued, 0));
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { ready: 1, ..QueueDepth::default() });
    let again = claim_one(&h.queue, "other").await;
    assert_eq!((again.job.id, again.job.attempts), (id, 1));
    h.queue.complete(&again, json!({})).await.unwrap();
}
on_both!(a_released_job_is_due_at_once_without_spending_an_attempt);

async fn entries_of_jobs_that_already_ended_are_skipped(target: Target) {
    let h = Harness::new(target, |_| {}).await;
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    // As if a completion was recorded but its acknowledgement never reached Redis.
    let record = h.record(id).await;
    h.store
        .transition(
            id,
            frontdesk_kernel::jobs::StatusChange {
                status: JobStatus::Completed,
                attempts: 1,
                run_at: None,
                result: Some(json!({})),
                error: None,
                at: record.updated_at,
            },
        )
        .await
        .unwrap();
    assert!(h.queue.claim("c", Duration::from_millis(100)).await.unwrap().is_none());
    assert_eq!(h.record(id).await.job.attempts, 1, "not run again");
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default(), "acknowledged and deleted");
}
on_both!(entries_of_jobs_that_already_ended_are_skipped);

async fn a_vanished_stream_and_group_are_recreated(target: Target) {
    let mut h = Harness::new(target, |_| {}).await;
    let _: u64 = h.redis.del(&h.queue.keys().stream).await.unwrap();
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    let delivery = claim_one(&h.queue, "c").await;
    assert_eq!(delivery.job.id, id);
    h.queue.complete(&delivery, json!({})).await.unwrap();
}
on_both!(a_vanished_stream_and_group_are_recreated);

async fn an_unreachable_redis_is_reported_as_unavailable(target: Target) {
    let url = match target {
        Target::Standalone => "redis://127.0.0.1:1",
        Target::Cluster => "redis-cluster://127.0.0.1:1?node=127.0.0.1:2",
    };
    let mut config = RedisQueueConfig::new(url);
    config.block = Duration::from_millis(100);
    config.command_timeout = Duration::from_millis(200);
    // Connecting is lazy (a process starts while Redis is down); every operation then says Unavailable.
    let queue = RedisJobQueue::connect(config, Arc::new(InMemoryJobStore::default())).await.expect("lazy connect");
    let claimed = queue.claim("c", Duration::from_millis(50)).await;
    assert!(matches!(claimed, Err(JobError::Unavailable(_))), "{claimed:?}");
    let enqueued = queue.enqueue(NewJob::new(TenantId::new(), "noop", serde_json::json!({}))).await;
    assert!(matches!(enqueued, Err(JobError::Unavailable(_))), "{enqueued:?}");
}
on_both!(an_unreachable_redis_is_reported_as_unavailable);

/// A job that kills its worker every time is taken over at most
/// `max_interruptions` times, then dead-lettered as a poison job (its
/// attempt budget notwithstanding).
async fn a_job_interrupted_more_than_max_interruptions_times_is_dead_as_a_poison_job(target: Target) {
    let mut h = Harness::new(target, |c| {
        c.visibility_timeout = Duration::from_millis(100);
        c.block = Duration::from_millis(50);
        c.max_interruptions = 2;
    })
    .await;
    let id = h.queue.enqueue(job(TenantId::new()).with_max_attempts(10)).await.unwrap().id();
    let mut runs = 0;
    for _ in 0..100 {
        if let Some(delivery) = h.queue.claim("doomed", Duration::from_millis(150)).await.unwrap() {
            runs += 1;
            drop(delivery); // the worker dies
        }
        if h.record(id).await.status == JobStatus::Dead {
            break;
        }
    }
    let record = h.record(id).await;
    assert_eq!((record.status, runs, record.job.attempts), (JobStatus::Dead, 3, 3), "{record:?}");
    let error = record.error.unwrap();
    assert!(error.contains("poison job") && error.contains("more than 2 times"), "{error}");
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth { dead: 1, ..QueueDepth::default() });
    assert_eq!(h.pending().await, 0);
}
on_both!(a_job_interrupted_more_than_max_interruptions_times_is_dead_as_a_poison_job);

/// A worker renewing its lease keeps a job longer than the visibility
/// timeout to itself; after a take-over its renewal fails instead of stealing the entry back.
async fn a_renewed_lease_keeps_a_long_job_from_being_taken_over(target: Target) {
    let h = Harness::new(target, |c| {
        c.visibility_timeout = Duration::from_millis(300);
        c.block = Duration::from_millis(50);
    })
    .await;
    let rival = h.other().await;
    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    let delivery = claim_one(&h.queue, "runner").await;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(h.queue.extend("runner", &delivery).await.unwrap(), "still ours");
        assert!(rival.claim("rival", Duration::ZERO).await.unwrap().is_none(), "never taken over");
    }
    h.queue.complete(&delivery, json!({})).await.unwrap();
    let record = h.record(id).await;
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 1), "one run");
    assert!(!h.queue.extend("runner", &delivery).await.unwrap(), "nothing to renew once acknowledged");

    let id = h.queue.enqueue(job(TenantId::new())).await.unwrap().id();
    let silent = claim_one(&h.queue, "runner").await;
    let taken = claim_one(&rival, "rival").await;
    assert_eq!((taken.job.id, taken.job.attempts), (id, 2));
    assert!(!h.queue.extend("runner", &silent).await.unwrap(), "the entry is the rival's now");
    assert!(rival.extend("rival", &taken).await.unwrap());
    rival.complete(&taken, json!({})).await.unwrap();
}
on_both!(a_renewed_lease_keeps_a_long_job_from_being_taken_over);

/// Deletes every key of this test's prefix on every node: Redis restarted empty (no AOF).
fn restart_redis_empty(h: &Harness) {
    let keys = keys_under(&h.config.url, &h.config.key_prefix);
    assert!(!keys.is_empty());
    delete_keys(&keys);
    assert!(keys_under(&h.config.url, &h.config.key_prefix).is_empty());
}

/// The SQL row is the source of truth: jobs waiting (due, delayed, retrying)
/// when Redis lost everything are re-published by the reconciler, once each
/// (two workers reconciling at once included), and every one completes once.
async fn jobs_lost_by_a_redis_restart_are_republished_from_the_store_and_complete_once(target: Target) {
    let mut h = Harness::new(target, |c| {
        c.visibility_timeout = Duration::from_millis(500);
        c.block = Duration::from_millis(50);
        c.reconcile_grace = Duration::ZERO;
    })
    .await;
    let tenant = TenantId::new();
    let mut ids = HashSet::new();
    for _ in 0..6 {
        ids.insert(h.queue.enqueue(job(tenant)).await.unwrap().id());
    }
    let later = Utc::now() + chrono::TimeDelta::milliseconds(300);
    ids.insert(h.queue.enqueue_at(job(tenant), later).await.unwrap().id());
    // One running (it finishes after the restart) and one waiting for its retry.
    let running = claim_one(&h.queue, "w").await;
    let retrying = claim_one(&h.queue, "w").await;
    h.queue.fail(&retrying, &JobFailure::retry("provider timeout")).await.unwrap();

    restart_redis_empty(&h);
    assert!(h.queue.claim("w", Duration::from_millis(200)).await.unwrap().is_none(), "stranded until reconciled");
    assert_eq!(h.apply_effect(running.job.id).await, 1);
    h.queue.complete(&running, json!({})).await.unwrap();
    assert_eq!(h.record(running.job.id).await.status, JobStatus::Completed, "the running job finished");

    let other = h.other().await;
    let (a, b) = tokio::join!(h.queue.reconcile(), other.reconcile());
    assert_eq!(a.unwrap() + b.unwrap(), 6, "every waiting job re-published once (5 due, 1 delayed; the retry)");
    assert_eq!(h.queue.reconcile().await.unwrap(), 0, "idempotent: nothing is missing any more");

    let mut runs: HashMap<JobId, u32> = HashMap::new();
    while runs.len() < ids.len() - 1 {
        let delivery = claim_one(&h.queue, "w").await;
        *runs.entry(delivery.job.id).or_default() += 1;
        h.apply_effect(delivery.job.id).await;
        h.queue.complete(&delivery, json!({})).await.unwrap();
    }
    assert!(runs.values().all(|&n| n == 1), "each ran once: {runs:?}");
    assert!(h.queue.claim("w", Duration::from_millis(200)).await.unwrap().is_none(), "no duplicate entries");
    for id in &ids {
        assert_eq!(h.record(*id).await.status, JobStatus::Completed, "{id}");
    }
    assert_eq!(h.counter().await, 7, "every effect applied once");
    assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default());
}
on_both!(jobs_lost_by_a_redis_restart_are_republished_from_the_store_and_complete_once, multi_thread);

/// A store whose reconciliation pages were read before the jobs on them
/// changed (what a pass sees while another worker drains the queue).
struct StalePages {
    inner: Arc<InMemoryJobStore>,
    page: Mutex<Vec<frontdesk_kernel::jobs::JobRecord>>,
}

#[async_trait::async_trait]
impl JobStore for StalePages {
    async fn insert(&self, job: &frontdesk_kernel::jobs::Job) -> Result<Enqueued, JobError> {
        self.inner.insert(job).await
    }
    async fn get(&self, tenant: TenantId, id: JobId) -> Result<frontdesk_kernel::jobs::JobRecord, JobError> {
        self.inner.get(tenant, id).await
    }
    async fn find(&self, id: JobId) -> Result<frontdesk_kernel::jobs::JobRecord, JobError> {
        self.inner.find(id).await
    }
    async fn transition(&self, id: JobId, change: frontdesk_kernel::jobs::StatusChange) -> Result<(), JobError> {
        self.inner.transition(id, change).await
    }
    async fn set_progress(&self, id: JobId, progress: frontdesk_kernel::jobs::Progress) -> Result<(), JobError> {
        self.inner.set_progress(id, progress).await
    }
    async fn count_interruption(&self, id: JobId) -> Result<u32, JobError> {
        self.inner.count_interruption(id).await
    }
    async fn unsettled(
        &self,
        _changed_before: chrono::DateTime<Utc>,
        after: Option<JobId>,
        _limit: u64,
    ) -> Result<Vec<frontdesk_kernel::jobs::JobRecord>, JobError> {
        Ok(if after.is_none() { self.page.lock().unwrap().clone() } else { Vec::new() })
    }
    async fn purge_completed(&self, before: chrono::DateTime<Utc>) -> Result<u64, JobError> {
        self.inner.purge_completed(before).await
    }
}

/// A reconciliation page read while the job was queued, acted on after
/// another worker completed it (its marker gone): the job is read again and
/// not re-published; one still waiting with its marker lost still is.
async fn a_job_completed_since_the_reconcilers_page_was_read_is_not_republished(target: Target) {
    let h = Harness::new(target, |c| c.reconcile_grace = Duration::ZERO).await;
    let tenant = TenantId::new();
    let done = h.queue.enqueue(job(tenant)).await.unwrap().id();
    let waiting = h.queue.enqueue(job(tenant)).await.unwrap().id();
    let page = vec![h.record(done).await, h.record(waiting).await];
    let delivery = claim_one(&h.queue, "w").await;
    assert_eq!(delivery.job.id, done);
    assert!(h.queue.complete(&delivery, json!({})).await.unwrap());
    // The waiting job's marker and entry are lost (a Redis that forgot it).
    let mut redis = h.redis.clone();
    let _: u64 = redis.del(h.queue.keys().enqueued(waiting)).await.unwrap();
    let _: u64 = redis.del(&h.queue.keys().stream).await.unwrap();

    let stale = Arc::new(StalePages { inner: h.store.clone(), page: Mutex::new(page) });
    let reconciler = RedisJobQueue::connect(h.config.clone(), stale).await.unwrap();
    assert_eq!(reconciler.reconcile().await.unwrap(), 1, "only the job still waiting goes back");
    let again = claim_one(&h.queue, "w").await;
    assert_eq!(again.job.id, waiting);
    assert!(h.queue.complete(&again, json!({})).await.unwrap());
    assert!(h.queue.claim("w", Duration::from_millis(100)).await.unwrap().is_none(), "the completed job stays done");
    assert_eq!(h.record(done).await.status, JobStatus::Completed);
}
on_both!(a_job_completed_since_the_reconcilers_page_was_read_is_not_republished);

/// The cluster node (its URL) that owns `key`: the one answering instead of redirecting with `MOVED`.
fn owner(url: &str, key: &str) -> String {
    for node in node_urls(url).unwrap() {
        let mut conn = redis::Client::open(node.as_str()).unwrap().get_connection().unwrap();
        if redis::cmd("EXISTS").arg(key).query::<i64>(&mut conn).is_ok() {
            return node;
        }
    }
    panic!("no node of {url} owns {key}");
}

/// A queue's keys share one slot, so its scripts run on one node; different
/// queues land on different nodes and each runs its jobs there, through the
/// one cluster URL (the client follows the slot map).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_spread_over_the_cluster_nodes_and_each_runs_its_jobs() {
    let url = Target::Cluster.url();
    let mut by_node: HashMap<String, Harness> = HashMap::new();
    for _ in 0..60 {
        let h = Harness::new(Target::Cluster, |_| {}).await;
        by_node.entry(owner(&url, &h.queue.keys().stream)).or_insert(h);
        if by_node.len() == 3 {
            break;
        }
    }
    assert_eq!(by_node.len(), 3, "queues on each of the three nodes");
    let tenant = TenantId::new();
    for (node, h) in &by_node {
        let ids: HashSet<JobId> = enqueue_n(h, tenant, 5).await.into_iter().collect();
        let keys = h.queue.keys();
        for key in [&keys.delayed, &keys.delayed_jobs, &keys.dead, &keys.reclaim_cursor] {
            assert_eq!(&owner(&url, key), node, "{key} shares the queue's node");
        }
        let mut done = HashSet::new();
        while done.len() < ids.len() {
            let delivery = claim_one(&h.queue, "w").await;
            assert!(h.queue.complete(&delivery, json!({})).await.unwrap());
            done.insert(delivery.job.id);
        }
        assert_eq!(done, ids, "{node}");
        assert_eq!(h.queue.depth().await.unwrap(), QueueDepth::default(), "{node}");
    }
}

async fn enqueue_n(h: &Harness, tenant: TenantId, n: usize) -> Vec<JobId> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(h.queue.enqueue(job(tenant)).await.unwrap().id());
    }
    ids
}
