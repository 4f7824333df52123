//! The Frontdesk background worker.
//!
//! It connects to the same stores as the api, runs background tasks and
//! serves only `/health/live`, `/health/ready` and `/metrics` on
//! `WORKER_PORT`. The durable job queue (Redis Streams / SQL) plugs into
//! [`tasks`] in a later issue; today the worker runs the periodic
//! maintenance tasks (purging expired refresh tokens).

pub mod startup;
pub mod tasks;

pub use startup::Worker;
