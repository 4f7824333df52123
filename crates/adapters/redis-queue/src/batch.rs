//! [`StatusBatcher`]: group commit for the job store. Every claim starts its
//! job in the store and every success completes it there; one statement and
//! one commit each capped the queue at what PostgreSQL commits per second
//! (~1,400 no-op jobs/s, while Redis idled). Here the starts (and, apart,
//! the completions) of every claimer in the process that arrive while the
//! previous batches are being written go out together as one
//! [`JobStore::start_many`] / [`JobStore::complete_many`]; up to [`WRITERS`]
//! batches of each kind are in flight at once, so one commit's wait does not
//! hold up the next batch. Nothing waits for a timer: a lone job is written
//! at once, and batches grow only with load.
//!
//! A job the batch leaves out (not waiting, a stale attempt, unknown) is
//! answered "ask again": the caller repeats the single-job call, which
//! tells those cases apart. A failed batch fails every caller in it, as the
//! single call would have.

use chrono::Utc;
use frontdesk_kernel::jobs::{Completion, JobError, JobId, JobRecord, JobStore};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most jobs written by one statement.
const BATCH_MAX: usize = 256;

/// Batches of one kind written at once: while one waits for its commit the
/// next may go, so a process's throughput is not one commit at a time.
const WRITERS: usize = 2;

/// A batch statement failed (its cause, shared by every caller in it).
#[derive(Debug, thiserror::Error)]
#[error("job store batch failed: {0}")]
struct BatchFailed(String);

type Reply<T> = oneshot::Sender<Result<T, String>>;

/// Handles to the two batch writers (tasks that end with the last handle).
#[derive(Debug)]
pub(crate) struct StatusBatcher {
    starts: mpsc::UnboundedSender<(JobId, Reply<Option<JobRecord>>)>,
    completions: mpsc::UnboundedSender<(Completion, Reply<bool>)>,
}

impl StatusBatcher {
    /// Spawns the writers over `store` (needs a Tokio runtime).
    pub(crate) fn spawn(store: Arc<dyn JobStore>) -> Self {
        let (starts, start_rx) = mpsc::unbounded_channel();
        let (completions, completion_rx) = mpsc::unbounded_channel();
        tokio::spawn(write_starts(Arc::clone(&store), start_rx));
        tokio::spawn(write_completions(store, completion_rx));
        Self { starts, completions }
    }

    /// The job as started, or `None`: not started by the batch (ask [`JobStore::start`]).
    pub(crate) async fn start(&self, id: JobId) -> Result<Option<JobRecord>, JobError> {
        let (reply, answer) = oneshot::channel();
        if self.starts.send((id, reply)).is_err() {
            return Ok(None);
        }
        answer.await.unwrap_or(Ok(None)).map_err(|cause| JobError::unavailable(BatchFailed(cause)))
    }

    /// Whether the batch completed it; false: ask [`JobStore::transition_running`].
    pub(crate) async fn complete(&self, done: Completion) -> Result<bool, JobError> {
        let (reply, answer) = oneshot::channel();
        if self.completions.send((done, reply)).is_err() {
            return Ok(false);
        }
        answer.await.unwrap_or(Ok(false)).map_err(|cause| JobError::unavailable(BatchFailed(cause)))
    }
}

/// Waits for one request, then takes whatever else is queued (up to [`BATCH_MAX`]).
async fn next_batch<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < BATCH_MAX {
        match rx.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Until the senders are gone: waits for one of `writers` to be free, then
/// for the next batch, and writes it in a task of its own.
pub(crate) async fn each_batch<T: Send + 'static, F>(
    mut rx: mpsc::UnboundedReceiver<T>,
    writers: usize,
    write: impl Fn(Vec<T>) -> F,
) where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let writers = Arc::new(tokio::sync::Semaphore::new(writers));
    loop {
        let Ok(writer) = Arc::clone(&writers).acquire_owned().await else { return };
        let Some(batch) = next_batch(&mut rx).await else { return };
        let written = write(batch);
        tokio::spawn(async move {
            written.await;
            drop(writer);
        });
    }
}

async fn write_starts(store: Arc<dyn JobStore>, rx: mpsc::UnboundedReceiver<(JobId, Reply<Option<JobRecord>>)>) {
    each_batch(rx, WRITERS, move |batch| start_batch(Arc::clone(&store), batch)).await;
}

async fn start_batch(store: Arc<dyn JobStore>, batch: Vec<(JobId, Reply<Option<JobRecord>>)>) {
    let ids: Vec<JobId> = batch.iter().map(|(id, _)| *id).collect();
    match store.start_many(&ids, Utc::now()).await {
        Ok(started) => {
            let mut started: HashMap<JobId, JobRecord> =
                started.into_iter().map(|record| (record.job.id, record)).collect();
            for (id, reply) in batch {
                let _ = reply.send(Ok(started.remove(&id)));
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, jobs = ids.len(), "could not start a batch of jobs");
            let cause = err.to_string();
            for (_, reply) in batch {
                let _ = reply.send(Err(cause.clone()));
            }
        }
    }
}

async fn write_completions(store: Arc<dyn JobStore>, rx: mpsc::UnboundedReceiver<(Completion, Reply<bool>)>) {
    each_batch(rx, WRITERS, move |batch| complete_batch(Arc::clone(&store), batch)).await;
}

async fn complete_batch(store: Arc<dyn JobStore>, batch: Vec<(Completion, Reply<bool>)>) {
    let (done, replies): (Vec<Completion>, Vec<Reply<bool>>) = batch.into_iter().unzip();
    match store.complete_many(&done, Utc::now()).await {
        Ok(completed) => {
            let completed: HashSet<JobId> = completed.into_iter().collect();
            for (item, reply) in done.iter().zip(replies) {
                let _ = reply.send(Ok(completed.contains(&item.id)));
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, jobs = done.len(), "could not complete a batch of jobs");
            let cause = err.to_string();
            for reply in replies {
                let _ = reply.send(Err(cause.clone()));
            }
        }
    }
}
