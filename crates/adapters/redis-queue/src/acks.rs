//! [`AckBatcher`]: the Redis half of a success, grouped like its SQL half
//! ([`crate::batch`]). Every completed job was one `SETTLE` script of its
//! own; here the acknowledgements of every claimer in the process that
//! arrive while the previous batch is being sent go out as one
//! [`scripts::ACK_MANY`]. No timer: a lone acknowledgement is sent at once.
//! A failed batch fails every caller in it, as the single script would have.

use crate::batch::each_batch;
use crate::connection::Connector;
use crate::keys::{GROUP, QueueKeys};
use crate::scripts;
use frontdesk_kernel::jobs::{JobError, JobId};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// An acknowledgement batch failed (its cause, shared by every caller in it).
#[derive(Debug, thiserror::Error)]
#[error("redis acknowledgement batch failed: {0}")]
struct AckFailed(String);

type Request = (String, JobId, oneshot::Sender<Result<bool, String>>);

/// The handle to the writer task (which ends with the last handle).
#[derive(Debug)]
pub(crate) struct AckBatcher {
    requests: mpsc::UnboundedSender<Request>,
}

impl AckBatcher {
    /// Spawns the writer over `pool` (needs a Tokio runtime).
    pub(crate) fn spawn(pool: bb8::Pool<Connector>, keys: Arc<QueueKeys>, timeout: Duration) -> Self {
        let (requests, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_acks(pool, keys, timeout, rx));
        Self { requests }
    }

    /// Acknowledges and deletes `entry` of job `id`, dropping its marker;
    /// whether it was still pending.
    pub(crate) async fn ack(&self, entry: &str, id: JobId) -> Result<bool, JobError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send((entry.to_owned(), id, reply))
            .map_err(|_| JobError::unavailable(AckFailed("the acknowledgement writer stopped".into())))?;
        answer
            .await
            .unwrap_or_else(|_| Err("the acknowledgement writer stopped".into()))
            .map_err(|cause| JobError::unavailable(AckFailed(cause)))
    }
}

async fn write_acks(
    pool: bb8::Pool<Connector>,
    keys: Arc<QueueKeys>,
    timeout: Duration,
    rx: mpsc::UnboundedReceiver<Request>,
) {
    // One batch at a time, as before the status batches got a second writer.
    each_batch(rx, 1, move |batch| send_acks(pool.clone(), Arc::clone(&keys), timeout, batch)).await;
}

async fn send_acks(pool: bb8::Pool<Connector>, keys: Arc<QueueKeys>, timeout: Duration, batch: Vec<Request>) {
    let sent = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        conn.set_response_timeout(timeout);
        let mut invocation = scripts::ACK_MANY.key(&keys.stream);
        invocation.arg(GROUP);
        for (entry, id, _) in &batch {
            invocation.key(keys.enqueued(*id)).arg(entry);
        }
        invocation.invoke_async::<Vec<i64>>(&mut *conn).await.map_err(|e| e.to_string())
    }
    .await;
    match sent {
        Ok(pending) => {
            for (n, (_, _, reply)) in batch.into_iter().enumerate() {
                let _ = reply.send(Ok(pending.get(n) == Some(&1)));
            }
        }
        Err(cause) => {
            tracing::warn!(error = %cause, entries = batch.len(), "could not acknowledge a batch of completed jobs");
            for (_, _, reply) in batch {
                let _ = reply.send(Err(cause.clone()));
            }
        }
    }
}
