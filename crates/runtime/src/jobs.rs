//! The worker loop: claims jobs from a [`JobSource`] and runs their handlers
//! with bounded concurrency. The worker binary runs it; the api runs the
//! same loop in-process in the embedded profile.
//!
//! * `concurrency` tasks each claim one job at a time (`WORKER_CONCURRENCY`).
//! * A job whose kind has no handler is dead-lettered at once (a permanent
//!   failure: retrying cannot make a handler appear).
//! * On shutdown the tasks stop claiming; a job still running after
//!   `grace` is released back to the queue (due at once) for another worker,
//!   and its handler future is dropped. Because delivery is at-least-once
//!   anyway, handlers record their effects idempotently.
//! * Metrics: `jobs_in_flight`, `jobs_completed_total{kind}`,
//!   `jobs_failed_total{kind}` (retry scheduled), `jobs_dead_total{kind}`,
//!   `job_run_seconds{kind}` (handler time) and `job_latency_seconds{kind}`
//!   (enqueue to completion), plus `jobs_queue_depth{state}` from
//!   [`report_depth`].

use chrono::Utc;
use frontdesk_kernel::jobs::{
    Delivery, JobFailure, JobHandler, JobSource, JobStatus, JobStore, Progress, ProgressSink,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tracing::Instrument;

/// The handlers a worker runs, by job kind.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<&'static str, Arc<dyn JobHandler>>);

impl Handlers {
    /// No handlers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `handler` for its kind (a later one for the same kind replaces it).
    #[must_use]
    pub fn with(mut self, handler: Arc<dyn JobHandler>) -> Self {
        self.0.insert(handler.kind(), handler);
        self
    }

    /// The registered kinds.
    #[must_use]
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.0.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Concurrent jobs per process.
    pub concurrency: usize,
    /// Consumer name prefix (unique per process: host + pid).
    pub consumer: String,
    /// How long one claim waits for a job before checking for shutdown.
    pub wait: Duration,
    /// How long in-flight jobs may run on after shutdown before being released.
    pub grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 5,
            consumer: format!("worker-{}", std::process::id()),
            wait: Duration::from_secs(1),
            grace: Duration::from_secs(25),
        }
    }
}

/// Reports progress into the job store.
struct StoreProgress {
    store: Arc<dyn JobStore>,
    id: frontdesk_kernel::jobs::JobId,
}

#[async_trait::async_trait]
impl ProgressSink for StoreProgress {
    async fn report(&self, processed: u64, total: u64) {
        if let Err(err) = self.store.set_progress(self.id, Progress { processed, total }).await {
            tracing::warn!(job.id = %self.id, error = %err, "could not record progress");
        }
    }
}

/// Runs `config.concurrency` consumers until `shutdown` becomes true, then
/// waits for them (each finishes or releases its job within `config.grace`).
pub async fn run_workers(
    source: Arc<dyn JobSource>,
    store: Arc<dyn JobStore>,
    handlers: Handlers,
    config: WorkerConfig,
    shutdown: watch::Receiver<bool>,
) {
    tracing::info!(concurrency = config.concurrency, kinds = ?handlers.kinds(), "job workers starting");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..config.concurrency.max(1) {
        let consumer = format!("{}-{n}", config.consumer);
        tasks.spawn(consume(
            Arc::clone(&source),
            Arc::clone(&store),
            handlers.clone(),
            consumer,
            config.clone(),
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
    tracing::info!("job workers stopped");
}

async fn consume(
    source: Arc<dyn JobSource>,
    store: Arc<dyn JobStore>,
    handlers: Handlers,
    consumer: String,
    config: WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let claimed = tokio::select! {
            claimed = source.claim(&consumer, config.wait) => claimed,
            _ = shutdown.changed() => continue,
        };
        let delivery = match claimed {
            Ok(Some(delivery)) => delivery,
            Ok(None) => continue,
            Err(err) => {
                tracing::warn!(consumer, error = %err, "claiming a job failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        let span = tracing::info_span!("job", job.id = %delivery.job.id, job.kind = %delivery.job.kind,
            tenant_id = %delivery.job.tenant_id, attempt = delivery.job.attempts);
        run_one(&*source, &store, &handlers, &delivery, &config, shutdown.clone()).instrument(span).await;
    }
}

async fn run_one(
    source: &dyn JobSource,
    store: &Arc<dyn JobStore>,
    handlers: &Handlers,
    delivery: &Delivery,
    config: &WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let job = &delivery.job;
    let kind = job.kind.clone();
    let Some(handler) = handlers.0.get(job.kind.as_str()).cloned() else {
        let failure = JobFailure::permanent(format!("no handler for job kind {:?} in this worker", job.kind));
        record_failure(source, delivery, &failure, &kind).await;
        return;
    };
    metrics::gauge!("jobs_in_flight").increment(1.0);
    let started = Instant::now();
    let progress = StoreProgress { store: Arc::clone(store), id: job.id };
    let grace = config.grace;
    let deadline = async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
        tokio::time::sleep(grace).await;
    };
    let outcome = tokio::select! {
        outcome = handler.run(job, &progress) => Some(outcome),
        () = deadline => None,
    };
    metrics::gauge!("jobs_in_flight").decrement(1.0);
    metrics::histogram!("job_run_seconds", "kind" => kind.clone()).record(started.elapsed().as_secs_f64());
    match outcome {
        Some(Ok(result)) => match source.complete(delivery, result).await {
            Ok(()) => {
                metrics::counter!("jobs_completed_total", "kind" => kind.clone()).increment(1);
                let latency = (Utc::now() - job.created_at).to_std().unwrap_or_default();
                metrics::histogram!("job_latency_seconds", "kind" => kind).record(latency.as_secs_f64());
                tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "job completed");
            }
            Err(err) => tracing::error!(error = %err, "job ran but its completion was not recorded; it will run again"),
        },
        Some(Err(failure)) => record_failure(source, delivery, &failure, &kind).await,
        None => {
            tracing::warn!("shutting down: releasing the unfinished job to the queue");
            if let Err(err) = source.release(delivery).await {
                tracing::error!(error = %err, "could not release the job; it will be reclaimed after the visibility timeout");
            }
        }
    }
}

async fn record_failure(source: &dyn JobSource, delivery: &Delivery, failure: &JobFailure, kind: &str) {
    match source.fail(delivery, failure).await {
        Ok(JobStatus::Dead) => {
            metrics::counter!("jobs_dead_total", "kind" => kind.to_owned()).increment(1);
            tracing::error!(error = %failure.message, retryable = failure.retryable, "job dead-lettered");
        }
        Ok(_) => {
            metrics::counter!("jobs_failed_total", "kind" => kind.to_owned()).increment(1);
            tracing::warn!(error = %failure.message, "job failed; retry scheduled");
        }
        Err(err) => tracing::error!(error = %err, "could not record the job failure; it will be redelivered"),
    }
}

/// Publishes the queue depth as `jobs_queue_depth{state}` every `every` until shutdown.
pub async fn report_depth(source: Arc<dyn JobSource>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticker.tick() => match source.depth().await {
                Ok(depth) => {
                    for (state, value) in
                        [("ready", depth.ready), ("delayed", depth.delayed), ("running", depth.running), ("dead", depth.dead)]
                    {
                        metrics::gauge!("jobs_queue_depth", "state" => state).set(value as f64);
                    }
                }
                Err(err) => tracing::warn!(error = %err, "could not read the queue depth"),
            },
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { return },
        }
    }
}

/// A handler that does nothing: for benchmarks and smoke tests of a deployment.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopHandler;

#[async_trait::async_trait]
impl JobHandler for NoopHandler {
    fn kind(&self) -> &'static str {
        "noop"
    }

    async fn run(
        &self,
        _job: &frontdesk_kernel::jobs::Job,
        _progress: &dyn ProgressSink,
    ) -> Result<serde_json::Value, JobFailure> {
        Ok(serde_json::json!({}))
    }
}
