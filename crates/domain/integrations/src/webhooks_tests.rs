//! GoHighLevel webhooks over the in-memory fakes: signature first, then
//! the integration, the location, de-duplication and the lead.

use crate::testing::{InMemoryEventLog, InMemoryIntegrations, InMemoryLinks};
use crate::{
    InboundEvents, InboundParts, Integration, IntegrationId, IntegrationKind, IntegrationRepository, IntegrationStatus,
    IntegrationsError, Receipt, SealedSecret, WebhookSignatures,
};
use chrono::Utc;
use frontdesk_kernel::testing::MapCache;
use frontdesk_kernel::{JsonObject, SystemClock, TenantId};
use frontdesk_leads::testing::{InMemoryDirectory, InMemoryLeadStore};
use frontdesk_leads::{LeadService, LeadSource};
use serde_json::json;
use std::sync::Arc;

/// A stand-in scheme: the signature is `ok:` and the body's length.
struct LengthSignatures;

impl WebhookSignatures for LengthSignatures {
    fn verify(&self, body: &[u8], signature: Option<&str>) -> bool {
        signature == Some(format!("ok:{}", body.len()).as_str())
    }
}

fn sign(body: &[u8]) -> String {
    format!("ok:{}", body.len())
}

struct World {
    repo: Arc<InMemoryIntegrations>,
    leads: Arc<LeadService>,
    events: InboundEvents,
    tenant: TenantId,
    integration: IntegrationId,
}

async fn world(status: IntegrationStatus) -> World {
    let repo = Arc::new(InMemoryIntegrations::default());
    let tenant = TenantId::new();
    let now = Utc::now();
    let integration = Integration {
        id: IntegrationId::new(),
        tenant_id: tenant,
        kind: IntegrationKind::GoHighLevel,
        name: "CRM".into(),
        status,
        settings: JsonObject::parse(json!({"locationId": "loc_Acme"})).unwrap(),
        secret_fields: Vec::new(),
        sealed_credentials: SealedSecret::default(),
        last_error: None,
        last_error_at: None,
        last_checked_at: None,
        created_at: now,
        updated_at: now,
    };
    repo.insert(&integration).await.unwrap();
    let leads = Arc::new(LeadService::new(
        Arc::new(InMemoryLeadStore::default()),
        Arc::new(MapCache::default()),
        Arc::new(InMemoryDirectory::default()),
        Arc::new(SystemClock),
    ));
    let events = InboundEvents::new(InboundParts {
        repo: repo.clone(),
        events: Arc::new(InMemoryEventLog::default()),
        links: Arc::new(InMemoryLinks::default()),
        leads: leads.clone(),
        gohighlevel: Arc::new(LengthSignatures),
        clock: Arc::new(SystemClock),
    });
    World { repo, leads, events, tenant, integration: integration.id }
}

fn contact(kind: &str, name: &str) -> Vec<u8> {
    json!({"type": kind, "locationId": "loc_Acme", "id": "ct_1", "name": name, "phone": "+14155550100", "email": "jose@example.com"})
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn an_unsigned_or_forged_event_is_refused_before_anything_is_read() {
    let w = world(IntegrationStatus::Active).await;
    let body = contact("ContactCreate", "José");
    for signature in [None, Some(""), Some("ok:1"), Some("garbage")] {
        let err = w.events.gohighlevel(w.integration, &body, signature).await.unwrap_err();
        assert!(matches!(err, IntegrationsError::BadSignature), "{signature:?}: {err:?}");
    }
    // Even for an integration that does not exist: the signature is checked first.
    let err = w.events.gohighlevel(IntegrationId::new(), &body, None).await.unwrap_err();
    assert!(matches!(err, IntegrationsError::BadSignature));
    let filter = frontdesk_leads::LeadFilter::default();
    let page = w.leads.list(w.tenant, &filter, frontdesk_kernel::PageRequest::default()).await.unwrap();
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn a_contact_becomes_a_lead_once_and_its_changes_follow() {
    let w = world(IntegrationStatus::Active).await;
    let body = contact("ContactCreate", "José Müller");
    let receipt = w.events.gohighlevel(w.integration, &body, Some(&sign(&body))).await.unwrap();
    let Receipt::Applied(lead_id) = receipt else { panic!("{receipt:?}") };
    let lead = w.leads.get(w.tenant, lead_id).await.unwrap();
    assert_eq!((lead.name.as_str(), lead.source), ("José Müller", LeadSource::Integration));
    assert_eq!(lead.phone.as_ref().map(|p| p.as_str()), Some("+14155550100"));
    assert_eq!(lead.metadata.get("gohighlevelContactId"), Some(&json!("ct_1")));

    let again = w.events.gohighlevel(w.integration, &body, Some(&sign(&body))).await.unwrap();
    assert_eq!(again, Receipt::Duplicate, "a redelivery changes nothing");

    let update = contact("ContactUpdate", "José M. Müller");
    let receipt = w.events.gohighlevel(w.integration, &update, Some(&sign(&update))).await.unwrap();
    assert_eq!(receipt, Receipt::Applied(lead_id), "the linked lead, not a new one");
    assert_eq!(w.leads.get(w.tenant, lead_id).await.unwrap().name.as_str(), "José M. Müller");
}

#[tokio::test]
async fn events_for_another_location_stale_or_of_unused_types_are_ignored() {
    let pending = world(IntegrationStatus::Pending).await;
    let body = contact("ContactCreate", "José");
    let receipt = pending.events.gohighlevel(pending.integration, &body, Some(&sign(&body))).await.unwrap();
    assert!(matches!(receipt, Receipt::Ignored(why) if why.contains("not verified")));
    let w = world(IntegrationStatus::Error).await;
    let old =
        json!({"type": "ContactUpdate", "locationId": "loc_Acme", "id": "ct_1", "timestamp": "2020-01-01T00:00:00Z"})
            .to_string();
    let receipt = w.events.gohighlevel(w.integration, old.as_bytes(), Some(&sign(old.as_bytes()))).await;
    assert!(matches!(receipt.unwrap(), Receipt::Ignored(why) if why.contains("older than 5 minutes")));
    let long =
        json!({"type": "ContactCreate", "locationId": "loc_Acme", "id": "x".repeat(101), "name": "Eve"}).to_string();
    let receipt = w.events.gohighlevel(w.integration, long.as_bytes(), Some(&sign(long.as_bytes()))).await;
    assert!(matches!(receipt.unwrap(), Receipt::Ignored(why) if why.contains("no usable id")));
    let foreign = json!({"type": "ContactCreate", "locationId": "loc_Other", "id": "ct_9", "name": "Eve"}).to_string();
    let receipt = w.events.gohighlevel(w.integration, foreign.as_bytes(), Some(&sign(foreign.as_bytes()))).await;
    assert!(matches!(receipt.unwrap(), Receipt::Ignored(why) if why.contains("another GoHighLevel location")));
    let appointment =
        json!({"type": "AppointmentCreate", "locationId": "loc_Acme", "appointment": {"id": "a1"}}).to_string();
    let receipt =
        w.events.gohighlevel(w.integration, appointment.as_bytes(), Some(&sign(appointment.as_bytes()))).await;
    assert!(matches!(receipt.unwrap(), Receipt::Ignored(why) if why.contains("AppointmentCreate")));
    let not_json = b"not json";
    let err = w.events.gohighlevel(w.integration, not_json, Some(&sign(not_json))).await.unwrap_err();
    assert!(matches!(err, IntegrationsError::Validation(_)), "{err:?}");
}

#[tokio::test]
async fn a_disconnected_or_other_kind_of_integration_is_not_found() {
    let w = world(IntegrationStatus::Active).await;
    let mut stored = w.repo.find(w.integration).await.unwrap();
    let seen = stored.updated_at;
    stored.disconnect(seen + chrono::Duration::milliseconds(1)).unwrap();
    w.repo.update(&stored, seen).await.unwrap();
    let body = contact("ContactCreate", "José");
    let err = w.events.gohighlevel(w.integration, &body, Some(&sign(&body))).await.unwrap_err();
    assert!(matches!(err, IntegrationsError::NotFound { .. }), "{err:?}");
    let err = w.events.gohighlevel(IntegrationId::new(), &body, Some(&sign(&body))).await.unwrap_err();
    assert!(matches!(err, IntegrationsError::NotFound { .. }), "{err:?}");
}
