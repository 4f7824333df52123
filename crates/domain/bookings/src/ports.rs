//! The ports the bookings domain needs from storage.
//!
//! No double booking is the one rule that must hold under concurrency, so
//! the check and the insert are a single port call,
//! [`BookingRepository::insert_if_free`], which every adapter makes atomic
//! (the in-memory fake under one lock; PostgreSQL with an exclusion
//! constraint on `(tenant_id, tstzrange(starts_at, ends_at, '[)'))` for
//! confirmed rows, or a transaction holding a per-tenant advisory lock).
//! Tenant-scoped methods take the [`TenantId`] first and filter by it.

use crate::booking::{Booking, BookingId, BookingStatus};
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::TenantId;

/// Bookings.
#[async_trait]
pub trait BookingRepository: Send + Sync + 'static {
    /// Stores `booking` unless its slot overlaps a confirmed booking of
    /// `tenant` (half-open: back-to-back is fine; cancelled, completed and
    /// no-show bookings never block). Atomic: of two concurrent inserts into
    /// the same slot, exactly one succeeds. A booking that is not confirmed
    /// holds no slot and is always stored.
    ///
    /// # Errors
    /// `SlotTaken { conflicting }` naming a confirmed booking in the way;
    /// `Validation` (`tenantId`) when `booking.tenant_id` is not `tenant`; `Storage`.
    async fn insert_if_free(&self, tenant: TenantId, booking: &Booking) -> Result<()>;

    /// The booking `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: BookingId) -> Result<Booking>;

    /// The tenant's bookings of any status whose slot overlaps `[from, to)`,
    /// by start time (ties by id).
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Booking>>;

    /// Moves the booking `id` of `tenant` to `to` (see
    /// [`BookingStatus::can_transition_to`]) and returns it as stored.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`]; `InvalidTransition`; `Storage`.
    async fn update_status(&self, tenant: TenantId, id: BookingId, to: BookingStatus) -> Result<Booking>;
}
