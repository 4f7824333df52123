//! The booking: an appointment of a lead at a time, for a duration.
//!
//! Only `confirmed` bookings occupy their slot; cancelling frees it, and
//! completed or no-show bookings are history. A confirmed booking can only
//! end in one of those three ways, and nothing returns to `confirmed`, so a
//! status change can never create a double booking: the overlap check
//! lives in exactly one place, [`crate::BookingRepository::insert_if_free`].
//!
//! The lead is a [`LeadId`], the kernel's: bookings sits beside leads in
//! the domain layer and must not depend on it (the receptionist depends on
//! both), yet a lead id stays typed everywhere.

use frontdesk_kernel::{LeadId, string_enum};

use crate::error::BookingsError;
use crate::slot::TimeSlot;
use chrono::{DateTime, Duration, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors};

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
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// How long it lasts, 5–480 minutes.
    pub duration_minutes: u32,
    /// Where it stands.
    pub status: BookingStatus,
    /// Free text, at most 2000 characters.
    pub notes: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Raw input for a new booking.
#[derive(Clone, Debug)]
pub struct NewBooking {
    /// The lead being booked.
    pub lead_id: LeadId,
    /// When it starts; must not be in the past.
    pub starts_at: DateTime<Utc>,
    /// 5–480 minutes.
    pub duration_minutes: u32,
    /// Optional notes.
    pub notes: Option<String>,
}

impl Booking {
    /// Shortest booking, in minutes.
    pub const MIN_MINUTES: u32 = 5;
    /// Longest booking (a working day), in minutes.
    pub const MAX_MINUTES: u32 = 480;
    /// Longest notes, in characters.
    pub const MAX_NOTES_CHARS: usize = 2000;

    /// Validates `input` and builds a confirmed booking made at `now`.
    ///
    /// # Errors
    /// Every invalid field (`startsAt`, `durationMinutes`, `notes`).
    pub fn create(tenant_id: TenantId, input: NewBooking, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.starts_at < now {
            errors.add("startsAt", "must not be in the past");
        }
        if !(Self::MIN_MINUTES..=Self::MAX_MINUTES).contains(&input.duration_minutes) {
            errors.add("durationMinutes", format!("must be between {} and {}", Self::MIN_MINUTES, Self::MAX_MINUTES));
        }
        let notes = input.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if notes.is_some_and(|n| n.chars().count() > Self::MAX_NOTES_CHARS) {
            errors.add("notes", format!("must be at most {} characters", Self::MAX_NOTES_CHARS));
        }
        errors.into_result()?;
        Ok(Self {
            id: BookingId::new(),
            tenant_id,
            lead_id: input.lead_id,
            starts_at: input.starts_at,
            duration_minutes: input.duration_minutes,
            status: BookingStatus::Confirmed,
            notes: notes.map(str::to_owned),
            created_at: now,
        })
    }

    /// When it ends.
    #[must_use]
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(i64::from(self.duration_minutes))
    }

    /// The slot `[starts_at, ends_at)`. A zero duration (never produced by
    /// [`Self::create`]) is read as one minute so the slot stays non-empty.
    #[must_use]
    pub fn slot(&self) -> TimeSlot {
        let minutes = i64::from(self.duration_minutes.max(1));
        TimeSlot { start: self.starts_at, end: self.starts_at + Duration::minutes(minutes) }
    }

    /// Moves the booking to `to`.
    ///
    /// # Errors
    /// `InvalidTransition` when [`BookingStatus::can_transition_to`] forbids it.
    pub fn transition(&mut self, to: BookingStatus) -> Result<(), BookingsError> {
        if !self.status.can_transition_to(to) {
            return Err(BookingsError::InvalidTransition { from: self.status, to });
        }
        self.status = to;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus::{Cancelled, Completed, Confirmed, NoShow};

    fn input(now: DateTime<Utc>) -> NewBooking {
        NewBooking { lead_id: LeadId::new(), starts_at: now + Duration::hours(2), duration_minutes: 30, notes: None }
    }

    #[test]
    fn creates_a_confirmed_booking_with_its_slot() {
        let now = Utc::now();
        let booking =
            Booking::create(TenantId::new(), NewBooking { notes: Some(" Gate code 12 ".into()), ..input(now) }, now)
                .unwrap();
        assert_eq!(booking.status, Confirmed);
        assert_eq!(booking.notes.as_deref(), Some("Gate code 12"));
        assert_eq!(booking.slot().duration(), Duration::minutes(30));
        assert_eq!(booking.slot().start(), now + Duration::hours(2));
    }

    #[test]
    fn reports_every_bad_field() {
        let now = Utc::now();
        let bad = NewBooking {
            starts_at: now - Duration::minutes(1),
            duration_minutes: 481,
            notes: Some("n".repeat(2001)),
            ..input(now)
        };
        let errors = Booking::create(TenantId::new(), bad, now).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["startsAt", "durationMinutes", "notes"]);
    }

    #[test]
    fn duration_bounds_are_inclusive() {
        let now = Utc::now();
        for (minutes, ok) in [(4, false), (5, true), (480, true), (481, false)] {
            let result = Booking::create(TenantId::new(), NewBooking { duration_minutes: minutes, ..input(now) }, now);
            assert_eq!(result.is_ok(), ok, "{minutes} minutes");
        }
    }

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
    }

    #[test]
    fn transition_refuses_reconfirming_a_cancelled_booking() {
        let now = Utc::now();
        let mut booking = Booking::create(TenantId::new(), input(now), now).unwrap();
        booking.transition(Cancelled).unwrap();
        let err = booking.transition(Confirmed).unwrap_err();
        assert!(matches!(err, BookingsError::InvalidTransition { from: Cancelled, to: Confirmed }));
        assert_eq!(NoShow.to_string(), "no_show");
    }
}
