//! The bookings domain's ids; the lead is the kernel's [`frontdesk_kernel::LeadId`].

use frontdesk_kernel::define_id;

define_id!(
    /// A booking.
    BookingId,
    "booking id"
);
define_id!(
    /// What gets booked: a staff member, a room, a truck.
    ResourceId,
    "resource id"
);
define_id!(
    /// A kind of appointment (its duration, buffers and who can serve it).
    AppointmentTypeId,
    "appointment type id"
);
define_id!(
    /// A short-lived claim on a slot while a caller decides.
    HoldId,
    "hold id"
);
