//! Inbound vendor webhooks: GoHighLevel's contact events become leads.
//!
//! Order of checks, cheapest and safest first: the signature over the raw
//! body (before any lookup, so an unsigned request costs no query and
//! learns nothing), the integration (`NotFound` unless an active or pending
//! GoHighLevel one), the event's `locationId` against the integration's
//! (a validly signed event of another location is ignored), then the
//! de-duplication record (`webhookId`, or the signature itself: Ed25519 is
//! deterministic, so a redelivered body carries the same one). The record
//! is made before the effect and withdrawn if the effect fails, so a
//! vendor retry after a failure runs it again and two concurrent
//! deliveries run it once.

use crate::error::{IntegrationsError, Result};
use crate::integration::{IntegrationId, IntegrationKind, IntegrationStatus};
use crate::ports::IntegrationRepository;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Clock, LeadId, TenantId};
use frontdesk_leads::{LeadChanges, LeadService, LeadsError, NewLead};
use serde_json::Value;
use std::sync::Arc;

/// How far an event's own `timestamp` (when it has one) may be from now.
const MAX_EVENT_AGE_SECS: i64 = 300;

/// Longest outside id kept (`integration_links.external_id`).
const MAX_EXTERNAL_ID: usize = 100;

/// A vendor's webhook signature scheme.
pub trait WebhookSignatures: Send + Sync + 'static {
    /// Whether `signature` (the header, if sent) signs exactly `body`.
    /// Missing, malformed or foreign signatures are `false`: fail closed.
    fn verify(&self, body: &[u8], signature: Option<&str>) -> bool;
}

/// Which vendor events were received, for de-duplication.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Records `event_id` of `integration`; `false` when it was recorded already.
    ///
    /// # Errors
    /// `Storage`.
    async fn record(
        &self,
        integration: IntegrationId,
        event_id: &str,
        event_type: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Withdraws a record whose effect failed, so the vendor's retry runs it again.
    ///
    /// # Errors
    /// `Storage`.
    async fn forget(&self, integration: IntegrationId, event_id: &str) -> Result<()>;
}

/// Which lead an outside record (a GoHighLevel contact) is.
#[async_trait]
pub trait ExternalLinks: Send + Sync + 'static {
    /// The lead linked to `external_id` through `integration`.
    ///
    /// # Errors
    /// `Storage`.
    async fn lead_for(&self, integration: IntegrationId, external_id: &str) -> Result<Option<LeadId>>;

    /// Links `external_id` to `lead` (replacing an older link).
    ///
    /// # Errors
    /// `Storage`.
    async fn link(&self, tenant: TenantId, integration: IntegrationId, external_id: &str, lead: LeadId) -> Result<()>;

    /// The contact `lead` was last linked to through `integration`, with the
    /// fingerprint of what was last pushed or received.
    ///
    /// # Errors
    /// `Storage`.
    async fn contact_of(&self, integration: IntegrationId, lead: LeadId) -> Result<Option<crate::crm::SyncedContact>>;

    /// Links `external_id` to `lead` and records `fingerprint` as in sync.
    ///
    /// # Errors
    /// `Storage`.
    async fn record_sync(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        lead: LeadId,
        fingerprint: &str,
    ) -> Result<()>;
}

/// What became of a delivered event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Receipt {
    /// Applied: the lead it created or changed.
    Applied(LeadId),
    /// Received before; nothing done again.
    Duplicate,
    /// Authentic but not acted on, and why.
    Ignored(String),
}

/// The inbound-webhook use case.
pub struct InboundEvents {
    repo: Arc<dyn IntegrationRepository>,
    events: Arc<dyn EventLog>,
    links: Arc<dyn ExternalLinks>,
    leads: Arc<LeadService>,
    gohighlevel: Arc<dyn WebhookSignatures>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for InboundEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundEvents").finish_non_exhaustive()
    }
}

/// The ports [`InboundEvents`] works through.
pub struct InboundParts {
    /// Integrations.
    pub repo: Arc<dyn IntegrationRepository>,
    /// De-duplication records.
    pub events: Arc<dyn EventLog>,
    /// Contact ↔ lead links.
    pub links: Arc<dyn ExternalLinks>,
    /// Where contacts become leads.
    pub leads: Arc<LeadService>,
    /// GoHighLevel's signature scheme.
    pub gohighlevel: Arc<dyn WebhookSignatures>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

fn text<'a>(event: &'a Value, field: &str) -> Option<&'a str> {
    event.get(field).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

impl InboundEvents {
    /// The use case over `parts`.
    #[must_use]
    pub fn new(parts: InboundParts) -> Self {
        let InboundParts { repo, events, links, leads, gohighlevel, clock } = parts;
        Self { repo, events, links, leads, gohighlevel, clock }
    }

    /// Receives one GoHighLevel webhook for `integration`.
    ///
    /// # Errors
    /// `BadSignature` (nothing looked up, nothing stored); `NotFound` for an
    /// unknown, disconnected or non-GoHighLevel integration; `Validation`
    /// for a body that is not a JSON event; `Storage` (the record is
    /// withdrawn: the vendor's retry runs it again).
    pub async fn gohighlevel(
        &self,
        integration: IntegrationId,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<Receipt> {
        if !self.gohighlevel.verify(body, signature) {
            return Err(IntegrationsError::BadSignature);
        }
        let found = self.repo.find(integration).await?;
        if found.kind != IntegrationKind::GoHighLevel || found.status == IntegrationStatus::Disconnected {
            return Err(IntegrationsError::NotFound { entity: "integration" });
        }
        let event: Value = serde_json::from_slice(body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| frontdesk_kernel::ValidationErrors::single("body", "must be a JSON object"))?;
        let event_type = text(&event, "type").unwrap_or("unknown").chars().take(60).collect::<String>();
        if found.status == IntegrationStatus::Pending {
            // Its location id is only what the tenant typed until a check proved the token is for it.
            return Ok(Receipt::Ignored("the integration is not verified yet; run its test".into()));
        }
        let expected = found.settings.get("locationId").and_then(Value::as_str);
        if text(&event, "locationId") != expected {
            return Ok(Receipt::Ignored("the event is for another GoHighLevel location".into()));
        }
        if let Some(sent) = text(&event, "timestamp").and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
            let age = self.clock.now().signed_duration_since(sent);
            if age.num_seconds().abs() > MAX_EVENT_AGE_SECS {
                return Ok(Receipt::Ignored("the event is older than 5 minutes (a replay?)".into()));
            }
        }
        let event_id = match text(&event, "webhookId") {
            Some(id) => format!("webhook:{}", id.chars().take(150).collect::<String>()),
            None => format!("signature:{}", signature.unwrap_or_default().trim()),
        };
        if !self.events.record(integration, &event_id, &event_type, self.clock.now()).await? {
            return Ok(Receipt::Duplicate);
        }
        let outcome = match event_type.as_str() {
            "ContactCreate" | "ContactUpdate" => self.contact(found.tenant_id, integration, &event).await,
            other => Ok(Receipt::Ignored(format!("{other} events are not used"))),
        };
        if outcome.is_err() {
            self.events.forget(integration, &event_id).await?;
        }
        outcome
    }

    /// A contact created or changed in GoHighLevel (a webhook's, or one an
    /// import read): its lead, created or updated, linked and recorded as in sync.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn contact(&self, tenant: TenantId, integration: IntegrationId, contact: &Value) -> Result<Receipt> {
        let Some(contact_id) = text(contact, "id").filter(|id| id.len() <= MAX_EXTERNAL_ID) else {
            return Ok(Receipt::Ignored("the contact has no usable id".into()));
        };
        let name = text(contact, "name").map(str::to_owned).or_else(|| {
            let parts: Vec<_> = [text(contact, "firstName"), text(contact, "lastName")].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        let (phone, email) = (text(contact, "phone").map(str::to_owned), text(contact, "email").map(str::to_owned));
        let leads_error = |e: LeadsError| match e {
            LeadsError::Validation(errors) => {
                Ok(Receipt::Ignored(format!("the contact is not a valid lead: {}", errors.messages().join("; "))))
            }
            LeadsError::Duplicate { .. } => {
                Ok(Receipt::Ignored("another lead has this contact's phone or email".into()))
            }
            LeadsError::NotFound { .. } => Ok(Receipt::Ignored("the linked lead was deleted".into())),
            other => Err(IntegrationsError::storage(other)),
        };
        if let Some(lead) = self.links.lead_for(integration, contact_id).await? {
            let changes = LeadChanges { name, phone, email, ..LeadChanges::default() };
            return match self.leads.update(tenant, lead, changes).await {
                Ok(lead) => {
                    // In sync as received: the lead.updated this raised is not pushed back.
                    let print = crate::crm::fingerprint(&lead);
                    self.links.record_sync(tenant, integration, contact_id, lead.id, &print).await?;
                    Ok(Receipt::Applied(lead.id))
                }
                Err(e) => leads_error(e),
            };
        }
        let input = NewLead {
            name: name.unwrap_or_else(|| "GoHighLevel contact".into()),
            phone,
            email,
            source: Some("integration".into()),
            metadata: Some(serde_json::json!({"gohighlevelContactId": contact_id})),
            ..NewLead::default()
        };
        match self.leads.create(tenant, input).await {
            Ok(lead) => {
                let print = crate::crm::fingerprint(&lead);
                self.links.record_sync(tenant, integration, contact_id, lead.id, &print).await?;
                Ok(Receipt::Applied(lead.id))
            }
            Err(e) => leads_error(e),
        }
    }
}
