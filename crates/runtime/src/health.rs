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
    // Every configured service starts as `Error`: a check that panics or is
    // cancelled must read as unhealthy, never vanish from the report.
    for check in checks {
        services.insert(check.service(), ServiceState::Error);
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((service, state)) = joined {
            services.insert(service, state);
        }
    }
    HealthReport { services }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use frontdesk_kernel::HealthError;

    struct Fixed(&'static str, bool);

    #[async_trait]
    impl HealthCheck for Fixed {
        fn service(&self) -> &'static str {
            self.0
        }
        async fn check(&self) -> Result<(), HealthError> {
            if self.1 { Ok(()) } else { Err(HealthError { service: self.0, message: "down".into() }) }
        }
    }

    struct Panics;

    #[async_trait]
    impl HealthCheck for Panics {
        fn service(&self) -> &'static str {
            "flaky"
        }
        async fn check(&self) -> Result<(), HealthError> {
            panic!("a bug in a health check")
        }
    }

    #[tokio::test]
    async fn report_lists_ok_error_and_disabled_services() {
        let checks: Vec<Arc<dyn HealthCheck>> =
            vec![Arc::new(Fixed("database", true)), Arc::new(Fixed("queue", false))];
        let report = run(&checks, &["redis"]).await;
        assert_eq!(report.services["database"], ServiceState::Ok);
        assert_eq!(report.services["queue"], ServiceState::Error);
        assert_eq!(report.services["redis"], ServiceState::Disabled);
        assert!(!report.is_healthy());
    }

    #[tokio::test]
    async fn a_panicking_check_reads_as_an_error_not_as_healthy() {
        let checks: Vec<Arc<dyn HealthCheck>> = vec![Arc::new(Fixed("database", true)), Arc::new(Panics)];
        let report = run(&checks, &[]).await;
        assert_eq!(report.services["flaky"], ServiceState::Error);
        assert!(!report.is_healthy());
    }
}
