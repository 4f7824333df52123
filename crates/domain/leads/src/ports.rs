//! The ports the leads domain needs from storage and from the rest of the system.
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
//! Every write that changes a lead takes the timeline events it calls for
//! and stores both in one transaction: no event without its change, no
//! change without its event. That is why there is one store for leads and
//! their timeline, not two independent repositories.
//!
//! [`LeadsError`]: crate::LeadsError

use crate::error::Result;
use crate::filter::LeadFilter;
use crate::lead::{Lead, LeadId};
use crate::timeline::TimelineEvent;
use crate::transfer::BatchOutcome;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::jobs::JobId;
use frontdesk_kernel::{Country, Page, PageRequest, PhoneNumber, TenantId, UserId};

/// Leads and their timelines.
#[async_trait]
pub trait LeadRepository: Send + Sync + 'static {
    /// Stores a new lead (in `lead.tenant_id`) and `events` on it, atomically.
    ///
    /// # Errors
    /// `Duplicate { field: "phone" | "email", existing }` when a live lead of
    /// the same tenant has that contact (even after a concurrent insert);
    /// phone is checked first. Nothing is stored then. `Storage`.
    async fn insert(&self, lead: &Lead, events: &[TimelineEvent]) -> Result<()>;

    /// The live lead `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing, soft-deleted or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead>;

    /// The live lead of `tenant` whose phone is `phone` (at most one: the
    /// per-tenant unique index). A caller who rings or texts again is found
    /// with one indexed read instead of an insert that fails on that index.
    ///
    /// # Errors
    /// `Storage`.
    async fn find_by_phone(&self, tenant: TenantId, phone: &PhoneNumber) -> Result<Option<LeadId>>;

    /// Writes the fields of the live lead `lead.id` of `tenant` if it is
    /// still at `lead.version`, bumping the version, and appends `events`,
    /// atomically. Returns the new version. The id, tenant, `created_at`
    /// and `deleted_at` are never changed by an update.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (also when `lead.tenant_id` is not
    /// `tenant`); `Conflict` when the stored version differs; `Duplicate`
    /// as for [`Self::insert`]; nothing is written on error. `Storage`.
    async fn update(&self, tenant: TenantId, lead: &Lead, events: &[TimelineEvent]) -> Result<i64>;

    /// Marks the live lead `id` of `tenant` deleted at `at`, freeing its phone and email.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (so deleting twice is `NotFound`); `Storage`.
    async fn soft_delete(&self, tenant: TenantId, id: LeadId, at: DateTime<Utc>) -> Result<()>;

    /// Brings back the lead `id` of `tenant` deleted at or after
    /// `deleted_since`, and returns it live (updated at `now`).
    ///
    /// # Errors
    /// `NotFound` when it is not deleted, was deleted before
    /// `deleted_since` (due for purge) or is another tenant's; `Duplicate`
    /// when a live lead took its phone or email meanwhile; `Storage`.
    async fn restore(
        &self,
        tenant: TenantId,
        id: LeadId,
        deleted_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Lead>;

    /// Removes, with their timelines, every lead of every tenant deleted
    /// before `deleted_before`; returns how many.
    ///
    /// # Errors
    /// `Storage`.
    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64>;

    /// One page of the tenant's leads matching `filter`, in its order.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>>;

    /// Inserts `leads` (all of `tenant`) as batch `batch` of import job
    /// `job`, skipping those whose phone or email a live lead of the tenant
    /// (or an earlier lead of the batch) already has, and records the
    /// outcome under `(job, batch)` in the same transaction. If that batch
    /// was recorded before (the job is running again), inserts nothing and
    /// returns the recorded outcome.
    ///
    /// # Errors
    /// `Storage`.
    async fn import_batch(&self, tenant: TenantId, job: JobId, batch: u32, leads: &[Lead]) -> Result<BatchOutcome>;

    /// Appends `event` to the live lead `event.lead_id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when that lead is missing, deleted or another tenant's
    /// (checked in the same statement as the write); `Storage`.
    async fn append_event(&self, tenant: TenantId, event: &TimelineEvent) -> Result<()>;

    /// Appends `events`, all or none, each to its live lead of `tenant` (a
    /// receptionist turn writes two: the caller's message and the reply).
    /// Adapters should write them in one statement; the default appends them
    /// in turn, which is all or none only for a store that cannot fail midway.
    ///
    /// # Errors
    /// `NotFound` when any event's lead is missing, deleted or another
    /// tenant's (nothing appended); `Storage`.
    async fn append_events(&self, tenant: TenantId, events: &[TimelineEvent]) -> Result<()> {
        for event in events {
            self.append_event(tenant, event).await?;
        }
        Ok(())
    }

    /// One page of a lead's events, newest first (ties broken by id, newest
    /// first). Another tenant's lead id yields an empty page; callers check
    /// the lead exists first.
    ///
    /// # Errors
    /// `Storage`.
    async fn timeline(&self, tenant: TenantId, lead: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>>;
}

/// What the leads domain needs to know about a tenant, owned by tenancy.
#[async_trait]
pub trait TenantDirectory: Send + Sync + 'static {
    /// The tenant's country, in which national phone numbers are read.
    ///
    /// # Errors
    /// `NotFound { entity: "sub-account" }` when the tenant is gone; `Storage`.
    async fn default_region(&self, tenant: TenantId) -> Result<Option<Country>>;

    /// Whether `user` is a member of `tenant` (leads are assigned to members only).
    ///
    /// # Errors
    /// `Storage`.
    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool>;
}
