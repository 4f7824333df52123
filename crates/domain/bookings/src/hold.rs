//! Holds: a short claim on a slot while a caller decides.
//!
//! Between "how about Tuesday at 3?" and "yes", the receptionist holds the
//! slot so nobody else takes it. A live hold blocks the slot exactly like a
//! confirmed booking (the same guarded write, the same constraint); an
//! expired hold blocks nothing — storage treats `expires_at <= now` as gone
//! inside the guarded write itself, so no cleanup job has to run first.

use crate::ids::{AppointmentTypeId, HoldId, ResourceId};
use crate::slot::TimeSlot;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{LeadId, TenantId};

/// A claim on a slot until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// Its id.
    pub id: HoldId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The resource held.
    pub resource_id: ResourceId,
    /// What it is for.
    pub appointment_type_id: AppointmentTypeId,
    /// Who it is for, when known.
    pub lead_id: Option<LeadId>,
    /// The appointment's start.
    pub starts_at: DateTime<Utc>,
    /// The appointment's end.
    pub ends_at: DateTime<Utc>,
    /// What it keeps free: the appointment plus its buffers.
    pub blocks: TimeSlot,
    /// When it stops blocking.
    pub expires_at: DateTime<Utc>,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
}

impl Hold {
    /// Whether it still blocks its slot at `now`.
    #[must_use]
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires_at > now
    }
}
