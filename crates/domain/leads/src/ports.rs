//! The ports the leads domain needs from storage.
//!
//! Repositories map storage errors to [`LeadsError`]: a unique violation
//! on phone or email becomes `Duplicate` naming the existing lead, anything
//! else `Storage`. Tenant-scoped methods take the [`TenantId`] first and
//! filter by it, so a lead of another tenant is indistinguishable from a
//! missing one (`NotFound`), never a permission error that leaks existence.
//!
//! Phone and email are unique per tenant among *live* leads (a partial
//! unique index `WHERE deleted_at IS NULL` in SQL): the same number may
//! belong to a lead in another tenant, or to a soft-deleted lead.
//!
//! [`LeadsError`]: crate::LeadsError

use crate::error::Result;
use crate::filter::LeadFilter;
use crate::lead::{Lead, LeadId};
use crate::timeline::TimelineEvent;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Page, PageRequest, TenantId};

/// Leads.
#[async_trait]
pub trait LeadRepository: Send + Sync + 'static {
    /// Stores a new lead (in `lead.tenant_id`).
    ///
    /// # Errors
    /// `Duplicate { field: "phone" | "email", existing }` when a live lead of
    /// the same tenant has that contact (even after a concurrent insert);
    /// phone is checked first. `Storage` on backend failure.
    async fn insert(&self, lead: &Lead) -> Result<()>;

    /// The live lead `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing, soft-deleted or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead>;

    /// Replaces the fields of the live lead `lead.id` of `tenant`; the id,
    /// tenant, `created_at` and `deleted_at` are never changed by an update.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (also when `lead.tenant_id` is not
    /// `tenant`); `Duplicate` as for [`Self::insert`] against the tenant's
    /// other live leads; `Storage`.
    async fn update(&self, tenant: TenantId, lead: &Lead) -> Result<()>;

    /// Marks the live lead `id` of `tenant` deleted at `at`, freeing its phone and email.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (so deleting twice is `NotFound`); `Storage`.
    async fn soft_delete(&self, tenant: TenantId, id: LeadId, at: DateTime<Utc>) -> Result<()>;

    /// One page of the tenant's live leads matching `filter`, in its order.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>>;
}

/// Lead timelines (append-only).
#[async_trait]
pub trait TimelineRepository: Send + Sync + 'static {
    /// Appends an event (in `event.tenant_id`). Callers load the lead first,
    /// so the lead is known to exist in that tenant.
    ///
    /// # Errors
    /// `Storage`.
    async fn append(&self, event: &TimelineEvent) -> Result<()>;

    /// One page of a lead's events, newest first (ties broken by id, newest first).
    /// Another tenant's lead id yields an empty page.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, lead: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>>;
}
