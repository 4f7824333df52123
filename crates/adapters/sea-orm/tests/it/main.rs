//! SeaORM adapter tests against real PostgreSQL (a database per test) and real SQLite (a file per test).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod bookings;
mod contracts;
mod leads;
mod migrations;
mod support;
