//! SQL queue tests against real PostgreSQL (a database per test) and real
//! SQLite (a file per test); every scenario runs on both.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod migrations;
mod queue;
mod store;
mod support;
