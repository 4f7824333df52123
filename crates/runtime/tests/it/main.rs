//! Integration tests of the runtime wiring (one test binary for the crate):
//! the worker loop against a real queue, and the maintenance purges.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod jobs;
mod maintenance;
