//! The integrations use case: create, read, change, check and disconnect a
//! tenant's integrations, and re-seal every credential under a new key.
//!
//! Settings arrive as one JSON object; the template's schema validates all
//! of it, then its secret fields are sealed (with the integration's id as
//! authenticated context) and only their names are kept in the clear.
//! Nothing here ever returns or logs a secret value: reads give the
//! [`Integration`] (public settings and secret *names*), and only
//! [`Integrations::credentials`] opens secrets — for the adapters that call
//! the vendor on the tenant's behalf.

use crate::error::{IntegrationsError, Result};
use crate::integration::{Integration, IntegrationId, IntegrationKind, IntegrationStatus};
use crate::ports::{
    AnyUrl, CheckOutcome, ConnectionCheck, IntegrationRepository, SecretCipher, TemplateSource, UrlPolicy,
};
use crate::secret::{SealedSecret, Secrets};
use crate::template::{SplitSettings, TemplateCatalog};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Clock, JsonObject, Page, PageRequest, TenantId, ValidationErrors};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Input of a new integration (`Debug` shows the setting names only: they hold secrets).
#[derive(Clone, Default)]
pub struct NewIntegration {
    /// A template's kind (`twilio`, `gohighlevel`…).
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Settings, secrets included (`{}` when absent).
    pub settings: Option<Value>,
}

/// A change to an integration; absent fields stay as they are (`Debug`
/// shows the setting names only).
#[derive(Clone, Default)]
pub struct IntegrationChange {
    /// New display name.
    pub name: Option<String>,
    /// Settings to merge over the current ones, top-level: a present field
    /// replaces (a secret too), `null` removes, an absent one is kept — so a
    /// client never has to send a secret back to change something else.
    pub settings: Option<Value>,
}

/// The names of a settings object, never its values.
fn setting_names(settings: Option<&Value>) -> Vec<&str> {
    settings.and_then(Value::as_object).map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
}

impl std::fmt::Debug for NewIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewIntegration")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("settings", &setting_names(self.settings.as_ref()))
            .finish()
    }
}

impl std::fmt::Debug for IntegrationChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationChange")
            .field("name", &self.name)
            .field("settings", &setting_names(self.settings.as_ref()))
            .finish()
    }
}

/// An integration's opened credentials, for the adapter that calls its vendor.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Which integration they belong to.
    pub integration_id: IntegrationId,
    /// Public settings.
    pub settings: JsonObject,
    /// Opened secrets.
    pub secrets: Secrets,
}

/// What a key rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Credentials now sealed under the current key.
    pub resealed: u64,
    /// Times a row changed between being read and re-sealed (it is taken
    /// again in the next pass).
    pub skipped: u64,
    /// Whether the last pass found every openable row current (else run again).
    pub complete: bool,
    /// Credentials that did not open (their key is no longer configured, or
    /// the bytes were altered), by integration id — they stay as they were.
    pub failed: Vec<IntegrationId>,
    /// Webhook signing secrets that did not open, by subscription id.
    pub failed_subscriptions: Vec<crate::outbound::SubscriptionId>,
}

/// The integrations use case.
pub struct Integrations {
    repo: Arc<dyn IntegrationRepository>,
    templates: Arc<dyn TemplateSource>,
    catalog: std::sync::OnceLock<TemplateCatalog>,
    cipher: Arc<dyn SecretCipher>,
    checks: Arc<dyn ConnectionCheck>,
    clock: Arc<dyn Clock>,
    check_budget: Duration,
    urls: Arc<dyn UrlPolicy>,
}

/// Top-level settings holding a URL we will call: checked by the [`UrlPolicy`].
const URL_FIELDS: &[&str] = &["url", "baseUrl"];

impl std::fmt::Debug for Integrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integrations").field("catalog", &self.catalog.get()).finish_non_exhaustive()
    }
}

/// `now` to the millisecond (what storage keeps), and later than `seen`, so
/// every write moves the optimistic-concurrency stamp forward.
fn stamp(now: DateTime<Utc>, seen: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    seen.map_or(now, |seen| now.max(seen + chrono::Duration::milliseconds(1)))
}

/// The authenticated context of an integration's sealed credentials.
fn context(id: IntegrationId) -> Vec<u8> {
    format!("integration:{id}").into_bytes()
}

impl Integrations {
    /// How long a connection check may take by default.
    pub const CHECK_BUDGET: Duration = Duration::from_secs(10);

    /// The use case. The templates are read from `templates` and compiled on
    /// first use (not here: the api starts while the database is down).
    #[must_use]
    pub fn new(
        repo: Arc<dyn IntegrationRepository>,
        templates: Arc<dyn TemplateSource>,
        cipher: Arc<dyn SecretCipher>,
        checks: Arc<dyn ConnectionCheck>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            templates,
            catalog: std::sync::OnceLock::new(),
            cipher,
            checks,
            clock,
            check_budget: Self::CHECK_BUDGET,
            urls: Arc::new(AnyUrl),
        }
    }

    /// The same use case with another connection-check budget.
    #[must_use]
    pub const fn with_check_budget(mut self, budget: Duration) -> Self {
        self.check_budget = budget;
        self
    }

    /// The same use case refusing settings URLs that `urls` refuses.
    #[must_use]
    pub fn with_url_policy(mut self, urls: Arc<dyn UrlPolicy>) -> Self {
        self.urls = urls;
        self
    }

    /// Adds a `settings.<field>` error for every URL setting the policy refuses.
    async fn check_urls(&self, settings: &JsonObject, errors: &mut ValidationErrors) {
        for field in URL_FIELDS {
            if let Some(url) = settings.get(field).and_then(Value::as_str)
                && let Err(why) = self.urls.check(url).await
            {
                errors.add(format!("settings.{field}"), why);
            }
        }
    }

    /// The compiled templates, read once (concurrent first reads may both
    /// load; the first stored wins).
    ///
    /// # Errors
    /// `Storage` when they cannot be read, or do not compile (the seed is broken).
    pub async fn catalog(&self) -> Result<&TemplateCatalog> {
        if let Some(catalog) = self.catalog.get() {
            return Ok(catalog);
        }
        let catalog = TemplateCatalog::new(self.templates.templates().await?)
            .map_err(|e| IntegrationsError::storage(std::io::Error::other(e)))?;
        Ok(self.catalog.get_or_init(|| catalog))
    }

    fn seal(&self, id: IntegrationId, secrets: &JsonObject) -> Result<SealedSecret> {
        if secrets.as_map().is_empty() {
            return Ok(SealedSecret::default());
        }
        let plaintext =
            serde_json::to_vec(secrets).map_err(|e| IntegrationsError::Crypto { message: e.to_string() })?;
        self.cipher.seal(&plaintext, &context(id))
    }

    fn open(&self, integration: &Integration) -> Result<Secrets> {
        if integration.sealed_credentials.is_empty() {
            return Ok(Secrets::default());
        }
        let plaintext = self.cipher.open(&integration.sealed_credentials, &context(integration.id))?;
        let values = serde_json::from_slice::<Value>(&plaintext)
            .ok()
            .and_then(|v| JsonObject::parse(v).ok())
            .ok_or_else(|| IntegrationsError::Crypto { message: "sealed credentials are not a JSON object".into() })?;
        Ok(Secrets::new(values))
    }

    /// Validates and stores a new `pending` integration of `tenant`.
    ///
    /// # Errors
    /// `Validation` listing every bad field (`kind`, `name`, `settings.*`); `Crypto`; `Storage`.
    pub async fn create(&self, tenant: TenantId, input: NewIntegration) -> Result<Integration> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check("kind", input.kind.trim().parse::<IntegrationKind>());
        let name = errors.check("name", Integration::check_name(&input.name));
        let settings = input.settings.unwrap_or_else(|| Value::Object(serde_json::Map::new()));
        let split = match kind {
            Some(kind) => match self.catalog().await?.validate(kind, &settings) {
                Ok(split) => Some(split),
                Err(bad) => {
                    errors.extend(bad);
                    None
                }
            },
            None => None,
        };
        if let Some(split) = &split {
            self.check_urls(&split.public, &mut errors).await;
        }
        let (Some(kind), Some(name), Some(SplitSettings { public, secrets })) = (kind, name, split) else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let now = stamp(self.clock.now(), None);
        let id = IntegrationId::new();
        let integration = Integration {
            id,
            tenant_id: tenant,
            kind,
            name,
            status: IntegrationStatus::Pending,
            settings: public,
            secret_fields: secrets.as_map().keys().cloned().collect(),
            sealed_credentials: self.seal(id, &secrets)?,
            last_error: None,
            last_error_at: None,
            last_checked_at: None,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&integration).await?;
        Ok(integration)
    }

    /// The integration `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn get(&self, tenant: TenantId, id: IntegrationId) -> Result<Integration> {
        self.repo.get(tenant, id).await
    }

    /// One page of `tenant`'s integrations, oldest first.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Integration>> {
        self.repo.list(tenant, page).await
    }

    /// Renames the integration and/or merges settings over its current ones
    /// (validated as a whole against the template, secrets re-sealed).
    ///
    /// # Errors
    /// `Validation`; `NotFound`; `Disconnected`; `Conflict` when it changed
    /// meanwhile; `Crypto`; `Storage`.
    pub async fn update(&self, tenant: TenantId, id: IntegrationId, change: IntegrationChange) -> Result<Integration> {
        let mut integration = self.repo.get(tenant, id).await?;
        if integration.status == IntegrationStatus::Disconnected {
            return Err(IntegrationsError::Disconnected);
        }
        let seen = integration.updated_at;
        let mut errors = ValidationErrors::new();
        let name = change.name.as_deref().and_then(|n| errors.check("name", Integration::check_name(n)));
        let secrets = self.open(&integration)?;
        let split = match change.settings {
            None => None,
            Some(Value::Object(patch)) => {
                let mut merged = integration.settings.as_map().clone();
                merged.extend(secrets.values().as_map().clone());
                for (field, value) in patch {
                    if value.is_null() {
                        merged.remove(&field);
                    } else {
                        merged.insert(field, value);
                    }
                }
                match self.catalog().await?.validate(integration.kind, &Value::Object(merged)) {
                    Ok(split) => Some(split),
                    Err(bad) => {
                        errors.extend(bad);
                        None
                    }
                }
            }
            Some(_) => {
                errors.add("settings", "must be a JSON object");
                None
            }
        };
        if let Some(split) = &split {
            self.check_urls(&split.public, &mut errors).await;
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        if let Some(name) = name {
            integration.name = name;
        }
        match split {
            Some(SplitSettings { public, secrets }) => {
                integration.sealed_credentials = self.seal(id, &secrets)?;
                integration.secret_fields = secrets.as_map().keys().cloned().collect();
                integration.settings = public;
                // New settings are unverified: nothing uses them until a check (or a call) succeeds.
                integration.status = IntegrationStatus::Pending;
            }
            // Re-sealed under the current key even when unchanged, so a write
            // racing a key rotation can never put back an older key's value.
            None => integration.sealed_credentials = self.seal(id, secrets.values())?,
        }
        integration.updated_at = stamp(self.clock.now(), Some(seen));
        self.repo.update(&integration, seen).await?;
        Ok(integration)
    }

    /// Disconnects the integration and erases its credentials.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` when disconnected already; `Conflict`; `Storage`.
    pub async fn disconnect(&self, tenant: TenantId, id: IntegrationId) -> Result<Integration> {
        let mut integration = self.repo.get(tenant, id).await?;
        let seen = integration.updated_at;
        integration.disconnect(stamp(self.clock.now(), Some(seen)))?;
        self.repo.update(&integration, seen).await?;
        Ok(integration)
    }

    /// Tries the integration's credentials against its vendor and records the
    /// outcome (status, last error); returns both.
    ///
    /// # Errors
    /// `NotFound`; `Disconnected`; `Crypto` when the credentials do not
    /// open; `Conflict` when it was edited during the check; `Storage`.
    pub async fn test(&self, tenant: TenantId, id: IntegrationId) -> Result<(Integration, CheckOutcome)> {
        // Every write re-seals under the current key (see `update`).
        let mut integration = self.repo.get(tenant, id).await?;
        if integration.status == IntegrationStatus::Disconnected {
            return Err(IntegrationsError::Disconnected);
        }
        let seen = integration.updated_at;
        let secrets = self.open(&integration)?;
        let outcome = self.checks.check(integration.kind, &integration.settings, &secrets, self.check_budget).await;
        let failure = match &outcome {
            CheckOutcome::Connected(_) => None,
            CheckOutcome::Failed(why) => Some(why.as_str()),
        };
        integration.record_check(failure, stamp(self.clock.now(), Some(seen)))?;
        integration.sealed_credentials = self.seal(id, secrets.values())?;
        self.repo.update(&integration, seen).await?;
        Ok((integration, outcome))
    }

    /// The opened credentials of `tenant`'s active integration of `kind`, if
    /// it has one: a tenant's own Twilio, Postmark or OpenAI account wins
    /// over the platform's.
    ///
    /// # Errors
    /// `Crypto` when they do not open; `Storage`.
    pub async fn credentials(&self, tenant: TenantId, kind: IntegrationKind) -> Result<Option<Credentials>> {
        let Some(integration) = self.repo.active_of_kind(tenant, kind).await? else { return Ok(None) };
        let secrets = self.open(&integration)?;
        Ok(Some(Credentials { integration_id: integration.id, settings: integration.settings, secrets }))
    }

    /// The opened credentials of integration `id` if it is still `tenant`'s
    /// active integration of `kind` (a job queued for it finds `None` once
    /// it was disconnected or replaced).
    ///
    /// # Errors
    /// `Crypto`; `Storage`.
    pub async fn credentials_of(
        &self,
        tenant: TenantId,
        kind: IntegrationKind,
        id: IntegrationId,
    ) -> Result<Option<Credentials>> {
        Ok(self.credentials(tenant, kind).await?.filter(|c| c.integration_id == id))
    }

    /// Re-seals every credential not under the current key, `batch` at a
    /// time, calling `progress` with the running report after each batch.
    /// A row is re-sealed only if it did not change since it was read, and
    /// re-sealing moves its `updated_at` on, so a write prepared from the
    /// old row (by a process still sealing with the old key) fails as a
    /// conflict instead of putting the old key back; rows that raced are
    /// taken again in another pass. Resumable: each credential is re-sealed
    /// on its own, so a run cut short is finished by running it again.
    ///
    /// # Errors
    /// `Storage` (what was re-sealed before it stays re-sealed).
    pub async fn rotate(&self, batch: u32, mut progress: impl FnMut(&RotationReport) + Send) -> Result<RotationReport> {
        /// Passes over the table at most: each re-takes the rows that changed during the one before.
        const PASSES: usize = 5;
        let current = self.cipher.current_key_id().to_owned();
        let mut report = RotationReport::default();
        for _ in 0..PASSES {
            let mut after = None;
            let mut raced = 0;
            loop {
                let work = self.repo.sealed_under_other_keys(&current, after, batch.max(1)).await?;
                let Some(last) = work.last() else { break };
                after = Some(last.id);
                for integration in &work {
                    if report.failed.contains(&integration.id) {
                        continue;
                    }
                    let resealed =
                        self.open(integration).and_then(|secrets| self.seal(integration.id, secrets.values()));
                    match resealed {
                        Ok(sealed) => {
                            let from = integration.sealed_credentials.key_id();
                            if self.repo.reseal(integration.id, from, integration.updated_at, &sealed).await? {
                                report.resealed += 1;
                            } else {
                                raced += 1;
                            }
                        }
                        Err(_) => report.failed.push(integration.id),
                    }
                }
                report.skipped += raced;
                progress(&report);
            }
            if raced == 0 {
                report.complete = true;
                break;
            }
        }
        Ok(report)
    }
}
