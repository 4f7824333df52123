//! The domain events a lead write announces (`lead.created`,
//! `lead.updated`, `lead.status_changed`), built here so the repository
//! can store them in the same transaction as the write (the transactional
//! outbox): an event is recorded if and only if its change is.
//!
//! The payload is the lead as API clients see it (camelCase, ids as
//! strings), so a webhook receiver can parse it with the REST schema.

use crate::lead::Lead;
use crate::timeline::{EventKind, TimelineEvent};
use frontdesk_kernel::events::DomainEvent;
use serde_json::{Value, json};

/// `lead.created`.
pub const LEAD_CREATED: &str = "lead.created";
/// `lead.updated`.
pub const LEAD_UPDATED: &str = "lead.updated";
/// `lead.status_changed`.
pub const LEAD_STATUS_CHANGED: &str = "lead.status_changed";
/// `lead.deleted` (moved to the trash; restorable for the retention period).
pub const LEAD_DELETED: &str = "lead.deleted";
/// `lead.restored` (back from the trash).
pub const LEAD_RESTORED: &str = "lead.restored";

/// The lead as a webhook payload.
#[must_use]
pub fn lead_payload(lead: &Lead) -> Value {
    json!({
        "id": lead.id.to_string(),
        "name": lead.name.as_str(),
        "phone": lead.phone.as_ref().map(|p| p.as_str()),
        "email": lead.email.as_ref().map(|e| e.as_str()),
        "status": lead.status.as_str(),
        "source": lead.source.as_str(),
        "notes": lead.notes,
        "metadata": lead.metadata.to_value(),
        "assignedTo": lead.assigned_to.map(|u| u.to_string()),
        "createdAt": lead.created_at,
        "updatedAt": lead.updated_at,
    })
}

/// The events of creating `lead`.
#[must_use]
pub fn created(lead: &Lead) -> Vec<DomainEvent> {
    vec![DomainEvent::new(lead.tenant_id, LEAD_CREATED, json!({ "lead": lead_payload(lead) }), lead.created_at)]
}

/// The events of moving `lead` to the trash at `at`.
#[must_use]
pub fn deleted(lead: &Lead, at: chrono::DateTime<chrono::Utc>) -> Vec<DomainEvent> {
    vec![DomainEvent::new(lead.tenant_id, LEAD_DELETED, json!({ "lead": lead_payload(lead), "deletedAt": at }), at)]
}

/// The events of restoring `lead` (as written).
#[must_use]
pub fn restored(lead: &Lead) -> Vec<DomainEvent> {
    vec![DomainEvent::new(lead.tenant_id, LEAD_RESTORED, json!({ "lead": lead_payload(lead) }), lead.updated_at)]
}

/// The events of updating `lead` (as written) with `timeline`: always
/// `lead.updated`, and `lead.status_changed` (with `from` and `to`) for a
/// status move.
#[must_use]
pub fn updated(lead: &Lead, timeline: &[TimelineEvent]) -> Vec<DomainEvent> {
    let payload = lead_payload(lead);
    let mut events = vec![DomainEvent::new(lead.tenant_id, LEAD_UPDATED, json!({ "lead": payload }), lead.updated_at)];
    for moved in timeline.iter().filter(|e| e.kind == EventKind::StatusChange) {
        let meta = moved.meta.to_value();
        events.push(DomainEvent::new(
            lead.tenant_id,
            LEAD_STATUS_CHANGED,
            json!({ "lead": payload, "from": meta.get("from"), "to": meta.get("to") }),
            moved.created_at,
        ));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{LeadChanges, NewLead};
    use chrono::Utc;
    use frontdesk_kernel::TenantId;

    fn lead() -> Lead {
        let new = NewLead { name: "Ana Lopez".into(), email: Some("ana@example.com".into()), ..NewLead::default() };
        Lead::create(TenantId::new(), new, None, Utc::now()).unwrap()
    }

    #[test]
    fn a_new_lead_is_one_created_event_with_the_api_shape() {
        let lead = lead();
        let events = created(&lead);
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].kind.as_str(), events[0].tenant_id), (LEAD_CREATED, lead.tenant_id));
        let data = &events[0].data["lead"];
        assert_eq!(data["id"], lead.id.to_string());
        assert_eq!(data["email"], "ana@example.com");
        assert_eq!(data["status"], "new");
        assert!(data.get("assignedTo").is_some_and(Value::is_null));
    }

    #[test]
    fn a_status_move_adds_status_changed_with_from_and_to() {
        let mut lead = lead();
        let timeline =
            lead.apply(LeadChanges { status: Some("contacted".into()), ..LeadChanges::default() }, None, Utc::now());
        let timeline = timeline.unwrap();
        let events = updated(&lead, timeline.as_slice());
        let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, [LEAD_UPDATED, LEAD_STATUS_CHANGED]);
        assert_eq!((events[1].data["from"].as_str(), events[1].data["to"].as_str()), (Some("new"), Some("contacted")));
        assert_ne!(events[0].id, events[1].id);

        let renamed =
            lead.apply(LeadChanges { name: Some("Ana L".into()), ..LeadChanges::default() }, None, Utc::now());
        assert_eq!(updated(&lead, renamed.unwrap().as_slice()).len(), 1, "no status move, no status event");
    }
}
