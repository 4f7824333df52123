//! Benchmark helper: outbox → delivered webhook throughput, next to the raw
//! INSERT rate of the outbox in the same run, and zero events lost across
//! a worker killed with SIGKILL.
//!
//! With the worker's settings in the environment (`DATABASE_URL`,
//! `REDIS_URL`, `ENCRYPTION_KEYS`, `ALLOW_PRIVATE_WEBHOOKS=true`, …) and
//! `WORKER_BIN` naming the `frontdesk-worker` binary:
//! `cargo run --release -p frontdesk-worker --example webhook_bench -- <events> [crash-events]`
//!
//! 1. Baseline: `events` rows appended to `domain_events` one per
//!    statement (what a lead write adds to its transaction) and 100 per
//!    statement, for a tenant without subscriptions (then marked relayed).
//! 2. Throughput: a subscription to a local receiver (answers 200 at once),
//!    one worker process; `events` appended in batches of 100; rate =
//!    events / (last first-delivery − first append).
//! 3. Crash: `crash-events` more; the worker is killed (`kill -9`) once half
//!    are delivered, a second one started; every event must arrive; a
//!    duplicate is an event answered 200 twice (only one in flight at the
//!    kill can be).
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used, reason = "a benchmark tool")]

use frontdesk_integrations::outbound::{NewSubscription, WebhookSubscriptions};
use frontdesk_kernel::events::{DomainEvent, EventOutbox};
use frontdesk_runtime::{Settings, Stores};
use frontdesk_sea_orm::{SeaOrmEventOutbox, SeaOrmTenantRepository};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Per webhook-id: how many 200s were written and when the first was.
type Seen = Arc<Mutex<HashMap<String, (u32, Instant)>>>;

async fn receiver() -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    let seen: Seen = Arc::default();
    let keep = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
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
                        let head = &text[..end];
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                            .unwrap_or(0);
                        if raw.len() >= end + 4 + length {
                            break head
                                .lines()
                                .find_map(|l| l.strip_prefix("webhook-id:").map(|v| v.trim().to_owned()))
                                .unwrap_or_default();
                        }
                    }
                };
                let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                if socket.write_all(reply).await.is_ok() {
                    let mut seen = keep.lock().unwrap();
                    seen.entry(id).or_insert((0, Instant::now())).0 += 1;
                }
            });
        }
    });
    (url, seen)
}

async fn tenant(stores: &Stores, name: &str) -> frontdesk_kernel::TenantId {
    let tenant = frontdesk_tenancy::Tenant::create(
        frontdesk_tenancy::NewTenant { name: name.into(), timezone: None, country: None },
        chrono::Utc::now(),
    )
    .unwrap();
    frontdesk_tenancy::TenantRepository::insert(&SeaOrmTenantRepository::new(stores.sql.clone()), &tenant)
        .await
        .unwrap();
    tenant.id
}

fn events(tenant: frontdesk_kernel::TenantId, n: usize) -> Vec<DomainEvent> {
    (0..n)
        .map(|i| {
            let data = serde_json::json!({"lead": {"id": uuid::Uuid::now_v7().to_string(), "name": format!("Lead {i}"),
                "email": format!("lead{i}@bench.test"), "status": "new", "source": "api"}});
            DomainEvent::new(tenant, "lead.created", data, chrono::Utc::now())
        })
        .collect()
}

async fn delivered(seen: &Seen, of: &[DomainEvent]) -> usize {
    let seen = seen.lock().unwrap();
    of.iter().filter(|e| seen.contains_key(&e.id.to_string())).count()
}

fn worker() -> std::process::Child {
    let bin = std::env::var("WORKER_BIN").expect("WORKER_BIN: the frontdesk-worker binary");
    std::process::Command::new(bin)
        .env("WORKER_PORT", "0")
        .env("RUN_MIGRATIONS", "false")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the worker starts")
}

async fn wait_for(seen: &Seen, of: &[DomainEvent], count: usize, budget: Duration) -> Option<Instant> {
    let started = Instant::now();
    while started.elapsed() < budget {
        if delivered(seen, of).await >= count {
            let seen = seen.lock().unwrap();
            return of.iter().filter_map(|e| seen.get(&e.id.to_string()).map(|(_, at)| *at)).max();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::main]
async fn main() {
    struct AnyUrl;
    #[async_trait::async_trait]
    impl frontdesk_integrations::UrlPolicy for AnyUrl {
        async fn check(&self, _: &str) -> Result<(), String> {
            Ok(())
        }
    }
    frontdesk_runtime::install_crypto_provider();
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("a count")).collect();
    let n = args.first().copied().unwrap_or(5000);
    let crash_n = args.get(1).copied().unwrap_or(2000);
    let settings = Settings::from_env().expect("settings");
    let stores = Stores::connect(&settings).await.expect("stores");
    let outbox = SeaOrmEventOutbox::new(stores.sql.clone());

    // 1. The raw INSERT rate of the outbox.
    let quiet = tenant(&stores, "Baseline").await;
    let singles = events(quiet, n);
    let started = Instant::now();
    for event in &singles {
        outbox.append(std::slice::from_ref(event)).await.unwrap();
    }
    let single_rate = n as f64 / started.elapsed().as_secs_f64();
    let batched = events(quiet, n);
    let started = Instant::now();
    for chunk in batched.chunks(100) {
        outbox.append(chunk).await.unwrap();
    }
    let batch_rate = n as f64 / started.elapsed().as_secs_f64();
    let ids: Vec<_> = singles.iter().chain(&batched).map(|e| e.id).collect();
    for chunk in ids.chunks(500) {
        outbox.mark_relayed(chunk, chrono::Utc::now()).await.unwrap();
    }

    // 2. Throughput through one worker.
    let (url, seen) = receiver().await;
    let busy = tenant(&stores, "Subscriber").await;
    let subscriptions = WebhookSubscriptions::new(
        Arc::new(frontdesk_sea_orm::SeaOrmSubscriptions::new(stores.sql.clone())),
        Arc::new(frontdesk_runtime::integrations::keyring(&settings).expect("ENCRYPTION_KEYS")),
        Arc::new(frontdesk_runtime::webhooks::SignedTransport(frontdesk_runtime::integrations::egress(&settings))),
        Arc::new(AnyUrl),
        Arc::new(outbox.clone()),
        Arc::clone(&stores.jobs.queue),
        Arc::new(frontdesk_kernel::SystemClock),
    );
    let input = NewSubscription { url, events: vec!["lead.created".into()], description: None };
    subscriptions.create(busy, input).await.unwrap();
    let mut first = worker();
    tokio::time::sleep(Duration::from_secs(2)).await; // the worker is up and idle
    let load = events(busy, n);
    let started = Instant::now();
    for chunk in load.chunks(100) {
        outbox.append(chunk).await.unwrap();
    }
    let last = wait_for(&seen, &load, n, Duration::from_secs(900)).await.expect("every event delivered");
    let rate = n as f64 / last.duration_since(started).as_secs_f64();

    // 3. A worker killed mid-stream.
    let crash = events(busy, crash_n);
    for chunk in crash.chunks(100) {
        outbox.append(chunk).await.unwrap();
    }
    wait_for(&seen, &crash, crash_n / 2, Duration::from_secs(900)).await.expect("half delivered");
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = delivered(&seen, &crash).await;
    let mut second = worker();
    let done = wait_for(&seen, &crash, crash_n, Duration::from_secs(900)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    let got = delivered(&seen, &crash).await;
    let duplicates: usize = {
        let seen = seen.lock().unwrap();
        load.iter().chain(&crash).filter(|e| seen.get(&e.id.to_string()).is_some_and(|(c, _)| *c > 1)).count()
    };

    println!("| outbox INSERT, one event per statement (raw) | {single_rate:.0} events/s | 1.00 |");
    println!(
        "| outbox INSERT, 100 events per statement (raw) | {batch_rate:.0} events/s | {:.2} |",
        batch_rate / single_rate
    );
    println!(
        "| outbox → delivered webhook, 1 worker | {rate:.0} events/s | {:.2} of one-per-statement INSERT |",
        rate / single_rate
    );
    println!(
        "| kill -9 of the worker after {at_kill}/{crash_n} deliveries | {got}/{crash_n} delivered{} | lost {}, answered twice {duplicates} |",
        if done.is_some() { "" } else { " (timed out)" },
        crash_n - got
    );
    stores.close().await;
    assert_eq!(got, crash_n, "events lost across the crash");
}
