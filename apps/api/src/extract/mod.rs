//! Request extractors: what a handler asks for by type, apart from middleware.
//!
//! Middleware wraps every request (request id, security headers, rate
//! limits, the control-character guard); an extractor runs only for the
//! handlers that name it and turns part of the request into a typed value or
//! an error in the API format:
//!
//! * [`auth::Authenticated`] — the verified bearer token's actor;
//! * [`tenant::TenantScope`] / [`tenant::ManagerScope`] — the tenant a request acts in, and the role it needs;
//! * [`client_ip`] — the client address behind trusted proxies;
//! * [`config`] — JSON, path and query extractor configuration (limits and error mapping);
//! * [`optional_json::OptionalJson`] — a body that may be absent, but is checked when sent;
//! * [`upload`] — a multipart upload read within its bounds.
//!
//! Vendor webhook signature checks (Twilio, Postmark, GoHighLevel) belong
//! here too, as extractors of the verified payload.

pub mod auth;
pub mod client_ip;
pub mod config;
pub mod optional_json;
pub mod tenant;
pub mod twilio;
pub mod upload;
