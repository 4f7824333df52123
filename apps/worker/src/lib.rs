//! The Frontdesk background worker.
//!
//! It connects to the same stores as the api, runs the job loop
//! (`frontdesk_runtime::jobs`, `WORKER_CONCURRENCY` jobs at once from
//! `JOB_QUEUE`) and the periodic purges (`frontdesk_runtime::maintenance`),
//! and serves only `/health/live`, `/health/ready` and `/metrics` on
//! `WORKER_PORT`.

pub mod startup;

pub use startup::Worker;
