//! In-memory implementations of the leads ports.

use crate::error::{LeadsError, Result};
use crate::filter::LeadFilter;
use crate::lead::{Lead, LeadId};
use crate::ports::{LeadRepository, TenantDirectory};
use crate::timeline::TimelineEvent;
use crate::transfer::BatchOutcome;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::jobs::JobId;
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{Country, Page, PageRequest, PhoneNumber, TenantId, UserId};
use std::collections::{HashMap, HashSet};
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

#[derive(Debug, Default)]
struct Rows {
    leads: Vec<Lead>,
    events: Vec<TimelineEvent>,
    effects: HashMap<(JobId, u32), BatchOutcome>,
    /// Filtered lists count up to this many (`None`: the domain's cap).
    count_cap: Option<u64>,
}

/// Leads and events under one lock, so every write with its events is atomic.
#[derive(Debug, Default)]
pub struct InMemoryLeadStore(Mutex<Rows>);

impl InMemoryLeadStore {
    /// A store whose filtered lists count up to `cap` (as the SQL store's `with_count_cap`).
    #[must_use]
    pub fn with_count_cap(cap: u64) -> Self {
        Self(Mutex::new(Rows { count_cap: Some(cap), ..Rows::default() }))
    }

    /// Every stored event, in append order (for assertions).
    #[must_use]
    pub fn events(&self) -> Vec<TimelineEvent> {
        lock(&self.0).events.clone()
    }
}

fn live(rows: &mut Rows, tenant: TenantId, id: LeadId) -> Option<&mut Lead> {
    rows.leads.iter_mut().find(|l| l.tenant_id == tenant && l.id == id && l.deleted_at.is_none())
}

#[async_trait]
impl LeadRepository for InMemoryLeadStore {
    async fn insert(&self, lead: &Lead, events: &[TimelineEvent]) -> Result<()> {
        let mut rows = lock(&self.0);
        if let Some(duplicate) = duplicate_of(&rows.leads, lead) {
            return Err(duplicate);
        }
        rows.leads.push(lead.clone());
        rows.events.extend_from_slice(events);
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead> {
        live(&mut lock(&self.0), tenant, id).map(|l| l.clone()).ok_or(NOT_FOUND)
    }

    async fn find_by_phone(&self, tenant: TenantId, phone: &PhoneNumber) -> Result<Option<LeadId>> {
        let rows = lock(&self.0);
        Ok(rows
            .leads
            .iter()
            .find(|l| l.tenant_id == tenant && l.deleted_at.is_none() && l.phone.as_ref() == Some(phone))
            .map(|l| l.id))
    }

    async fn update(&self, tenant: TenantId, lead: &Lead, events: &[TimelineEvent]) -> Result<i64> {
        let mut rows = lock(&self.0);
        if lead.tenant_id != tenant {
            return Err(NOT_FOUND);
        }
        let stored_version = live(&mut rows, tenant, lead.id).ok_or(NOT_FOUND)?.version;
        if stored_version != lead.version {
            return Err(LeadsError::Conflict { entity: "lead" });
        }
        if let Some(duplicate) = duplicate_of(&rows.leads, lead) {
            return Err(duplicate);
        }
        let stored = live(&mut rows, tenant, lead.id).ok_or(NOT_FOUND)?;
        let version = lead.version + 1;
        *stored = Lead { created_at: stored.created_at, deleted_at: None, version, ..lead.clone() };
        rows.events.extend_from_slice(events);
        Ok(version)
    }

    async fn soft_delete(&self, tenant: TenantId, id: LeadId, at: DateTime<Utc>) -> Result<()> {
        let mut rows = lock(&self.0);
        let stored = live(&mut rows, tenant, id).ok_or(NOT_FOUND)?;
        stored.deleted_at = Some(at);
        stored.updated_at = at;
        stored.version += 1;
        Ok(())
    }

    async fn restore(
        &self,
        tenant: TenantId,
        id: LeadId,
        deleted_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Lead> {
        let mut rows = lock(&self.0);
        let index = rows
            .leads
            .iter()
            .position(|l| l.tenant_id == tenant && l.id == id && l.deleted_at.is_some_and(|at| at >= deleted_since))
            .ok_or(NOT_FOUND)?;
        let mut restored = Lead { deleted_at: None, updated_at: now, ..rows.leads[index].clone() };
        if let Some(duplicate) = duplicate_of(&rows.leads, &restored) {
            return Err(duplicate);
        }
        restored.version += 1;
        rows.leads[index] = restored.clone();
        Ok(restored)
    }

    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64> {
        let mut rows = lock(&self.0);
        let expired: HashSet<LeadId> =
            rows.leads.iter().filter(|l| l.deleted_at.is_some_and(|at| at < deleted_before)).map(|l| l.id).collect();
        rows.leads.retain(|l| !expired.contains(&l.id));
        rows.events.retain(|e| !expired.contains(&e.lead_id));
        Ok(expired.len() as u64)
    }

    async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>> {
        let rows = lock(&self.0);
        let cap = rows.count_cap.unwrap_or(crate::filter::COUNT_CAP);
        let mut leads: Vec<_> =
            rows.leads.iter().filter(|l| l.tenant_id == tenant && filter.matches(l)).cloned().collect();
        drop(rows);
        leads.sort_by(|a, b| filter.sort.compare(a, b));
        let total = leads.len() as u64;
        let (total, exact) = if filter.is_everything() || total <= cap { (total, true) } else { (cap, false) };
        let data: Vec<Lead> = match &filter.after {
            Some(cursor) => leads.into_iter().filter(|l| cursor.admits(l)).take(page.limit() as usize).collect(),
            None => page_of(&leads, page).data,
        };
        Ok(Page::counted(data, page, total, exact))
    }

    async fn import_batch(&self, tenant: TenantId, job: JobId, batch: u32, leads: &[Lead]) -> Result<BatchOutcome> {
        let mut rows = lock(&self.0);
        if let Some(outcome) = rows.effects.get(&(job, batch)) {
            return Ok(*outcome);
        }
        let mut outcome = BatchOutcome::default();
        for lead in leads.iter().filter(|l| l.tenant_id == tenant) {
            if duplicate_of(&rows.leads, lead).is_some() {
                outcome.duplicates += 1;
            } else {
                rows.leads.push(lead.clone());
                outcome.inserted += 1;
            }
        }
        rows.effects.insert((job, batch), outcome);
        Ok(outcome)
    }

    async fn append_event(&self, tenant: TenantId, event: &TimelineEvent) -> Result<()> {
        let mut rows = lock(&self.0);
        if event.tenant_id != tenant || live(&mut rows, tenant, event.lead_id).is_none() {
            return Err(NOT_FOUND);
        }
        rows.events.push(event.clone());
        Ok(())
    }

    async fn append_events(&self, tenant: TenantId, events: &[TimelineEvent]) -> Result<()> {
        let mut rows = lock(&self.0);
        for event in events {
            if event.tenant_id != tenant || live(&mut rows, tenant, event.lead_id).is_none() {
                return Err(NOT_FOUND);
            }
        }
        rows.events.extend_from_slice(events);
        Ok(())
    }

    async fn timeline(&self, tenant: TenantId, lead: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>> {
        let mut events: Vec<_> =
            lock(&self.0).events.iter().filter(|e| e.tenant_id == tenant && e.lead_id == lead).cloned().collect();
        events.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
        Ok(page_of(&events, page))
    }
}

/// Tenants' countries and members, set by the test.
#[derive(Debug, Default)]
pub struct InMemoryDirectory {
    regions: Mutex<HashMap<TenantId, Country>>,
    members: Mutex<HashSet<(TenantId, UserId)>>,
}

impl InMemoryDirectory {
    /// Sets the tenant's country.
    pub fn set_region(&self, tenant: TenantId, country: Country) {
        lock(&self.regions).insert(tenant, country);
    }

    /// Makes `user` a member of `tenant`.
    pub fn add_member(&self, tenant: TenantId, user: UserId) {
        lock(&self.members).insert((tenant, user));
    }
}

#[async_trait]
impl TenantDirectory for InMemoryDirectory {
    async fn default_region(&self, tenant: TenantId) -> Result<Option<Country>> {
        Ok(lock(&self.regions).get(&tenant).copied())
    }

    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        Ok(lock(&self.members).contains(&(tenant, user)))
    }
}
