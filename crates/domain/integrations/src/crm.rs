//! Leads pushed to a tenant's CRM (GoHighLevel): when a lead is created or
//! changed, its contact is upserted there, through a job.
//!
//! [`LeadContactFanout`] (an `events.publish` subscriber of `lead.created`
//! and `lead.updated`) queues one `gohighlevel.upsert_contact` job per event
//! for the tenant's active GoHighLevel integration. [`UpsertContacts`] runs
//! it: the lead as it is *now* (so jobs that run late or twice push the
//! latest state), the contact it is linked to (`integration_links`: an
//! update, never a second contact), and a fingerprint of what was last
//! pushed or received — equal, nothing is sent. That fingerprint is also
//! what breaks the echo: a lead changed *by* a GoHighLevel webhook records
//! the contact's fingerprint, so the `lead.updated` it raises is not pushed
//! back. The location's rate budget (100 requests per 10 s, shared by every
//! worker through the [`RateLimiter`]) and GoHighLevel's 429s defer the job
//! to when the budget refills instead of failing it.

use crate::IntegrationsError;
use crate::integration::{IntegrationId, IntegrationKind};
use crate::ports::IntegrationRepository;
use crate::service::Integrations;
use crate::webhooks::ExternalLinks;
use async_trait::async_trait;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, JobQueue, ProgressSink};
use frontdesk_kernel::{Clock, JsonObject, LeadId, RateLimiter, TenantId};
use frontdesk_leads::{Lead, LeadRepository, LeadsError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// GoHighLevel's budget: requests per window per location.
pub const LOCATION_BUDGET: u32 = 100;
/// Its window.
pub const LOCATION_WINDOW: Duration = Duration::from_secs(10);
/// Times a job is deferred (budget, 429) before it fails.
pub const MAX_DEFERRALS: u32 = 50;

/// One request of the integration's location against its shared budget
/// ([`LOCATION_BUDGET`] per [`LOCATION_WINDOW`], across every worker).
pub(crate) async fn spend_location_budget(
    limiter: &dyn RateLimiter,
    credentials: &crate::Credentials,
) -> Result<frontdesk_kernel::RateDecision, JobFailure> {
    let location = credentials.settings.get("locationId").and_then(|v| v.as_str()).unwrap_or_default();
    limiter
        .hit(&format!("gohighlevel:{location}"), LOCATION_BUDGET, LOCATION_WINDOW)
        .await
        .map_err(|e| JobFailure::retry(e.to_string()))
}

/// Queues `next` — a job of kind `K` about `subject`, keyed `key`, deferred
/// `deferrals` times with this one — again at `after` from now, or fails
/// past [`MAX_DEFERRALS`]. How a job waits for a rate budget, a 429 or a lease.
///
/// # Errors
/// Permanent past the limit; retryable when the queue refuses.
#[allow(clippy::too_many_arguments, reason = "one call per deferring handler; a struct would only rename them")]
pub(crate) async fn defer<K: JobKind>(
    queue: &dyn JobQueue,
    clock: &dyn Clock,
    tenant: TenantId,
    subject: &str,
    next: &K::Payload,
    deferrals: u32,
    key: String,
    (after, why): (Duration, &str),
) -> Result<serde_json::Value, JobFailure> {
    if deferrals > MAX_DEFERRALS {
        return Err(JobFailure::permanent(format!("{why}, {MAX_DEFERRALS} times; giving up")));
    }
    let at = clock.now() + chrono::Duration::from_std(after).unwrap_or_default();
    let job = K::new_job(tenant, next).map_err(|e| JobFailure::permanent(e.to_string()))?.with_idempotency_key(key);
    queue.enqueue_at(job, at).await.map_err(|e| JobFailure::retry(e.to_string()))?;
    tracing::info!(tenant.id = %tenant, job.kind = K::KIND, %subject, deferrals, "{why}: deferred");
    Ok(serde_json::json!({ "deferred": why, "until": at }))
}

/// A lead as a CRM contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmContact {
    /// Display name.
    pub name: String,
    /// E.164 phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Where it came from (`Frontdesk (web)`).
    pub source: String,
}

impl CrmContact {
    /// `lead` as a contact.
    #[must_use]
    pub fn of(lead: &Lead) -> Self {
        Self {
            name: lead.name.as_str().to_owned(),
            phone: lead.phone.as_ref().map(|p| p.as_str().to_owned()),
            email: lead.email.as_ref().map(|e| e.as_str().to_owned()),
            source: format!("Frontdesk ({})", lead.source.as_str()),
        }
    }
}

/// What both sides agree on: name, email and phone.
#[must_use]
pub fn fingerprint(lead: &Lead) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}",
        lead.name.as_str(),
        lead.email.as_ref().map_or("", |e| e.as_str()),
        lead.phone.as_ref().map_or("", |p| p.as_str())
    )
}

/// Why a CRM call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrmError {
    /// 429: try again after the delay (when the vendor said).
    #[error("rate limited")]
    RateLimited(Option<Duration>),
    /// The credentials or the request were refused (4xx other than 429): retrying cannot help.
    #[error("refused: {0}")]
    Refused(String),
    /// No answer, or a 5xx.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A CRM's contacts.
#[async_trait]
pub trait CrmContacts: Send + Sync + 'static {
    /// Upserts `contact` into the account `settings`/`secrets` name — as an
    /// update of `existing` when given (re-created when it was deleted
    /// there) — and returns its id.
    ///
    /// # Errors
    /// [`CrmError`].
    async fn upsert(
        &self,
        settings: &JsonObject,
        secrets: &crate::Secrets,
        existing: Option<&str>,
        contact: &CrmContact,
    ) -> Result<String, CrmError>;
}

/// The contact a lead was last synced with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedContact {
    /// The CRM's contact id.
    pub external_id: String,
    /// [`fingerprint`] of what was last pushed or received.
    pub fingerprint: Option<String>,
}

/// The `gohighlevel.upsert_contact` job's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertContact {
    /// The GoHighLevel integration.
    pub integration_id: IntegrationId,
    /// The lead.
    pub lead_id: LeadId,
    /// The event that asked for it (the job's key).
    pub event_id: String,
    /// Times deferred so far.
    #[serde(default)]
    pub deferrals: u32,
}

/// The `gohighlevel.upsert_contact` job kind.
#[derive(Debug)]
pub struct UpsertContactJob;

impl JobKind for UpsertContactJob {
    const KIND: &'static str = "gohighlevel.upsert_contact";
    type Payload = UpsertContact;
    type Output = serde_json::Value;
}

fn key(payload: &UpsertContact) -> String {
    format!("ghl-upsert:{}:{}:{}", payload.integration_id, payload.event_id, payload.deferrals)
}

/// Queues an upsert per lead event for the tenant's active GoHighLevel integration.
pub struct LeadContactFanout {
    repo: Arc<dyn IntegrationRepository>,
    queue: Arc<dyn JobQueue>,
}

impl LeadContactFanout {
    /// Over the integrations in `repo`, into `queue`.
    #[must_use]
    pub fn new(repo: Arc<dyn IntegrationRepository>, queue: Arc<dyn JobQueue>) -> Self {
        Self { repo, queue }
    }
}

#[async_trait]
impl EventSubscriber for LeadContactFanout {
    fn name(&self) -> &'static str {
        "gohighlevel-contacts"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[frontdesk_leads::events::LEAD_CREATED, frontdesk_leads::events::LEAD_UPDATED]
    }

    async fn on(&self, event: &DomainEvent) -> Result<(), JobFailure> {
        let Some(integration) = crate::fanout::active(&*self.repo, event, IntegrationKind::GoHighLevel).await? else {
            return Ok(());
        };
        let payload = UpsertContact {
            integration_id: integration.id,
            lead_id: crate::fanout::entity_id(event, "lead")?,
            event_id: event.id.to_string(),
            deferrals: 0,
        };
        crate::fanout::enqueue::<UpsertContactJob>(&*self.queue, event, &payload, key(&payload)).await
    }
}

/// Runs `gohighlevel.upsert_contact` jobs.
pub struct UpsertContacts {
    integrations: Arc<Integrations>,
    leads: Arc<dyn LeadRepository>,
    links: Arc<dyn ExternalLinks>,
    crm: Arc<dyn CrmContacts>,
    limiter: Arc<dyn RateLimiter>,
    leases: Arc<dyn frontdesk_kernel::Cache>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
}

/// The ports [`UpsertContacts`] needs.
pub struct UpsertParts {
    /// Credentials of the integration.
    pub integrations: Arc<Integrations>,
    /// The leads.
    pub leads: Arc<dyn LeadRepository>,
    /// Lead ↔ contact links and fingerprints.
    pub links: Arc<dyn ExternalLinks>,
    /// GoHighLevel.
    pub crm: Arc<dyn CrmContacts>,
    /// The shared rate budget.
    pub limiter: Arc<dyn RateLimiter>,
    /// One push per lead at a time ([`crate::lease`]).
    pub leases: Arc<dyn frontdesk_kernel::Cache>,
    /// For deferrals.
    pub queue: Arc<dyn JobQueue>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

impl UpsertContacts {
    /// The handler.
    #[must_use]
    pub fn new(parts: UpsertParts) -> Self {
        let UpsertParts { integrations, leads, links, crm, limiter, leases, queue, clock } = parts;
        Self { integrations, leads, links, crm, limiter, leases, queue, clock }
    }

    /// Queues the job again at `after` from now (a new deferral), or fails it past [`MAX_DEFERRALS`].
    async fn defer(
        &self,
        tenant: TenantId,
        payload: &UpsertContact,
        after: Duration,
        why: &str,
    ) -> Result<serde_json::Value, JobFailure> {
        let next = UpsertContact { deferrals: payload.deferrals + 1, ..payload.clone() };
        let subject = format!("lead {}", payload.lead_id);
        defer::<UpsertContactJob>(
            &*self.queue,
            &*self.clock,
            tenant,
            &subject,
            &next,
            next.deferrals,
            key(&next),
            (after, why),
        )
        .await
    }
}

#[async_trait]
impl JobHandler for UpsertContacts {
    fn kind(&self) -> &'static str {
        UpsertContactJob::KIND
    }

    async fn run(&self, job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = UpsertContactJob::payload(job)?;
        let tenant = job.tenant_id;
        let retry = |e: IntegrationsError| JobFailure::retry(e.to_string());
        let Some(credentials) = self
            .integrations
            .credentials_of(tenant, IntegrationKind::GoHighLevel, payload.integration_id)
            .await
            .map_err(retry)?
        else {
            return Ok(serde_json::json!({ "skipped": "the GoHighLevel integration is no longer active" }));
        };
        let lease = format!("integrations:ghl-contact:{}:{}", payload.integration_id, payload.lead_id);
        if !crate::lease::take(&*self.leases, &lease, &job.id.to_string()).await {
            let why = "another push of this lead is running";
            return self.defer(tenant, &payload, crate::lease::LEASE_WAIT, why).await;
        }
        let outcome = self.push(tenant, &payload, &credentials).await;
        crate::lease::release(&*self.leases, &lease, &job.id.to_string()).await;
        outcome
    }
}

impl UpsertContacts {
    /// Pushes the lead as it is now, unless GoHighLevel already has it so.
    async fn push(
        &self,
        tenant: TenantId,
        payload: &UpsertContact,
        credentials: &crate::Credentials,
    ) -> Result<serde_json::Value, JobFailure> {
        let retry = |e: IntegrationsError| JobFailure::retry(e.to_string());
        let lead = match self.leads.get(tenant, payload.lead_id).await {
            Ok(lead) => lead,
            Err(LeadsError::NotFound { .. }) => return Ok(serde_json::json!({ "skipped": "the lead was deleted" })),
            Err(e) => return Err(JobFailure::retry(e.to_string())),
        };
        let print = fingerprint(&lead);
        let synced = self.links.contact_of(payload.integration_id, lead.id).await.map_err(retry)?;
        if synced.as_ref().and_then(|s| s.fingerprint.as_deref()) == Some(print.as_str()) {
            return Ok(serde_json::json!({ "skipped": "GoHighLevel has this lead as it is" }));
        }
        let budget = spend_location_budget(&*self.limiter, credentials).await?;
        if !budget.allowed {
            return self.defer(tenant, payload, budget.reset_after, "the location's rate budget is spent").await;
        }
        let existing = synced.as_ref().map(|s| s.external_id.as_str());
        match self.crm.upsert(&credentials.settings, &credentials.secrets, existing, &CrmContact::of(&lead)).await {
            Ok(contact) => {
                self.links
                    .record_sync(tenant, payload.integration_id, &contact, lead.id, &print)
                    .await
                    .map_err(retry)?;
                tracing::info!(tenant.id = %tenant, lead.id = %lead.id, contact.id = %contact, "lead pushed to GoHighLevel");
                Ok(serde_json::json!({ "contactId": contact, "updated": existing.is_some() }))
            }
            Err(CrmError::RateLimited(after)) => {
                self.defer(tenant, payload, after.unwrap_or(LOCATION_WINDOW), "GoHighLevel answered 429").await
            }
            Err(CrmError::Refused(why)) => {
                Err(JobFailure::permanent(format!("GoHighLevel refused the contact: {why}")))
            }
            Err(CrmError::Unavailable(why)) => Err(JobFailure::retry(format!("GoHighLevel unavailable: {why}"))),
        }
    }
}

/// Where a contact import stopped: the last contact read and its creation time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCursor {
    /// The last contact's id.
    pub after_id: String,
    /// Its `dateAdded`, in epoch milliseconds.
    pub after_ms: i64,
}

/// One page of a CRM's contacts.
#[derive(Clone, Debug, Default)]
pub struct ContactPage {
    /// The contacts, as the CRM describes them.
    pub contacts: Vec<serde_json::Value>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ImportCursor>,
}

/// Reads a CRM's contacts page by page.
#[async_trait]
pub trait CrmDirectory: Send + Sync + 'static {
    /// The page after `after` (the first page without it).
    ///
    /// # Errors
    /// [`CrmError`].
    async fn page(
        &self,
        settings: &JsonObject,
        secrets: &crate::Secrets,
        after: Option<&ImportCursor>,
    ) -> Result<ContactPage, CrmError>;
}

/// Import progress kept between runs of one import job.
#[async_trait]
pub trait ImportCursors: Send + Sync + 'static {
    /// Where job `job` stopped and how many contacts it had imported.
    ///
    /// # Errors
    /// `Storage`.
    async fn load(&self, job: frontdesk_kernel::jobs::JobId) -> crate::Result<Option<(ImportCursor, u64)>>;

    /// Records that job `job` has imported `imported` contacts up to `cursor`.
    ///
    /// # Errors
    /// `Storage`.
    async fn save(
        &self,
        tenant: TenantId,
        job: frontdesk_kernel::jobs::JobId,
        cursor: &ImportCursor,
        imported: u64,
    ) -> crate::Result<()>;
}

/// The `gohighlevel.import_contacts` job's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportContacts {
    /// The GoHighLevel integration.
    pub integration_id: IntegrationId,
}

/// The `gohighlevel.import_contacts` job kind.
#[derive(Debug)]
pub struct ImportContactsJob;

impl JobKind for ImportContactsJob {
    const KIND: &'static str = "gohighlevel.import_contacts";
    type Payload = ImportContacts;
    type Output = serde_json::Value;
}

/// Imports a GoHighLevel location's contacts as leads, page by page: each
/// contact goes through the same path as a webhook's (created, or the
/// linked lead updated; recorded as in sync so nothing is pushed back),
/// the cursor is saved after every page (a run after a crash resumes at
/// the page it was on; contacts seen twice are updates, never duplicates),
/// progress is reported on the job, and the location's rate budget is
/// shared with the pushes.
pub struct ImportGhlContacts {
    integrations: Arc<Integrations>,
    inbound: Arc<crate::webhooks::InboundEvents>,
    directory: Arc<dyn CrmDirectory>,
    cursors: Arc<dyn ImportCursors>,
    limiter: Arc<dyn RateLimiter>,
}

impl ImportGhlContacts {
    /// The handler.
    #[must_use]
    pub fn new(
        integrations: Arc<Integrations>,
        inbound: Arc<crate::webhooks::InboundEvents>,
        directory: Arc<dyn CrmDirectory>,
        cursors: Arc<dyn ImportCursors>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        Self { integrations, inbound, directory, cursors, limiter }
    }

    /// Queues an import of `integration` (active, GoHighLevel) of `tenant`; the job's id.
    ///
    /// # Errors
    /// `NotFound`; `Validation` when it is not an active GoHighLevel integration; `Storage`.
    pub async fn start(
        integrations: &Integrations,
        queue: &dyn JobQueue,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> crate::Result<frontdesk_kernel::jobs::JobId> {
        let found = integrations.get(tenant, integration).await?;
        if found.kind != IntegrationKind::GoHighLevel {
            return Err(frontdesk_kernel::ValidationErrors::single(
                "kind",
                "only GoHighLevel integrations import contacts",
            )
            .into());
        }
        if found.status != crate::IntegrationStatus::Active {
            return Err(frontdesk_kernel::ValidationErrors::single(
                "status",
                "run the integration's test first: it must be active",
            )
            .into());
        }
        let job = ImportContactsJob::new_job(tenant, &ImportContacts { integration_id: integration })
            .map_err(IntegrationsError::storage)?;
        let queued = queue.enqueue(job).await.map_err(IntegrationsError::storage)?;
        Ok(queued.id())
    }
}

#[async_trait]
impl JobHandler for ImportGhlContacts {
    fn kind(&self) -> &'static str {
        ImportContactsJob::KIND
    }

    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = ImportContactsJob::payload(job)?;
        let tenant = job.tenant_id;
        let retry = |e: IntegrationsError| JobFailure::retry(e.to_string());
        let Some(credentials) = self
            .integrations
            .credentials_of(tenant, IntegrationKind::GoHighLevel, payload.integration_id)
            .await
            .map_err(retry)?
        else {
            return Err(JobFailure::permanent("the GoHighLevel integration is no longer active"));
        };
        let (mut cursor, mut imported) = match self.cursors.load(job.id).await.map_err(retry)? {
            Some((cursor, imported)) => (Some(cursor), imported),
            None => (None, 0),
        };
        let mut ignored = 0u64;
        loop {
            let budget = spend_location_budget(&*self.limiter, &credentials).await?;
            if !budget.allowed {
                tokio_sleep(budget.reset_after).await;
                continue;
            }
            let page = match self.directory.page(&credentials.settings, &credentials.secrets, cursor.as_ref()).await {
                Ok(page) => page,
                Err(CrmError::RateLimited(after)) => {
                    tokio_sleep(after.unwrap_or(LOCATION_WINDOW)).await;
                    continue;
                }
                Err(CrmError::Refused(why)) => {
                    return Err(JobFailure::permanent(format!("GoHighLevel refused: {why}")));
                }
                Err(CrmError::Unavailable(why)) => {
                    return Err(JobFailure::retry(format!("GoHighLevel unavailable: {why}")));
                }
            };
            for contact in &page.contacts {
                match self.inbound.contact(tenant, payload.integration_id, contact).await.map_err(retry)? {
                    crate::webhooks::Receipt::Ignored(_) => ignored += 1,
                    _ => imported += 1,
                }
            }
            let Some(next) = page.next else { break };
            self.cursors.save(tenant, job.id, &next, imported).await.map_err(retry)?;
            progress.report(imported + ignored, imported + ignored + 1).await;
            cursor = Some(next);
        }
        progress.report(imported + ignored, imported + ignored).await;
        tracing::info!(tenant.id = %tenant, integration.id = %payload.integration_id, imported, ignored, "GoHighLevel contacts imported");
        Ok(serde_json::json!({ "imported": imported, "ignored": ignored }))
    }
}

/// Waits `delay` (at most a minute; the job's lease is renewed meanwhile).
async fn tokio_sleep(delay: Duration) {
    tokio::time::sleep(delay.min(Duration::from_secs(60))).await;
}
