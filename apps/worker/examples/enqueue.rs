//! Benchmark helper: enqueues N no-op jobs for one tenant through the
//! configured job backend (same settings as the worker: `DATABASE_URL`,
//! `REDIS_URL`, `JOB_BACKEND`, `JOB_QUEUE`), with C concurrent producers,
//! and prints how long enqueueing took.
//!
//! `cargo run --release -p frontdesk-worker --example enqueue -- <tenant-uuid> <count> [concurrency]`
#![allow(clippy::print_stdout, clippy::expect_used, reason = "a benchmark tool")]

use frontdesk_kernel::TenantId;
use frontdesk_kernel::jobs::NewJob;
use frontdesk_runtime::{Settings, Stores};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[tokio::main]
async fn main() {
    frontdesk_runtime::install_crypto_provider();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tenant: TenantId = args.first().expect("tenant id").parse().expect("a tenant uuid");
    let count: u64 = args.get(1).expect("count").parse().expect("a count");
    let concurrency: u64 = args.get(2).map_or(16, |c| c.parse().expect("a concurrency"));
    let mut settings = Settings::from_env().expect("settings");
    settings.database.run_migrations = false;
    let stores = Stores::connect(&settings).await.expect("stores");
    let next = Arc::new(AtomicU64::new(0));
    let started = std::time::Instant::now();
    let mut producers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (queue, next) = (Arc::clone(&stores.jobs.queue), Arc::clone(&next));
        producers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < count {
                queue.enqueue(NewJob::new(tenant, "noop", serde_json::json!({}))).await.expect("enqueue");
            }
        });
    }
    while producers.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    println!(
        "enqueued {count} jobs in {:.2} s ({:.0} jobs/s)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    stores.close().await;
}
