//! The worker loop: claims jobs from a [`JobSource`] and runs their handlers
//! with bounded concurrency. The worker binary runs it; the api runs the
//! same loop in-process in the embedded profile.
//!
//! * At most `concurrency` jobs run at once (`WORKER_CONCURRENCY`). They
//!   are claimed by `concurrency ÷ claim_batch` claimers, each with
//!   `claim_batch` slots of its own: whenever a slot is free, a claimer asks
//!   for as many jobs as it has free slots in one claim
//!   ([`JobSource::claim_many`]: one script on the Redis queue for many
//!   jobs), and runs each in a task of its own. A batch of 1 (the SQL queue)
//!   is one claimer per slot, each claiming one job at a time.
//! * A job whose kind has no handler is dead-lettered at once (a permanent
//!   failure: retrying cannot make a handler appear).
//! * While a handler runs, its lease is renewed every `heartbeat` (a third of
//!   the visibility timeout), so a job longer than the timeout is neither
//!   taken over by another worker nor dead-lettered for being long. If a
//!   renewal says the lease is gone (taken over, re-driven, lost by Redis),
//!   the handler is dropped: the job is someone else's now.
//! * A handler that panics fails its job (`handler panicked: …`, retried like
//!   any failure) instead of killing its consumer task.
//! * Once a job has ended for good (completed or dead), its handler's
//!   [`JobHandler::ended`] releases what only its runs needed.
//! * [`reconcile_periodically`] asks the source to re-publish jobs its
//!   transport lost (Redis restarted empty), at start and then periodically.
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
use futures_util::FutureExt;
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
    /// Most jobs one claim asks for (1: one at a time).
    pub claim_batch: usize,
    /// Consumer name prefix (unique per process: host + pid).
    pub consumer: String,
    /// How long one claim waits for a job before checking for shutdown.
    pub wait: Duration,
    /// How long in-flight jobs may run on after shutdown before being released.
    pub grace: Duration,
    /// How often a running job's lease is renewed (well under the visibility timeout).
    pub heartbeat: Duration,
    /// How often [`reconcile_periodically`] runs (`JOB_RECONCILE_INTERVAL_SECS`).
    pub reconcile: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 5,
            claim_batch: 1,
            consumer: format!("worker-{}", std::process::id()),
            wait: Duration::from_secs(1),
            grace: Duration::from_secs(25),
            heartbeat: Duration::from_secs(20),
            reconcile: Duration::from_secs(60),
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

/// Runs the claimers until `shutdown` becomes true, then waits for them
/// (each job finishes or is released within `config.grace`).
pub async fn run_workers(
    source: Arc<dyn JobSource>,
    store: Arc<dyn JobStore>,
    handlers: Handlers,
    config: WorkerConfig,
    shutdown: watch::Receiver<bool>,
) {
    let concurrency = config.concurrency.max(1);
    let batch = config.claim_batch.clamp(1, concurrency);
    let claimers = concurrency.div_ceil(batch);
    tracing::info!(concurrency, claimers, claim_batch = batch, kinds = ?handlers.kinds(), "job workers starting");
    let shared = Arc::new(Shared { source, store, handlers, config });
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..claimers {
        // The last claimer takes what is left of `concurrency`.
        let slots = batch.min(concurrency - n * batch);
        let consumer = format!("{}-{n}", shared.config.consumer);
        tasks.spawn(consume(Arc::clone(&shared), consumer, slots, shutdown.clone()));
    }
    while tasks.join_next().await.is_some() {}
    tracing::info!("job workers stopped");
}

/// What every claimer and job run of a process share.
struct Shared {
    source: Arc<dyn JobSource>,
    store: Arc<dyn JobStore>,
    handlers: Handlers,
    config: WorkerConfig,
}

/// One claimer: keeps up to `slots` jobs running, claiming as many as are
/// free in one claim; on shutdown stops claiming and waits for its jobs.
async fn consume(shared: Arc<Shared>, consumer: String, slots: usize, mut shutdown: watch::Receiver<bool>) {
    let consumer: Arc<str> = consumer.into();
    let mut running = tokio::task::JoinSet::new();
    let mut backoff = Duration::from_millis(100);
    loop {
        while running.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        if running.len() >= slots {
            tokio::select! {
                _ = running.join_next() => {}
                // A dropped sender is a shutdown too (else this would spin).
                changed = shutdown.changed() => if changed.is_err() { break },
            }
            continue;
        }
        let free = slots - running.len();
        let claimed = tokio::select! {
            claimed = shared.source.claim_many(&consumer, free, shared.config.wait) => claimed,
            changed = shutdown.changed() => if changed.is_err() { break } else { continue },
        };
        let deliveries = match claimed {
            Ok(deliveries) => deliveries,
            Err(err) => {
                tracing::warn!(consumer = %consumer, error = %err, "claiming a job failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        for delivery in deliveries {
            let span = tracing::info_span!("job", job.id = %delivery.job.id, job.kind = %delivery.job.kind,
                tenant_id = %delivery.job.tenant_id, attempt = delivery.job.attempts);
            let (shared, consumer, shutdown) = (Arc::clone(&shared), Arc::clone(&consumer), shutdown.clone());
            running.spawn(
                async move {
                    let Shared { source, store, handlers, config } = &*shared;
                    run_one(&**source, store, handlers, &consumer, &delivery, config, shutdown).await;
                }
                .instrument(span),
            );
        }
    }
    while running.join_next().await.is_some() {}
}

/// How a handler's run ended.
enum Outcome {
    /// It returned.
    Ran(Result<serde_json::Value, JobFailure>),
    /// A heartbeat found the lease gone.
    LeaseLost,
    /// Shutdown's grace ran out first.
    Stopped,
}

/// What a panic said, as far as it can be read.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Renews `delivery`'s lease every `every`; returns once a renewal says it is lost.
async fn keep_lease(source: &dyn JobSource, consumer: &str, delivery: &Delivery, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is immediate; the claim just set the lease
    loop {
        ticker.tick().await;
        match source.extend(consumer, delivery).await {
            Ok(true) => tracing::trace!("lease renewed"),
            Ok(false) => return,
            Err(err) => tracing::warn!(error = %err, "could not renew the lease; trying again at the next beat"),
        }
    }
}

#[allow(clippy::too_many_lines, reason = "one job's whole run, in order")]
async fn run_one(
    source: &dyn JobSource,
    store: &Arc<dyn JobStore>,
    handlers: &Handlers,
    consumer: &str,
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
    let run = std::panic::AssertUnwindSafe(handler.run(job, &progress)).catch_unwind();
    let outcome = tokio::select! {
        ran = run => Outcome::Ran(ran.unwrap_or_else(|panic| {
            let message = panic_message(&*panic);
            tracing::error!(panic = %message, "job handler panicked");
            Err(JobFailure::retry(format!("handler panicked: {message}")))
        })),
        () = keep_lease(source, consumer, delivery, config.heartbeat) => Outcome::LeaseLost,
        () = deadline => Outcome::Stopped,
    };
    metrics::gauge!("jobs_in_flight").decrement(1.0);
    metrics::histogram!("job_run_seconds", "kind" => kind.clone()).record(started.elapsed().as_secs_f64());
    match outcome {
        Outcome::Ran(Ok(result)) => match source.complete(delivery, result).await {
            Ok(recorded) => {
                // A stale delivery (lease lost meanwhile) records nothing: release the
                // job's resources only if this attempt's completion is what was stored.
                if recorded {
                    handler.ended(job, JobStatus::Completed).await;
                } else {
                    tracing::warn!(
                        "the completion was not this attempt's (its lease was lost); leaving the job's resources"
                    );
                }
                metrics::counter!("jobs_completed_total", "kind" => kind.clone()).increment(1);
                let latency = (Utc::now() - job.created_at).to_std().unwrap_or_default();
                metrics::histogram!("job_latency_seconds", "kind" => kind).record(latency.as_secs_f64());
                tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "job completed");
            }
            Err(err) => tracing::error!(error = %err, "job ran but its completion was not recorded; it will run again"),
        },
        Outcome::Ran(Err(failure)) => {
            if record_failure(source, delivery, &failure, &kind).await == Some(JobStatus::Dead) {
                handler.ended(job, JobStatus::Dead).await;
            }
        }
        Outcome::LeaseLost => {
            tracing::warn!("the job's lease was lost (taken over or re-driven); abandoning this run");
        }
        Outcome::Stopped => {
            tracing::warn!("shutting down: releasing the unfinished job to the queue");
            if let Err(err) = source.release(delivery).await {
                tracing::error!(error = %err, "could not release the job; it will be reclaimed after the visibility timeout");
            }
        }
    }
}

/// Records a failed attempt; returns the job's status after it, when recorded.
async fn record_failure(
    source: &dyn JobSource,
    delivery: &Delivery,
    failure: &JobFailure,
    kind: &str,
) -> Option<JobStatus> {
    match source.fail(delivery, failure).await {
        Ok(JobStatus::Dead) => {
            metrics::counter!("jobs_dead_total", "kind" => kind.to_owned()).increment(1);
            tracing::error!(error = %failure.message, retryable = failure.retryable, "job dead-lettered");
            Some(JobStatus::Dead)
        }
        Ok(status) => {
            metrics::counter!("jobs_failed_total", "kind" => kind.to_owned()).increment(1);
            tracing::warn!(error = %failure.message, "job failed; retry scheduled");
            Some(status)
        }
        Err(err) => {
            tracing::error!(error = %err, "could not record the job failure; it will be redelivered");
            None
        }
    }
}

/// Asks `source` to re-publish what its transport lost ([`JobSource::reconcile`])
/// now and then every `every`, until shutdown.
pub async fn reconcile_periodically(source: Arc<dyn JobSource>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => match source.reconcile().await {
                Ok(0) => tracing::debug!("job queue reconciled: nothing missing"),
                Ok(republished) => {
                    metrics::counter!("jobs_republished_total").increment(republished);
                    tracing::warn!(republished, "job queue reconciled: re-published jobs its transport had lost");
                }
                Err(err) => tracing::warn!(error = %err, "job queue reconciliation failed; retrying next tick"),
            },
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { return },
        }
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
