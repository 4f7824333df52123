//! Integrations: a tenant's connections to outside systems.
//!
//! This crate owns what an integration is (kind, settings, sealed
//! credentials), the templates that say what each kind needs (a JSON
//! Schema and which fields are secret), the status lifecycle (`pending →
//! active ⇄ error → disconnected`), the use case that creates, checks and
//! disconnects integrations and rotates the key their secrets are sealed
//! under, and the ports the adapters implement: the repository, which only
//! ever holds sealed credentials, the [`SecretCipher`] that seals and opens
//! them, and the [`ConnectionCheck`] that tries them against the vendor.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod appointments;
pub mod calendar_sync;
pub mod crm;
pub mod error;
mod fanout;
pub mod integration;
pub mod lease;
pub mod outbound;
pub mod ports;
pub mod secret;
pub mod service;
pub mod template;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{IntegrationsError, Result};
pub use integration::{Integration, IntegrationId, IntegrationKind, IntegrationStatus};
pub use ports::{
    AnyUrl, CheckOutcome, ConnectionCheck, IntegrationRepository, SecretCipher, TemplateSource, UrlPolicy,
};
pub use secret::{SealedSecret, Secrets};
pub use service::{Credentials, IntegrationChange, Integrations, NewIntegration, RotationReport};
pub use template::{IntegrationTemplate, SplitSettings, TemplateCatalog};
pub use webhooks::{EventLog, ExternalLinks, InboundEvents, InboundParts, Receipt, WebhookSignatures};

#[cfg(all(test, feature = "testing"))]
mod service_tests;

#[cfg(all(test, feature = "testing"))]
mod webhooks_tests;

#[cfg(all(test, feature = "testing"))]
mod outbound_tests;

#[cfg(all(test, feature = "testing"))]
mod crm_tests;

#[cfg(all(test, feature = "testing"))]
mod calendar_tests;

#[cfg(all(test, feature = "testing"))]
mod appointments_tests;

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suites run against the in-memory fakes.
    use crate::testing::{InMemoryIntegrations, TestCipher, contract};

    #[tokio::test]
    async fn in_memory_integrations_meet_the_contract() {
        let tenants = [frontdesk_kernel::TenantId::new(), frontdesk_kernel::TenantId::new()];
        contract::integrations(&InMemoryIntegrations::default(), tenants).await;
    }

    #[tokio::test]
    async fn in_memory_appointment_links_meet_the_contract() {
        let ids = [crate::IntegrationId::new(), crate::IntegrationId::new()];
        let links = crate::testing::InMemoryAppointmentLinks::default();
        contract::appointment_links(&links, frontdesk_kernel::TenantId::new(), ids).await;
    }

    #[tokio::test]
    async fn in_memory_inbound_stores_meet_the_contract() {
        use crate::IntegrationId;
        use crate::testing::{InMemoryEventLog, InMemoryLinks};
        let ids = [IntegrationId::new(), IntegrationId::new()];
        contract::inbound(
            &InMemoryEventLog::default(),
            &InMemoryLinks::default(),
            frontdesk_kernel::TenantId::new(),
            ids,
        )
        .await;
    }

    #[tokio::test]
    async fn in_memory_subscriptions_meet_the_contract() {
        let tenants = [frontdesk_kernel::TenantId::new(), frontdesk_kernel::TenantId::new()];
        contract::subscriptions(&crate::testing::InMemorySubscriptions::default(), tenants).await;
    }

    #[test]
    fn the_test_cipher_meets_the_cipher_contract() {
        contract::cipher(&TestCipher::new("t1"), &TestCipher::new("t2"));
    }
}
