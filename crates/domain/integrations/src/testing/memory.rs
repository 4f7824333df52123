//! In-memory implementations of the integrations ports.

use crate::error::{IntegrationsError, Result};
use crate::integration::{Integration, IntegrationId, IntegrationKind, IntegrationStatus};
use crate::ports::{CheckOutcome, ConnectionCheck, IntegrationRepository, SecretCipher, TemplateSource};
use crate::secret::{SealedSecret, Secrets};
use crate::template::IntegrationTemplate;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::testing::lock;
use frontdesk_kernel::{JsonObject, Page, PageRequest, TenantId};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const NOT_FOUND: IntegrationsError = IntegrationsError::NotFound { entity: "integration" };

/// Integrations in a `Vec`; every check and write happens under one lock.
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

    async fn find(&self, id: IntegrationId) -> Result<Integration> {
        lock(&self.0).iter().find(|i| i.id == id).cloned().ok_or(NOT_FOUND)
    }

    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Integration>> {
        let mut found: Vec<_> = lock(&self.0).iter().filter(|i| i.tenant_id == tenant).cloned().collect();
        found.sort_by_key(|i| (i.created_at, i.id));
        let total = found.len() as u64;
        let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
        let data = found.into_iter().skip(offset).take(page.limit() as usize).collect();
        Ok(Page::new(data, page, total))
    }

    async fn update(&self, integration: &Integration, seen: DateTime<Utc>) -> Result<()> {
        let mut all = lock(&self.0);
        let stored =
            all.iter_mut().find(|i| i.tenant_id == integration.tenant_id && i.id == integration.id).ok_or(NOT_FOUND)?;
        if stored.updated_at != seen {
            return Err(IntegrationsError::Conflict);
        }
        *stored = Integration { created_at: stored.created_at, kind: stored.kind, ..integration.clone() };
        Ok(())
    }

    async fn active_of_kind(&self, tenant: TenantId, kind: IntegrationKind) -> Result<Option<Integration>> {
        Ok(lock(&self.0)
            .iter()
            .filter(|i| i.tenant_id == tenant && i.kind == kind && i.status == IntegrationStatus::Active)
            .max_by_key(|i| (i.created_at, i.id))
            .cloned())
    }

    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        after: Option<IntegrationId>,
        limit: u32,
    ) -> Result<Vec<Integration>> {
        let mut found: Vec<_> = lock(&self.0)
            .iter()
            .filter(|i| !i.sealed_credentials.is_empty() && i.sealed_credentials.key_id() != key_id)
            .filter(|i| after.is_none_or(|after| i.id > after))
            .cloned()
            .collect();
        found.sort_by_key(|i| i.id);
        found.truncate(limit as usize);
        Ok(found)
    }

    async fn reseal(
        &self,
        id: IntegrationId,
        from_key: &str,
        seen: DateTime<Utc>,
        sealed: &SealedSecret,
    ) -> Result<bool> {
        let mut all = lock(&self.0);
        match all.iter_mut().find(|i| i.id == id && i.sealed_credentials.key_id() == from_key && i.updated_at == seen) {
            Some(i) if !i.sealed_credentials.is_empty() => {
                i.sealed_credentials = sealed.clone();
                i.updated_at = seen + chrono::Duration::milliseconds(1);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// A fixed list of templates.
#[derive(Debug, Default)]
pub struct InMemoryTemplates(pub Vec<IntegrationTemplate>);

#[async_trait]
impl TemplateSource for InMemoryTemplates {
    async fn templates(&self) -> Result<Vec<IntegrationTemplate>> {
        Ok(self.0.clone())
    }
}

/// A reversible, **insecure** cipher for tests: it hides the plaintext from
/// a casual byte search and detects alteration, key and context mismatches,
/// like the real one, with no cryptographic strength at all.
#[derive(Debug)]
pub struct TestCipher {
    key_id: String,
    older: Vec<String>,
    seals: AtomicU64,
}

impl TestCipher {
    /// A cipher sealing under `key_id`.
    #[must_use]
    pub fn new(key_id: &str) -> Self {
        Self { key_id: key_id.to_owned(), older: Vec::new(), seals: AtomicU64::new(1) }
    }

    /// The same, also opening what `older` sealed (a rotated key ring).
    #[must_use]
    pub fn also_opening(mut self, older: &str) -> Self {
        self.older.push(older.to_owned());
        self
    }
}

const MAGIC: &[u8; 4] = b"TSC1";

fn checksum(parts: &[&[u8]]) -> u8 {
    parts.iter().flat_map(|p| p.iter().chain([&0xFF])).fold(0u8, |sum, b| sum.wrapping_mul(31).wrapping_add(*b))
}

fn mask(nonce: &[u8], index: usize) -> u8 {
    #[allow(clippy::cast_possible_truncation, reason = "a test mask")]
    let i = index as u8;
    nonce[index % nonce.len()] ^ 0xA5 ^ i
}

impl SecretCipher for TestCipher {
    fn current_key_id(&self) -> &str {
        &self.key_id
    }

    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<SealedSecret> {
        let nonce = self.seals.fetch_add(1, Ordering::Relaxed).to_le_bytes();
        let mut sealed = MAGIC.to_vec();
        sealed.extend_from_slice(&nonce);
        sealed.extend(plaintext.iter().enumerate().map(|(i, b)| b ^ mask(&nonce, i)));
        sealed.push(checksum(&[self.key_id.as_bytes(), context, &sealed]));
        Ok(SealedSecret::new(self.key_id.clone(), sealed))
    }

    fn open(&self, sealed: &SealedSecret, context: &[u8]) -> Result<Vec<u8>> {
        let failure = || IntegrationsError::Crypto { message: "not sealed by this cipher, or altered".into() };
        let key = sealed.key_id();
        if key != self.key_id && !self.older.iter().any(|k| k == key) {
            return Err(IntegrationsError::Crypto { message: format!("unknown key {key:?}") });
        }
        let (sum, body) = sealed.as_bytes().split_last().ok_or_else(failure)?;
        if body.len() < 12 || &body[..4] != MAGIC || checksum(&[key.as_bytes(), context, body]) != *sum {
            return Err(failure());
        }
        let nonce = &body[4..12];
        Ok(body[12..].iter().enumerate().map(|(i, b)| b ^ mask(nonce, i)).collect())
    }
}

/// A connection check answering from a script, recording what it was given.
#[derive(Debug, Default)]
pub struct ScriptedChecks {
    outcomes: Mutex<Vec<CheckOutcome>>,
    seen: Mutex<Vec<(IntegrationKind, JsonObject, Secrets)>>,
}

impl ScriptedChecks {
    /// Answers `outcomes` in order (then `Connected("ok")`).
    #[must_use]
    pub fn new(outcomes: Vec<CheckOutcome>) -> Self {
        Self { outcomes: Mutex::new(outcomes), seen: Mutex::default() }
    }

    /// Every call so far: kind, settings, opened secrets.
    #[must_use]
    pub fn seen(&self) -> Vec<(IntegrationKind, JsonObject, Secrets)> {
        lock(&self.seen).clone()
    }
}

#[async_trait]
impl ConnectionCheck for ScriptedChecks {
    async fn check(
        &self,
        kind: IntegrationKind,
        settings: &JsonObject,
        secrets: &Secrets,
        _budget: Duration,
    ) -> CheckOutcome {
        lock(&self.seen).push((kind, settings.clone(), secrets.clone()));
        let mut outcomes = lock(&self.outcomes);
        if outcomes.is_empty() { CheckOutcome::Connected("ok".into()) } else { outcomes.remove(0) }
    }
}

/// Received vendor events in a set.
#[derive(Debug, Default)]
pub struct InMemoryEventLog(Mutex<std::collections::HashSet<(IntegrationId, String)>>);

#[async_trait]
impl crate::webhooks::EventLog for InMemoryEventLog {
    async fn record(&self, integration: IntegrationId, event_id: &str, _: &str, _: DateTime<Utc>) -> Result<bool> {
        Ok(lock(&self.0).insert((integration, event_id.to_owned())))
    }

    async fn forget(&self, integration: IntegrationId, event_id: &str) -> Result<()> {
        lock(&self.0).remove(&(integration, event_id.to_owned()));
        Ok(())
    }
}

/// Contact ↔ lead links (with the last synced fingerprint) in a map.
#[derive(Debug, Default)]
#[allow(clippy::type_complexity, reason = "a test double's map")]
pub struct InMemoryLinks(
    Mutex<std::collections::HashMap<(IntegrationId, String), (frontdesk_kernel::LeadId, Option<String>, u64)>>,
    AtomicU64,
);

#[async_trait]
impl crate::webhooks::ExternalLinks for InMemoryLinks {
    async fn lead_for(
        &self,
        integration: IntegrationId,
        external_id: &str,
    ) -> Result<Option<frontdesk_kernel::LeadId>> {
        Ok(lock(&self.0).get(&(integration, external_id.to_owned())).map(|(lead, _, _)| *lead))
    }

    async fn link(
        &self,
        _: TenantId,
        integration: IntegrationId,
        external_id: &str,
        lead: frontdesk_kernel::LeadId,
    ) -> Result<()> {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        let mut all = lock(&self.0);
        let entry = all.entry((integration, external_id.to_owned())).or_insert((lead, None, n));
        entry.0 = lead;
        Ok(())
    }

    async fn contact_of(
        &self,
        integration: IntegrationId,
        lead: frontdesk_kernel::LeadId,
    ) -> Result<Option<crate::crm::SyncedContact>> {
        Ok(lock(&self.0)
            .iter()
            .filter(|((i, _), (l, _, _))| *i == integration && *l == lead)
            .max_by_key(|(_, (_, _, n))| *n)
            .map(|((_, id), (_, print, _))| crate::crm::SyncedContact {
                external_id: id.clone(),
                fingerprint: print.clone(),
            }))
    }

    async fn record_sync(
        &self,
        _: TenantId,
        integration: IntegrationId,
        external_id: &str,
        lead: frontdesk_kernel::LeadId,
        fingerprint: &str,
    ) -> Result<()> {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        lock(&self.0).insert((integration, external_id.to_owned()), (lead, Some(fingerprint.to_owned()), n));
        Ok(())
    }
}

/// Import cursors in a map.
#[derive(Debug, Default)]
pub struct InMemoryCursors(
    Mutex<std::collections::HashMap<frontdesk_kernel::jobs::JobId, (crate::crm::ImportCursor, u64)>>,
);

#[async_trait]
impl crate::crm::ImportCursors for InMemoryCursors {
    async fn load(&self, job: frontdesk_kernel::jobs::JobId) -> Result<Option<(crate::crm::ImportCursor, u64)>> {
        Ok(lock(&self.0).get(&job).cloned())
    }

    async fn save(
        &self,
        _: TenantId,
        job: frontdesk_kernel::jobs::JobId,
        cursor: &crate::crm::ImportCursor,
        imported: u64,
    ) -> Result<()> {
        lock(&self.0).insert(job, (cursor.clone(), imported));
        Ok(())
    }
}

/// Booking ↔ appointment links in a map.
#[derive(Debug, Default)]
pub struct InMemoryAppointmentLinks(Mutex<std::collections::HashMap<(IntegrationId, uuid::Uuid), String>>);

#[async_trait]
impl crate::appointments::AppointmentLinks for InMemoryAppointmentLinks {
    async fn appointment_of(&self, integration: IntegrationId, booking: uuid::Uuid) -> Result<Option<String>> {
        Ok(lock(&self.0).get(&(integration, booking)).cloned())
    }

    async fn link_appointment(
        &self,
        _: TenantId,
        integration: IntegrationId,
        booking: uuid::Uuid,
        external_id: &str,
    ) -> Result<()> {
        lock(&self.0).insert((integration, booking), external_id.to_owned());
        Ok(())
    }
}

/// The bookings as the calendar syncs read them: one booking, as a test sets it
/// (`None`: gone).
#[derive(Debug, Default)]
pub struct OneBooking(pub Mutex<Option<crate::calendar_sync::BookedSlot>>);

#[async_trait]
impl crate::calendar_sync::BookedSlots for OneBooking {
    async fn booking(&self, _: TenantId, _: uuid::Uuid) -> Result<Option<crate::calendar_sync::BookedSlot>> {
        Ok(lock(&self.0).clone())
    }
}
