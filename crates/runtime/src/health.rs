//! Running the health checks and summarising them for `/status/health`.

use frontdesk_kernel::HealthCheck;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The state of one backing service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceState {
    /// Answered its ping.
    Ok,
    /// Did not answer (or answered wrong).
    Error,
    /// Not configured in this profile (e.g. Redis in the embedded default).
    Disabled,
}

impl ServiceState {
    /// `ok`, `error` or `disabled`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Disabled => "disabled",
        }
    }
}

/// The outcome of one round of checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthReport {
    /// Service name → state.
    pub services: BTreeMap<&'static str, ServiceState>,
}

impl HealthReport {
    /// True when no service is in error (disabled ones are fine).
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        !self.services.values().any(|s| *s == ServiceState::Error)
    }
}

/// Runs every check concurrently; `disabled` names services that are not configured.
pub async fn run(checks: &[Arc<dyn HealthCheck>], disabled: &[&'static str]) -> HealthReport {
    let mut tasks = tokio::task::JoinSet::new();
    for check in checks {
        let check = Arc::clone(check);
        tasks.spawn(async move {
            let outcome = check.check().await;
            if let Err(err) = &outcome {
                tracing::warn!(service = check.service(), error = %err.message, "health check failed");
            }
            (check.service(), if outcome.is_ok() { ServiceState::Ok } else { ServiceState::Error })
        });
    }
    let mut services: BTreeMap<&'static str, ServiceState> =
        disabled.iter().map(|name| (*name, ServiceState::Disabled)).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((service, state)) = joined {
            services.insert(service, state);
        }
    }
    HealthReport { services }
}
