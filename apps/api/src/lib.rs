//! The Frontdesk HTTP API (actix-web).
//!
//! This crate only wires: it reads settings, builds adapters through
//! `frontdesk-runtime`, hands them to the domain's use cases and maps the
//! domain's error codes to HTTP statuses in one place ([`error`]). There
//! is no SQL and no business rule here.

pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod startup;

pub use startup::Application;
