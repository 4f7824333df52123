//! Shared wiring of the two binaries (`frontdesk-api`, `frontdesk-worker`).
//!
//! Both binaries read the same environment, log the same way and connect
//! to the same stores; this crate holds that wiring once so they cannot
//! drift. It contains no business rules and no HTTP: it only turns
//! configuration into connected adapters behind domain ports.

pub mod busy;
pub mod google;
pub mod health;
pub mod integrations;
pub mod jobs;
pub mod maintenance;
pub mod memo;
pub mod memory;
pub mod metrics;
pub mod net;
pub mod services;
pub mod settings;
pub mod stores;
pub mod telemetry;
pub mod tenant_accounts;
pub mod webhooks;

pub use health::{HealthReport, ServiceState};
pub use settings::{AppEnv, JobBackendKind, LogFormat, Settings, SettingsError};
pub use stores::{StartupError, Stores};

/// Installs ring as the process-wide rustls crypto provider.
///
/// Must run before any TLS client is built (reqwest and sqlx with
/// `*-no-provider` features panic otherwise). Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
