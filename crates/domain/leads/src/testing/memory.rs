//! In-memory implementations of the leads ports.

use crate::error::{LeadsError, Result};
use crate::filter::LeadFilter;
use crate::lead::{Lead, LeadId};
use crate::ports::{LeadRepository, TimelineRepository};
use crate::timeline::TimelineEvent;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{Page, PageRequest, TenantId};
use std::sync::Mutex;

/// The first live lead of the same tenant, other than `lead` itself, holding its phone or email.
fn duplicate_of(leads: &[Lead], lead: &Lead) -> Option<LeadsError> {
    let others = || leads.iter().filter(|l| l.tenant_id == lead.tenant_id && l.id != lead.id && l.deleted_at.is_none());
    let phone = lead.phone.as_ref().and_then(|p| others().find(|l| l.phone.as_ref() == Some(p)));
    let email = lead.email.as_ref().and_then(|e| others().find(|l| l.email.as_ref() == Some(e)));
    match (phone, email) {
        (Some(existing), _) => Some(LeadsError::Duplicate { field: "phone", existing: existing.id }),
        (None, Some(existing)) => Some(LeadsError::Duplicate { field: "email", existing: existing.id }),
        (None, None) => None,
    }
}

const NOT_FOUND: LeadsError = LeadsError::NotFound { entity: "lead" };

/// Leads in a `Vec`; uniqueness is checked under the same lock as the write.
#[derive(Debug, Default)]
pub struct InMemoryLeads(Mutex<Vec<Lead>>);

#[async_trait]
impl LeadRepository for InMemoryLeads {
    async fn insert(&self, lead: &Lead) -> Result<()> {
        let mut leads = lock(&self.0);
        if let Some(duplicate) = duplicate_of(&leads, lead) {
            return Err(duplicate);
        }
        leads.push(lead.clone());
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead> {
        lock(&self.0)
            .iter()
            .find(|l| l.tenant_id == tenant && l.id == id && l.deleted_at.is_none())
            .cloned()
            .ok_or(NOT_FOUND)
    }

    async fn update(&self, tenant: TenantId, lead: &Lead) -> Result<()> {
        let mut leads = lock(&self.0);
        if lead.tenant_id != tenant {
            return Err(NOT_FOUND);
        }
        if let Some(duplicate) = duplicate_of(&leads, lead) {
            return Err(duplicate);
        }
        let stored = leads
            .iter_mut()
            .find(|l| l.tenant_id == tenant && l.id == lead.id && l.deleted_at.is_none())
            .ok_or(NOT_FOUND)?;
        *stored = Lead { created_at: stored.created_at, deleted_at: None, ..lead.clone() };
        Ok(())
    }

    async fn soft_delete(&self, tenant: TenantId, id: LeadId, at: DateTime<Utc>) -> Result<()> {
        let mut leads = lock(&self.0);
        let stored = leads
            .iter_mut()
            .find(|l| l.tenant_id == tenant && l.id == id && l.deleted_at.is_none())
            .ok_or(NOT_FOUND)?;
        stored.deleted_at = Some(at);
        stored.updated_at = at;
        Ok(())
    }

    async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>> {
        let mut leads: Vec<_> =
            lock(&self.0).iter().filter(|l| l.tenant_id == tenant && filter.matches(l)).cloned().collect();
        leads.sort_by(|a, b| filter.sort.compare(a, b));
        Ok(page_of(&leads, page))
    }
}

/// Timeline events in a `Vec`.
#[derive(Debug, Default)]
pub struct InMemoryTimeline(Mutex<Vec<TimelineEvent>>);

#[async_trait]
impl TimelineRepository for InMemoryTimeline {
    async fn append(&self, event: &TimelineEvent) -> Result<()> {
        lock(&self.0).push(event.clone());
        Ok(())
    }

    async fn list(&self, tenant: TenantId, lead: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>> {
        let mut events: Vec<_> =
            lock(&self.0).iter().filter(|e| e.tenant_id == tenant && e.lead_id == lead).cloned().collect();
        events.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
        Ok(page_of(&events, page))
    }
}
