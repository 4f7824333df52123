//! Background jobs: the envelope, its life cycle, the retry policy and the ports.
//!
//! Delivery is **at-least-once**: a job may run again after a crash, a lost
//! acknowledgement or a lease expiry. Handlers therefore make their effect
//! idempotent (record it keyed by job id, in the same transaction as the
//! effect). Everything that varies between backends (Redis Streams, SQL
//! rows) sits behind two ports:
//!
//! * [`JobQueue`] — what producers see: enqueue (idempotent on
//!   `idempotency_key`), enqueue at a time, and read a job's status.
//! * [`JobSource`] — what the worker loop sees: claim the next due job,
//!   then complete, fail (retry with [`Backoff`] or dead-letter) or release it.
//!
//! Each kind of job is a [`JobKind`]: one type fixing its kind string, its
//! payload and its result, shared by the producer, the handler and readers.
//!
//! Status, result, error and progress are always persisted in the SQL
//! store ([`JobStore`], table `jobs`), so `GET /api/v1/jobs/{id}` works the
//! same on every backend and survives a Redis restart.

mod backoff;
mod kind;
mod model;
mod ports;

pub use backoff::Backoff;
pub use kind::JobKind;
pub use model::{Job, JobId, JobRecord, JobStatus, NewJob, Progress};
pub use ports::{
    Completion, Delivery, Enqueued, JobError, JobFailure, JobHandler, JobQueue, JobSource, JobStore, ProgressSink,
    QueueDepth, StatusChange,
};
