//! The job queue on the SQL store, and the SQL [`JobStore`] that every queue
//! backend keeps job status in.
//!
//! # Why a queue in SQL
//!
//! The embedded profile (one process, a SQLite file) has no Redis, and a
//! small PostgreSQL deployment should not need one just for background
//! jobs. The kernel's job ports ([`frontdesk_kernel::jobs`]) hide which
//! backend carries jobs; this crate carries them as rows of `jobs`
//! (migration `m20261124_000007_jobs`), the pattern of
//! `FOR UPDATE SKIP LOCKED` queues (see ADR 0002).
//!
//! # What is here
//!
//! * [`SqlJobStore`] — [`JobStore`] over `jobs`: insert (idempotent per
//!   tenant on `idempotency_key`, decided by a partial unique index, so
//!   racing enqueues still yield one job), tenant-scoped `get`, worker-side
//!   `find`, `transition` and progress. It assumes nothing about how jobs
//!   are carried: the Redis queue records status through it too.
//! * [`SqlJobQueue`] with [`SqlQueueConfig`] — one named queue implementing
//!   [`JobQueue`] (enqueue, enqueue at a time, status) and
//!   [`JobSource`] (claim, complete, fail, release, redrive, depth).
//!
//! # Semantics
//!
//! * **Claim** is one statement: the oldest due job of the queue (`queued` or
//!   `failed` with `run_at` passed, or `running` with an expired lease — a
//!   crashed runner's job) becomes `running`, `attempts + 1`, with
//!   `lease_until = now + visibility_timeout` and a fresh `lease_token`, which
//!   is the [`Delivery`](frontdesk_kernel::jobs::Delivery) receipt. PostgreSQL
//!   picks with `FOR UPDATE SKIP LOCKED` (workers never wait on, nor share, a
//!   row); SQLite's single writer makes the same statement atomic. With
//!   nothing due, a claim waits until its `wait` is up, woken at once when a
//!   due job is queued — by this process directly, by other processes
//!   through PostgreSQL `NOTIFY frontdesk_jobs` (a `LISTEN` task per queue)
//!   — and polling every `poll_interval` as the backstop (jobs that become
//!   due later, a lost notification, SQLite across processes).
//! * **Acknowledgements** (`complete`, `fail`, `release`) apply only while the
//!   delivery's lease token is still the row's: a runner whose lease expired
//!   and whose job was claimed again gets `Ok` and a warning, and changes
//!   nothing. `fail` schedules a retry at `now + backoff.delay(attempts,
//!   jitter)` (status `failed`) or dead-letters (status `dead`) once attempts
//!   are spent or the failure is permanent; the error is kept either way.
//!   `release` (a worker shutting down) puts the job back due at once without
//!   counting the attempt.
//! * **A job that kills its runner on every attempt** is not reclaimed
//!   forever: once its lease expires on its last attempt, or for the
//!   `max_interruptions + 1`-th time (a poison job; interruptions are counted
//!   in `jobs.interruptions`, apart from attempts), claims (which sweep for
//!   such jobs at most every `min(visibility_timeout, 5 s)`) dead-letter it
//!   with an error saying so.
//! * **`extend`** renews a delivery's lease (by its token) while its handler
//!   runs, so a long job keeps its runner.
//! * **`redrive`** moves dead jobs back to `queued` with a fresh attempt
//!   budget; **`depth`** counts ready, delayed, running and dead jobs of the
//!   queue.
//!
//! Delivery is at-least-once (a lease can expire under a runner that stalls
//! longer than `visibility_timeout` between two renewals).
//! Handlers make effects idempotent by inserting `(job_id, step)` into
//! `job_effects` in the same transaction as the effect and skipping the step
//! when the row exists.
//!
//! Lease and due times come from the worker's clock, so the hosts sharing a
//! queue need synchronized clocks (NTP) — skew shortens or lengthens leases.
//! Every timestamp is written at microsecond precision, what PostgreSQL
//! keeps, so rows read back identically on both backends.
//!
//! The crate takes a plain [`sea_orm::DatabaseConnection`] (e.g.
//! `SqlStore::connection()` of the SeaORM adapter) rather than that adapter's
//! types, so adapters stay independent of one another.

mod entity;
mod queue;
mod store;
mod time;

pub use queue::{SqlJobQueue, SqlQueueConfig};
pub use store::SqlJobStore;

#[cfg(doc)]
use frontdesk_kernel::jobs::{JobQueue, JobSource, JobStore};
