//! The health-check port: one implementation per backing service.
//!
//! `/status/health` and `/health/ready` run every registered check; a
//! check must answer quickly and really touch its service (a `SELECT 1`,
//! a `PING`), because a health route that never fails protects nothing.

use async_trait::async_trait;

/// Why a service is unhealthy.
#[derive(Debug, thiserror::Error)]
#[error("{service} unhealthy: {message}")]
pub struct HealthError {
    /// The service name (`database`, `redis`).
    pub service: &'static str,
    /// What went wrong.
    pub message: String,
}

/// Checks that one backing service answers.
#[async_trait]
pub trait HealthCheck: Send + Sync + 'static {
    /// The service name as shown in `/status/health` (`database`, `redis`).
    fn service(&self) -> &'static str;

    /// Pings the service.
    ///
    /// # Errors
    /// [`HealthError`] when it does not answer correctly.
    async fn check(&self) -> Result<(), HealthError>;
}
