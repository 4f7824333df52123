//! Black-box tests of the api over real HTTP, in both profiles:
//! embedded (SQLite file + in-process cache) and PostgreSQL + Redis.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod admins;
mod api_key;
mod bookings;
mod channels;
mod errors;
mod faults;
mod files;
mod hardening;
mod headers;
mod helpers;
mod integrations;
mod leads;
mod lockout;
mod openapi;
mod outbound_webhooks;
mod processes;
mod rate_limits;
mod receptionist;
mod register;
mod sessions;
mod status;
mod subaccounts;
mod transfer;
mod users;
mod widget;
