//! Integrations: a tenant's connections to outside systems.
//!
//! This crate owns what an integration is (kind, settings, sealed
//! credentials), its status lifecycle (`pending → active ⇄ error →
//! disconnected`), and the ports the adapters implement: the repository,
//! which only ever holds sealed credentials, and the [`SecretCipher`] that
//! seals and opens them. Sync jobs (push leads to a CRM, mirror bookings to
//! a calendar, fire webhooks) build on these.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod integration;
pub mod ports;
pub mod secret;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{IntegrationsError, Result};
pub use integration::{Integration, IntegrationId, IntegrationKind, IntegrationStatus, NewIntegration};
pub use ports::{IntegrationRepository, SecretCipher};
pub use secret::SealedSecret;

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suites run against the in-memory fakes.
    use crate::testing::{InMemoryIntegrations, TestCipher, contract};

    #[tokio::test]
    async fn in_memory_integrations_meet_the_contract() {
        contract::integrations(&InMemoryIntegrations::default()).await;
    }

    #[test]
    fn the_test_cipher_meets_the_cipher_contract() {
        contract::cipher(&TestCipher::default());
    }
}
