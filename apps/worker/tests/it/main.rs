//! The worker as a running program: health and metrics over HTTP, graceful stop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use frontdesk_runtime::Settings;
use frontdesk_sea_orm::testing::TestDatabase;
use frontdesk_worker::Worker;
use std::collections::HashMap;
use std::time::Duration;

async fn settings(db: &TestDatabase) -> Settings {
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("fdtest:worker:{}:", uuid::Uuid::now_v7().simple());
    let vars: HashMap<String, String> = [
        ("DATABASE_URL", db.url()),
        ("WORKER_PORT", "0"),
        ("REDIS_URL", redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("SHUTDOWN_TIMEOUT_SECS", "1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    Settings::from_vars(&vars).unwrap()
}

/// A migrated database on `db` with one tenant named `name` (jobs reference tenants).
async fn store_with_tenant(db: &TestDatabase, name: &str) -> (frontdesk_sea_orm::SqlStore, frontdesk_tenancy::Tenant) {
    frontdesk_runtime::install_crypto_provider();
    let config = frontdesk_sea_orm::DbConfig {
        url: db.url().to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(5),
    };
    let store = frontdesk_sea_orm::SqlStore::connect(&config).await.unwrap();
    store.migrate_up().await.unwrap();
    let tenant = frontdesk_tenancy::Tenant::create(
        frontdesk_tenancy::NewTenant { name: name.into(), timezone: None, country: None },
        chrono::Utc::now(),
    )
    .unwrap();
    frontdesk_tenancy::TenantRepository::insert(
        &frontdesk_sea_orm::SeaOrmTenantRepository::new(store.clone()),
        &tenant,
    )
    .await
    .unwrap();
    (store, tenant)
}

/// Writes a CSV of `rows` leads (`lead{i}@{domain}`) as the tenant's upload `file`; returns its storage key.
fn write_upload(
    files: &std::path::Path,
    tenant: &frontdesk_tenancy::Tenant,
    file: &str,
    rows: u64,
    domain: &str,
) -> String {
    let mut csv = String::from("name,email\n");
    for i in 0..rows {
        csv.push_str(&format!("Lead {i},lead{i}@{domain}\n"));
    }
    let key = format!("imports/{}/{file}", tenant.id);
    std::fs::create_dir_all(files.join(format!("imports/{}", tenant.id))).unwrap();
    std::fs::write(files.join(&key), csv).unwrap();
    key
}

/// A `frontdesk-worker` process on the SQL queue `queue` of `db`, quiet, one job at a time.
fn sql_worker(db: &TestDatabase, files: &std::path::Path, queue: &str, visibility_secs: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk-worker"));
    command
        .env("DATABASE_URL", db.url())
        .env("JOB_BACKEND", "sql")
        .env("JOB_QUEUE", queue)
        .env("JOB_VISIBILITY_TIMEOUT_SECS", visibility_secs)
        .env("WORKER_CONCURRENCY", "1")
        .env("WORKER_PORT", "0")
        .env("FILES_DIR", files)
        .env("RUN_MIGRATIONS", "false")
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Polls `id` every 100 ms until it is completed or dead (at most `polls` times); its last record.
async fn wait_until_final(
    jobs: &frontdesk_sql_queue::SqlJobStore,
    id: frontdesk_kernel::jobs::JobId,
    polls: u32,
) -> frontdesk_kernel::jobs::JobRecord {
    use frontdesk_kernel::jobs::JobStore;
    let mut record = jobs.find(id).await.unwrap();
    for _ in 0..polls {
        record = jobs.find(id).await.unwrap();
        if record.status.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    record
}

/// Polls `ids` every 100 ms until all are completed or dead (at most a minute); their last records.
async fn wait_until_all_final(
    jobs: &frontdesk_sql_queue::SqlJobStore,
    ids: &[frontdesk_kernel::jobs::JobId],
) -> Vec<frontdesk_kernel::jobs::JobRecord> {
    use frontdesk_kernel::jobs::JobStore;
    let mut records = Vec::new();
    for _ in 0..600 {
        records.clear();
        for id in ids {
            records.push(jobs.find(*id).await.unwrap());
        }
        if records.iter().all(|r| r.status.is_final()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    records
}

#[tokio::test]
async fn worker_serves_health_and_metrics_and_stops_when_asked() {
    frontdesk_runtime::install_crypto_provider();
    let db = TestDatabase::create().await;
    let worker = Worker::build(&settings(&db).await).await.unwrap();
    let base = format!("http://127.0.0.1:{}", worker.port());
    let handle = worker.handle();
    let running = tokio::spawn(worker.run_until_stopped());

    let client = reqwest::Client::new();
    let live = client.get(format!("{base}/health/live")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = client.get(format!("{base}/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "database and redis are up");
    let metrics = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("worker_up 1"), "the recorder renders the worker's gauge");

    handle.shutdown();
    let stopped = tokio::time::timeout(Duration::from_secs(10), running).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "worker stops gracefully: {stopped:?}");
    assert!(client.get(format!("{base}/health/live")).send().await.is_err(), "port closed after stop");
}

/// `kill -9` of a worker process in the middle of an import: another worker
/// takes the job over after the visibility timeout and the leads are
/// inserted exactly once (the batches the first one committed are skipped).
#[tokio::test]
async fn an_import_survives_kill_9_of_its_worker_with_every_lead_inserted_once() {
    use frontdesk_kernel::jobs::{JobQueue, JobStatus, JobStore, NewJob};
    use frontdesk_leads::LeadRepository;
    use frontdesk_sql_queue::{SqlJobQueue, SqlJobStore, SqlQueueConfig};
    use std::process::Child;

    const ROWS: u64 = 30_000;
    let db = TestDatabase::create().await;
    let (store, tenant) = store_with_tenant(&db, "Kill Nine").await;
    let files = tempfile::tempdir().unwrap();
    let key = write_upload(files.path(), &tenant, "big.csv", ROWS, "kill9.test");
    let queue = SqlJobQueue::new(store.connection(), SqlQueueConfig::new("kill9"));
    let payload = serde_json::json!({"fileKey": key, "format": "csv"});
    let job = queue.enqueue(NewJob::new(tenant.id, "leads.import", payload)).await.unwrap().id();
    let jobs = SqlJobStore::new(store.connection());

    let spawn_worker = || -> Child { sql_worker(&db, files.path(), "kill9", "2").spawn().unwrap() };

    // First worker: wait until it has committed a few batches, then SIGKILL it.
    let mut first = spawn_worker();
    let mut processed_at_kill = 0;
    for _ in 0..6000 {
        let record = jobs.find(job).await.unwrap();
        if let Some(progress) = record.progress
            && progress.processed >= 1_500
        {
            first.kill().unwrap(); // SIGKILL: no shutdown handler runs
            processed_at_kill = progress.processed;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.wait().unwrap();
    assert!(processed_at_kill > 0 && processed_at_kill < ROWS, "killed mid-import at {processed_at_kill} rows");
    assert_eq!(jobs.find(job).await.unwrap().status, JobStatus::Running, "the dead worker still holds the lease");

    // Second worker: takes the job over once the lease expires and finishes it.
    let mut second = spawn_worker();
    let record = wait_until_final(&jobs, job, 1200).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(record.status, JobStatus::Completed, "{record:?}");
    assert_eq!(record.job.attempts, 2, "one attempt per worker");
    let result = record.result.unwrap();
    assert_eq!((result["inserted"].as_u64(), result["duplicates"].as_u64()), (Some(ROWS), Some(0)), "{result}");
    let leads = frontdesk_sea_orm::SeaOrmLeadRepository::new(store.clone());
    let all = frontdesk_leads::LeadFilter::default();
    let page = leads.list(tenant.id, &all, frontdesk_kernel::PageRequest::default()).await.unwrap();
    assert_eq!(page.total, ROWS, "every lead exactly once");
    store.close().await;
}

/// A 60,000-row import with a 1 s visibility timeout and two worker
/// processes: the heartbeat keeps the job with the worker that claimed it, so
/// it runs once (one attempt, never taken over) and is never dead-lettered for
/// being long.
#[tokio::test]
async fn a_sixty_thousand_row_import_longer_than_its_lease_runs_once_on_two_workers() {
    use frontdesk_kernel::jobs::{JobQueue, JobStatus, NewJob};
    use frontdesk_sql_queue::{SqlJobQueue, SqlJobStore, SqlQueueConfig};

    const ROWS: u64 = 60_000;
    let db = TestDatabase::create().await;
    let (store, tenant) = store_with_tenant(&db, "Long Import").await;
    let files = tempfile::tempdir().unwrap();
    let key = write_upload(files.path(), &tenant, "long.csv", ROWS, "long.test");
    let queue = SqlJobQueue::new(store.connection(), SqlQueueConfig::new("long"));
    let payload = serde_json::json!({"fileKey": key, "format": "csv"});
    let started = std::time::Instant::now();
    let job = queue.enqueue(NewJob::new(tenant.id, "leads.import", payload)).await.unwrap().id();
    let jobs = SqlJobStore::new(store.connection());

    let mut workers: Vec<_> = (0..2)
        .map(|_| sql_worker(&db, files.path(), "long", "1").env("JOB_MAX_INTERRUPTIONS", "0").spawn().unwrap())
        .collect();
    let record = wait_until_final(&jobs, job, 1800).await;
    for worker in &mut workers {
        worker.kill().unwrap();
        worker.wait().unwrap();
    }
    assert!(started.elapsed() > Duration::from_secs(2), "premise: the import outlived its 1 s lease");
    assert_eq!(record.status, JobStatus::Completed, "{record:?}");
    assert_eq!(record.job.attempts, 1, "claimed once, never taken over");
    let result = record.result.unwrap();
    assert_eq!((result["inserted"].as_u64(), result["duplicates"].as_u64()), (Some(ROWS), Some(0)), "{result}");
    assert!(!files.path().join(&key).exists(), "the upload is deleted once the import completed");
    store.close().await;
}

/// Six jobs wait on the Redis backend when Redis restarts empty (every key
/// under the test's prefix deleted): the worker's reconciler re-publishes
/// them from the SQL rows, the source of truth, and each completes once.
#[tokio::test]
async fn jobs_waiting_when_redis_restarts_empty_are_republished_by_the_worker_and_complete_once() {
    use frontdesk_kernel::jobs::{JobQueue, JobStatus, NewJob};
    use frontdesk_redis_queue::{RedisJobQueue, RedisQueueConfig};
    use frontdesk_sql_queue::SqlJobStore;
    use std::process::{Command, Stdio};

    let db = TestDatabase::create().await;
    let (store, tenant) = store_with_tenant(&db, "Redis Restart").await;

    let redis_url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("fdtest:worker:{}:", uuid::Uuid::now_v7().simple());
    let jobs = SqlJobStore::new(store.connection());
    let mut queue_config = RedisQueueConfig::new(redis_url.clone());
    queue_config.key_prefix = prefix.clone();
    let queue = RedisJobQueue::connect(queue_config, std::sync::Arc::new(jobs.clone())).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(queue.enqueue(NewJob::new(tenant.id, "noop", serde_json::json!({}))).await.unwrap().id());
    }

    // Redis restarts empty: every key of this test's prefix is gone.
    let mut redis = redis::Client::open(redis_url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let delete_prefix = |mut redis: redis::aio::MultiplexedConnection, prefix: String| async move {
        let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut redis).await.unwrap();
        if !keys.is_empty() {
            let _: u64 = redis::cmd("DEL").arg(keys).query_async(&mut redis).await.unwrap();
        }
    };
    delete_prefix(redis.clone(), prefix.clone()).await;
    let left: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut redis).await.unwrap();
    assert!(left.is_empty(), "{left:?}");

    let mut worker = Command::new(env!("CARGO_BIN_EXE_frontdesk-worker"))
        .env("DATABASE_URL", db.url())
        .env("REDIS_URL", &redis_url)
        .env("REDIS_KEY_PREFIX", &prefix)
        .env("JOB_BACKEND", "redis")
        .env("JOB_RECONCILE_INTERVAL_SECS", "1")
        .env("WORKER_PORT", "0")
        .env("RUN_MIGRATIONS", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let records = wait_until_all_final(&jobs, &ids).await;
    worker.kill().unwrap();
    worker.wait().unwrap();
    delete_prefix(redis.clone(), prefix.clone()).await;
    for record in &records {
        assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 1), "{record:?}");
    }
    store.close().await;
}

/// A webhook receiver that never answers its first request (the worker is
/// killed while it waits) and answers 200 to the rest; per request, the
/// `webhook-id` and whether the 200 was written.
async fn stalling_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((mut socket, _)) = listener.accept().await {
            let stall = std::mem::take(&mut first);
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut raw = Vec::new();
                let mut buffer = [0u8; 8192];
                let id = loop {
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    raw.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                            .unwrap_or(0usize);
                        if raw.len() >= end + 4 + length {
                            let id = text[..end]
                                .lines()
                                .find_map(|l| l.strip_prefix("webhook-id:").map(|v| v.trim().to_owned()))
                                .unwrap_or_default();
                            break id;
                        }
                    }
                };
                if stall {
                    keep.lock().unwrap().push((id, false));
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
                let reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let answered = socket.write_all(reply.as_bytes()).await.is_ok();
                keep.lock().unwrap().push((id, answered));
            });
        }
    });
    (url, seen)
}

/// `kill -9` of a worker in the middle of a webhook delivery: another
/// worker delivers it after the lease expires; every event reaches the
/// endpoint, and each `webhook-id` is answered 200 exactly once (the one
/// in flight at the kill was received twice, answered once).
#[tokio::test]
async fn webhook_deliveries_survive_kill_9_and_each_event_is_delivered_once_per_successful_attempt() {
    use frontdesk_integrations::outbound::{NewSubscription, WebhookSubscriptions};
    use frontdesk_kernel::events::{DomainEvent, EventOutbox};
    use frontdesk_sql_queue::{SqlJobQueue, SqlQueueConfig};
    use std::sync::Arc;

    const KEYS: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const EVENTS: usize = 20;
    struct AnyUrl;
    #[async_trait::async_trait]
    impl frontdesk_integrations::UrlPolicy for AnyUrl {
        async fn check(&self, _: &str) -> Result<(), String> {
            Ok(())
        }
    }

    let db = TestDatabase::create().await;
    let (store, tenant) = store_with_tenant(&db, "Hooks Kill Nine").await;
    let files = tempfile::tempdir().unwrap();
    let (url, seen) = stalling_receiver().await;
    let outbox = Arc::new(frontdesk_sea_orm::SeaOrmEventOutbox::new(store.clone()));
    let subscriptions = WebhookSubscriptions::new(
        Arc::new(frontdesk_sea_orm::SeaOrmSubscriptions::new(store.clone())),
        Arc::new(frontdesk_crypto::AesGcmKeyring::parse(KEYS).unwrap()),
        Arc::new(frontdesk_runtime::webhooks::SignedTransport(frontdesk_webhooks_egress())),
        Arc::new(AnyUrl),
        outbox.clone(),
        Arc::new(SqlJobQueue::new(store.connection(), SqlQueueConfig::new("hooks9"))),
        Arc::new(frontdesk_kernel::SystemClock),
    );
    let input = NewSubscription { url, events: vec!["lead.created".into()], description: None };
    subscriptions.create(tenant.id, input).await.unwrap();
    let events: Vec<_> = (0..EVENTS)
        .map(|i| DomainEvent::new(tenant.id, "lead.created", serde_json::json!({"n": i}), chrono::Utc::now()))
        .collect();
    outbox.append(&events).await.unwrap();

    let worker = || {
        let mut command = sql_worker(&db, files.path(), "hooks9", "2");
        command.env("ENCRYPTION_KEYS", KEYS).env("ALLOW_PRIVATE_WEBHOOKS", "true");
        command.spawn().unwrap()
    };
    let mut first = worker();
    for _ in 0..600 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap(); // SIGKILL while the endpoint holds the first delivery
    first.wait().unwrap();
    let in_flight = seen.lock().unwrap().first().cloned().expect("a delivery was in flight");
    assert!(!in_flight.1);

    let mut second = worker();
    for _ in 0..1200 {
        if seen.lock().unwrap().iter().filter(|(_, ok)| *ok).count() >= EVENTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // a duplicate would show up now
    second.kill().unwrap();
    second.wait().unwrap();
    let answered: Vec<String> = seen.lock().unwrap().iter().filter(|(_, ok)| *ok).map(|(id, _)| id.clone()).collect();
    let mut ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    let mut got = answered.clone();
    ids.sort();
    got.sort();
    assert_eq!(got, ids, "every event answered 200 exactly once");
    assert!(answered.contains(&in_flight.0), "the event in flight at the kill was delivered after it");
    store.close().await;
}

/// The egress guard as the worker builds it (private addresses allowed, `http://` allowed).
fn frontdesk_webhooks_egress() -> frontdesk_webhooks::Egress {
    frontdesk_webhooks::Egress::new(Duration::from_secs(15), true, true)
}

/// Two worker processes on a Redis Cluster (`TEST_REDIS_CLUSTER_URL`, the
/// 3-node cluster `scripts/services.sh` starts): a `redis-cluster://` URL in
/// `REDIS_URL` is all it takes; jobs enqueued there each complete once, and
/// the workers' readiness (which pings Redis) is green.
#[tokio::test]
async fn two_workers_on_a_redis_cluster_complete_each_job_once() {
    use frontdesk_kernel::jobs::{JobQueue, JobStatus, NewJob};
    use frontdesk_redis_queue::{RedisJobQueue, RedisQueueConfig, node_urls};
    use frontdesk_sql_queue::SqlJobStore;
    use std::process::{Command, Stdio};

    let cluster = std::env::var("TEST_REDIS_CLUSTER_URL")
        .unwrap_or_else(|_| "redis-cluster://127.0.0.1:30001?node=127.0.0.1:30002&node=127.0.0.1:30003".into());
    let db = TestDatabase::create().await;
    let (store, tenant) = store_with_tenant(&db, "Cluster").await;
    let prefix = format!("fdtest:worker:{}:", uuid::Uuid::now_v7().simple());
    let jobs = SqlJobStore::new(store.connection());
    let mut queue_config = RedisQueueConfig::new(cluster.clone());
    queue_config.key_prefix = prefix.clone();
    let queue = RedisJobQueue::connect(queue_config, std::sync::Arc::new(jobs.clone())).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..100 {
        ids.push(queue.enqueue(NewJob::new(tenant.id, "noop", serde_json::json!({ "n": n }))).await.unwrap().id());
    }
    // Two distinct free ports (both bound at once, then released for the workers).
    let listeners = [(); 2].map(|()| std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let ports = listeners.each_ref().map(|l| l.local_addr().unwrap().port());
    drop(listeners);
    let mut workers: Vec<_> = ports
        .iter()
        .map(|port| {
            Command::new(env!("CARGO_BIN_EXE_frontdesk-worker"))
                .env("DATABASE_URL", db.url())
                .env("REDIS_URL", &cluster)
                .env("REDIS_KEY_PREFIX", &prefix)
                .env("JOB_BACKEND", "redis")
                .env("WORKER_CONCURRENCY", "4")
                .env("WORKER_PORT", port.to_string())
                .env("RUN_MIGRATIONS", "false")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let records = wait_until_all_final(&jobs, &ids).await;
    let client = reqwest::Client::new();
    let mut ready = Vec::new();
    for port in ports {
        let answer = client.get(format!("http://127.0.0.1:{port}/health/ready")).send().await;
        ready.push(answer.map(|r| r.status().as_u16()).unwrap_or(0));
    }
    for worker in &mut workers {
        worker.kill().unwrap();
        worker.wait().unwrap();
    }
    // Leave nothing on any node.
    for node in node_urls(&cluster).unwrap() {
        let mut conn = redis::Client::open(node.as_str()).unwrap().get_connection().unwrap();
        let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query(&mut conn).unwrap();
        for key in keys {
            let _: u64 = redis::cmd("DEL").arg(key).query(&mut conn).unwrap();
        }
    }
    assert_eq!(ready, [200, 200], "both workers ready on the cluster");
    for record in &records {
        assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 1), "{record:?}");
    }
    store.close().await;
}
