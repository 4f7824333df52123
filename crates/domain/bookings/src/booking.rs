//! The booking: an appointment of a lead with one resource, at a time.
//!
//! Only `confirmed` bookings occupy their slot (with their buffers, the
//! `blocks` interval); cancelling frees it, and completed or no-show
//! bookings are history. A confirmed booking can only end in one of those
//! three ways and nothing returns to `confirmed`, so a status change can
//! never create a double booking: the overlap check lives in the guarded
//! writes of [`crate::BookingRepository`] alone.
//!
//! The lead is a [`LeadId`], the kernel's: bookings sits beside leads in
//! the domain layer and must not depend on it.

use crate::ids::{AppointmentTypeId, ResourceId};
use crate::slot::TimeSlot;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{LeadId, TenantId, string_enum};

pub use crate::ids::BookingId;

string_enum!(
    /// Where a booking stands; new bookings are `confirmed`.
    BookingStatus, "booking status" {
        /// Holds its slot.
        Confirmed => "confirmed",
        /// Called off; its slot is free again.
        Cancelled => "cancelled",
        /// Took place.
        Completed => "completed",
        /// The lead did not show up.
        NoShow => "no_show",
    }
);

impl BookingStatus {
    /// Whether a booking in this status holds its slot.
    #[must_use]
    pub const fn occupies_slot(self) -> bool {
        matches!(self, Self::Confirmed)
    }

    /// Only a confirmed booking moves, and only to cancelled, completed or no-show.
    #[must_use]
    pub const fn can_transition_to(self, to: Self) -> bool {
        matches!((self, to), (Self::Confirmed, Self::Cancelled | Self::Completed | Self::NoShow))
    }
}

/// An appointment of one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    /// Its id.
    pub id: BookingId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The lead.
    pub lead_id: LeadId,
    /// The resource serving it.
    pub resource_id: ResourceId,
    /// Its type.
    pub appointment_type_id: AppointmentTypeId,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// What it keeps free while confirmed: the appointment plus its buffers.
    pub blocks: TimeSlot,
    /// Where it stands.
    pub status: BookingStatus,
    /// Free text, at most 2000 characters.
    pub notes: Option<String>,
    /// Why it was cancelled, when it was.
    pub cancel_reason: Option<String>,
    /// SHA-256 of the self-service token (the token itself is shown once).
    pub manage_token_hash: String,
    /// How many times it was moved.
    pub reschedule_count: u32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Booking {
    /// Longest notes, in characters.
    pub const MAX_NOTES_CHARS: usize = 2000;
    /// Longest cancellation reason, in characters.
    pub const MAX_REASON_CHARS: usize = 500;

    /// The appointment itself, `[starts_at, ends_at)`.
    ///
    /// # Panics
    /// Never for a stored booking (`ends_at > starts_at` is checked on the way in).
    #[must_use]
    pub fn slot(&self) -> TimeSlot {
        TimeSlot { start: self.starts_at, end: self.ends_at.max(self.starts_at + chrono::Duration::minutes(1)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus::{Cancelled, Completed, Confirmed, NoShow};

    #[test]
    fn only_confirmed_bookings_move_and_only_to_an_outcome() {
        for from in BookingStatus::ALL {
            for to in BookingStatus::ALL {
                let expected = *from == Confirmed && *to != Confirmed;
                assert_eq!(from.can_transition_to(*to), expected, "{from} -> {to}");
            }
        }
        assert!(Confirmed.occupies_slot() && !Cancelled.occupies_slot() && !Completed.occupies_slot());
        assert!(!NoShow.occupies_slot());
        assert_eq!(NoShow.to_string(), "no_show");
    }
}
