//! In-memory adapters, a test cipher and port contract suites (feature `testing`).
//!
//! The in-memory repository follows the same rules as the SQL one and is
//! checked by the same suite in [`contract`]; [`contract::cipher`] checks
//! the crypto adapter and the [`TestCipher`] alike.

pub mod contract;
mod memory;
mod webhooks;

pub use memory::{
    InMemoryAppointmentLinks, InMemoryCursors, InMemoryEventLog, InMemoryIntegrations, InMemoryLinks,
    InMemoryTemplates, OneBooking, ScriptedChecks, TestCipher,
};
pub use webhooks::{InMemorySubscriptions, RecordedAlerts, ScriptedTransport, SentDelivery};

/// A tenant with one *active* integration, on the in-memory fakes.
pub struct ActiveIntegration {
    /// Its repository (for fan-outs that look integrations up).
    pub repo: std::sync::Arc<InMemoryIntegrations>,
    /// The use case holding it (its credentials open with [`TestCipher`] `k1`).
    pub integrations: std::sync::Arc<crate::Integrations>,
    /// The tenant.
    pub tenant: frontdesk_kernel::TenantId,
    /// The integration.
    pub id: crate::IntegrationId,
}

/// Creates an integration of `template`'s kind with `settings` for a new
/// tenant and passes its check, so it is active.
///
/// # Panics
/// When `settings` do not fit the template.
#[allow(clippy::unwrap_used, reason = "a test fixture: a failure is the test failing")]
pub async fn active_integration(
    template: crate::IntegrationTemplate,
    settings: serde_json::Value,
) -> ActiveIntegration {
    use std::sync::Arc;
    let repo = Arc::new(InMemoryIntegrations::default());
    let (kind, name) = (template.kind.as_str().to_owned(), template.name.clone());
    let integrations = Arc::new(crate::Integrations::new(
        repo.clone(),
        Arc::new(InMemoryTemplates(vec![template])),
        Arc::new(TestCipher::new("k1")),
        Arc::new(ScriptedChecks::new(vec![])),
        Arc::new(frontdesk_kernel::SystemClock),
    ));
    let tenant = frontdesk_kernel::TenantId::new();
    let input = crate::NewIntegration { kind, name, settings: Some(settings) };
    let id = integrations.create(tenant, input).await.unwrap().id;
    integrations.test(tenant, id).await.unwrap();
    ActiveIntegration { repo, integrations, tenant, id }
}
