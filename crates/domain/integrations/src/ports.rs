//! The ports the integrations domain needs: storage and a credential cipher.
//!
//! Repositories only ever see sealed credentials; sealing and opening
//! happen in use cases through [`SecretCipher`], so a repository (or its
//! logs, or a database dump) never handles plaintext. Tenant-scoped
//! methods take the [`TenantId`] first and another tenant's integration is
//! `NotFound`.

use crate::error::Result;
use crate::integration::{Integration, IntegrationId, IntegrationStatus};
use crate::secret::SealedSecret;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::TenantId;

/// Integrations.
#[async_trait]
pub trait IntegrationRepository: Send + Sync + 'static {
    /// Stores a new integration (in `integration.tenant_id`).
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, integration: &Integration) -> Result<()>;

    /// The integration `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: IntegrationId) -> Result<Integration>;

    /// Every integration of `tenant` (disconnected ones included), oldest first.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId) -> Result<Vec<Integration>>;

    /// Moves the integration `id` of `tenant` to `to` at `at` (see
    /// [`IntegrationStatus::can_transition_to`]) and returns it as stored.
    /// The check and the write are atomic (a conditional update in SQL).
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`]; `InvalidTransition`; `Storage`.
    async fn update_status(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        to: IntegrationStatus,
        at: DateTime<Utc>,
    ) -> Result<Integration>;
}

/// Authenticated encryption of credentials at rest.
///
/// Synchronous: sealing is CPU work on a few hundred bytes with a key held
/// in memory, like token signing.
pub trait SecretCipher: Send + Sync + 'static {
    /// Encrypts `plaintext`. Sealing the same plaintext twice gives different
    /// bytes (a fresh nonce each time).
    ///
    /// # Errors
    /// `Crypto` when the cipher fails.
    fn seal(&self, plaintext: &[u8]) -> Result<SealedSecret>;

    /// Decrypts and authenticates `sealed`.
    ///
    /// # Errors
    /// `Crypto` when the bytes were not sealed by this key or were altered.
    fn open(&self, sealed: &SealedSecret) -> Result<Vec<u8>>;
}
