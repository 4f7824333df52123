//! The worker as a running program: health and metrics over HTTP, graceful stop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use frontdesk_runtime::Settings;
use frontdesk_sea_orm::testing::TestDatabase;
use frontdesk_worker::Worker;
use std::collections::HashMap;
use std::time::Duration;

async fn settings(db: &TestDatabase) -> Settings {
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let vars: HashMap<String, String> = [
        ("DATABASE_URL", db.url()),
        ("WORKER_PORT", "0"),
        ("REDIS_URL", redis.as_str()),
        ("SHUTDOWN_TIMEOUT_SECS", "1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    Settings::from_vars(&vars).unwrap()
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
