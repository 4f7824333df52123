//! In-memory implementations of the integrations ports.

use crate::error::{IntegrationsError, Result};
use crate::integration::{Integration, IntegrationId, IntegrationStatus};
use crate::ports::{IntegrationRepository, SecretCipher};
use crate::secret::SealedSecret;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::testing::lock;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const NOT_FOUND: IntegrationsError = IntegrationsError::NotFound { entity: "integration" };

/// Integrations in a `Vec`; status checks and writes happen under one lock.
#[derive(Debug, Default)]
pub struct InMemoryIntegrations(Mutex<Vec<Integration>>);

#[async_trait]
impl IntegrationRepository for InMemoryIntegrations {
    async fn insert(&self, integration: &Integration) -> Result<()> {
        lock(&self.0).push(integration.clone());
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: IntegrationId) -> Result<Integration> {
        lock(&self.0).iter().find(|i| i.tenant_id == tenant && i.id == id).cloned().ok_or(NOT_FOUND)
    }

    async fn list(&self, tenant: TenantId) -> Result<Vec<Integration>> {
        let mut found: Vec<_> = lock(&self.0).iter().filter(|i| i.tenant_id == tenant).cloned().collect();
        found.sort_by_key(|i| (i.created_at, i.id));
        Ok(found)
    }

    async fn update_status(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        to: IntegrationStatus,
        at: DateTime<Utc>,
    ) -> Result<Integration> {
        let mut all = lock(&self.0);
        let integration = all.iter_mut().find(|i| i.tenant_id == tenant && i.id == id).ok_or(NOT_FOUND)?;
        integration.transition(to, at)?;
        Ok(integration.clone())
    }
}

/// A toy cipher for tests: hides the plaintext, varies per seal and detects
/// tampering, but offers no secrecy at all. Never wire it into a binary.
#[derive(Debug, Default)]
pub struct TestCipher {
    seals: AtomicU64,
}

const MAGIC: &[u8; 4] = b"TST1";

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_mul(31).wrapping_add(*b))
}

fn mask(nonce: &[u8], index: usize) -> u8 {
    nonce[index % nonce.len()] ^ 0xA5 ^ (index as u8)
}

impl SecretCipher for TestCipher {
    fn seal(&self, plaintext: &[u8]) -> Result<SealedSecret> {
        let nonce = self.seals.fetch_add(1, Ordering::Relaxed).to_le_bytes();
        let mut sealed = MAGIC.to_vec();
        sealed.extend_from_slice(&nonce);
        sealed.extend(plaintext.iter().enumerate().map(|(i, b)| b ^ mask(&nonce, i)));
        sealed.push(checksum(&sealed));
        Ok(SealedSecret::from_bytes(sealed))
    }

    fn open(&self, sealed: &SealedSecret) -> Result<Vec<u8>> {
        let bytes = sealed.as_bytes();
        let failure = || IntegrationsError::Crypto { message: "not sealed by this cipher, or altered".into() };
        let (sum, body) = bytes.split_last().ok_or_else(failure)?;
        if body.len() < 12 || &body[..4] != MAGIC || checksum(body) != *sum {
            return Err(failure());
        }
        let nonce = &body[4..12];
        Ok(body[12..].iter().enumerate().map(|(i, b)| b ^ mask(nonce, i)).collect())
    }
}
