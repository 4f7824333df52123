//! The ports the integrations domain needs: storage, templates, a
//! credential cipher and the vendor check.
//!
//! Repositories only ever see sealed credentials; sealing and opening
//! happen in the use case through [`SecretCipher`], so a repository (or its
//! logs, or a database dump) never handles plaintext. Tenant-scoped
//! methods take the [`TenantId`] first and another tenant's integration is
//! `NotFound`.

use crate::error::Result;
use crate::integration::{Integration, IntegrationId, IntegrationKind};
use crate::secret::{SealedSecret, Secrets};
use crate::template::IntegrationTemplate;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{JsonObject, Page, PageRequest, TenantId};
use std::time::Duration;

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

    /// The integration `id`, whatever its tenant — only for a vendor's
    /// webhook, whose URL names the integration and whose signature was
    /// checked first.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    async fn find(&self, id: IntegrationId) -> Result<Integration>;

    /// One page of `tenant`'s integrations (disconnected ones included), oldest first.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Integration>>;

    /// Writes every mutable field of `integration` (name, status, settings,
    /// secrets, check results, `updated_at`) if the stored row still has
    /// `updated_at == seen` — optimistic concurrency, so a check finishing
    /// late never undoes an edit made meanwhile.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` when the row changed since `seen`; `Storage`.
    async fn update(&self, integration: &Integration, seen: DateTime<Utc>) -> Result<()>;

    /// The newest non-disconnected integration of `kind` of `tenant` whose
    /// status is `active`, if any (a tenant's own credentials win over the
    /// platform's).
    ///
    /// # Errors
    /// `Storage`.
    async fn active_of_kind(&self, tenant: TenantId, kind: IntegrationKind) -> Result<Option<Integration>>;

    /// Up to `limit` integrations, of any tenant, whose credentials are
    /// sealed under a key other than `key_id` (empty credentials excluded),
    /// with ids above `after`, by id — the work list of a key rotation.
    ///
    /// # Errors
    /// `Storage`.
    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        after: Option<IntegrationId>,
        limit: u32,
    ) -> Result<Vec<Integration>>;

    /// Replaces the credentials of integration `id` with `sealed` if they are
    /// still sealed under `from_key` and the row's `updated_at` is still
    /// `seen` (a concurrent edit wins), moving `updated_at` on by 1 ms so a
    /// write prepared from the old row fails as a conflict; returns whether
    /// it did.
    ///
    /// # Errors
    /// `Storage`.
    async fn reseal(
        &self,
        id: IntegrationId,
        from_key: &str,
        seen: DateTime<Utc>,
        sealed: &SealedSecret,
    ) -> Result<bool>;
}

/// The integration templates, as seeded by the migrations.
#[async_trait]
pub trait TemplateSource: Send + Sync + 'static {
    /// Every template.
    ///
    /// # Errors
    /// `Storage`.
    async fn templates(&self) -> Result<Vec<IntegrationTemplate>>;
}

/// Authenticated encryption of credentials at rest, with key rotation.
///
/// Synchronous: sealing is CPU work on a few hundred bytes with a key held
/// in memory, like token signing. `context` is authenticated but not
/// stored (the integration's id), so sealed bytes moved to another row do
/// not open.
pub trait SecretCipher: Send + Sync + 'static {
    /// The id of the key new values are sealed under.
    fn current_key_id(&self) -> &str;

    /// Encrypts `plaintext` under the current key. Sealing the same
    /// plaintext twice gives different bytes (a fresh nonce each time).
    ///
    /// # Errors
    /// `Crypto` when the cipher fails.
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<SealedSecret>;

    /// Decrypts and authenticates `sealed` with the key it names.
    ///
    /// # Errors
    /// `Crypto` when that key is unknown, or the bytes or context were altered.
    fn open(&self, sealed: &SealedSecret, context: &[u8]) -> Result<Vec<u8>>;
}

/// What a vendor said when an integration's credentials were tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The credentials work; a short description of what was reached
    /// ("Twilio account Acme (active)").
    Connected(String),
    /// They do not; why, fit for the tenant to read and act on, never
    /// containing a secret ("Twilio refused the credentials (401)").
    Failed(String),
}

/// Tries an integration's credentials against its vendor for real.
#[async_trait]
pub trait ConnectionCheck: Send + Sync + 'static {
    /// Calls `kind`'s vendor with `settings` and `secrets`, within `budget`.
    /// Never fails: an unreachable vendor is a [`CheckOutcome::Failed`].
    async fn check(
        &self,
        kind: IntegrationKind,
        settings: &JsonObject,
        secrets: &Secrets,
        budget: Duration,
    ) -> CheckOutcome;
}

/// Whether a tenant-chosen URL may be called (the SSRF rule, after DNS).
#[async_trait]
pub trait UrlPolicy: Send + Sync + 'static {
    /// `Err(why)` when `url` may not be called.
    async fn check(&self, url: &str) -> std::result::Result<(), String>;
}

/// Every URL allowed (in-memory tests; the real policy is the egress adapter's).
#[derive(Clone, Copy, Debug, Default)]
pub struct AnyUrl;

#[async_trait]
impl UrlPolicy for AnyUrl {
    async fn check(&self, _: &str) -> std::result::Result<(), String> {
        Ok(())
    }
}
